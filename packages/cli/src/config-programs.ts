// Finds the commands of trunkflow.yml's environments whose program is not here: neither on PATH nor a file in the repository.
//
// The schema (in core) can only say a command is well formed; whether its program exists depends on the machine,
// so this check runs at the edge, where `trunkflow config validate` reads the file.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ENVIRONMENT_SECTIONS, environmentCommands, type TrunkflowConfig } from '@trunkflow/core';

export interface ProgramIssue {
  /** Dotted key path of the command, e.g. `environments.staging.test`. */
  path: string;
  message: string;
}

export interface ProgramLookup {
  /** The repository root: commands run in the checked-out tree, so a relative program is a file from here. */
  root: string;
  /** The PATH the programs are looked up on. */
  searchPath: string;
}

type FileState = 'program' | 'missing' | 'not-executable' | 'directory';

async function fileState(path: string): Promise<FileState> {
  try {
    if ((await stat(path)).isDirectory()) return 'directory';
  } catch {
    return 'missing';
  }
  try {
    await access(path, constants.X_OK);
    return 'program';
  } catch {
    return 'not-executable';
  }
}

/** Why `program` cannot be run from `lookup.root`, or null when it can. */
async function programProblem(program: string, lookup: ProgramLookup): Promise<string | null> {
  if (program.includes('/') || program.includes(sep)) {
    const file = resolve(lookup.root, program);
    const inRepo = relative(lookup.root, file);
    if (!isAbsolute(program) && (inRepo.startsWith('..') || isAbsolute(inRepo))) {
      return `\`${program}\` points outside the repository, but commands run in the checked-out tree: use a path inside it, like ./scripts/deploy.sh`;
    }
    const shown = isAbsolute(program) ? file : inRepo;
    switch (await fileState(file)) {
      case 'program':
        return null;
      case 'missing':
        return isAbsolute(program)
          ? `\`${program}\` does not exist on this machine: fix the path, or name a program on PATH`
          : `\`${program}\` is not a file in the repository (looked for ${shown}): fix the path, which is relative to the repository root`;
      case 'directory':
        return `\`${program}\` is a directory, not a program: name the file to run`;
      case 'not-executable':
        return `\`${program}\` is not executable: run \`chmod +x ${shown}\` and commit it (git keeps the mode), or run it through its interpreter, like [sh, ${shown}]`;
    }
  }
  for (const directory of lookup.searchPath.split(delimiter)) {
    if (directory !== '' && (await fileState(join(directory, program))) === 'program') return null;
  }
  return `\`${program}\` is not a program on PATH nor a file in the repository: install it where Trunkflow deploys, write its path (like ./scripts/${program}), or run a dependency of the app through npx (npx ${program})`;
}

/** One issue per command of every environment whose program would not be found. */
export async function findMissingPrograms(config: TrunkflowConfig, lookup: ProgramLookup): Promise<ProgramIssue[]> {
  const problems = new Map<string, Promise<string | null>>();
  const issues: ProgramIssue[] = [];
  for (const section of ENVIRONMENT_SECTIONS) {
    const environment = config.environments[section];
    if (environment === undefined) continue;
    for (const { key, args } of environmentCommands(environment)) {
      const [program] = args;
      if (program === undefined) continue;
      // Most commands share a few programs (npm, npx): look each up once.
      const problem = problems.get(program) ?? programProblem(program, lookup);
      problems.set(program, problem);
      const message = await problem;
      if (message !== null) issues.push({ path: `environments.${section}.${key}`, message });
    }
  }
  return issues;
}
