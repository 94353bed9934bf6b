import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.js';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import { createJobQueue } from '../../platform/jobs/queue.js';
import { CrashChild } from './crash-child.js';
import { mergeSettleJob } from './merge-settle-job.js';
import { CHECKED_BODY, Harness, type Workspace } from './test-harness.js';

// kill -9 inside a merge at each fault point, then a restart: the merges.settle job the intent
// enqueued (due at once here) finishes or undoes the merge when a job runner starts again.

const CHILD = `
// A queue that is never started: the merge may enqueue checks, which the restarted server runs.
const jobs = createJobQueue({ db: handle.db, dialect: handle.dialect, databaseUrl: input.databaseUrl, catalog: serverJobCatalog({ db: handle.db, consumers: new EventConsumers(eventCatalog) }), clock: systemClock, logger: quiet });
const pulls = createPullsFeature({ ...pullsWiring(jobs), repositories, projects, auth, clock: systemClock, ids: uuidGenerator, logger: quiet, rules: new RuleRunner(), config: { faults: [input.fault] }, mergeSettleDelayMs: 0 });
const project = await projects.get(input.project);
const actor = await auth.authenticate(input.token);
await pulls.merges.merge(project, actor, input.number);
process.stdout.write('survived the fault point');
await handle.close();
`;

describe.each(testDatabases())('merges.settle after kill -9 on $name', (kind) => {
  let database: TestDatabase;
  let h: Harness;
  let child: CrashChild | undefined;
  const workspaces: Workspace[] = [];

  beforeAll(async () => {
    database = await kind.open();
    h = await Harness.start(database);
    child = await CrashChild.write(CHILD);
  });

  afterAll(async () => {
    for (const workspace of workspaces) await workspace.dispose();
    await h?.rules.close();
    await database?.drop();
    await child?.remove();
  });

  async function readyPull(branch: string): Promise<{ ws: Workspace; number: number }> {
    const ws = await h.project();
    workspaces.push(ws);
    await ws.branch(branch, { [`${branch.split('/').at(-1)}.txt`]: 'x\n' });
    const pull = await h.pulls.open(ws.project, h.actor('alice'), {
      head: branch,
      title: 'fix: settle me',
      body: CHECKED_BODY,
    });
    await h.pulls.review(ws.project, h.actor('bob'), pull.number, { verdict: 'approve' });
    return { ws, number: pull.number };
  }

  const attempts = async () => (await database.db.selectFrom('merge_attempts').selectAll().execute()).length;

  it('finishes the merge killed after the ref update and undoes the one killed after the intent', async () => {
    const finished = await readyPull('feature/TF-1-settle');
    const undone = await readyPull('feature/TF-2-settle');
    // From here only the restarted runner below takes jobs (on PostgreSQL the harness's would too).
    await h.jobs.stop();
    const trunkBefore = {
      finished: await finished.ws.serverSha('refs/heads/main'),
      undone: await undone.ws.serverSha('refs/heads/main'),
    };
    for (const [fault, { ws, number }] of [
      ['merge.after-ref-update', finished],
      ['merge.after-intent', undone],
    ] as const) {
      const result = await (child as CrashChild).run({
        dataDir: database.dataDir,
        databaseUrl: database.url,
        fault,
        project: ws.project.name,
        token: h.tokens.get('bob'),
        number,
      });
      expect({ fault, signal: result.signal, stderr: result.stderr }).toEqual({ fault, signal: 'SIGKILL', stderr: '' });
    }
    expect(await attempts()).toBe(2);
    // Until its settle job runs, the PR can neither be merged again nor closed.
    await expect(h.pulls.merge(undone.ws.project, h.actor('bob'), undone.number)).rejects.toThrow(
      'being merged right now',
    );
    await expect(h.pulls.close(undone.ws.project, h.actor('alice'), undone.number)).rejects.toThrow(
      'being merged right now',
    );
    const moved = await finished.ws.serverSha('refs/heads/main');
    expect(moved).not.toBe(trunkBefore.finished);

    // The restart: a job runner by the system clock (the harness's own runs on its test clock).
    const restarted = createJobQueue({
      db: database.db,
      dialect: database.dialect,
      ...(database.url ? { databaseUrl: database.url } : {}),
      catalog: { 'merges.settle': mergeSettleJob(() => h.pulls.feature.merges) },
      clock: systemClock,
      logger: h.logger,
      pollMs: 100,
    });
    await restarted.start();
    try {
      for (let attempt = 0; attempt < 300 && (await attempts()) > 0; attempt++) {
        await new Promise((done) => setTimeout(done, 100));
      }
    } finally {
      await restarted.stop();
    }
    expect(await attempts()).toBe(0);
    expect(await h.pulls.get(finished.ws.project, finished.number)).toMatchObject({ state: 'merged', mergeSha: moved });
    expect(await finished.ws.serverSha('refs/heads/feature/TF-1-settle')).toBeNull();
    expect((await h.eventTypes(finished.ws.project.id)).slice(-2)).toEqual(['pull_request.merged', 'trunk.updated']);
    // One squash commit on trunk, and one trunk.updated naming it: the crash wrote nothing twice.
    expect((await finished.ws.bareGit(['rev-list', '--count', `${trunkBefore.finished}..${moved}`])).trim()).toBe('1');
    expect((await h.eventsOf(finished.ws.project.id, 'trunk.updated')).map((event) => event.payload)).toEqual([
      { trunk: 'main', before: trunkBefore.finished, after: moved, pullRequests: [finished.number], source: 'merge' },
    ]);

    expect((await h.pulls.get(undone.ws.project, undone.number)).state).toBe('open');
    expect(await undone.ws.serverSha('refs/heads/main')).toBe(trunkBefore.undone);
    const { sha } = await h.pulls.merge(undone.ws.project, h.actor('bob'), undone.number);
    expect(await undone.ws.serverSha('refs/heads/main')).toBe(sha);
  }, 60_000);
});
