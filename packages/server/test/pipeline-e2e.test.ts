// The delivery pipeline end to end: the real server, real git, the demo app, a real Prometheus and a webhook receiver.
//
// PR → preview at its host; merge → preview gone, staging and its tests, tag v0.0.1, production
// with /version showing it; the window passes; a release with BROKEN is rolled back by the window
// (health check), with an incident and a signed webhook; a release whose error rate Prometheus
// sees over the threshold is rolled back too.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGit } from '@trunkflow/git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKLIST,
  deployedGroups,
  killGroups,
  openAndMerge as openAndMergeIn,
  startWebhookReceiver,
  until,
  viaHost as viaHostOf,
  type WebhookReceiver,
} from './helpers/pipeline.js';
import { type RunningPrometheus, startPrometheus } from './helpers/prometheus.js';
import { authedGitUrl, startServer, type TestServer, testDatabases } from './helpers/server.js';

const DEMO_APP = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples/demo-app');
const sqlite = testDatabases().find((kind) => kind.name === 'sqlite');

describe.runIf(sqlite)('the delivery pipeline, end to end', () => {
  let server: TestServer;
  let work: string;
  let prometheus: RunningPrometheus;
  let receiver: WebhookReceiver;
  let dana = '';
  let bob = '';
  let prometheusTargets = '';

  const git = (...args: string[]) => runGit(args, { cwd: work });
  const commit = async (message: string) => {
    await git('add', '-A');
    await git('-c', 'user.name=Dana', '-c', 'user.email=dana@example.com', 'commit', '-q', '-m', message);
    return (await git('rev-parse', 'HEAD')).trim();
  };
  const remote = () => authedGitUrl(server.url, 'shop', dana);
  /** A request to an environment through Trunkflow's proxy, by Host header (fetch cannot set Host). */
  const viaHost = (host: string, path: string) => viaHostOf(server.url, host, path);
  const runs = async () =>
    (
      await server.api<{ runs: { environment: string; kind: string; status: string; version: string | null }[] }>(
        'GET',
        '/api/projects/shop/runs?limit=100',
      )
    ).body.runs;
  const releases = async () =>
    (
      await server.api<{ releases: { tag: string; status: string; incident: string | null }[] }>(
        'GET',
        '/api/projects/shop/releases',
      )
    ).body.releases;
  const releaseStatus = async (tag: string) => (await releases()).find((release) => release.tag === tag)?.status;
  const productionVersion = async () => {
    const answer = await viaHost('shop.localhost', '/version');
    return answer.status === 200 ? (JSON.parse(answer.body) as { version: string | null }).version : null;
  };

  const openAndMerge = async (branch: string, title: string, change: () => Promise<void>) =>
    (
      await openAndMergeIn(
        { api: server.api, project: 'shop', author: dana, reviewer: bob, git, remote, commit },
        branch,
        title,
        change,
      )
    ).number;

  /** The trunkflow.yml the test pushes: the demo app's environments with a short window and this run's Prometheus. */
  function trunkflowYml(): string {
    return `# Written by pipeline-e2e.test.ts: the demo app's environments, with a short monitoring window.
proxy:
  mode: port
rules:
  # Three PRs in a few minutes, by one author.
  daily-pr-limit:
    enabled: false
environments:
  preview: {}
  staging:
    test: npm test
  production:
    variables:
      DEMO_BREAK_AFTER_MS: "2000"
    monitor:
      duration: 24s
      interval: 2s
      inconclusiveLimit: 10
      checks:
        - provider: http
          path: /healthz
        - provider: prometheus
          url: ${prometheus.url}
          # "or vector(0)": with no 5xx answered yet, the numerator has no series at all.
          query: >-
            (sum(rate(http_requests_total{status_code=~"5..",route!="/metrics"}[10s])) or vector(0))
            / sum(rate(http_requests_total{route!="/metrics"}[10s]))
          successCondition: result < 0.05
          failureCondition: result >= 0.05
`;
  }

  beforeAll(async () => {
    receiver = await startWebhookReceiver();

    const scratch = await mkdtemp(join(tmpdir(), 'trunkflow-e2e-'));
    prometheusTargets = join(scratch, 'targets.json');
    await writeFile(prometheusTargets, '[]');
    prometheus = await startPrometheus([], { fileTargets: prometheusTargets });

    server = await startServer(sqlite as NonNullable<typeof sqlite>, {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    dana = await server.createUser('dana', 'developer');
    bob = await server.createUser('bob', 'developer');
    expect((await server.api('POST', '/api/projects', { token: dana, body: { name: 'shop' } })).status).toBe(201);

    work = join(scratch, 'work');
    await cp(DEMO_APP, work, {
      recursive: true,
      filter: (path) => !/\/(node_modules|dist|coverage)(\/|$)/.test(path),
    });
    await writeFile(join(work, 'trunkflow.yml'), trunkflowYml());
    await git('init', '-q', '-b', 'main');
    await commit('chore: initial commit');
    await git('push', '-q', remote(), 'HEAD:main');
  }, 120_000);

  afterAll(async () => {
    // Deployed apps outlive a server on purpose (the next start adopts them): stop them here.
    const groups = server ? await deployedGroups(join(server.dataDir, 'deploys')) : [];
    await server?.stop();
    killGroups(groups);
    await prometheus?.stop();
    await receiver?.close();
    if (work) await rm(dirname(work), { recursive: true, force: true });
  });

  it('gives a PR a preview at its host, then on merge removes it and takes trunk through staging to a tagged, watched production', async () => {
    await git('switch', '-q', '-c', 'feature/TF-1-greet');
    await writeFile(join(work, 'NOTES.md'), 'A first change.\n');
    const head = await commit('fix: greet the visitor (TF-1)');
    await git('push', '-q', remote(), 'HEAD:feature/TF-1-greet');
    const opened = await server.api<{ number: number }>('POST', '/api/projects/shop/pulls', {
      token: dana,
      body: { head: 'feature/TF-1-greet', title: 'fix: greet the visitor (TF-1)', body: CHECKLIST },
    });
    expect(opened.status).toBe(201);

    // 1. The preview answers at its host, and its URL is on the PR.
    const detail = await until(
      'the preview',
      async () =>
        (
          await server.api<{ preview: { url: string | null; status: string; sha: string } | null }>(
            'GET',
            '/api/projects/shop/pulls/1',
          )
        ).body,
      (pull) => pull.preview?.status === 'live' || pull.preview?.status === 'failed',
    );
    expect(detail.preview).toMatchObject({ status: 'live', sha: head });
    // proxy.mode port: the preview has a loopback port of its own, and its host name routes too.
    expect(detail.preview?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(String(detail.preview?.url)).port).not.toBe(new URL(server.url).port);
    const direct = await fetch(`${detail.preview?.url}/version`);
    expect(((await direct.json()) as { sha: string }).sha).toBe(head);
    const preview = await viaHost('pr-1.shop.localhost', '/version');
    expect(preview.status).toBe(200);
    expect(JSON.parse(preview.body)).toEqual({ sha: head, version: null, env: 'preview' });

    expect(
      (await server.api('POST', '/api/projects/shop/pulls/1/reviews', { token: bob, body: { verdict: 'approve' } }))
        .status,
    ).toBe(201);
    await until(
      'the checks of PR #1',
      async () => (await server.api<{ status: string }>('GET', '/api/projects/shop/pulls/1/checks')).body.status,
      (status) => status !== 'pending',
    );
    const merged = await server.api<{ sha: string }>('POST', '/api/projects/shop/pulls/1/merge', {
      token: dana,
      body: {},
    });
    expect(merged.status).toBe(200);

    // 2. The preview is gone; staging passes its tests; v0.0.1 is tagged with notes; production serves it.
    await until(
      'the preview to go',
      () => viaHost('pr-1.shop.localhost', '/version'),
      (answer) => answer.status === 404,
    );
    await until('production on v0.0.1', productionVersion, (version) => version === 'v0.0.1');
    const repo = join(server.dataDir, 'repos', 'shop.git');
    expect((await runGit(['rev-parse', 'v0.0.1^{commit}'], { cwd: repo })).trim()).toBe(merged.body.sha);
    const notes = await runGit(['tag', '-l', '--format=%(contents)', 'v0.0.1'], { cwd: repo });
    expect(notes).toContain('Fixes');
    expect(notes).toContain('greet the visitor');
    expect(notes).toContain('/pulls/1');
    const staging = (await runs()).find((run) => run.environment === 'staging' && run.version === 'v0.0.1');
    expect(staging?.status).toBe('succeeded');
    const version = JSON.parse((await viaHost('shop.localhost', '/version')).body) as Record<string, unknown>;
    expect(version).toEqual({ sha: merged.body.sha, version: 'v0.0.1', env: 'production' });

    // Prometheus scrapes production through its own proxy port from now on.
    const environments = (
      await server.api<{ environments: { name: string; url: string | null }[] }>(
        'GET',
        '/api/projects/shop/environments',
      )
    ).body.environments;
    const production = environments.find((environment) => environment.name === 'production');
    expect(environments.find((environment) => environment.name === 'staging')).toMatchObject({ version: 'v0.0.1' });
    const port = /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(production?.url ?? '')?.[1];
    // Its own port, not the server's: proxy.mode port.
    expect(port).toBeDefined();
    expect(port).not.toBe(new URL(server.url).port);
    await writeFile(
      prometheusTargets,
      JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { env: 'production' } }]),
    );

    // 3. The window passes.
    await until(
      'v0.0.1 to pass its window',
      () => releaseStatus('v0.0.1'),
      (status) => status !== 'watching' && status !== 'tagged',
    );
    expect(await releaseStatus('v0.0.1')).toBe('passed');
  }, 300_000);

  it('rolls back a release whose health check fails in the window, records the incident and sends a signed webhook', async () => {
    const added = await server.api<{ secret: string }>('POST', '/api/projects/shop/notifications', {
      body: { kind: 'webhook', url: receiver.url, events: ['release.rolled_back', 'release.failed'] },
    });
    expect(added.status).toBe(201);
    receiver.secret = added.body.secret;

    await openAndMerge('feature/TF-2-broken', 'fix: ship a broken build on purpose (TF-2)', async () => {
      await writeFile(join(work, 'BROKEN'), '');
    });
    await until('production on v0.0.2', productionVersion, (version) => version === 'v0.0.2');
    await until(
      'v0.0.2 to be rolled back',
      () => releaseStatus('v0.0.2'),
      (status) => status === 'rolled-back',
    );
    expect(await productionVersion()).toBe('v0.0.1');
    const release = (await releases()).find((candidate) => candidate.tag === 'v0.0.2');
    expect(release?.incident).toEqual(expect.any(String));
    const rollback = (await runs()).find((run) => run.kind === 'rollback');
    expect(rollback?.status).toBe('succeeded');
    const delivered = await until(
      'the rollback webhook',
      async () => receiver.deliveries.filter((delivery) => delivery.event === 'release.rolled_back'),
      (found) => found.length > 0,
      30_000,
    );
    expect(delivered[0]).toMatchObject({ verified: true, body: { type: 'release.rolled_back', tag: 'v0.0.2' } });
  }, 300_000);

  it('rolls back a release whose error rate, read through PromQL, crosses its threshold while its health check passes', async () => {
    await openAndMerge('feature/TF-3-pages', 'fix: break only the product pages (TF-3)', async () => {
      await writeFile(join(work, 'BROKEN'), 'pages');
    });
    await until('production on v0.0.3', productionVersion, (version) => version === 'v0.0.3');
    // Traffic to the product pages, so the error rate has something to show; bounded by the wait below.
    let traffic = true;
    const load = (async () => {
      for (let sent = 0; traffic && sent < 2000; sent++) {
        await viaHost('shop.localhost', sent % 2 === 0 ? '/products' : '/');
        await new Promise((wait) => setTimeout(wait, 50));
      }
    })();
    try {
      await until(
        'v0.0.3 to be rolled back',
        () => releaseStatus('v0.0.3'),
        (status) => status === 'rolled-back',
      );
    } finally {
      traffic = false;
      await load;
    }
    expect(await productionVersion()).toBe('v0.0.1');
    expect((await viaHost('shop.localhost', '/healthz')).status).toBe(200);
  }, 300_000);
});
