// `trunkflow envs`: what each environment of a project (previews, staging, production) serves now.
import type { Command } from 'commander';
import { connect } from '../client/connection.js';
import { listEnvironments } from '../client/pipeline-client.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson, shortSha, table } from '../output.js';

export function registerEnvs(program: Command, io: CliIo): void {
  program
    .command('envs')
    .description("Show a project's environments: previews, staging and production, with what each serves")
    .requiredOption('--project <name>', 'project name')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
STATUS is deploying, live, failed or destroyed.
With --format json it prints an array:
  [{"name", "kind", "url", "status", "sha", "version"}]
"name" is pr-<n>, staging or production; "kind" is preview, staging or production; "url", "sha" and
"version" (the release tag) are null until a deploy sets them.

Example:
  trunkflow envs --project shop --format json`,
    )
    .action(async (options: FormatOptions & { project: string }, command: Command) => {
      const environments = await listEnvironments(await connect(io, command), options.project);
      if (options.format === 'json') return printJson(io, environments);
      if (environments.length === 0) {
        return io.stdout(`no environments in ${options.project} yet: the first deploy creates one\n`);
      }
      const rows = environments.map((env) => [
        env.name,
        env.kind,
        env.status,
        shortSha(env.sha),
        env.version ?? '-',
        env.url ?? '-',
      ]);
      io.stdout(table(io, ['NAME', 'KIND', 'STATUS', 'SHA', 'VERSION', 'URL'], rows));
    });
}
