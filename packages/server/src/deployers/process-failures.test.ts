// The process deployer's failures and limits on tiny real apps: failing steps, health timeouts, cancel, crash loops, clean env, masking.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnvFrom, childEnv } from './child-env.js';
import type { EnvironmentRef } from './environment.js';
import { groupAlive, spawnGroup } from './process-group.js';
import {
  collectingSink,
  createTestRepo,
  httpGet,
  startTestServer,
  type TestRepo,
  type TestServer,
  waitFor,
} from './test-harness.js';
import { DeployError, type DeployRequest } from './types.js';
import { addWorktree } from './worktree.js';

/** A tiny app: answers /healthz (or 500 with UNHEALTHY set), prints its env on /env, exits after EXIT_AFTER_MS if set. */
const APP = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(process.env.UNHEALTHY ? 500 : 200);
    res.end('ok');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(process.env));
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('up on ' + process.env.PORT));
if (process.env.EXIT_AFTER_MS) setTimeout(() => { console.error('exiting on purpose'); process.exit(3); }, Number(process.env.EXIT_AFTER_MS));
`;

const staging: EnvironmentRef = { project: 'tiny', environment: 'staging' };

describe('process deployer: failures and limits', () => {
  let root: string;
  let repo: TestRepo;
  let sha: string;
  let server: TestServer;

  const deploy = (
    overrides: Partial<DeployRequest> & { environment?: EnvironmentRef } = {},
    log = collectingSink(),
  ) => ({
    log,
    promise: server.deployers.process.deploy({
      environment: staging,
      repoPath: repo.bare,
      sha,
      ref: 'refs/heads/main',
      version: null,
      commands: { install: null, build: null, start: ['node', 'app.mjs'] },
      variables: {},
      secrets: {},
      healthPath: '/healthz',
      timeouts: { commandMs: 30_000, healthMs: 10_000 },
      log: log.sink,
      ...overrides,
    }),
  });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'trunkflow-process-failures-'));
    repo = await createTestRepo(join(root, 'repo'), {});
    sha = await repo.commit(
      { 'app.mjs': APP, 'fail.mjs': "console.log('compiling');\nprocess.exit(1);\n" },
      'tiny app',
    );
    server = await startTestServer(join(root, 'data'), {
      timing: { restartBackoffMs: 20, maxRestartBackoffMs: 200, crashLoopExits: 3 },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('fails a build that exits 1 with its last lines, and removes the tree', async () => {
    const { promise } = deploy({
      commands: { install: null, build: ['node', 'fail.mjs'], start: ['node', 'app.mjs'] },
    });
    const error = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect(error).toMatchObject({ phase: 'build', reason: 'failed', tail: ['compiling'] });
    expect((error as Error).message).toBe('build (node fail.mjs) exited with code 1\nlast lines of output:\ncompiling');
    expect(await readdir(join(root, 'data/deploys/tiny/staging')).catch(() => [])).toEqual([]);
  });

  it('stops an install that runs past its timeout, whole group included', async () => {
    const { promise, log } = deploy({
      commands: {
        install: ['node', '-e', "console.log('pid', process.pid); setTimeout(() => {}, 60000)"],
        build: null,
        start: ['node', 'app.mjs'],
      },
      timeouts: { commandMs: 500, healthMs: 10_000 },
    });
    const error = await promise.catch((e: unknown) => e);
    expect(error).toMatchObject({ phase: 'install', reason: 'timeout' });
    expect((error as Error).message).toContain('raise `timeout` in trunkflow.yml');
    const pid = Number(/pid (\d+)/.exec(log.text())?.[1]);
    expect(groupAlive(pid)).toBe(false);
  });

  it('cancels on the abort signal', async () => {
    const controller = new AbortController();
    const { promise, log } = deploy({
      commands: {
        install: ['node', '-e', "console.log('started'); setTimeout(() => {}, 60000)"],
        build: null,
        start: ['node', 'app.mjs'],
      },
      signal: controller.signal,
    });
    await waitFor('the install to start', () => (log.text().includes('started') ? true : undefined));
    controller.abort();
    await expect(promise).rejects.toMatchObject({ phase: 'install', reason: 'aborted' });
  });

  it('fails an app that never answers its health path in time, and stops it', async () => {
    const { promise, log } = deploy({ variables: { UNHEALTHY: '1' }, timeouts: { commandMs: 30_000, healthMs: 800 } });
    const error = await promise.catch((e: unknown) => e);
    expect(error).toMatchObject({ phase: 'health', reason: 'timeout' });
    expect((error as Error).message).toContain('did not answer /healthz');
    expect((error as Error).message).toContain('answered 500');
    const port = Number(/PORT=(\d+)/.exec(log.text())?.[1]);
    await expect(httpGet(port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    expect(await server.deployers.process.status(staging)).toBeNull();
  });

  it('fails a start command that does not exist, saying so', async () => {
    const { promise } = deploy({ commands: { install: null, build: null, start: ['no-such-program-here'] } });
    await expect(promise).rejects.toMatchObject({
      phase: 'start',
      message: expect.stringContaining('`no-such-program-here` was not found on PATH'),
    });
  });

  it('refuses a request it cannot run before touching anything', async () => {
    await expect(deploy({ sha: 'abc' }).promise).rejects.toThrow('is not a full commit id');
    await expect(deploy({ commands: { install: null, build: null } }).promise).rejects.toThrow(
      'the process deployer needs a `start` command',
    );
    await expect(deploy({ sha: 'f'.repeat(40) }).promise).rejects.toThrow(/is not in the repository/);
  });

  it('gives the app a clean environment: its variables, secrets and TRUNKFLOW_*, none of the server’s settings', async () => {
    const serverEnv = {
      ...process.env,
      TRUNKFLOW_ADMIN_TOKEN: 'admin-token-of-the-server',
      DATABASE_URL: 'postgres://x',
    };
    expect(baseEnvFrom(serverEnv)).not.toHaveProperty('TRUNKFLOW_ADMIN_TOKEN');
    const log = collectingSink();
    const ref: EnvironmentRef = { project: 'tiny', environment: 'preview', pr: 7 };
    const result = await deploy(
      {
        environment: ref,
        version: 'v1.2.3',
        variables: { GREETING: 'hello', PORT: '1' },
        secrets: { API_KEY: 'very-secret-value' },
        commands: {
          install: null,
          build: ['node', '-e', 'console.log("key is " + process.env.API_KEY)'],
          start: ['node', 'app.mjs'],
        },
      },
      log,
    ).promise;
    const env = JSON.parse((await httpGet(server.port, '/env', 'pr-7.tiny.localhost')).body);
    expect(env).toMatchObject({
      GREETING: 'hello',
      API_KEY: 'very-secret-value',
      PORT: String(result.port),
      HOST: '127.0.0.1',
      TRUNKFLOW_ENV: 'preview',
      TRUNKFLOW_SHA: sha,
      TRUNKFLOW_VERSION: 'v1.2.3',
      TRUNKFLOW_URL: `http://pr-7.tiny.localhost:${server.port}`,
      TRUNKFLOW_PR: '7',
    });
    expect(Object.keys(env).filter((name) => /ADMIN_TOKEN|DATABASE_URL|VITEST|npm_/.test(name))).toEqual([]);
    // The secret never shows in the output, and never on disk.
    expect(log.text()).toContain('key is ***');
    expect(log.text()).not.toContain('very-secret-value');
    const record = await server.deployers.process.store.read(ref);
    expect(JSON.stringify(record)).not.toContain('very-secret-value');
    expect(JSON.stringify(record)).toContain('API_KEY');
    await server.deployers.process.destroy(ref);
  });

  it('serves an environment on its own loopback port with proxy.mode port, and closes it on destroy', async () => {
    const ref: EnvironmentRef = { project: 'tiny', environment: 'preview', pr: 8 };
    const result = await deploy({ environment: ref, proxyMode: 'port' }).promise;
    expect(result.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(result.url).port);
    const env = JSON.parse((await httpGet(port, '/env')).body);
    expect(env.TRUNKFLOW_URL).toBe(result.url);
    await server.deployers.process.destroy(ref);
    await expect(httpGet(port, '/env')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('reports a crash loop and keeps restarting with backoff', async () => {
    const ref: EnvironmentRef = { project: 'tiny', environment: 'production' };
    // Healthy at first, then it exits: the deploy succeeds and supervision takes over.
    await deploy({ environment: ref, variables: { EXIT_AFTER_MS: '300' } }).promise;
    const status = await waitFor('a crash loop', async () => {
      const current = await server.deployers.process.status(ref);
      return current?.state === 'crash-loop' ? current : undefined;
    });
    expect(status.restarts).toBeGreaterThanOrEqual(2);
    const loop = server.events.find(({ event }) => event.type === 'crash-loop');
    expect(loop?.event).toMatchObject({ type: 'crash-loop', exits: 3 });
    expect(server.appLines.some((entry) => entry.stream === 'stderr' && entry.line === 'exiting on purpose')).toBe(
      true,
    );
    expect(server.appLines.some((entry) => entry.stream === 'system' && entry.line.includes('crash loop'))).toBe(true);
    await server.deployers.process.destroy(ref);
    expect(await server.deployers.process.status(ref)).toBeNull();
  });

  it('on adoption, stops a launch a crash interrupted and removes trees no record names', async () => {
    const ref: EnvironmentRef = { project: 'tiny', environment: 'production' };
    const store = server.deployers.process.store;
    const dir = store.dirOf(ref);
    const launching = join(dir, 'launching');
    const stray = join(dir, 'cut-short');
    await addWorktree(repo.bare, launching, sha);
    await addWorktree(repo.bare, stray, sha);
    // The app a crashed server was starting: alive, in its tree, in its own group.
    const child = spawnGroup(['node', '-e', 'setTimeout(() => {}, 60000)'], { cwd: launching, env: {}, stdio: 'pipe' });
    const pid = child.pid as number;
    await store.write(ref, {
      kind: 'process',
      environment: ref,
      url: 'http://tiny.localhost:1',
      current: null,
      previous: null,
      pending: { id: 'launching', repoPath: repo.bare, tree: launching, pid, keepTree: false },
    });
    const reports = await server.deployers.adopt();
    expect(reports).toEqual([]);
    expect(groupAlive(pid)).toBe(false);
    // Nothing had been deployed there: nothing is left.
    expect(await readdir(dir).catch(() => [])).toEqual([]);
    expect(await store.read(ref)).toBeNull();
    expect(await readdir(join(repo.bare, 'worktrees')).catch(() => [])).toEqual([]);
  });

  it('lets later layers win in the child env: base, then variables and secrets, then Trunkflow’s facts', () => {
    expect(
      childEnv(
        { PATH: '/bin', HOME: '/h' },
        { PATH: '/mine', A: '1' },
        { A: '2' },
        { PORT: '80', TRUNKFLOW_VERSION: null },
      ),
    ).toEqual({ PATH: '/mine', HOME: '/h', A: '2', PORT: '80', TRUNKFLOW_VERSION: '' });
  });
});
