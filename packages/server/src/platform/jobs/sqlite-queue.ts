// The SQLite job runner: one process, jobs in our own `jobs` table, woken in-process after commit with a poll as a backstop.
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database, JobsTable } from '../db/schema.js';
import { ConflictError, ValidationError } from '../errors.js';
import {
  assertRetryable,
  checkEnqueue,
  type EnqueueOptions,
  errorText,
  foundJob,
  type JobCatalog,
  type JobInfo,
  type JobName,
  type JobPayload,
  type JobQueue,
  type JobState,
  type JobTransaction,
  type RecurringJob,
  retryDelayMs,
  runningJobRefused,
} from './catalog.js';
import { type CronSchedule, latestMatch, parseCron } from './cron.js';

export interface SqliteQueueOptions {
  clock: Clock;
  logger: Logger;
  /** Jobs run at once (default 4). */
  concurrency?: number;
  /** The backstop poll, for jobs whose time comes and for cron (default 1000 ms). */
  pollMs?: number;
  /**
   * How long a running job's lease lasts without renewal (default 30 s; renewed every third of it).
   * A job whose runner died is taken again once its lease expires.
   */
  leaseMs?: number;
  /** How long stop() waits for running jobs before it aborts and releases them (default 10 s). */
  shutdownTimeoutMs?: number;
  recurring?: RecurringJob[];
}

type Row = Omit<JobsTable, 'id'> & { id: number };

/** How late a cron match may be noticed and still fire: two minutes. */
const CRON_GRACE_MS = 120_000;

interface Running {
  attempts: number;
  abort: AbortController;
  done: Promise<void>;
}

function toInfo(row: Row): JobInfo {
  return {
    id: String(row.id),
    name: row.name,
    payload: JSON.parse(row.payload) as unknown,
    state: row.state as JobState,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    lastError: row.last_error,
    singletonKey: row.singleton_key,
    createdAt: row.created_at,
  };
}

function parseId(id: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(id))
    throw new ValidationError(`job id "${id}" is not a job id: use one from the job list`);
  return Number(id);
}

export class SqliteJobQueue<C extends JobCatalog> implements JobQueue<C> {
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly schedules: { job: RecurringJob; schedule: CronSchedule }[];
  private readonly running = new Map<number, Running>();
  private started = false;
  private pumping: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    readonly catalog: C,
    private readonly options: SqliteQueueOptions,
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.schedules = (options.recurring ?? []).map((job) => {
      if (catalog[job.job] === undefined)
        throw new ValidationError(`recurring job "${job.id}" names unknown job "${job.job}"`);
      return { job, schedule: parseCron(job.cron) };
    });
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }

  private later(ms: number): string {
    return new Date(this.options.clock.now().getTime() + ms).toISOString();
  }

  async prepare(): Promise<void> {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.timer = setInterval(() => this.nudge(), this.pollMs);
    this.timer.unref();
    this.nudge();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pumping;
    const inFlight = [...this.running.values()].map((job) => job.done);
    let timeout: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      timeout = setTimeout(() => resolve('timeout'), this.shutdownTimeoutMs);
    });
    const outcome = await Promise.race([Promise.all(inFlight), expired]);
    clearTimeout(timeout);
    if (outcome !== 'timeout') return;
    // Jobs still running are aborted and given back: the interrupted attempt does not count.
    for (const [id, job] of this.running) {
      job.abort.abort(new Error('the server is shutting down'));
      await this.db
        .updateTable('jobs')
        .set({ state: 'queued', attempts: job.attempts - 1, locked_until: null })
        .where('id', '=', id)
        .where('attempts', '=', job.attempts)
        .execute();
      this.options.logger.warn({ job: id }, 'job still running at shutdown: released to run again');
    }
    this.running.clear();
  }

  async enqueue<N extends JobName<C>>(
    tx: JobTransaction,
    name: N,
    payload: JobPayload<C, N>,
    options: EnqueueOptions = {},
  ): Promise<{ id: string }> {
    const checked = checkEnqueue(this.catalog, name, payload, options);
    const row = await tx
      .insertInto('jobs')
      .values({
        name,
        payload: JSON.stringify(checked.payload),
        state: 'queued',
        attempts: 0,
        max_attempts: checked.maxAttempts,
        run_at: (options.runAt ?? this.options.clock.now()).toISOString(),
        last_error: null,
        singleton_key: options.singletonKey ?? null,
        locked_until: null,
        created_at: this.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // One connection: the pump's first query waits for this transaction, so it sees the job once committed.
    queueMicrotask(() => this.nudge());
    return { id: String(row.id) };
  }

  async list(filter: { state?: JobState; limit?: number } = {}): Promise<JobInfo[]> {
    let query = this.db
      .selectFrom('jobs')
      .selectAll()
      .orderBy('id')
      .limit(filter.limit ?? 100);
    if (filter.state !== undefined) query = query.where('state', '=', filter.state);
    return (await query.execute()).map(toInfo);
  }

  async get(id: string): Promise<JobInfo | null> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', parseId(id)).executeTakeFirst();
    return row ? toInfo(row) : null;
  }

  private async require(id: string): Promise<JobInfo> {
    return foundJob(id, await this.get(id));
  }

  async retry(id: string): Promise<JobInfo> {
    assertRetryable(await this.require(id));
    await this.db
      .updateTable('jobs')
      .set({ state: 'queued', attempts: 0, run_at: this.now(), locked_until: null })
      .where('id', '=', Number(id))
      .where('state', '=', 'failed')
      .execute();
    this.nudge();
    return this.require(id);
  }

  async runNow(id: string): Promise<JobInfo> {
    const job = await this.require(id);
    if (job.state !== 'queued') throw new ConflictError(`job ${id} is ${job.state}, not queued`);
    await this.db
      .updateTable('jobs')
      .set({ run_at: this.now() })
      .where('id', '=', Number(id))
      .where('state', '=', 'queued')
      .execute();
    this.nudge();
    return this.require(id);
  }

  async cancel(id: string): Promise<JobInfo> {
    const job = await this.require(id);
    const deleted = await this.db
      .deleteFrom('jobs')
      .where('id', '=', Number(id))
      .where('state', 'in', ['queued', 'failed'])
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) {
      throw runningJobRefused(id);
    }
    return job;
  }

  /** Runs a pump now, or once more after the current one: wake-ups never get lost, and never overlap. */
  private nudge(): void {
    if (!this.started) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((error: unknown) => this.options.logger.error({ error: errorText(error) }, 'job runner poll failed'))
      .finally(() => {
        this.pumping = null;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  private async pump(): Promise<void> {
    await this.fireSchedules();
    await this.failAbandoned();
    while (this.started && this.running.size < this.concurrency) {
      const row = await this.take();
      if (row === null) return;
      this.launch(row);
    }
  }

  /** A job whose runner died on its last attempt has no attempt left to take it again: it fails, saying why. */
  private async failAbandoned(): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({
        state: 'failed',
        locked_until: null,
        last_error: 'the server stopped while this job ran (its last attempt)',
      })
      .where('state', '=', 'running')
      .where('locked_until', '<=', this.now())
      .whereRef('attempts', '>=', 'max_attempts')
      .execute();
  }

  /** Takes the next due job, if any: queued and due, or running with an expired lease; never a second one of a singleton key. */
  private async take(): Promise<Row | null> {
    const now = this.now();
    const mine = [...this.running.keys()];
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('jobs as j')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.and([eb('j.state', '=', 'queued'), eb('j.run_at', '<=', now)]),
            eb.and([eb('j.state', '=', 'running'), eb('j.locked_until', '<=', now)]),
          ]),
        )
        .whereRef('j.attempts', '<', 'j.max_attempts')
        .$if(mine.length > 0, (query) => query.where('j.id', 'not in', mine))
        .where((eb) =>
          eb.or([
            eb('j.singleton_key', 'is', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('jobs as other')
                  .select(sql<number>`1`.as('one'))
                  .whereRef('other.singleton_key', '=', 'j.singleton_key')
                  .whereRef('other.id', '!=', 'j.id')
                  .where('other.state', '=', 'running')
                  .where('other.locked_until', '>', now),
              ),
            ),
          ]),
        )
        .orderBy('j.run_at')
        .orderBy('j.id')
        .limit(1)
        .executeTakeFirst();
      if (row === undefined) return null;
      const taken = { ...row, state: 'running', attempts: row.attempts + 1, locked_until: this.later(this.leaseMs) };
      await trx
        .updateTable('jobs')
        .set({ state: taken.state, attempts: taken.attempts, locked_until: taken.locked_until })
        .where('id', '=', row.id)
        .execute();
      return taken;
    });
  }

  private launch(row: Row): void {
    const abort = new AbortController();
    const entry: Running = { attempts: row.attempts, abort, done: Promise.resolve() };
    entry.done = this.execute(row, abort.signal).finally(() => {
      if (this.running.get(row.id) === entry) this.running.delete(row.id);
      this.nudge();
    });
    this.running.set(row.id, entry);
  }

  private async execute(row: Row, signal: AbortSignal): Promise<void> {
    const renew = setInterval(() => {
      this.ownedUpdate(row)
        .set({ locked_until: this.later(this.leaseMs) })
        .execute()
        .catch(() => {});
    }, this.leaseMs / 3);
    renew.unref();
    const logger = this.options.logger.child({ job: row.id, name: row.name, attempt: row.attempts });
    try {
      const definition = this.catalog[row.name];
      if (definition === undefined) throw new Error(`no handler for job "${row.name}" in this server's catalog`);
      const payload = definition.payload.parse(JSON.parse(row.payload));
      await definition.run(payload, { jobId: String(row.id), attempt: row.attempts, signal, logger });
      clearInterval(renew);
      await this.db.deleteFrom('jobs').where('id', '=', row.id).where('attempts', '=', row.attempts).execute();
    } catch (error) {
      clearInterval(renew);
      if (signal.aborted) return;
      const lastError = errorText(error);
      const failed = row.attempts >= row.max_attempts;
      await this.ownedUpdate(row)
        .set(
          failed
            ? { state: 'failed', locked_until: null, last_error: lastError }
            : {
                state: 'queued',
                locked_until: null,
                last_error: lastError,
                run_at: this.later(retryDelayMs(row.attempts)),
              },
        )
        .execute();
      logger.warn(
        { error: lastError, failed },
        failed ? 'job failed: no attempts left' : 'job attempt failed: will retry',
      );
    }
  }

  /** An update of a row this attempt still holds (a release at shutdown or a re-take changes attempts). */
  private ownedUpdate(row: Row) {
    return this.db
      .updateTable('jobs')
      .where('id', '=', row.id)
      .where('attempts', '=', row.attempts)
      .where('state', '=', 'running');
  }

  /** Enqueues each recurring job whose cron matched a minute since it last fired (the latest such minute, if recent). */
  private async fireSchedules(): Promise<void> {
    if (this.schedules.length === 0) return;
    const now = this.options.clock.now();
    for (const { job, schedule } of this.schedules) {
      await this.db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('job_schedules').selectAll().where('id', '=', job.id).executeTakeFirst();
        const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
        if (row === undefined) {
          // A new schedule starts from now: it fires on the next match, not for the past.
          await trx.insertInto('job_schedules').values({ id: job.id, last_at: minute.toISOString() }).execute();
          return;
        }
        const last = new Date(row.last_at);
        if (minute <= last) return;
        const due = latestMatch(schedule, last, minute);
        await trx
          .updateTable('job_schedules')
          .set({ last_at: minute.toISOString() })
          .where('id', '=', job.id)
          .execute();
        // A match a poll or two late still fires; minutes missed while the server was down do not (as on PostgreSQL).
        if (due !== null && now.getTime() - due.getTime() < CRON_GRACE_MS) {
          await this.enqueue(trx, job.job, job.payload as never, { runAt: due });
        }
      });
    }
  }
}
