// Which server and token a command uses: --server/--token, then TRUNKFLOW_SERVER/TRUNKFLOW_TOKEN, then the stored login.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { readLogin, type StoredLogin } from './credentials.js';
import { type TokenSource, TrunkflowClient } from './http-client.js';

export const DEFAULT_SERVER = 'http://localhost:4400';

/** The root program's options, which every client command sees through `optsWithGlobals()`. */
export interface GlobalOptions {
  server?: string;
  token?: string;
}

export interface Connection {
  server: string;
  token: string | null;
  tokenSource: TokenSource | null;
  stored: StoredLogin | null;
}

/** Checks a server URL and drops trailing slashes, so `http://h:1/` and `http://h:1` are one server. */
export function normalizeServer(raw: string, setting: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${setting} "${raw}" is not a URL: use a form like http://localhost:4400`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${setting} "${raw}" must start with http:// or https://`);
  }
  if (url.username || url.password) {
    throw new UsageError(`${setting} "${raw}" holds credentials: pass the token with --token instead`);
  }
  if (url.search || url.hash) throw new UsageError(`${setting} "${raw}" must not have a query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

/** Resolves server and token; the stored token is only ever sent to the server it was stored for. */
export async function resolveConnection(io: CliIo, globals: GlobalOptions): Promise<Connection> {
  const stored = await readLogin(io.env);
  const flagServer = nonEmpty(globals.server);
  const envServer = nonEmpty(io.env.TRUNKFLOW_SERVER);
  const server =
    flagServer !== undefined
      ? normalizeServer(flagServer, '--server')
      : envServer !== undefined
        ? normalizeServer(envServer, 'TRUNKFLOW_SERVER')
        : stored !== null
          ? normalizeServer(stored.server, 'the stored login server')
          : DEFAULT_SERVER;
  const flagToken = nonEmpty(globals.token);
  const envToken = nonEmpty(io.env.TRUNKFLOW_TOKEN);
  if (flagToken !== undefined) return { server, token: flagToken, tokenSource: 'flag', stored };
  if (envToken !== undefined) return { server, token: envToken, tokenSource: 'env', stored };
  if (stored !== null && normalizeServer(stored.server, 'the stored login server') === server) {
    return { server, token: stored.token, tokenSource: 'stored', stored };
  }
  return { server, token: null, tokenSource: null, stored };
}

/** A client for the command's server, or a usage error saying how to log in. */
export async function connect(io: CliIo, command: Command): Promise<TrunkflowClient> {
  const connection = await resolveConnection(io, command.optsWithGlobals<GlobalOptions>());
  if (connection.token === null || connection.tokenSource === null) {
    const elsewhere =
      connection.stored === null ? '' : ` (the stored login is for ${connection.stored.server}, not this server)`;
    throw new UsageError(
      `no token for ${connection.server}${elsewhere}: run \`trunkflow login --server ${connection.server} --token <token>\`, or pass --token or TRUNKFLOW_TOKEN`,
    );
  }
  return new TrunkflowClient({
    server: connection.server,
    token: connection.token,
    tokenSource: connection.tokenSource,
  });
}
