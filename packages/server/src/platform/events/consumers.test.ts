// Consumers by event type and name, delivered as jobs: each committed event runs each consumer once, a rolled-back one runs none, a failing one is retried and ends failed.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../clock.js';
import { type TestDatabase, testDatabases } from '../db/test-databases.js';
import { type JobQueue, retryDelayMs } from '../jobs/catalog.js';
import { createJobQueue } from '../jobs/queue.js';
import { defineEvents, InvalidEventError, type TypedEvent } from './catalog.js';
import { EventConsumers } from './consumers.js';
import { EventLog } from './event-log.js';
import { CONSUME_JOB, consumeJob, JobDelivery } from './job-delivery.js';

const catalog = defineEvents({
  'thing.made': { summary: 'a thing', payload: z.strictObject({ name: z.string() }) },
  'thing.lost': { summary: 'a loss', payload: z.strictObject({ name: z.string() }) },
});
type Catalog = typeof catalog;

/** Polls until `check` holds (bounded), so the tests wait for outcomes, never for a fixed time. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
) {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

describe('the consumer registry', () => {
  it('refuses an unknown type, a bad name, a second consumer of one name, and any subscription once sealed', () => {
    const consumers = new EventConsumers(catalog);
    consumers.subscribe('thing.made', { name: 'shop.count', handle() {} });
    expect(() => consumers.subscribe('thing.made', { name: 'shop.count', handle() {} })).toThrow(
      'already has a consumer named "shop.count"',
    );
    consumers.subscribe('thing.lost', { name: 'shop.count', handle() {} });
    expect(() => consumers.subscribe('thing.gone' as 'thing.made', { name: 'x', handle() {} })).toThrow(
      InvalidEventError,
    );
    expect(() => consumers.subscribe('thing.made', { name: 'Shop Count', handle() {} })).toThrow(InvalidEventError);
    expect(() => consumers.subscribe('thing.made', { name: 'no.tries', maxAttempts: 0, handle() {} })).toThrow(
      'maxAttempts must be a whole number from 1 to 100',
    );
    expect(consumers.of('thing.made').map((consumer) => consumer.name)).toEqual(['shop.count']);
    consumers.seal();
    expect(() => consumers.subscribe('thing.made', { name: 'late.one', handle() {} })).toThrow(
      /subscribe at composition time/,
    );
  });
});

describe.each(testDatabases())('durable delivery on $name', (kind) => {
  let database: TestDatabase;
  let log: EventLog<Catalog>;
  let queue: JobQueue<{ [CONSUME_JOB]: ReturnType<typeof consumeJob> }>;
  /** `consumer:name` for every run of a consumer. */
  const runs: string[] = [];
  const runsOf = (entry: string) => runs.filter((run) => run === entry).length;

  beforeAll(async () => {
    database = await kind.open();
    const consumers = new EventConsumers(catalog);
    consumers.subscribe('thing.made', {
      name: 'first.fails',
      maxAttempts: 2,
      handle(event: TypedEvent<Catalog, 'thing.made'>) {
        runs.push(`first.fails:${event.payload.name}`);
        if (event.payload.name === 'boom') throw new Error(`consumer bug on ${event.payload.name}`);
      },
    });
    consumers.subscribe('thing.made', {
      name: 'second.records',
      async handle(event) {
        runs.push(`second.records:${event.payload.name}`);
      },
    });
    consumers.seal();
    queue = createJobQueue({
      db: database.db,
      dialect: database.dialect,
      ...(database.url ? { databaseUrl: database.url } : {}),
      catalog: { [CONSUME_JOB]: consumeJob(database.db, consumers) },
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      pollMs: 100,
    });
    await queue.prepare();
    log = new EventLog(database.db, database.dialect, systemClock, {
      catalog,
      delivery: new JobDelivery(consumers, queue),
    });
  });

  afterAll(async () => {
    await queue?.stop();
    await database?.drop();
  });

  it('a rolled-back append enqueues nothing; a committed one enqueues a job per consumer, and none for a type nobody consumes', async () => {
    await expect(
      database.db.transaction().execute(async (trx) => {
        await log.append(trx, { type: 'thing.made', projectId: null, actor: null, payload: { name: 'rolled-back' } });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await queue.list()).toEqual([]);

    const made = await database.db
      .transaction()
      .execute((trx) => log.append(trx, { type: 'thing.made', projectId: null, actor: null, payload: { name: 'a' } }));
    await log.record({ type: 'thing.lost', projectId: null, actor: null, payload: { name: 'nobody-listens' } });
    // The runner has not started: the jobs wait in the queue, committed with the event.
    const queued = await queue.list();
    expect(queued.map((job) => [job.name, job.state, job.payload])).toEqual([
      [CONSUME_JOB, 'queued', { eventId: made.id, consumer: 'first.fails' }],
      [CONSUME_JOB, 'queued', { eventId: made.id, consumer: 'second.records' }],
    ]);
    expect(queued.map((job) => job.maxAttempts)).toEqual([2, 10]);
    expect(runs).toEqual([]);
  });

  it('runs each consumer of a committed event exactly once, never one of a rolled-back event', async () => {
    await queue.start();
    await log.record({ type: 'thing.made', projectId: null, actor: null, payload: { name: 'b' } });
    await waitFor('every consumer job to finish', async () => (await queue.list()).length === 0);
    expect([...runs].sort()).toEqual(['first.fails:a', 'first.fails:b', 'second.records:a', 'second.records:b']);
    expect(runs.some((run) => run.endsWith(':rolled-back'))).toBe(false);
  });

  it('retries a failing consumer with the job backoff and leaves it listed as failed; the other consumer still ran', async () => {
    const boom = await log.record({ type: 'thing.made', projectId: null, actor: null, payload: { name: 'boom' } });
    const firstTry = await waitFor('the first failed attempt', async () => {
      const [job] = await queue.list();
      return job !== undefined && job.state === 'queued' && job.attempts === 1 ? job : null;
    });
    expect(firstTry.payload).toEqual({ eventId: boom.id, consumer: 'first.fails' });
    expect(firstTry.lastError).toContain('consumer bug on boom');
    // The job backoff: the retry waits e^1 s from the failure, which came after the event.
    expect(Date.parse(firstTry.runAt)).toBeGreaterThanOrEqual(Date.parse(boom.createdAt) + retryDelayMs(1) - 2);
    // The retry waits its backoff (e^1 s): run it now instead of waiting.
    await queue.runNow(firstTry.id);
    const failed = await waitFor('the job to fail', async () => {
      const job = await queue.get(firstTry.id);
      return job?.state === 'failed' ? job : null;
    });
    expect(failed).toMatchObject({ name: CONSUME_JOB, attempts: 2, maxAttempts: 2 });
    expect(failed.lastError).toContain('consumer bug on boom');
    expect((await queue.list({ state: 'failed' })).map((job) => job.id)).toEqual([firstTry.id]);
    expect(runsOf('first.fails:boom')).toBe(2);
    expect(runsOf('second.records:boom')).toBe(1);
  });

  it('fails, with why, the job of a consumer this server does not have, or of an event not in the log', async () => {
    const made = await log.record({ type: 'thing.lost', projectId: null, actor: null, payload: { name: 'c' } });
    const gone = await queue.enqueue(
      database.db,
      CONSUME_JOB,
      { eventId: made.id, consumer: 'gone.away' },
      { maxAttempts: 1 },
    );
    const missing = await queue.enqueue(
      database.db,
      CONSUME_JOB,
      { eventId: made.id + 1000, consumer: 'second.records' },
      { maxAttempts: 1 },
    );
    const failedOf = (id: string) =>
      waitFor(`job ${id} to fail`, async () => {
        const job = await queue.get(id);
        return job?.state === 'failed' ? job : null;
      });
    expect((await failedOf(gone.id)).lastError).toContain('no consumer "gone.away" of event type "thing.lost"');
    expect((await failedOf(missing.id)).lastError).toContain(`event ${made.id + 1000} is not in the event log`);
  });
});
