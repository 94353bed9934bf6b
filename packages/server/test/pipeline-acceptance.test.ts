// Two of the pipeline's acceptance cases on the real server, real git and a tiny app: an inconclusive window, and staging's queue.
//
// Inconclusive: production's prometheus check points at a loopback port nobody listens on, so every
// measurement errs; past consecutiveErrorLimit the window ends inconclusive: the people on watch get
// a signed webhook, nothing is rolled back, and `promote` passes the release.
// Queueing: two direct pushes to trunk, back to back, deploy to staging one at a time, in order.
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployedGroups,
  killGroups,
  openAndMerge,
  startWebhookReceiver,
  until,
  viaHost,
  type WebhookReceiver,
} from './helpers/pipeline.js';
import { authedGitUrl, startServer, type TestServer, testDatabases } from './helpers/server.js';
import { startsOf, tinyAppEnvironment, WorkingCopy } from './helpers/tiny-app.js';

const sqlite = testDatabases().find((kind) => kind.name === 'sqlite');

interface RunView {
  id: string;
  environment: string;
  kind: string;
  sha: string;
  version: string | null;
  status: string;
  reason: string | null;
  steps: { index: number; kind: string; status: string; reason: string | null }[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A loopback port that was free a moment ago and that nothing here listens on. */
async function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe.runIf(sqlite)('the pipeline on the real server with a tiny app', () => {
  let server: TestServer;
  let scratch: string;
  let receiver: WebhookReceiver;
  let dana = '';
  let bob = '';
  const startsFile = () => join(scratch, 'starts.jsonl');

  const runs = async (project: string) =>
    (await server.api<{ runs: RunView[] }>('GET', `/api/projects/${project}/runs?limit=100`)).body.runs;
  const releases = async (project: string) =>
    (
      await server.api<{ releases: { tag: string; status: string; authors: string[]; incident: string | null }[] }>(
        'GET',
        `/api/projects/${project}/releases`,
      )
    ).body.releases;
  const served = async (host: string) => {
    const answer = await viaHost(server.url, host, '/version');
    return answer.status === 200
      ? (JSON.parse(answer.body) as { sha: string; version: string | null; env: string })
      : null;
  };

  async function project(name: string, trunkflowYml: string, options: { allowDirectTrunkPush?: boolean } = {}) {
    const created = await server.api('POST', '/api/projects', { token: dana, body: { name, ...options } });
    expect(created.status).toBe(201);
    const dir = join(scratch, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const copy = new WorkingCopy(dir, () => authedGitUrl(server.url, name, dana));
    await copy.init(trunkflowYml);
    return copy;
  }

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trunkflow-acceptance-'));
    receiver = await startWebhookReceiver();
    server = await startServer(sqlite as NonNullable<typeof sqlite>, {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    dana = await server.createUser('dana', 'developer');
    bob = await server.createUser('bob', 'developer');
  }, 120_000);

  afterAll(async () => {
    // Deployed apps outlive a server on purpose (the next start adopts them): stop every one here,
    // those the records name and any other the app itself said it started.
    const groups = server ? await deployedGroups(join(server.dataDir, 'deploys')) : [];
    const started = scratch ? (await startsOf(startsFile())).map((start) => start.pid) : [];
    await server?.stop();
    killGroups([...groups, ...started]);
    await receiver?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('ends a window whose Prometheus cannot be reached inconclusive: the people on watch are told, nothing is rolled back, and promote passes it', async () => {
    const prometheus = `http://127.0.0.1:${await deadPort()}`;
    const copy = await project(
      'watch',
      [
        '# Written by pipeline-acceptance.test.ts: production watched through a Prometheus nobody runs.',
        'rules:',
        '  daily-pr-limit:',
        '    enabled: false',
        'environments:',
        '  staging:',
        ...tinyAppEnvironment({ variables: { STARTS_FILE: startsFile() } }),
        '  production:',
        ...tinyAppEnvironment({ variables: { STARTS_FILE: startsFile() } }),
        '    monitor:',
        '      duration: 1m',
        '      interval: 1s',
        '      consecutiveErrorLimit: 2',
        '      checks:',
        '        - provider: prometheus',
        `          url: ${prometheus}`,
        '          query: sum(rate(http_requests_total[1m]))',
        '          successCondition: result >= 0',
        '',
      ].join('\n'),
    );
    await copy.commit('chore: initial commit');
    await copy.push('HEAD:main');
    const added = await server.api<{ secret: string }>('POST', '/api/projects/watch/notifications', {
      body: {
        kind: 'webhook',
        url: receiver.url,
        events: ['release.inconclusive', 'release.failed', 'release.rolled_back', 'release.passed'],
      },
    });
    expect(added.status).toBe(201);
    receiver.secret = added.body.secret;

    const merged = await openAndMerge(
      {
        api: server.api,
        project: 'watch',
        author: dana,
        reviewer: bob,
        git: (...args) => copy.git(...args),
        remote: () => authedGitUrl(server.url, 'watch', dana),
        commit: (message) => copy.commit(message),
      },
      'feature/TF-1-watch',
      'fix: a first release to watch (TF-1)',
      () => writeFile(join(copy.dir, 'NOTES.md'), 'A first change.\n'),
    );

    const release = await until(
      'v0.0.1 to leave its window',
      async () => (await releases('watch')).find((candidate) => candidate.tag === 'v0.0.1'),
      (found) => found !== undefined && !['tagged', 'watching'].includes(found.status),
    );
    expect(release).toMatchObject({ status: 'inconclusive', authors: ['dana'], incident: null });

    // The people on watch are told, in a delivery signed with the target's secret.
    const told = await until(
      'the inconclusive webhook',
      async () => receiver.deliveries.filter((delivery) => delivery.event === 'release.inconclusive'),
      (found) => found.length > 0,
      60_000,
    );
    expect(told).toHaveLength(1);
    expect(told[0]?.verified).toBe(true);
    expect(Math.abs(told[0]?.age ?? Number.NaN)).toBeLessThanOrEqual(300);
    expect(told[0]?.body).toMatchObject({
      type: 'release.inconclusive',
      environment: 'production',
      tag: 'v0.0.1',
      sha: merged.sha,
      authors: ['dana'],
    });
    expect(told[0]?.body.summary).toContain('consecutiveErrorLimit');

    // Nothing is rolled back: the run holds at its window, production serves the release.
    const production = (await runs('watch')).filter((run) => run.environment === 'production');
    expect(production.map((run) => [run.kind, run.version, run.status])).toEqual([['deploy', 'v0.0.1', 'running']]);
    const monitor = production[0]?.steps.find((step) => step.kind === 'monitor');
    expect(monitor?.status).toBe('waiting');
    expect(monitor?.reason).toContain('Prometheus');
    expect(await served('watch.localhost')).toEqual({ sha: merged.sha, version: 'v0.0.1', env: 'production' });
    expect(receiver.deliveries.map((delivery) => delivery.event)).toEqual(['release.inconclusive']);

    // A person promotes it: the release passes, and production still serves it.
    const promoted = await server.api<RunView>('POST', '/api/projects/watch/environments/production/promote', {
      token: dana,
      body: {},
    });
    expect(promoted.status).toBe(200);
    const done = await until(
      'the production run to end',
      async () => (await runs('watch')).find((run) => run.id === production[0]?.id),
      (run) => run?.status !== 'running',
    );
    expect(done?.status).toBe('succeeded');
    expect((await releases('watch')).find((candidate) => candidate.tag === 'v0.0.1')?.status).toBe('passed');
    expect((await runs('watch')).filter((run) => run.kind === 'rollback')).toEqual([]);
    expect(await served('watch.localhost')).toEqual({ sha: merged.sha, version: 'v0.0.1', env: 'production' });
    // Production started once, for v0.0.1.
    const starts = (await startsOf(startsFile())).filter((start) => start.env === 'production');
    expect(starts.map((start) => [start.sha, start.version])).toEqual([[merged.sha, 'v0.0.1']]);
  }, 300_000);

  it('deploys two trunk changes pushed back to back to staging one at a time, in order, ending on the second', async () => {
    const gate = join(scratch, 'queue-gate');
    const copy = await project(
      'queue',
      [
        '# Written by pipeline-acceptance.test.ts: staging only; the app listens once the gate file exists.',
        'environments:',
        '  staging:',
        ...tinyAppEnvironment({ variables: { STARTS_FILE: startsFile(), GATE_FILE: gate } }),
        '',
      ].join('\n'),
      { allowDirectTrunkPush: true },
    );
    await writeFile(gate, '');
    const initial = await copy.commit('chore: initial commit');
    await copy.push('HEAD:main');
    const first = await until(
      'the initial staging run',
      async () => (await runs('queue')).find((run) => run.sha === initial),
      (run) => run !== undefined && ['succeeded', 'failed', 'canceled'].includes(run.status),
    );
    expect(first?.status).toBe('succeeded');

    // The gate closes: the next staging deploy holds in its start until the test opens it.
    await unlink(gate);
    await writeFile(join(copy.dir, 'a.txt'), 'a\n');
    const a = await copy.commit('chore: the first change');
    await copy.push('HEAD:main');
    await writeFile(join(copy.dir, 'b.txt'), 'b\n');
    const b = await copy.commit('chore: the second change');
    await copy.push('HEAD:main');

    // While A's deploy runs (its app started, not yet listening), B waits in the queue.
    await until(
      "A's app to start",
      async () => (await startsOf(startsFile())).filter((start) => start.sha === a),
      (found) => found.length === 1,
    );
    const waiting = await until(
      'B to be queued behind A',
      async () => (await runs('queue')).filter((run) => run.sha === a || run.sha === b),
      (found) => found.length === 2,
    );
    const runA = waiting.find((run) => run.sha === a);
    const runB = waiting.find((run) => run.sha === b);
    expect(runA?.status).toBe('running');
    expect(runA?.steps.find((step) => step.kind === 'deploy')?.status).toBe('running');
    expect(runB?.status).toBe('queued');
    expect(runB?.startedAt).toBeNull();
    expect((await startsOf(startsFile())).filter((start) => start.sha === b)).toEqual([]);

    await writeFile(gate, '');
    const ended = await until(
      'both staging runs to end',
      async () => (await runs('queue')).filter((run) => run.sha === a || run.sha === b),
      (found) => found.every((run) => ['succeeded', 'failed', 'canceled'].includes(run.status)),
    );
    const endedA = ended.find((run) => run.sha === a);
    const endedB = ended.find((run) => run.sha === b);
    expect([endedA?.status, endedB?.status]).toEqual(['succeeded', 'succeeded']);
    // In order, one at a time: B was queued before A finished, and started only after.
    expect(Date.parse(String(endedA?.createdAt))).toBeLessThanOrEqual(Date.parse(String(endedB?.createdAt)));
    expect(Date.parse(String(endedB?.createdAt))).toBeLessThan(Date.parse(String(endedA?.finishedAt)));
    expect(Date.parse(String(endedB?.startedAt))).toBeGreaterThanOrEqual(Date.parse(String(endedA?.finishedAt)));
    const staging = (await startsOf(startsFile())).filter((start) => start.env === 'staging');
    expect(staging.filter((start) => [initial, a, b].includes(start.sha)).map((start) => start.sha)).toEqual([
      initial,
      a,
      b,
    ]);
    // Staging ends on the second change.
    expect(await served('staging.queue.localhost')).toEqual({ sha: b, version: null, env: 'staging' });
    const environments = (
      await server.api<{ environments: { name: string; sha: string | null; status: string }[] }>(
        'GET',
        '/api/projects/queue/environments',
      )
    ).body.environments;
    expect(environments.find((environment) => environment.name === 'staging')).toMatchObject({
      sha: b,
      status: 'live',
    });
  }, 300_000);
});
