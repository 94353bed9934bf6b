// `trunkflow login`, `logout` and `whoami`: the stored login and who the server takes you for.
import type { Command } from 'commander';
import { connect, type GlobalOptions, resolveConnection } from '../client/connection.js';
import { removeLogin, writeLogin } from '../client/credentials.js';
import { TrunkflowClient } from '../client/http-client.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson } from '../output.js';

export function registerLogin(program: Command, io: CliIo): void {
  program
    .command('login')
    .description('Check an API token with the server, then store the server and token for later commands')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
Takes the global --server and --token (or TRUNKFLOW_SERVER and TRUNKFLOW_TOKEN). The token is verified
with GET /api/me before anything is written. The login goes to $XDG_CONFIG_HOME/trunkflow/credentials.json
(default ~/.config/trunkflow/credentials.json), readable by you alone (mode 0600).
--server, --token and the environment variables still win over the stored login.

Examples:
  trunkflow login --server http://localhost:4400 --token tf_…
  TRUNKFLOW_TOKEN=tf_… trunkflow login --server https://trunkflow.example.com`,
    )
    .action(async (options: FormatOptions, command: Command) => {
      const connection = await resolveConnection(io, command.optsWithGlobals<GlobalOptions>());
      const { server, token, tokenSource } = connection;
      if (token === null || (tokenSource !== 'flag' && tokenSource !== 'env')) {
        throw new UsageError(
          'login needs a token: pass --token <token> or set TRUNKFLOW_TOKEN (an admin makes one with `trunkflow admin token create <user>`)',
        );
      }
      const me = await new TrunkflowClient({ server, token, tokenSource }).me();
      const path = await writeLogin(io.env, { server, token });
      if (options.format === 'json') printJson(io, { server, user: me, credentials: path });
      else io.stdout(`logged in to ${server} as ${me.name} (${me.role}); stored in ${path}\n`);
    });

  program
    .command('logout')
    .description('Remove the stored login')
    .action(async () => {
      const removed = await removeLogin(io.env);
      io.stdout(removed === null ? 'not logged in: nothing to remove\n' : `logged out: removed ${removed}\n`);
    });

  program
    .command('whoami')
    .description('Show the user the server takes your token for')
    .addOption(formatOption())
    .action(async (options: FormatOptions, command: Command) => {
      const client = await connect(io, command);
      const me = await client.me();
      if (options.format === 'json') printJson(io, { server: client.server, ...me });
      else io.stdout(`${me.name} (${me.role}) at ${client.server}\n`);
    });
}
