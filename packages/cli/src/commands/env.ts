// `trunkflow env secret set|list|remove`: an environment's secrets, set from standard input (never argv); maintainers only.
import {
  ENVIRONMENT_KINDS,
  type EnvironmentKind,
  SECRET_VALUE_MAX_BYTES,
  secretNameProblem,
  secretValueProblem,
} from '@trunkflow/core';
import type { Command } from 'commander';
import { connect } from '../client/connection.js';
import { listSecrets, removeSecret, setSecret } from '../client/secrets-client.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson, table } from '../output.js';

type ProjectOptions = FormatOptions & { project: string };

function checkEnvironment(environment: string): EnvironmentKind {
  const kind = ENVIRONMENT_KINDS.find((known) => known === environment);
  if (kind === undefined) {
    throw new UsageError(
      `unknown environment "${environment}": use ${ENVIRONMENT_KINDS.join(', ')} (every preview shares the preview secrets)`,
    );
  }
  return kind;
}

function checkName(name: string): string {
  const problem = secretNameProblem(name);
  if (problem !== null) throw new UsageError(problem);
  return name;
}

const pipeHint = (environment: string, name: string, project: string) =>
  `printf %s "$${name}" | trunkflow env secret set ${environment} ${name} --project ${project}`;

/** The value from standard input, less one final newline; refused when it is a terminal, empty, too long or not UTF-8. */
async function readValue(io: CliIo, environment: string, name: string, project: string): Promise<string> {
  const stdin = io.stdin;
  const how = `pipe the value in, e.g. \`${pipeHint(environment, name, project)}\` or \`… < file\``;
  if (stdin === undefined || stdin.isTTY()) {
    throw new UsageError(
      `the value is read from standard input, which is a terminal: ${how} (it is never taken from the command line, which shell history keeps)`,
    );
  }
  // Room for the final newline that is trimmed.
  const raw = await stdin.read(SECRET_VALUE_MAX_BYTES + 2);
  if (raw === null) {
    throw new UsageError(
      `the value on standard input is over ${SECRET_VALUE_MAX_BYTES} bytes, the most a secret holds`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new UsageError('the value on standard input is not UTF-8 text: encode binary data (base64) first');
  }
  const value = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  if (value === '') throw new UsageError(`standard input is empty: ${how}`);
  const problem = secretValueProblem(value);
  if (problem !== null) throw new UsageError(problem);
  return value;
}

export function registerEnv(program: Command, io: CliIo): void {
  const env = program
    .command('env')
    .description("Manage a project's environments: `env secret` sets the secrets their commands get");
  const secret = env
    .command('secret')
    .description("An environment's secrets: set from standard input, listed by name, removed (needs a maintainer)")
    .addHelpText(
      'after',
      `
Environments are ${ENVIRONMENT_KINDS.join(', ')}. Every command a run of an environment runs
(install, build, start, test, a \`command\` deployer's deploy and destroy) gets that environment's
secrets as environment variables. Every preview gets the preview secrets, and only those: never
staging's or production's. Values are stored encrypted and never shown back; in step output each
value (4 characters or longer) is replaced by ***. Name them in trunkflow.yml
(environments.<env>.secrets) so a run fails early, saying so, when one has no value.`,
    );

  secret
    .command('set')
    .description('Set (or replace) a secret, reading its value from standard input')
    .argument('<env>', ENVIRONMENT_KINDS.join(', '))
    .argument('<name>', 'upper-case letters, digits and _, like STRIPE_KEY (not PORT or TRUNKFLOW_*)')
    .requiredOption('--project <name>', 'project name')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
The value is read from standard input, never from an argument, so it stays out of shell history
and process lists. One final newline is dropped (so \`echo\` and files work); a terminal, an empty
value, or one over ${SECRET_VALUE_MAX_BYTES} bytes is refused. Runs that start after this get the new value.

With --format json it prints {"name", "environment", "updatedAt", "updatedBy"}.

Examples:
  printf %s "$STRIPE_KEY" | trunkflow env secret set production STRIPE_KEY --project shop
  trunkflow env secret set staging TLS_KEY --project shop < staging-key.pem`,
    )
    .action(async (environment: string, name: string, options: ProjectOptions, command: Command) => {
      const kind = checkEnvironment(environment);
      checkName(name);
      const value = await readValue(io, kind, name, options.project);
      const set = await setSecret(await connect(io, command), options.project, kind, name, value);
      if (options.format === 'json') return printJson(io, set);
      io.stdout(`set ${set.name} in ${options.project}'s ${set.environment} environment: runs from now on get it\n`);
    });

  secret
    .command('list')
    .description("List an environment's secrets: names, and who set each last and when (never a value)")
    .argument('<env>', ENVIRONMENT_KINDS.join(', '))
    .requiredOption('--project <name>', 'project name')
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nWith --format json it prints {"secrets": [...]}, each with name, environment, updatedAt, updatedBy.',
    )
    .action(async (environment: string, options: ProjectOptions, command: Command) => {
      const kind = checkEnvironment(environment);
      const secrets = await listSecrets(await connect(io, command), options.project, kind);
      if (options.format === 'json') return printJson(io, { secrets });
      if (secrets.length === 0) {
        return io.stdout(
          `no secrets in ${options.project}'s ${kind} environment: set one with \`${pipeHint(kind, 'NAME', options.project)}\`\n`,
        );
      }
      io.stdout(
        table(
          io,
          ['NAME', 'UPDATED', 'BY'],
          secrets.map((entry) => [entry.name, entry.updatedAt, entry.updatedBy]),
        ),
      );
    });

  secret
    .command('remove')
    .description('Remove a secret; runs that start after this do not get it')
    .argument('<env>', ENVIRONMENT_KINDS.join(', '))
    .argument('<name>', 'the secret name, from `trunkflow env secret list`')
    .requiredOption('--project <name>', 'project name')
    .addOption(formatOption())
    .action(async (environment: string, name: string, options: ProjectOptions, command: Command) => {
      const kind = checkEnvironment(environment);
      const removed = await removeSecret(await connect(io, command), options.project, kind, checkName(name));
      if (options.format === 'json') return printJson(io, removed);
      io.stdout(`removed ${removed.name} from ${options.project}'s ${removed.environment} environment\n`);
    });
}
