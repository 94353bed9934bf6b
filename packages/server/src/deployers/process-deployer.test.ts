// The process deployer deploying examples/demo-app for real: proxy, supervision, zero-downtime switch, rollback, adoption, destroy.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentRef } from './environment.js';
import { groupAlive, processAlive } from './process-group.js';
import {
  collectingSink,
  createTestRepo,
  httpGet,
  startTestServer,
  type TestRepo,
  type TestServer,
  waitFor,
} from './test-harness.js';
import type { DeployRequest } from './types.js';

const demoApp = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../examples/demo-app');

const preview: EnvironmentRef = { project: 'shop', environment: 'preview', pr: 1 };
const production: EnvironmentRef = { project: 'shop', environment: 'production' };

/** A full deploy installs the demo app's dependencies and compiles it: minutes on a slow machine. */
const DEPLOY_TIMEOUT = 300_000;

function request(
  repo: TestRepo,
  environment: EnvironmentRef,
  sha: string,
  version: string | null,
  log = collectingSink(),
) {
  return {
    log,
    request: {
      environment,
      repoPath: repo.bare,
      sha,
      ref: 'refs/heads/main',
      version,
      commands: {
        install: ['npm', 'ci', '--no-audit', '--no-fund', '--prefer-offline'],
        build: ['npm', 'run', 'build'],
        start: ['npm', 'start'],
      },
      variables: { DEMO_BREAK_AFTER_MS: '5000' },
      secrets: {},
      healthPath: '/healthz',
      timeouts: { commandMs: 240_000, healthMs: 30_000 },
      log: log.sink,
    } satisfies DeployRequest,
  };
}

async function version(
  server: TestServer,
  host: string,
): Promise<{ sha: string; version: string | null; env: string }> {
  const answer = await httpGet(server.port, '/version', host);
  expect(answer.status, answer.body).toBe(200);
  return JSON.parse(answer.body);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('process deployer with the demo app', () => {
  let root: string;
  let dataDir: string;
  let repo: TestRepo;
  let first: string;
  let second: string;
  let server: TestServer;
  const leftovers: number[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'trunkflow-process-'));
    dataDir = join(root, 'data');
    repo = await createTestRepo(join(root, 'repo'), { copyFrom: demoApp });
    first = await repo.commit({}, 'feat: the demo app');
    second = await repo.commit({ 'NOTES.md': 'second release\n' }, 'fix: a second release');
    server = await startTestServer(dataDir);
  });

  afterAll(async () => {
    await server?.stop();
    // Whatever a failed test left running goes with its whole group.
    for (const pid of leftovers) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    }
    await rm(root, { recursive: true, force: true });
  });

  it(
    'deploys a preview that answers at pr-1.shop.localhost through the proxy, with the sha in /version',
    async () => {
      const { request: deploy, log } = request(repo, preview, first, null);
      const result = await server.deployers.process.deploy(deploy);
      if (result.pid) leftovers.push(result.pid);
      expect(result).toMatchObject({ url: `http://pr-1.shop.localhost:${server.port}`, sha: first, version: null });
      expect(await version(server, 'pr-1.shop.localhost')).toEqual({ sha: first, version: null, env: 'preview' });
      const home = await httpGet(server.port, '/', `pr-1.shop.localhost:${server.port}`);
      expect(home.status).toBe(200);

      // Every step is in the log, each line stamped: install's and build's own output, and the app's.
      const text = log.text();
      expect(text).toContain('[system] install: npm ci');
      expect(text).toContain('[system] build: npm run build');
      expect(text).toMatch(/\[stdout\] .*listening on port/);
      expect(log.lines.every((entry) => entry.at instanceof Date)).toBe(true);

      const status = await server.deployers.process.status(preview);
      expect(status).toMatchObject({ state: 'running', sha: first, pid: result.pid, port: result.port, restarts: 0 });
      // The record a restarted server adopts from.
      const record = JSON.parse(await readFile(join(dataDir, 'deploys/shop/pr-1/state.json'), 'utf8'));
      expect(record.state.current).toMatchObject({ sha: first, pid: result.pid, port: result.port });
    },
    DEPLOY_TIMEOUT,
  );

  it('restarts the app when its process group is killed, and records the new pid', async () => {
    const before = await server.deployers.process.status(preview);
    const pid = before?.pid as number;
    process.kill(-pid, 'SIGKILL');
    const after = await waitFor('a restarted, healthy preview', async () => {
      const status = await server.deployers.process.status(preview);
      return status?.state === 'running' && status.pid !== pid && status.pid ? status : undefined;
    });
    leftovers.push(after.pid as number);
    expect(after.restarts).toBe(1);
    expect(server.events.map(({ event }) => event.type)).toEqual(expect.arrayContaining(['exited', 'restarted']));
    expect(await version(server, 'pr-1.shop.localhost')).toMatchObject({ sha: first, env: 'preview' });
    const record = JSON.parse(await readFile(join(dataDir, 'deploys/shop/pr-1/state.json'), 'utf8'));
    expect(record.state.current.pid).toBe(after.pid);
  });

  it('destroys the preview: the whole process group stops, the host answers 404, the tree is gone', async () => {
    const status = await server.deployers.process.status(preview);
    const pid = status?.pid as number;
    expect(processAlive(pid)).toBe(true);
    const log = collectingSink();
    await server.deployers.process.destroy(preview, { log: log.sink });
    expect(processAlive(pid)).toBe(false);
    expect(groupAlive(pid)).toBe(false);
    const answer = await httpGet(server.port, '/', 'pr-1.shop.localhost');
    expect(answer.status).toBe(404);
    expect(answer.body).toContain('no preview for PR 1 of shop');
    expect(await exists(join(dataDir, 'deploys/shop/pr-1'))).toBe(false);
    expect(await server.deployers.process.status(preview)).toBeNull();
    // git forgets the tree too.
    expect(await readdir(join(repo.bare, 'worktrees')).catch(() => [])).toEqual([]);
  });

  it(
    'switches production without downtime: every request during the switch succeeds, and the old app stops',
    async () => {
      const one = await server.deployers.process.deploy(request(repo, production, first, 'v0.0.1').request);
      if (one.pid) leftovers.push(one.pid);
      expect(await version(server, 'shop.localhost')).toEqual({ sha: first, version: 'v0.0.1', env: 'production' });

      let done = false;
      const deploying = server.deployers.process
        .deploy(request(repo, production, second, 'v0.0.2').request)
        .finally(() => {
          done = true;
        });
      const seen = new Set<string>();
      const failures: string[] = [];
      let requests = 0;
      // Bounded: the loop ends with the deploy, or after this many requests whatever happens.
      for (let extra = 0; requests < 20_000 && extra < 20; requests += 1) {
        if (done) extra += 1;
        try {
          const answer = await httpGet(server.port, '/version', 'shop.localhost');
          if (answer.status === 200) seen.add(JSON.parse(answer.body).version);
          else failures.push(`${answer.status} ${answer.body}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
      const two = await deploying;
      if (two.pid) leftovers.push(two.pid);
      expect(failures).toEqual([]);
      expect([...seen].sort()).toEqual(['v0.0.1', 'v0.0.2']);
      expect(await version(server, 'shop.localhost')).toEqual({ sha: second, version: 'v0.0.2', env: 'production' });
      expect(processAlive(one.pid as number)).toBe(false);
      // Production keeps the previous build on disk for a rollback.
      const status = await server.deployers.process.status(production);
      expect(status?.previous).toEqual({ sha: first, version: 'v0.0.1' });
    },
    2 * DEPLOY_TIMEOUT,
  );

  it('rolls production back to the kept build without installing or building', async () => {
    const log = collectingSink();
    const result = await server.deployers.process.rollback(production, { log: log.sink, secrets: {} });
    if (result.pid) leftovers.push(result.pid);
    expect(result).toMatchObject({ sha: first, version: 'v0.0.1' });
    expect(await version(server, 'shop.localhost')).toEqual({ sha: first, version: 'v0.0.1', env: 'production' });
    expect(log.text()).not.toContain('install:');
    expect(log.text()).not.toContain('build:');
    // The release rolled back from is the kept one now, so the rollback can itself be undone.
    expect((await server.deployers.process.status(production))?.previous).toEqual({ sha: second, version: 'v0.0.2' });
  });

  it('is adopted by a restarted server when alive and healthy, and started again from its tree when not', async () => {
    const running = await server.deployers.process.status(production);
    const pid = running?.pid as number;
    await server.stop();
    // The app outlives the server that started it.
    expect(processAlive(pid)).toBe(true);

    server = await startTestServer(dataDir);
    const adopted = await server.deployers.adopt();
    expect(adopted).toEqual([{ environment: production, outcome: 'adopted', pid, detail: `kept pid ${pid}` }]);
    expect(await version(server, 'shop.localhost')).toMatchObject({ sha: first, version: 'v0.0.1' });

    await server.stop();
    process.kill(-pid, 'SIGKILL');
    await waitFor('the app to be gone', () => (processAlive(pid) ? undefined : true));

    server = await startTestServer(dataDir);
    const [report] = await server.deployers.adopt();
    expect(report).toMatchObject({ environment: production, outcome: 'restarted' });
    expect(report?.pid).not.toBe(pid);
    if (report?.pid) leftovers.push(report.pid);
    const healthy = await waitFor('the restarted app', async () => {
      const answer = await httpGet(server.port, '/version', 'shop.localhost').catch(() => null);
      return answer?.status === 200 ? JSON.parse(answer.body) : undefined;
    });
    expect(healthy).toMatchObject({ sha: first, version: 'v0.0.1', env: 'production' });
    // Supervision sees it healthy on its own next probe.
    await waitFor('the restarted app to count as running', async () => {
      const status = await server.deployers.process.status(production);
      return status?.state === 'running' && status.pid === report?.pid ? true : undefined;
    });
    // The new server follows the restarted app's output.
    await waitFor('the restarted app’s output', () =>
      server.appLines.some((entry) => entry.stream === 'stdout' && entry.line.includes('listening on port'))
        ? true
        : undefined,
    );

    await server.deployers.process.destroy(production);
    expect(processAlive(report?.pid as number)).toBe(false);
  }, 120_000);
});
