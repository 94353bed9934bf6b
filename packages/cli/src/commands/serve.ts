// `trunkflow serve`: runs the server in this process, loading it only here so other commands stay light.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

interface ServeOptions {
  port?: string;
  dataDir?: string;
  host?: string;
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
type StopSignal = keyof typeof SIGNAL_NUMBERS;

/** Resolves with the first SIGINT or SIGTERM; a second one ends the process at once. */
function firstStopSignal(io: CliIo): { signal: Promise<StopSignal>; dispose(): void } {
  let received: StopSignal | null = null;
  let resolveSignal: (signal: StopSignal) => void = () => {};
  const signal = new Promise<StopSignal>((resolve) => {
    resolveSignal = resolve;
  });
  const handlers = (Object.keys(SIGNAL_NUMBERS) as StopSignal[]).map((name) => {
    const handler = () => {
      if (received !== null) {
        io.stderr(`trunkflow: ${name} again: stopping now without waiting\n`);
        process.exit(128 + SIGNAL_NUMBERS[name]);
      }
      received = name;
      io.stderr(`trunkflow: ${name}: finishing in-flight work, then stopping (send it again to stop at once)\n`);
      resolveSignal(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal,
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('Run the Trunkflow server: the API, hosted git repositories and the event log')
    .option('--port <n>', 'TCP port; 0 picks a free one (env PORT; default 4400)')
    .option(
      '--data-dir <dir>',
      'folder for the SQLite database and git repositories (env TRUNKFLOW_DATA_DIR; default .trunkflow)',
    )
    .option('--host <host>', 'address to listen on (env HOST; default 127.0.0.1)')
    .addHelpText(
      'after',
      `
Environment:
  DATABASE_URL           postgres://… to use PostgreSQL instead of the embedded SQLite
  TRUNKFLOW_ADMIN_TOKEN  seeds the admin's token (at least 16 characters) instead of printing a new one;
                         a new value revokes the one seeded (or printed) before
  TRUNKFLOW_PUBLIC_URL   the URL users reach this server at, used in git URLs
  TRUNKFLOW_REQUEST_TIMEOUT_MS
                         longest a request (headers and body, a git push's upload too) may take to
                         arrive; slower ones get 408 (default 300000)
  LOG_LEVEL              fatal, error, warn, info (default), debug, trace or silent

On first start the server creates the admin user and prints its token once.
SIGTERM or SIGINT stops it gracefully: it stops taking work, lets in-flight requests finish and
closes the database; a second signal stops it at once.

Examples:
  trunkflow serve
  TRUNKFLOW_ADMIN_TOKEN=… trunkflow serve --port 8080 --data-dir /var/lib/trunkflow`,
    )
    .action(async (options: ServeOptions) => {
      // Loaded here so `trunkflow check` never pays for Fastify and the database drivers.
      const server = await import('@trunkflow/server');
      let config: ReturnType<typeof server.loadServerConfig>;
      try {
        config = server.loadServerConfig(options, io.env, io.cwd);
      } catch (error) {
        if (error instanceof server.ConfigError) throw new UsageError(error.message);
        throw error;
      }
      // Listen for signals before the slow start, so a Ctrl-C during migrations still stops cleanly.
      const stop = firstStopSignal(io);
      try {
        let trunkflow: Awaited<ReturnType<typeof server.createTrunkflow>>;
        try {
          trunkflow = await server.createTrunkflow({ config });
        } catch (error) {
          // E.g. the pre-receive hook cannot run in this data directory: the message says what to fix.
          if (error instanceof server.ConfigError) throw new UsageError(`cannot start: ${error.message}`);
          const code = errnoCode(error);
          if (code === undefined) throw error;
          throw new UsageError(
            `cannot start: ${(error as Error).message} (${code}): check DATABASE_URL and --data-dir ${config.dataDir}`,
          );
        }
        let url: string;
        try {
          url = await trunkflow.listen();
        } catch (error) {
          await trunkflow.close();
          const code = errnoCode(error);
          if (code === 'EADDRINUSE') {
            throw new UsageError(
              `port ${config.port} on ${config.host} is already in use: pass another --port (or PORT)`,
            );
          }
          if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
            throw new UsageError(
              `cannot listen on ${config.host}:${config.port} (${code}): pass another --host or --port`,
            );
          }
          throw error;
        }
        // One write, so a script reading stdout sees the URL and the token together.
        const token = trunkflow.firstAdminToken;
        io.stdout(
          `Trunkflow listening on ${url}\n` +
            (token === null
              ? ''
              : `first start: admin token ${token} — store it now, it is not shown again\n` +
                `  trunkflow login --server ${url} --token ${token}\n`),
        );
        await stop.signal;
        await trunkflow.close();
        io.stdout('Trunkflow stopped\n');
        // Everything is closed; should a stray handle still hold the event loop, do not hang on it.
        setTimeout(() => process.exit(0), 2000).unref();
      } finally {
        stop.dispose();
      }
    });
}
