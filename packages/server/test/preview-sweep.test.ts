// The preview TTL sweep on the real server: a preview with no deploy for longer than the default 14d ttl is
// destroyed by a `ttl` run through the destroy step, a fresh one is kept, and a second sweep changes nothing.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit } from '@trunkflow/git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWEEP_PREVIEWS_JOB } from '../src/features/pipeline/preview-sweep.js';
import type { Clock } from '../src/platform/clock.js';
import { authedGitUrl, startServer, type TestServer, testDatabases } from './helpers/server.js';

const DAY = 86_400_000;
const CHECKLIST = '## What\n\nA change.\n\n## User flows tested\n\n- [x] opened the home page\n';
// No `ttl`: the default, 14 days, is what is swept by.
const TRUNKFLOW_YML = `proxy:
  mode: port
environments:
  preview:
    install: false
    build: false
    start: [node, app.js]
`;
const APP_JS = `const http = require('node:http');
http
  .createServer((request, response) => response.writeHead(200).end(process.env.TRUNKFLOW_SHA))
  .listen(Number(process.env.PORT), '127.0.0.1');
`;

/** A clock the test moves forward; everything in the server reads it. */
class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

interface Preview {
  url: string | null;
  status: string;
  sha: string;
}

interface RunSummary {
  id: string;
  environment: string;
  kind: string;
  status: string;
  trigger: string;
  prNumber?: number | null;
  steps: { kind: string; status: string }[];
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((wait) => setTimeout(wait, 250));
    last = await read();
  }
  return last;
}

/** The process groups of the apps the deployer recorded under `root`, to stop them after the test. */
async function deployedGroups(root: string): Promise<number[]> {
  const pids: number[] = [];
  for (const project of await readdir(root).catch(() => [] as string[])) {
    for (const environment of await readdir(join(root, project)).catch(() => [] as string[])) {
      const text = await readFile(join(root, project, environment, 'state.json'), 'utf8').catch(() => null);
      if (text === null) continue;
      const state =
        (JSON.parse(text) as { state?: Record<string, { pid?: number | null } | null | undefined> }).state ?? {};
      for (const release of [state.current, state.previous, state.pending]) {
        if (typeof release?.pid === 'number') pids.push(release.pid);
      }
    }
  }
  return pids;
}

// On both databases: the sweep's store query, and the recurring job registered at start (graphile-worker's cron on PostgreSQL).
describe.each(testDatabases())('the preview TTL sweep on $name', (kind) => {
  const clock = new ShiftedClock();
  let server: TestServer;
  let work: string;
  let dana = '';
  const git = (...args: string[]) => runGit(args, { cwd: work });
  const remote = () => authedGitUrl(server.url, 'shop', dana);
  const preview = async (number: number) =>
    (await server.api<{ preview: Preview | null }>('GET', `/api/projects/shop/pulls/${number}`)).body.preview;
  const runs = async () =>
    (await server.api<{ runs: RunSummary[] }>('GET', '/api/projects/shop/runs?limit=100')).body.runs;

  /** Pushes a branch with one more file and opens its PR; resolves with the PR's live preview. */
  async function openPull(branch: string, number: number): Promise<Preview> {
    await git('switch', '-q', '-c', branch, 'main');
    await writeFile(join(work, `${branch}.txt`), `${branch}\n`);
    await git('add', '-A');
    await git('-c', 'user.name=Dana', '-c', 'user.email=dana@example.com', 'commit', '-q', '-m', `fix: ${branch}`);
    await git('push', '-q', remote(), `HEAD:${branch}`);
    const opened = await server.api<{ number: number }>('POST', '/api/projects/shop/pulls', {
      token: dana,
      body: { head: branch, title: `fix: ${branch}`, body: CHECKLIST },
    });
    expect(opened.body.number).toBe(number);
    await server.checksDone('shop', number);
    const live = await until(
      `the preview of #${number}`,
      () => preview(number),
      (value) => value?.status === 'live' || value?.status === 'failed',
    );
    expect(live?.status).toBe('live');
    return live as Preview;
  }

  /** Runs the sweep as the recurring job does, through the queue, and waits for it to finish. */
  async function sweep(): Promise<void> {
    const { jobs, database } = server.trunkflow;
    const { id } = await jobs.enqueue(database.db, SWEEP_PREVIEWS_JOB, {});
    await until(
      `the ${SWEEP_PREVIEWS_JOB} job`,
      () => jobs.get(id),
      (job) => job === null || job.state === 'failed',
    );
    expect(await jobs.get(id)).toBeNull();
  }

  /** No job is running: the clock may jump without making a running job's lease look expired. */
  const idle = () =>
    until(
      'the queue to be idle',
      () => server.trunkflow.jobs.list({ state: 'running' }),
      (running) => running.length === 0,
    );

  beforeAll(async () => {
    server = await startServer(kind, {
      clock,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    dana = await server.createUser('dana', 'developer');
    expect((await server.api('POST', '/api/projects', { token: dana, body: { name: 'shop' } })).status).toBe(201);
    work = await mkdtemp(join(tmpdir(), 'trunkflow-sweep-'));
    await writeFile(join(work, 'trunkflow.yml'), TRUNKFLOW_YML);
    await writeFile(join(work, 'app.js'), APP_JS);
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('-c', 'user.name=Dana', '-c', 'user.email=dana@example.com', 'commit', '-q', '-m', 'chore: initial');
    await git('push', '-q', remote(), 'HEAD:main');
  }, 60_000);

  afterAll(async () => {
    // Deployed apps outlive a server on purpose (the next start adopts them): stop them here.
    const groups = server ? await deployedGroups(join(server.dataDir, 'deploys')) : [];
    await server?.stop();
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('destroys a preview with no deploy for its ttl as a `ttl` run, and keeps a fresh one', async () => {
    const old = await openPull('old-change', 1);
    expect(await (await fetch(`${old.url}/`)).text()).toBe(old.sha);

    // Nobody touches #1 for 15 days; then #2 is opened and deployed.
    await idle();
    clock.offsetMs = 15 * DAY;
    const fresh = await openPull('fresh-change', 2);

    await sweep();
    const destroyed = await until(
      'the old preview to be destroyed',
      () => preview(1),
      (value) => value?.status === 'destroyed',
    );
    expect(destroyed).toMatchObject({ status: 'destroyed', url: null, sha: old.sha });
    expect(await preview(2)).toEqual(fresh);
    await expect(fetch(`${old.url}/`)).rejects.toThrow();
    expect(await (await fetch(`${fresh.url}/`)).text()).toBe(fresh.sha);

    // The step destroyed it; the run ends at its next advance.
    const ttlRuns = await until(
      'the ttl run to end',
      async () => (await runs()).filter((run) => run.trigger === 'ttl'),
      (found) => found.length > 0 && found.every((run) => run.status !== 'queued' && run.status !== 'running'),
    );
    expect(ttlRuns).toHaveLength(1);
    expect(ttlRuns[0]).toMatchObject({ environment: 'preview', kind: 'destroy', status: 'succeeded' });
    expect(ttlRuns[0]?.steps.map((step) => [step.kind, step.status])).toEqual([['destroy', 'succeeded']]);

    // A second sweep finds nothing to do: #1 is destroyed, and #2 was deployed moments ago.
    await sweep();
    expect((await runs()).filter((run) => run.trigger === 'ttl')).toHaveLength(1);
    expect((await preview(2))?.status).toBe('live');

    // Fourteen days after #2's deploy, it goes too.
    await idle();
    clock.offsetMs = 29 * DAY + 60_000;
    await sweep();
    await until(
      'the second preview to be destroyed',
      () => preview(2),
      (value) => value?.status === 'destroyed',
    );
    expect((await runs()).filter((run) => run.trigger === 'ttl')).toHaveLength(2);
  }, 240_000);
});
