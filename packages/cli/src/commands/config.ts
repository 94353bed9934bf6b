// `trunkflow config`: the JSON Schema of trunkflow.yml, and validation of a config file.
import { resolve } from 'node:path';
import { configJsonSchema } from '@trunkflow/core';
import type { Command } from 'commander';
import { loadConfig } from '../config-file.js';
import { CONFIG_FILE } from '../config-name.js';
import { configReference } from '../config-reference.js';
import type { CliIo } from '../io.js';

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
    .action(async (path: string) => {
      const loaded = await loadConfig(resolve(io.cwd, path), true);
      io.stdout(`${JSON.stringify(loaded.config, null, 2)}\n`);
    });
}
