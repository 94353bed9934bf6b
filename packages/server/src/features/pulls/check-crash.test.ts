import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.js';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import { createJobQueue } from '../../platform/jobs/queue.js';
import { checksRunJob } from './checks-job.js';
import { CrashChild } from './crash-child.js';
import { CHECKED_BODY, Harness, type Workspace } from './test-harness.js';

// A real kill -9 while a check runs: a child process runs the built server's job runner with the
// `checks.before-record` fault point, dies there, and a runner started here finishes the job.
const LEASE_MS = 1500;

const CHILD = `
let pulls;
const jobs = createJobQueue({
  db: handle.db, dialect: handle.dialect, databaseUrl: input.databaseUrl,
  catalog: serverJobCatalog({ db: handle.db, consumers: new EventConsumers(eventCatalog), checks: () => pulls?.checks }),
  clock: systemClock, logger: quiet, pollMs: 100, leaseMs: ${LEASE_MS},
});
pulls = createPullsFeature({ ...pullsWiring(jobs), repositories, projects, auth, clock: systemClock, ids: uuidGenerator, logger: quiet, rules: new RuleRunner(), config: { faults: ['checks.before-record'] } });
await jobs.prepare();
await jobs.start();
// The runner's timers do not hold a process open: this child's must, until the fault kills it.
setInterval(() => {}, 60_000);
setTimeout(() => { process.stdout.write('the check never ran'); process.exit(3); }, 20_000);
`;

describe.each(testDatabases())('kill -9 while a check runs on $name', (kind) => {
  let database: TestDatabase;
  let h: Harness;
  let child: CrashChild | undefined;
  let ws: Workspace | undefined;

  beforeAll(async () => {
    database = await kind.open();
    h = await Harness.start(database);
    // Only the child takes jobs until the restart below.
    await h.jobs.stop();
    child = await CrashChild.write(CHILD);
  });

  afterAll(async () => {
    await ws?.dispose();
    await h?.rules.close();
    await database?.drop();
    await child?.remove();
  });

  it('after the restart the check completes, once', async () => {
    ws = await h.project();
    const sha = await ws.branch('feature/TF-1-crash', { 'c.txt': 'c\n' });
    const pull = await h.pulls.unsettled.open(ws.project, h.actor('alice'), {
      head: 'feature/TF-1-crash',
      title: 'fix: survive a crash',
      body: CHECKED_BODY,
    });
    const runs = () =>
      database.db.selectFrom('check_runs').select(['sha']).where('pull_request_id', '=', pull.id).execute();

    const crashed = await (child as CrashChild).run({ dataDir: database.dataDir, databaseUrl: database.url });
    expect({ signal: crashed.signal, stdout: crashed.stdout }, crashed.stderr).toEqual({
      signal: 'SIGKILL',
      stdout: '',
    });
    expect(await runs()).toEqual([]);
    expect((await h.jobs.list()).map((job) => job.name)).toEqual(['checks.run']);
    expect(await h.pulls.checks(ws.project, pull.number)).toMatchObject({ status: 'pending', sha });

    // The restart: a runner whose lease is as short as the dead one's takes the job again.
    const restarted = createJobQueue({
      db: database.db,
      dialect: database.dialect,
      ...(database.url ? { databaseUrl: database.url } : {}),
      catalog: { 'checks.run': checksRunJob(() => h.pulls.feature.checks) },
      // The dead runner's lease is by the system clock, as a restarted server's is.
      clock: systemClock,
      logger: h.logger,
      pollMs: 100,
      leaseMs: LEASE_MS,
    });
    await restarted.start();
    try {
      // Bounded: the lease runs out, the job runs again and finishes, within the wait.
      for (let attempt = 0; attempt < 300 && (await runs()).length === 0; attempt++) {
        await new Promise((done) => setTimeout(done, 100));
      }
      for (let attempt = 0; attempt < 100 && (await restarted.list()).length > 0; attempt++) {
        await new Promise((done) => setTimeout(done, 100));
      }
    } finally {
      await restarted.stop();
    }
    expect(await runs()).toEqual([{ sha }]);
    expect(await restarted.list()).toEqual([]);
    expect(await h.pulls.checks(ws.project, pull.number)).toMatchObject({ status: 'completed', sha, ok: true });
    expect((await h.eventsOf(ws.project.id, 'check.completed')).map((event) => event.payload.sha)).toEqual([sha]);
  }, 60_000);
});
