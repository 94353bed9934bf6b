// `trunkflow init`: writes a commented trunkflow.yml and the PR template, never overwriting by accident.
import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE } from '../config-name.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { CONFIG_TEMPLATE, PR_TEMPLATE } from '../templates.js';

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
    .description(`Write a commented ${CONFIG_FILE} and .github/pull_request_template.md in the current directory`)
    .option('--force', 'overwrite files that already exist')
    .action(async (options: { force?: boolean }) => {
      const files = [
        { path: join(io.cwd, CONFIG_FILE), content: CONFIG_TEMPLATE },
        { path: join(io.cwd, '.github', 'pull_request_template.md'), content: PR_TEMPLATE },
      ];
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
    });
}
