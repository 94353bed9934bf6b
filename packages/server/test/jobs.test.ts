// The jobs contract, one suite on SQLite (our runner) and PostgreSQL (graphile-worker): transactions, crashes, retries, schedules, singletons, cancel.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../src/platform/clock.js';
import { type TestDatabase, testDatabases } from '../src/platform/db/test-databases.js';
import { ConflictError, ValidationError } from '../src/platform/errors.js';
import { defineJob, type JobQueue, retryDelayMs } from '../src/platform/jobs/catalog.js';
import { createJobQueue } from '../src/platform/jobs/queue.js';

const here = dirname(fileURLToPath(import.meta.url));
const serverRoot = resolve(here, '..');
const repoRoot = resolve(serverRoot, '../..');
/** The child script lives in a temp folder, so it imports packages by the server's resolution. */
const resolveFromServer = (name: string) =>
  pathToFileURL(createRequire(join(serverRoot, 'package.json')).resolve(name)).href;

/** Polls until `check` holds (bounded), so tests wait for outcomes, never for a fixed time. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
) {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

interface Run {
  key: string;
  jobId: string;
  attempt: number;
  startedAt: number;
}

function testCatalog(state: {
  runs: Run[];
  healed: Set<string>;
  active: Map<string, number>;
  peak: Map<string, number>;
}) {
  const record = (key: string, jobId: string, attempt: number) => {
    state.runs.push({ key, jobId, attempt, startedAt: Date.now() });
  };
  return {
    'test.record': defineJob({
      description: 'Records that it ran; fails its first `failTimes` attempts unless its key is healed',
      onSecondRun: 'records again (the test counts runs)',
      payload: z.strictObject({ key: z.string(), failTimes: z.number().int().default(0) }),
      async run(payload, context) {
        record(payload.key, context.jobId, context.attempt);
        if (context.attempt <= payload.failTimes && !state.healed.has(payload.key)) {
          throw new Error(`planned failure ${context.attempt}`);
        }
      },
    }),
    'test.hold': defineJob({
      description: 'Holds for a while, counting how many jobs of its label run at once; waits for `meet` peers first',
      onSecondRun: 'holds again',
      payload: z.strictObject({ label: z.string(), meet: z.number().int().default(1), holdMs: z.number().int() }),
      async run(payload, context) {
        record(payload.label, context.jobId, context.attempt);
        const active = (state.active.get(payload.label) ?? 0) + 1;
        state.active.set(payload.label, active);
        state.peak.set(payload.label, Math.max(state.peak.get(payload.label) ?? 0, active));
        const until = Date.now() + 10_000;
        while ((state.peak.get(payload.label) ?? 0) < payload.meet && Date.now() < until) {
          await new Promise((done) => setTimeout(done, 20));
        }
        await new Promise((done) => setTimeout(done, payload.holdMs));
        state.active.set(payload.label, (state.active.get(payload.label) ?? 1) - 1);
      },
    }),
  };
}

class Rollback extends Error {}

describe.each(testDatabases())('jobs contract on $name', (kind) => {
  let database: TestDatabase;
  let queue: JobQueue<ReturnType<typeof testCatalog>>;
  const state = { runs: [] as Run[], healed: new Set<string>(), active: new Map<string, number>(), peak: new Map() };
  const runsOf = (key: string) => state.runs.filter((run) => run.key === key);

  beforeAll(async () => {
    database = await kind.open();
    queue = createJobQueue({
      db: database.db,
      dialect: database.dialect,
      ...(database.url ? { databaseUrl: database.url } : {}),
      catalog: testCatalog(state),
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      pollMs: 100,
      leaseMs: 3000,
    });
    await queue.prepare();
    await queue.start();
  });

  afterAll(async () => {
    await queue?.stop();
    await database?.drop();
  });

  /** Enqueues a job that runs at once and waits for it: after it, every job enqueued before it that was due has been taken. */
  async function sentinel(key: string) {
    await queue.enqueue(database.db, 'test.record', { key });
    await waitFor(`sentinel ${key}`, () => runsOf(key).length > 0);
  }

  it('runs a job enqueued in a committed transaction, never one whose transaction rolled back', async () => {
    await expect(
      database.db.transaction().execute(async (trx) => {
        await queue.enqueue(trx, 'test.record', { key: 'rolled-back' });
        throw new Rollback();
      }),
    ).rejects.toThrow(Rollback);
    await database.db.transaction().execute((trx) => queue.enqueue(trx, 'test.record', { key: 'committed' }));
    await waitFor('the committed job', () => runsOf('committed').length === 1);
    await sentinel('after-rollback');
    expect(runsOf('rolled-back')).toEqual([]);
    expect((await queue.list()).map((job) => job.name)).toEqual([]);
  });

  it('validates the payload at enqueue', async () => {
    await expect(queue.enqueue(database.db, 'test.record', { key: 5 } as never)).rejects.toThrow(ValidationError);
    await expect(queue.enqueue(database.db, 'no.such' as never, {} as never)).rejects.toThrow(/unknown job "no.such"/);
    await expect(queue.enqueue(database.db, 'test.record', { key: 'x' }, { maxAttempts: 0 })).rejects.toThrow(
      /maxAttempts/,
    );
  });

  it('retries with exponential backoff, stops at the attempt limit, and a failed job can be retried', async () => {
    const { id } = await queue.enqueue(database.db, 'test.record', { key: 'flaky', failTimes: 99 }, { maxAttempts: 3 });
    for (let attempt = 1; attempt <= 3; attempt++) {
      await waitFor(`attempt ${attempt}`, () => runsOf('flaky').length === attempt);
      const started = runsOf('flaky')[attempt - 1]?.startedAt ?? 0;
      const job = await waitFor(`attempt ${attempt} recorded as failed`, async () => {
        const found = await queue.get(id);
        return found && found.state !== 'running' && found.attempts === attempt ? found : null;
      });
      const observed = Date.now();
      expect(job.lastError).toContain(`planned failure ${attempt}`);
      if (attempt < 3) {
        expect(job.state).toBe('queued');
        // The retry waits e^attempt seconds from the failure, which came between the start and now.
        const runAt = Date.parse(job.runAt);
        expect(runAt).toBeGreaterThanOrEqual(started + retryDelayMs(attempt) - 2);
        expect(runAt).toBeLessThanOrEqual(observed + retryDelayMs(attempt) + 2);
        await queue.runNow(id);
      } else {
        expect(job.state).toBe('failed');
        expect(job.maxAttempts).toBe(3);
      }
    }
    await sentinel('after-flaky');
    expect(runsOf('flaky')).toHaveLength(3);
    expect((await queue.list({ state: 'failed' })).map((job) => job.id)).toEqual([id]);
    await expect(queue.runNow(id)).rejects.toThrow(ConflictError);

    state.healed.add('flaky');
    const retried = await queue.retry(id);
    // A runner woken by the retry may have taken it already (graphile-worker's LISTEN is that fast):
    // it is no longer failed, and the runs below show its attempts started over.
    expect(retried.id).toBe(id);
    expect(retried.state).not.toBe('failed');
    await waitFor('the retried job to finish', async () => (await queue.get(id)) === null);
    expect(runsOf('flaky').map((run) => run.attempt)).toEqual([1, 2, 3, 1]);
    await expect(queue.retry(id)).rejects.toThrow(/no job/);
  });

  it('does not run a scheduled job before its time', async () => {
    const runAt = new Date(Date.now() + 1500);
    await queue.enqueue(database.db, 'test.record', { key: 'scheduled' }, { runAt });
    await sentinel('before-schedule');
    await waitFor('the scheduled job', () => runsOf('scheduled').length === 1);
    expect(runsOf('scheduled')[0]?.startedAt).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it('runs at most one job per singleton key at a time, while other jobs run side by side', async () => {
    await database.db.transaction().execute(async (trx) => {
      for (let n = 0; n < 3; n++) {
        await queue.enqueue(trx, 'test.hold', { label: 'prod', holdMs: 150 }, { singletonKey: 'deploy:prod' });
      }
      for (let n = 0; n < 2; n++) await queue.enqueue(trx, 'test.hold', { label: 'free', meet: 2, holdMs: 50 });
    });
    await waitFor('every held job', async () => runsOf('prod').length === 3 && (await queue.list()).length === 0);
    expect(state.peak.get('prod')).toBe(1);
    // The runner does run jobs in parallel: the two free ones met.
    expect(state.peak.get('free')).toBe(2);
  });

  it('cancels a queued job so it never runs; a running one cannot be cancelled', async () => {
    await database.db.transaction().execute(async (trx) => {
      await queue.enqueue(trx, 'test.hold', { label: 'holder', holdMs: 1000 }, { singletonKey: 'cancel-test' });
    });
    await waitFor('the holder to start', () => runsOf('holder').length === 1);
    const behind = await queue.enqueue(
      database.db,
      'test.record',
      { key: 'cancelled' },
      { singletonKey: 'cancel-test' },
    );
    const holder = (await queue.list({ state: 'running' }))[0];
    expect(holder?.singletonKey).toBe('cancel-test');
    await expect(queue.cancel(holder?.id ?? '')).rejects.toThrow(ConflictError);
    expect(await queue.cancel(behind.id)).toMatchObject({
      id: behind.id,
      state: 'queued',
      singletonKey: 'cancel-test',
    });
    await waitFor('the holder to finish', async () => (await queue.list()).length === 0);
    await queue.enqueue(database.db, 'test.record', { key: 'after-cancel' }, { singletonKey: 'cancel-test' });
    await waitFor('a later job of the key', () => runsOf('after-cancel').length === 1);
    expect(runsOf('cancelled')).toEqual([]);
    expect(await queue.get(behind.id)).toBeNull();
  });
});

// The child: a job runner over the test database, with one job that kills its own process when CRASH=1.
const CHILD = `
const dist = ${JSON.stringify(pathToFileURL(join(serverRoot, 'dist')).href)};
const { appendFile } = await import('node:fs/promises');
const { z } = await import(${JSON.stringify(resolveFromServer('zod'))});
const pino = (await import(${JSON.stringify(resolveFromServer('pino'))})).default;
const { openDatabase } = await import(dist + '/platform/db/connect.js');
const { createJobQueue } = await import(dist + '/platform/jobs/queue.js');
const { systemClock } = await import(dist + '/platform/clock.js');
const database = openDatabase({ dataDir: process.env.DATA_DIR, databaseUrl: process.env.DATABASE_URL || undefined });
const catalog = {
  'test.crashy': {
    description: 'logs its start, dies when CRASH=1, logs that it finished otherwise',
    onSecondRun: 'logs again',
    payload: z.object({}),
    async run(_payload, context) {
      await appendFile(process.env.LOG, 'start ' + context.attempt + '\\n');
      if (process.env.CRASH === '1') process.kill(process.pid, 'SIGKILL');
      await appendFile(process.env.LOG, 'done\\n');
    },
  },
};
const queue = createJobQueue({
  db: database.db, dialect: database.dialect, databaseUrl: process.env.DATABASE_URL || undefined,
  catalog, clock: systemClock, logger: pino({ level: 'silent' }), pollMs: 100, leaseMs: 1500,
});
await queue.prepare();
if (process.env.ENQUEUE === '1') await database.db.transaction().execute((trx) => queue.enqueue(trx, 'test.crashy', {}));
await queue.start();
// The runner's timers do not hold a process open (a server's HTTP listener does): this child's must.
setInterval(() => {}, 60_000);
process.stdout.write('ready\\n');
process.on('SIGTERM', () => queue.stop().then(() => database.close()).then(() => process.exit(0)));
`;

describe.each(testDatabases())('kill -9 in the middle of a job on $name', (kind) => {
  let database: TestDatabase;
  let scratch: string;

  beforeAll(async () => {
    // The child runs the compiled server, so compile first (a no-op when dist is current).
    await new Promise<void>((done, fail) => {
      const tsc = spawn(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', serverRoot], {
        cwd: repoRoot,
        stdio: 'inherit',
      });
      tsc.on('error', fail);
      tsc.on('close', (code) => (code === 0 ? done() : fail(new Error(`tsc -b failed with ${code}`))));
    });
    database = await kind.open();
    scratch = await mkdtemp(join(tmpdir(), 'trunkflow-jobs-crash-'));
    await writeFile(join(scratch, 'runner.mjs'), CHILD);
  });

  afterAll(async () => {
    await database?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  function start(env: Record<string, string>): { child: ChildProcess; exited: Promise<NodeJS.Signals | null> } {
    const child = spawn(process.execPath, [join(scratch, 'runner.mjs')], {
      cwd: serverRoot,
      env: {
        PATH: process.env.PATH,
        DATA_DIR: database.dataDir,
        LOG: join(scratch, 'log'),
        ...(database.url ? { DATABASE_URL: database.url } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('close', (_code, signal) => done(signal)));
    return { child, exited };
  }

  const log = async () => (await readFile(join(scratch, 'log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

  it('runs the job to completion after a restart', { timeout: 60_000 }, async () => {
    const crashing = start({ ENQUEUE: '1', CRASH: '1' });
    expect(await crashing.exited).toBe('SIGKILL');
    expect(await log()).toEqual(['start 1']);

    const restarted = start({});
    try {
      await waitFor('the job to finish after the restart', async () => (await log()).includes('done'));
      expect(await log()).toEqual(['start 1', 'start 2', 'done']);
      const queue = createJobQueue({
        db: database.db,
        dialect: database.dialect,
        ...(database.url ? { databaseUrl: database.url } : {}),
        catalog: {},
        clock: systemClock,
        logger: pino({ level: 'silent' }),
      });
      await waitFor('the finished job to leave the queue', async () => (await queue.list()).length === 0);
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });
});

describe.each(testDatabases().filter((kind) => kind.name === 'postgres'))('recurring jobs on $name', (kind) => {
  it("registers each recurring job with graphile-worker's cron at start", async () => {
    const database = await kind.open();
    const state = { runs: [] as Run[], healed: new Set<string>(), active: new Map<string, number>(), peak: new Map() };
    const queue = createJobQueue({
      db: database.db,
      dialect: database.dialect,
      databaseUrl: database.url ?? '',
      catalog: testCatalog(state),
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      recurring: [{ id: 'nightly-report', cron: '0 3 * * *', job: 'test.record', payload: { key: 'nightly' } }],
    });
    try {
      await queue.prepare();
      await queue.start();
      // graphile-worker records every cron identifier it schedules, so no two servers fire one minute twice.
      const known = await waitFor('the cron identifier', async () => {
        const rows = await sql<{ identifier: string }>`
          select identifier from graphile_worker._private_known_crontabs`.execute(database.db);
        return rows.rows.length > 0 ? rows.rows.map((row) => row.identifier) : null;
      });
      expect(known).toEqual(['nightly-report']);
    } finally {
      await queue.stop();
      await database.drop();
    }
  });

  it('refuses a cron expression it cannot read, saying how to write one', () => {
    expect(() =>
      createJobQueue({
        db: {} as never,
        dialect: kind.name,
        databaseUrl: 'postgres://unused',
        catalog: testCatalog({ runs: [], healed: new Set(), active: new Map(), peak: new Map() }),
        clock: systemClock,
        logger: pino({ level: 'silent' }),
        recurring: [{ id: 'bad', cron: 'every day', job: 'test.record', payload: { key: 'x' } }],
      }),
    ).toThrow(/use 5 fields, e.g. "\*\/5 \* \* \* \*"/);
  });
});
