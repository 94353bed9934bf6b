// `trunkflow config`: the JSON Schema of trunkflow.yml, and validation of a config file.
import { dirname, resolve } from 'node:path';
import { configJsonSchema, encodeConfig } from '@trunkflow/core';
import type { Command } from 'commander';
import { loadConfig } from '../config-file.js';
import { CONFIG_FILE } from '../config-name.js';
import { findMissingPrograms } from '../config-programs.js';
import { configReference } from '../config-reference.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

interface ValidateOptions {
  checkPrograms: boolean;
}

export function registerConfig(program: Command, io: CliIo): void {
  const config = program.command('config').description(`Inspect ${CONFIG_FILE}`);
  config
    .command('schema')
    .description(`Print the JSON Schema of ${CONFIG_FILE} (for editors and validators)`)
    .action(() => {
      io.stdout(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
  config
    .command('docs')
    .description(`Print the ${CONFIG_FILE} reference as markdown (docs/configuration.md)`)
    .action(() => {
      io.stdout(configReference());
    });
  config
    .command('validate')
    .description(`Validate a config file and print it with every default filled in`)
    .argument('[path]', 'config file', CONFIG_FILE)
    .option('--no-check-programs', "do not look for each environment command's program on this machine")
    .addHelpText(
      'after',
      `
Every key and value is checked against the schema (the same checks \`trunkflow check\` and the server
make when they load the file). Then the program of each command under \`environments\` (install, build,
start, test, deploy, destroy, command checks) must be on PATH, or be a file in the repository (the
config file's folder) when it is written as a path like ./scripts/deploy.sh. Pass --no-check-programs
to validate away from the machine that deploys. Problems are listed by key, and the exit code is 2.

The file is printed as JSON in its own notation: durations as written (30m), commands as argument lists.`,
    )
    .action(async (path: string, options: ValidateOptions) => {
      const file = resolve(io.cwd, path);
      const loaded = await loadConfig(file, true);
      if (options.checkPrograms) {
        const missing = await findMissingPrograms(loaded.config, {
          root: dirname(file),
          searchPath: io.env.PATH ?? '',
        });
        if (missing.length > 0) {
          const lines = missing.map((issue) => `  ${issue.path}: ${issue.message}`);
          throw new UsageError(
            `${path}: commands whose program is not here:\n${lines.join('\n')}\nFix these commands, or pass --no-check-programs when this is not the machine that deploys.`,
          );
        }
      }
      io.stdout(`${JSON.stringify(encodeConfig(loaded.config), null, 2)}\n`);
    });
}
