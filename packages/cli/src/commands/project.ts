// `trunkflow project`: create projects (each with a hosted git repository) and list them.
import { checkRefFormat } from '@trunkflow/core';
import type { Command } from 'commander';
import { connect } from '../client/connection.js';
import type { NewProject } from '../client/http-client.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson, table } from '../output.js';

interface CreateOptions extends FormatOptions {
  trunk?: string;
  allowDirectTrunkPush?: boolean;
  dismissStaleApprovals: boolean;
  requiredApprovals?: string;
  visibility?: string;
}

const VISIBILITIES = ['internal', 'private'] as const;

function parseVisibility(value: string): 'internal' | 'private' {
  const found = VISIBILITIES.find((visibility) => visibility === value);
  if (found === undefined) {
    throw new UsageError(`--visibility "${value}" is not valid: use internal (every user) or private (members only)`);
  }
  return found;
}

function parseApprovals(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 10) {
    throw new UsageError(`--required-approvals "${value}" is not valid: use a whole number from 0 to 10`);
  }
  return Number(value);
}

export function registerProject(program: Command, io: CliIo): void {
  const project = program.command('project').description('Create and list projects');

  project
    .command('create')
    .description('Create a project with an empty hosted git repository; you become its maintainer (needs a developer)')
    .argument('<name>', 'project name: lowercase letters, digits and "-"')
    .option('--trunk <branch>', 'trunk branch (default: main)')
    .option(
      '--allow-direct-trunk-push',
      'let maintainers push to trunk directly (default: trunk changes come from merges)',
    )
    .option(
      '--no-dismiss-stale-approvals',
      'keep approvals when new commits are pushed (default: a push dismisses them)',
    )
    .option('--required-approvals <n>', 'approvals a PR needs to merge, 0 to 10 (default: 1)')
    .option(
      '--visibility <visibility>',
      'internal: every user may read and clone it; private: only its members (you become one) and admins (default: internal)',
    )
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
With --format json it prints the project, including "gitUrl" to clone and push to
(the token is the password for git over HTTP).

Example:
  trunkflow project create shop --format json`,
    )
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const input: NewProject = { name };
      if (options.trunk !== undefined) {
        const problem = checkRefFormat(options.trunk);
        if (problem !== null) throw new UsageError(`--trunk "${options.trunk}" ${problem}`);
        input.trunk = options.trunk;
      }
      if (options.allowDirectTrunkPush) input.allowDirectTrunkPush = true;
      if (!options.dismissStaleApprovals) input.dismissStaleApprovals = false;
      if (options.requiredApprovals !== undefined) input.requiredApprovals = parseApprovals(options.requiredApprovals);
      if (options.visibility !== undefined) input.visibility = parseVisibility(options.visibility);
      const created = await (await connect(io, command)).createProject(input);
      if (options.format === 'json') return printJson(io, created);
      io.stdout(
        `created project ${created.name} (trunk ${created.trunk}, ${created.visibility})\n  git clone ${created.gitUrl}\n`,
      );
    });

  project
    .command('list')
    .description('List the projects you may see')
    .addOption(formatOption())
    .action(async (options: FormatOptions, command: Command) => {
      const projects = await (await connect(io, command)).listProjects();
      if (options.format === 'json') return printJson(io, { projects });
      if (projects.length === 0)
        return io.stdout('no projects yet: create one with `trunkflow project create <name>`\n');
      io.stdout(
        table(
          io,
          ['NAME', 'TRUNK', 'VISIBILITY', 'GIT URL'],
          projects.map((entry) => [entry.name, entry.trunk, entry.visibility, entry.gitUrl]),
        ),
      );
    });
}
