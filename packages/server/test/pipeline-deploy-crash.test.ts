// A real kill -9 of the server while production deploys a release, then a restart on the same data: the run ends consistent, and the deploy never runs twice.
//
// The built server runs as a child process. Production serves v0.0.1; v0.0.2's deploy is held in
// its start (the tiny app waits for a gate file before it listens) when the server is killed. The
// restarted server stops the half-started app, fails the run with the reason (a deploy is not
// retry-safe), keeps v0.0.1 serving, and never starts v0.0.2 again: the app records every start.
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../src/platform/db/test-databases.js';
import { buildServer, type ChildServer, ChildServers } from './helpers/child-server.js';
import { alive, deployedGroups, killGroups, until, viaHost } from './helpers/pipeline.js';
import { ADMIN_TOKEN, authedGitUrl, testDatabases } from './helpers/server.js';
import { startsOf, tinyAppEnvironment, WorkingCopy } from './helpers/tiny-app.js';

interface RunView {
  id: string;
  environment: string;
  kind: string;
  sha: string;
  version: string | null;
  status: string;
  reason: string | null;
  steps: { index: number; kind: string; status: string; attempts: number; reason: string | null }[];
}

const TERMINAL = ['succeeded', 'failed', 'canceled'];

describe.each(testDatabases())('kill -9 during a production deploy on $name', (kind) => {
  let database: TestDatabase;
  let scratch: string;
  let servers: ChildServers;
  let copy: WorkingCopy;
  let server: ChildServer | null = null;
  const startsFile = () => join(scratch, 'starts.jsonl');
  const gate = () => join(scratch, 'gate');

  const start = () =>
    servers.start({
      TRUNKFLOW_DATA_DIR: database.dataDir,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    });
  const api = () => {
    if (!server) throw new Error('no server is running');
    return server.api;
  };
  const runs = async () => (await api()<{ runs: RunView[] }>('GET', '/api/projects/crash/runs?limit=100')).body.runs;
  const releases = async () =>
    (await api()<{ releases: { tag: string; sha: string; status: string }[] }>('GET', '/api/projects/crash/releases'))
      .body.releases;
  const served = async () => {
    const answer = await viaHost(server?.url ?? '', 'crash.localhost', '/version');
    return answer.status === 200
      ? (JSON.parse(answer.body) as { sha: string; version: string | null; env: string })
      : null;
  };
  /** Production's deployer record, as the deployer wrote it. */
  const productionRecord = async () => {
    const text = await readFile(join(database.dataDir, 'deploys', 'crash', 'production', 'state.json'), 'utf8');
    return (
      JSON.parse(text) as {
        state: Record<'current' | 'previous' | 'pending', { sha?: string; pid?: number | null } | null>;
      }
    ).state;
  };

  beforeAll(async () => {
    await buildServer();
    database = await kind.open({ migrate: false });
    scratch = await mkdtemp(join(tmpdir(), 'trunkflow-deploy-crash-'));
    servers = new ChildServers(scratch);
    await mkdir(join(scratch, 'work'));
    copy = new WorkingCopy(join(scratch, 'work'), () => authedGitUrl(server?.url ?? '', 'crash', ADMIN_TOKEN));
  }, 120_000);

  afterAll(async () => {
    // Every server this file started, in whatever state a failure left it; then every app it deployed.
    await servers?.killAll();
    const groups = database ? await deployedGroups(join(database.dataDir, 'deploys')) : [];
    const started = scratch ? (await startsOf(startsFile())).map((entry) => entry.pid) : [];
    killGroups([...groups, ...started]);
    await database?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('fails the interrupted run with its reason, keeps the previous release serving, and never deploys it twice', async () => {
    server = await start();
    const created = await api()('POST', '/api/projects', { body: { name: 'crash', allowDirectTrunkPush: true } });
    expect(created.status).toBe(201);
    await copy.init(
      [
        '# Written by pipeline-deploy-crash.test.ts: production starts only once the gate file exists.',
        'environments:',
        '  staging:',
        ...tinyAppEnvironment({ variables: { STARTS_FILE: startsFile() } }),
        '  production:',
        ...tinyAppEnvironment({ variables: { STARTS_FILE: startsFile(), GATE_FILE: gate() } }),
        '    monitor:',
        '      duration: 3s',
        '      interval: 1s',
        '',
      ].join('\n'),
    );
    await writeFile(gate(), '');
    await copy.commit('chore: initial commit');
    await copy.push('HEAD:main');
    await writeFile(join(copy.dir, 'one.txt'), '1\n');
    const one = await copy.commit('fix: the first release');
    await copy.push('HEAD:main');
    await until(
      'v0.0.1 to pass its window',
      async () => (await releases()).find((release) => release.tag === 'v0.0.1')?.status,
      (status) => status === 'passed' || status === 'failed' || status === 'rolled-back',
    );
    expect(await served()).toEqual({ sha: one, version: 'v0.0.1', env: 'production' });
    const firstPid = (await productionRecord()).current?.pid;
    expect(firstPid).toEqual(expect.any(Number));

    // v0.0.2's production deploy starts its app, which waits at the closed gate: the step stays running.
    await unlink(gate());
    await writeFile(join(copy.dir, 'two.txt'), '2\n');
    const two = await copy.commit('fix: the second release');
    await copy.push('HEAD:main');
    const [held] = await until(
      "v0.0.2's app to start in production",
      async () => (await startsOf(startsFile())).filter((entry) => entry.env === 'production' && entry.sha === two),
      (found) => found.length > 0,
    );
    const deploying = await until(
      "v0.0.2's production deploy to run",
      async () => (await runs()).find((run) => run.environment === 'production' && run.sha === two),
      (run) => run?.steps.find((step) => step.kind === 'deploy')?.status === 'running',
    );
    // The deployer recorded the half-started app, so a restart can find it.
    await until(
      'the pending app in the deployer record',
      async () => (await productionRecord()).pending?.pid,
      (pid) => pid === held?.pid,
      30_000,
    );

    const killed = await servers.kill(server);
    server = null;
    expect(killed.signal).toBe('SIGKILL');
    expect(alive(held?.pid ?? -1)).toBe(true);

    server = await start();
    // Open the gate: a deploy run again would now start and go live, and the starts file would show it.
    await writeFile(gate(), '');
    const ended = await until(
      'the interrupted run to end',
      async () => (await runs()).find((run) => run.id === deploying?.id),
      (run) => run !== undefined && TERMINAL.includes(run.status),
    );
    // A deploy is not retry-safe: the run fails, saying why, and its later steps never run.
    expect(ended?.status).toBe('failed');
    expect(ended?.reason).toContain('interrupted by a restart');
    const deploy = ended?.steps.find((step) => step.kind === 'deploy');
    expect(deploy).toMatchObject({ status: 'failed', attempts: 1 });
    expect(deploy?.reason).toContain('not run again');
    expect(ended?.steps.find((step) => step.kind === 'monitor')?.status).toBe('skipped');

    // The half-started app is stopped, production still serves v0.0.1 from the same (adopted) process.
    await until(
      'the half-started app to be stopped',
      async () => alive(held?.pid ?? -1),
      (running) => !running,
      60_000,
    );
    expect(await served()).toEqual({ sha: one, version: 'v0.0.1', env: 'production' });
    const record = await productionRecord();
    expect(record.current).toMatchObject({ sha: one, pid: firstPid });
    expect(record.pending).toBeNull();
    const environments = (
      await api()<{ environments: { name: string; sha: string | null; version: string | null; status: string }[] }>(
        'GET',
        '/api/projects/crash/environments',
      )
    ).body.environments;
    expect(environments.find((environment) => environment.name === 'production')).toMatchObject({
      sha: one,
      version: 'v0.0.1',
      status: 'live',
    });
    expect((await releases()).find((release) => release.tag === 'v0.0.2')?.status).toBe('tagged');

    // Never two deploys of the run: v0.0.2 started once in production (the interrupted deploy), v0.0.1 once.
    const production = (await startsOf(startsFile())).filter((entry) => entry.env === 'production');
    expect(production.map((entry) => [entry.version, entry.sha])).toEqual([
      ['v0.0.1', one],
      ['v0.0.2', two],
    ]);
    const productionRuns = (await runs())
      .filter((run) => run.environment === 'production')
      .map((run) => [run.version, run.kind, run.status])
      .sort();
    expect(productionRuns).toEqual([
      ['v0.0.1', 'deploy', 'succeeded'],
      ['v0.0.2', 'deploy', 'failed'],
    ]);

    await servers.stop(server);
    server = null;
  }, 300_000);
});
