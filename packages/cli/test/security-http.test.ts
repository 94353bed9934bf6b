// Security at the HTTP boundary, against a real `trunkflow serve` child process: memory, connections, tokens.
import { lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { testDatabases } from '@trunkflow/server/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { baseEnv, gitWithToken, type RunningServer, runCliAsync, startServer, TempDirs } from './helpers/server.js';

const ADMIN_TOKEN = 'security-admin-token-0123456789';
const MB = 1024 * 1024;

const dirs = new TempDirs();
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop('SIGKILL');
});
afterAll(() => dirs.removeAll());

/** The resident set size of a process, from the kernel's own accounting. */
function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  const kilobytes = Number(line?.split(/\s+/)[1]);
  if (!Number.isFinite(kilobytes)) throw new Error(`no VmRSS for process ${pid}`);
  return kilobytes * 1024;
}

/** The body, produced as it is sent: the test itself never holds 100 MB. */
function* chunksOf(total: number, size = 64 * 1024): Generator<Buffer> {
  const chunk = Buffer.alloc(size, 'a');
  for (let sent = 0; sent < total; sent += size) yield sent + size <= total ? chunk : chunk.subarray(0, total - sent);
}

interface RawAnswer {
  /** Everything the server sent back. */
  response: string;
  /** Bytes of body the socket accepted before it closed. */
  written: number;
  /** Whether the server closed the connection (rather than the test giving up waiting). */
  closedByServer: boolean;
}

/** A POST over a plain socket, so the server's answer is seen while the body is still being sent. */
async function postLargeBody(port: number, path: string, headers: Record<string, string>, total: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let response = '';
  let closed = false;
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    response += chunk;
  });
  // EPIPE or ECONNRESET once the server hangs up is the expected end, not a failure.
  socket.on('error', () => {});
  const ended = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  const head = Object.entries({ host: `127.0.0.1:${port}`, 'content-length': String(total), ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`);
  let written = 0;
  for (const chunk of chunksOf(total)) {
    if (closed) break;
    if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), ended]);
    if (!closed) written += chunk.length;
  }
  // Bounded: a server that keeps the connection open is a failure, not a hang.
  const giveUp = setTimeout(() => socket.destroy(), 10_000);
  await ended;
  clearTimeout(giveUp);
  return { response, written, closedByServer: closed && response.length > 0 } satisfies RawAnswer;
}

/**
 * Sends a request's headers, then its body one byte every 5 s, until the server closes the
 * connection (or 30 s pass). Resolves with everything the server answered.
 */
async function trickle(port: number, path: string, headers: Record<string, string>) {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let response = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    response += chunk;
  });
  socket.on('error', () => {});
  const head = Object.entries({ host: `127.0.0.1:${port}`, 'content-length': '1000', ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n{`);
  let sent = 1;
  const drip = setInterval(() => {
    if (!socket.destroyed) socket.write(' ');
    sent += 1;
  }, 5000);
  const giveUp = setTimeout(() => socket.destroy(), 30_000);
  const closedByServer = await new Promise<boolean>((resolve) =>
    socket.once('close', () => resolve(response.length > 0)),
  );
  clearInterval(drip);
  clearTimeout(giveUp);
  return { response, closedByServer, sent };
}

describe.each(testDatabases())('the HTTP boundary of a real server on $name', (kind) => {
  async function serve(dataDir = dirs.make('security-data'), extra: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
    const database = kind.name === 'postgres' ? await kind.open({ migrate: false }) : null;
    const env = {
      TRUNKFLOW_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
      ...extra,
    };
    const server = await startServer({ dataDir, env });
    servers.push(server);
    return server;
  }

  it('answers a 100 MB unauthenticated body with 401 before reading it, closes, and stays flat in memory', async () => {
    const server = await serve();
    const created = await fetch(`${server.url}/api/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shop' }),
    });
    expect(created.status).toBe(201);
    const pid = server.child.pid ?? 0;
    const before = rssBytes(pid);

    // text/plain is a type Fastify would parse in full; git's own type would be streamed to git.
    for (const [path, type, status] of [
      ['/git/shop.git/git-receive-pack', 'text/plain', 401],
      ['/git/shop.git/git-receive-pack', 'application/x-git-receive-pack-request', 401],
      ['/api/projects', 'application/json', 401],
      // A route that does not exist is answered before its body is read, too.
      ['/api/no-such-route', 'application/json', 404],
    ] as const) {
      const answer = await postLargeBody(server.port, path, { 'content-type': type }, 100 * MB);
      expect(answer.response, path).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(answer.response.toLowerCase()).toContain('connection: close');
      expect(answer.closedByServer, `${path}: the server kept the connection open`).toBe(true);
      expect(answer.written, `${path}: the server read the whole body`).toBeLessThan(100 * MB);
    }
    const grown = rssBytes(pid) - before;
    expect(grown, `RSS grew by ${Math.round(grown / MB)} MB`).toBeLessThan(50 * MB);

    // A wrong token is refused the same way as none.
    const wrong = await postLargeBody(
      server.port,
      '/git/shop.git/git-receive-pack',
      { 'content-type': 'text/plain', authorization: 'Bearer tf_not_a_token_at_all_0123' },
      100 * MB,
    );
    expect(wrong.response).toMatch(/^HTTP\/1\.1 401 /);
    expect(wrong.closedByServer).toBe(true);
    expect(rssBytes(pid) - before).toBeLessThan(50 * MB);
  });

  it('keeps the database and the repositories owner-only (0600 files, 0700 folders) under umask 022', async () => {
    const previous = process.umask(0o022);
    const dataDir = join(dirs.make('modes'), 'nested', '.trunkflow');
    let server: RunningServer;
    try {
      server = await serve(dataDir);
    } finally {
      process.umask(previous);
    }
    const created = await fetch(`${server.url}/api/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shop' }),
    });
    expect(created.status).toBe(201);
    const work = dirs.make('modes-work');
    const home = dirs.make('modes-home');
    const git = (...args: string[]) =>
      gitWithToken({ home, token: ADMIN_TOKEN, cwd: work, args, author: { name: 'Ann', email: 'ann@example.com' } });
    await git('init', '-q', '-b', 'main');
    writeFileSync(join(work, 'README.md'), '# shop\n');
    await git('add', '.');
    await git('commit', '-qm', 'chore: initial commit');
    await git('push', '-q', `${server.url}/git/shop.git`, 'HEAD:main');

    // Owner-only: no bit for group or others, on every folder and file (git's sample hooks stay executable).
    const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
    const othersBits = (path: string) => statSync(path).mode & 0o077;
    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(join(dataDir, 'repos'))).toBe('700');
    const repo = join(dataDir, 'repos', 'shop.git');
    expect(modeOf(repo)).toBe('700');
    const entries = readdirSync(repo, { recursive: true, withFileTypes: true });
    // Everything git wrote, including the pushed objects and refs.
    expect(entries.some((entry) => entry.parentPath.includes(join(repo, 'objects', '')) && entry.isFile())).toBe(true);
    for (const entry of entries) {
      const path = join(entry.parentPath, entry.name);
      if (lstatSync(path).isSymbolicLink()) continue;
      expect(othersBits(path), `${path} is ${modeOf(path)}`).toBe(0);
      if (entry.isDirectory()) expect(modeOf(path), path).toBe('700');
    }
    expect(modeOf(join(repo, 'config'))).toBe('600');
    expect(modeOf(join(repo, 'HEAD'))).toBe('600');
    if (kind.name === 'sqlite') {
      const files = readdirSync(dataDir).filter((name) => name.startsWith('trunkflow.sqlite'));
      expect(files).toContain('trunkflow.sqlite');
      expect(files).toContain('trunkflow.sqlite-wal');
      for (const name of files) expect(modeOf(join(dataDir, name)), name).toBe('600');
    }
  });

  it('ends a body that trickles in a byte every 5 s with 408 in the error envelope, and closes', async () => {
    const server = await serve(undefined, { TRUNKFLOW_REQUEST_TIMEOUT_MS: '2000' });
    const slow = await trickle(server.port, '/api/projects', {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      'content-type': 'application/json',
    });
    expect(slow.closedByServer).toBe(true);
    expect(slow.response).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    const body = JSON.parse(slow.response.slice(slow.response.indexOf('\r\n\r\n') + 4)) as {
      error: { code: string; message: string };
    };
    expect(body.error.code).toBe('request_timeout');
    expect(body.error.message).toContain('raise TRUNKFLOW_REQUEST_TIMEOUT_MS');
    // Nothing was created from the part that did arrive.
    const list = await fetch(`${server.url}/api/projects`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await list.json()) as { projects: unknown[] }).projects).toEqual([]);
  });

  it('answers a slow body with a bad token 401 at once and closes the connection', async () => {
    // The default timeout (300 s) is far away: what ends this connection is the 401.
    const server = await serve();
    for (const path of ['/api/projects', '/git/shop.git/git-receive-pack']) {
      const slow = await trickle(server.port, path, {
        authorization: 'Bearer tf_not_a_token_at_all_0123',
        'content-type': path.startsWith('/git') ? 'application/x-git-receive-pack-request' : 'application/json',
      });
      expect(slow.closedByServer, path).toBe(true);
      expect(slow.response, path).toMatch(/^HTTP\/1\.1 401 /);
      expect(slow.response.toLowerCase()).toContain('connection: close');
      expect(slow.sent, `${path}: the server waited for more of the body`).toBe(1);
    }
  });

  it('refuses a TRUNKFLOW_REQUEST_TIMEOUT_MS that is not a number of milliseconds', async () => {
    await expect(serve(undefined, { TRUNKFLOW_REQUEST_TIMEOUT_MS: '5s' })).rejects.toThrow(
      /TRUNKFLOW_REQUEST_TIMEOUT_MS: .*number/,
    );
  });

  it('revokes the previously seeded admin token when TRUNKFLOW_ADMIN_TOKEN changes between starts', async () => {
    const database = kind.name === 'postgres' ? await kind.open({ migrate: false }) : null;
    const dataDir = dirs.make('rotate-data');
    const start = async (token: string) => {
      const env = { TRUNKFLOW_ADMIN_TOKEN: token, ...(database?.url ? { DATABASE_URL: database.url } : {}) };
      const server = await startServer({ dataDir, env });
      servers.push(server);
      return server;
    };
    const status = (server: RunningServer, token: string) =>
      fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    const first = 'rotate-first-token-0123456789';
    const second = 'rotate-second-token-0123456789';

    const one = await start(first);
    const made = await fetch(`${one.url}/api/admin/users/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first}`, 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'laptop' }),
    });
    const laptop = ((await made.json()) as { token: string }).token;
    expect(await one.stop()).toBe(0);

    const two = await start(second);
    expect(await status(two, first)).toBe(401);
    expect(await status(two, second)).toBe(200);
    // Only the bootstrap token is replaced: a token made with `admin token create` stays.
    expect(await status(two, laptop)).toBe(200);
    expect(await two.stop()).toBe(0);

    // The same value again changes nothing; the revoked value is not brought back.
    const three = await start(second);
    expect(await status(three, second)).toBe(200);
    expect(await three.stop()).toBe(0);
    await expect(start(first)).rejects.toThrow(
      /exited with 2 [\s\S]*TRUNKFLOW_ADMIN_TOKEN: this token was revoked .* set a new value/,
    );
  });

  it('creates a private project with `project create --visibility private`, and refuses another value', async () => {
    const server = await serve();
    const env = {
      ...baseEnv(dirs.make('visibility-home')),
      TRUNKFLOW_SERVER: server.url,
      TRUNKFLOW_TOKEN: ADMIN_TOKEN,
    };
    const created = await runCliAsync(['project', 'create', 'vault', '--visibility', 'private', '--format', 'json'], {
      env,
    });
    expect(created.status, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'vault', visibility: 'private' });
    const list = await runCliAsync(['project', 'list'], { env });
    expect(list.stdout).toMatch(/vault\s+main\s+private/);
    const bad = await runCliAsync(['project', 'create', 'open', '--visibility', 'public'], { env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      '--visibility "public" is not valid: use internal (every user) or private (members only)',
    );
  });
});
