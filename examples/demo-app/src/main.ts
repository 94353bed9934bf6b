// Starts the demo app from its environment (`npm start`) and shuts it down cleanly on SIGTERM or SIGINT.
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { ConfigError, parseConfig, readBrokenMarker } from './config.js';
import { jsonLog } from './log.js';

/** How long requests in flight get to finish after a stop signal before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

const log = jsonLog(process.stdout, process.stderr);

const start = (): void => {
  // The marker is looked for where the app starts: `npm start` runs it in the package root.
  const marker = readBrokenMarker(process.cwd());
  const config = parseConfig(process.env, marker);
  if (marker !== undefined && config.breakMode === 'off') {
    log('info', `BROKEN marker found, but TRUNKFLOW_ENV is ${config.env ?? 'not set'}: behaving`);
  }
  const app = createApp({ config, log });

  const stop = (signal: NodeJS.Signals): void => {
    log('info', `${signal}: shutting down`);
    const force = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => {
        log('info', 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log('error', 'shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  app.server.once('error', (error) => {
    log('error', `cannot listen on port ${config.port}: ${error.message}`, {
      code: (error as NodeJS.ErrnoException).code,
    });
    process.exit(1);
  });
  app.server.listen(config.port, config.host, () => {
    const { port } = app.server.address() as AddressInfo;
    log('info', `listening on port ${port}`, { port, env: config.env, sha: config.sha, version: config.version });
  });
};

try {
  start();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  log('error', error.message);
  process.exit(2);
}
