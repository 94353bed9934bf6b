// The SQLite runner against an injected clock: a scheduled job waits for its time, retries wait their backoff, cron fires once per match.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { type TestDatabase, testDatabases } from '../db/test-databases.js';
import { defineJob, retryDelayMs } from './catalog.js';
import { SqliteJobQueue } from './sqlite-queue.js';

function sqliteKind() {
  const kind = testDatabases().find((candidate) => candidate.name === 'sqlite');
  if (kind === undefined) throw new Error('testDatabases() offers no SQLite');
  return kind;
}

class FakeClock implements Clock {
  constructor(private at: number) {}
  now() {
    return new Date(this.at);
  }
  set(iso: string) {
    this.at = Date.parse(iso);
  }
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

describe('the SQLite job runner with an injected clock', () => {
  let database: TestDatabase;
  let clock: FakeClock;
  let runs: string[];
  let queue: SqliteJobQueue<ReturnType<typeof catalog>>;

  const catalog = () => ({
    'test.note': defineJob({
      description: 'Notes its key; fails when told to',
      onSecondRun: 'notes again',
      payload: z.object({ key: z.string(), fail: z.boolean().default(false) }),
      async run(payload) {
        runs.push(payload.key);
        if (payload.fail) throw new Error('told to fail');
      },
    }),
  });

  beforeEach(async () => {
    database = await sqliteKind().open();
    clock = new FakeClock(Date.parse('2026-03-02T00:03:00.000Z'));
    runs = [];
    queue = new SqliteJobQueue(database.db, catalog(), {
      clock,
      logger: pino({ level: 'silent' }),
      pollMs: 10,
      recurring: [{ id: 'every-five', cron: '*/5 * * * *', job: 'test.note', payload: { key: 'cron' } }],
    });
    await queue.start();
  });

  afterEach(async () => {
    await queue.stop();
    await database.drop();
  });

  /** Lets the runner see the present: a job due now runs, so everything else due has been taken too. */
  async function settle(key: string) {
    await queue.enqueue(database.db, 'test.note', { key });
    await waitFor(key, () => runs.includes(key));
  }

  it('does not run a scheduled job one millisecond early, and runs it at its time', async () => {
    await queue.enqueue(database.db, 'test.note', { key: 'later' }, { runAt: new Date('2026-03-02T00:04:00.000Z') });
    clock.set('2026-03-02T00:03:59.999Z');
    await settle('first');
    await settle('second');
    expect(runs).not.toContain('later');
    clock.set('2026-03-02T00:04:00.000Z');
    await waitFor('the scheduled job', () => runs.includes('later'));
  });

  it('schedules each retry e^attempts seconds after the failure', async () => {
    const { id } = await queue.enqueue(database.db, 'test.note', { key: 'flaky', fail: true }, { maxAttempts: 2 });
    await waitFor('the first attempt to fail', async () => (await queue.get(id))?.attempts === 1 && runs.length === 1);
    await waitFor('the failure recorded', async () => (await queue.get(id))?.state === 'queued');
    const job = await queue.get(id);
    expect(Date.parse(job?.runAt ?? '')).toBe(clock.now().getTime() + retryDelayMs(1));
    clock.set(new Date(clock.now().getTime() + retryDelayMs(1) - 1).toISOString());
    await settle('before-backoff');
    expect(runs.filter((key) => key === 'flaky')).toHaveLength(1);
    clock.set(new Date(clock.now().getTime() + 1).toISOString());
    await waitFor('the retry', async () => (await queue.get(id))?.state === 'failed');
    expect(runs.filter((key) => key === 'flaky')).toHaveLength(2);
  });

  it('fires a recurring job once for each minute its cron matches, never for the past', async () => {
    await settle('start');
    expect(runs).not.toContain('cron');
    clock.set('2026-03-02T00:05:30.000Z');
    await waitFor('the 00:05 run', () => runs.includes('cron'));
    clock.set('2026-03-02T00:06:10.000Z');
    await settle('after-six');
    expect(runs.filter((key) => key === 'cron')).toHaveLength(1);
    clock.set('2026-03-02T00:10:00.000Z');
    await waitFor('the 00:10 run', () => runs.filter((key) => key === 'cron').length === 2);
    // Down from 00:10 to 00:22: the 00:15 and 00:20 matches are not made up for; 00:25 fires.
    clock.set('2026-03-02T00:22:30.000Z');
    await settle('after-downtime');
    expect(runs.filter((key) => key === 'cron')).toHaveLength(2);
    clock.set('2026-03-02T00:25:01.000Z');
    await waitFor('the 00:25 run', () => runs.filter((key) => key === 'cron').length === 3);
  });
});
