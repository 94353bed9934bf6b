// `trunkflow init`: writes a commented trunkflow.yml, the PR template and an example flags.json, never overwriting by accident.
import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE } from '../config-name.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { configTemplate, FLAGS_TEMPLATE, PR_TEMPLATE } from '../templates.js';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export function registerInit(program: Command, io: CliIo): void {
  program
    .command('init')
    .description(
      `Write a commented ${CONFIG_FILE} (its environments commented out too when there is no package.json), .github/pull_request_template.md and an example flags.json in the current directory`,
    )
    .option(
      '--force',
      `overwrite ${CONFIG_FILE} and the PR template if they exist (an existing flags.json is always kept)`,
    )
    .action(async (options: { force?: boolean }) => {
      const nodeApp = await exists(join(io.cwd, 'package.json'));
      const files = [
        { path: join(io.cwd, CONFIG_FILE), content: configTemplate({ nodeApp }) },
        { path: join(io.cwd, '.github', 'pull_request_template.md'), content: PR_TEMPLATE },
      ];
      // The flags file holds the team's real flags once it exists: never replace it, not even with --force.
      const flags = join(io.cwd, 'flags.json');
      const keepFlags = await exists(flags);
      if (!keepFlags) files.push({ path: flags, content: FLAGS_TEMPLATE });
      if (!options.force) {
        const present: string[] = [];
        for (const file of files) if (await exists(file.path)) present.push(relative(io.cwd, file.path));
        if (present.length > 0) {
          throw new UsageError(
            `${present.join(' and ')} already exist${present.length === 1 ? 's' : ''}: nothing written; rerun with --force to overwrite`,
          );
        }
      }
      for (const file of files) {
        await mkdir(dirname(file.path), { recursive: true });
        await writeFile(file.path, file.content);
        io.stdout(`wrote ${relative(io.cwd, file.path)}\n`);
      }
      if (keepFlags) io.stdout('kept flags.json, which already exists\n');
      if (!nodeApp) {
        io.stdout(
          `no package.json here: the environments in ${CONFIG_FILE} are commented out, so a server deploys nothing yet; uncomment them once \`npm start\` runs the app\n`,
        );
      }
    });
}
