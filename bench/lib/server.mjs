// @ts-check
// Helpers for benchmarks that talk to a running server: child processes without a shell, a real
// Trunkflow server started as a child process (SQLite or a fresh PostgreSQL database), and a
// bare node:http server-sent-events broadcaster to compare the event stream against.
//
// Run directly, `node bench/lib/server.mjs sse-baseline` is that broadcaster: it prints
// `listening <port>`, serves `GET /stream` and broadcasts each `POST /emit` to every open stream.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * @typedef {object} RunResult
 * @property {number | null} status
 * @property {string} stdout
 * @property {string} stderr
 * @property {number} ms    wall time from spawn to exit
 */

/**
 * Runs a command to completion without a shell, asynchronously (the servers under test may share
 * this process's event loop with the caller's clients), its output collected in memory.
 * @param {string} command @param {readonly string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, input?: string }} [options]
 * @returns {Promise<RunResult>}
 */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    /** @type {Buffer[]} */
    const out = [];
    /** @type {Buffer[]} */
    const err = [];
    child.stdout?.on('data', (chunk) => out.push(chunk));
    child.stderr?.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - started,
      }),
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Like `run`, but throws with the command's stderr when it does not exit 0. @param {Parameters<typeof run>} args */
export async function mustRun(...args) {
  const result = await run(...args);
  if (result.status !== 0) {
    throw new Error(`${args[0]} ${args[1].join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
  }
  return result;
}

/**
 * A JSON API call; throws unless the status is the expected one.
 * @param {string} base @param {string} method @param {string} path @param {{ token?: string, body?: unknown, expect?: number }} [options]
 * @returns {Promise<{ status: number, body: any }>}
 */
export async function api(base, method, path, options = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const body = text === '' ? null : JSON.parse(text);
  if (options.expect !== undefined && response.status !== options.expect) {
    throw new Error(`${method} ${path} answered ${response.status}, expected ${options.expect}: ${text}`);
  }
  return { status: response.status, body };
}

/**
 * @typedef {object} ChildServer
 * @property {string} url       http://127.0.0.1:<port>
 * @property {number} pid
 * @property {string} how       how it was started, for the report
 * @property {() => string} logTail   the last lines it printed (stdout and stderr), for error messages
 * @property {() => Promise<void>} stop   SIGTERM, then SIGKILL after 5 s; resolves when it has exited
 */

/**
 * Spawns a server process and waits for the line that gives its port.
 * @param {string[]} args node arguments @param {NodeJS.ProcessEnv} env @param {RegExp} ready its one group is the port
 * @param {string} how @param {number} [timeoutMs]
 * @returns {Promise<ChildServer>}
 */
function startChild(args, env, ready, how, timeoutMs = 30_000) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {string[]} */
  const tail = [];
  let exited = false;
  /** @type {Promise<void>} */
  const exit = new Promise((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const logTail = () => tail.join('\n');
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`${how} did not start within ${timeoutMs} ms`)), timeoutMs);
    /** @param {Error} error */
    const fail = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!exited) child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${logTail()}`));
    };
    const stop = async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(force);
      }
    };
    /** @param {NodeJS.ReadableStream | null} stream */
    const watch = (stream) => {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (/** @type {string} */ chunk) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
          if (tail.length > 40) tail.shift();
          const match = settled ? null : ready.exec(line);
          if (match) {
            settled = true;
            clearTimeout(timer);
            resolve({
              url: `http://127.0.0.1:${match[1]}`,
              pid: /** @type {number} */ (child.pid),
              how,
              logTail,
              stop,
            });
          }
        }
      });
    };
    watch(child.stdout);
    watch(child.stderr);
    child.on('error', fail);
    child.on('exit', (code, signal) => fail(new Error(`${how} exited (${signal ?? code}) before it was ready`)));
  });
}

/**
 * Starts a Trunkflow server on a free loopback port: `trunkflow serve` when the CLI has the command,
 * else the server package's `createTrunkflow` in a small inline script (as the tests start it).
 * Its log stays at the default level (info): the figures are for the server as it ships.
 * @param {{ rootDir: string, dataDir: string, adminToken: string, databaseUrl?: string }} options
 */
export async function startTrunkflow({ rootDir, dataDir, adminToken, databaseUrl }) {
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, TRUNKFLOW_ADMIN_TOKEN: adminToken };
  delete env.DATABASE_URL;
  delete env.PORT;
  delete env.TRUNKFLOW_PUBLIC_URL;
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
  const ready = /^Trunkflow listening on http:\/\/[^:]+:(\d+)/;
  const cli = join(rootDir, 'packages/cli/bin/trunkflow.js');
  if ((await run(process.execPath, [cli, 'serve', '--help'], { env })).status === 0) {
    return startChild([cli, 'serve', '--port', '0', '--data-dir', dataDir], env, ready, '`trunkflow serve`');
  }
  const serverIndex = pathToFileURL(join(rootDir, 'packages/server/dist/index.js')).href;
  const script = `
    const { createTrunkflow, loadServerConfig } = await import(${JSON.stringify(serverIndex)});
    const config = loadServerConfig({ port: '0', dataDir: process.argv[1] }, process.env, process.cwd());
    const trunkflow = await createTrunkflow({ config });
    const url = await trunkflow.listen();
    process.stdout.write('Trunkflow listening on ' + url + '\\n');
    const stop = () => trunkflow.close().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  `;
  return startChild(['--input-type=module', '-e', script, dataDir], env, ready, '`createTrunkflow` (inline script)');
}

/** Starts the node:http SSE broadcaster (this file, run as a script) as a child process. */
export function startSseBaseline() {
  return startChild([fileURLToPath(import.meta.url), 'sse-baseline'], process.env, /^listening (\d+)$/, 'SSE baseline');
}

/**
 * Creates a fresh PostgreSQL database with psql (as the postgres user on 127.0.0.1:5432) and
 * returns its URL and a function that drops it.
 * @param {string} [server] postgres://user@host:port
 */
export async function createPostgresDatabase(server = 'postgres://postgres@127.0.0.1:5432') {
  const name = `trunkflow_bench_${randomBytes(6).toString('hex')}`;
  const admin = `${server}/postgres`;
  await mustRun('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', `create database ${name}`]);
  const version = (await mustRun('psql', [admin, '-qAt', '-c', 'show server_version'])).stdout.trim();
  return {
    url: `${server}/${name}`,
    version,
    drop: async () => {
      await mustRun('psql', [
        admin,
        '-v',
        'ON_ERROR_STOP=1',
        '-qAt',
        '-c',
        `drop database if exists ${name} with (force)`,
      ]);
    },
  };
}

/** The baseline broadcaster: the least a Node server can do to fan an event out over SSE. */
function serveSseBaseline() {
  /** @type {Set<import('node:http').ServerResponse>} */
  const streams = new Set();
  let lastId = 0;
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/stream') {
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
      });
      response.write(': connected\n\n');
      streams.add(response);
      request.on('close', () => streams.delete(response));
      return;
    }
    if (request.method === 'POST' && request.url === '/emit') {
      /** @type {Buffer[]} */
      const body = [];
      request.on('data', (chunk) => body.push(chunk));
      request.on('end', () => {
        const payload = JSON.parse(Buffer.concat(body).toString('utf8') || '{}');
        // Shaped like a Trunkflow event, so both sides send and parse the same amount.
        const event = { id: ++lastId, type: 'baseline', projectId: null, actor: 'bench', payload, createdAt: '' };
        event.createdAt = new Date().toISOString();
        const frame = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
        for (const stream of streams) stream.write(frame);
        response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: event.id }));
      });
      return;
    }
    response.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
  });
  const stop = () => {
    for (const stream of streams) stream.end();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'sse-baseline') serveSseBaseline();
  else {
    process.stderr.write('usage: node bench/lib/server.mjs sse-baseline\n');
    process.exit(2);
  }
}
