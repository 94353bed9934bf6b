// The PostgreSQL job runner: graphile-worker in its own schema, woken by LISTEN/NOTIFY, with worker heartbeats so a crash is recovered in a lease, not 4 hours.
import { EventEmitter } from 'node:events';
import {
  Logger as GraphileLogger,
  type Runner as GraphileRunner,
  parseCronItems,
  run,
  runMigrations,
  type TaskList,
  type WorkerEvents,
} from 'graphile-worker';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
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
  runningJobRefused,
} from './catalog.js';
import { parseCron } from './cron.js';

/** graphile-worker's schema: its own, never ours. */
export const GRAPHILE_SCHEMA = 'graphile_worker';
/** Singleton keys map to graphile-worker queues, whose jobs run one at a time. */
const SINGLETON_QUEUE_PREFIX = 'singleton:';

export interface GraphileQueueOptions {
  connectionString: string;
  logger: Logger;
  concurrency?: number;
  /** graphile-worker's poll, for jobs whose time comes (default 2000 ms); new jobs arrive by NOTIFY. */
  pollMs?: number;
  /** A worker whose heartbeat is older than this is dead, and its jobs are released (default 60 s). */
  leaseMs?: number;
  /** How long stop() waits before aborting running jobs (default 10 s). */
  shutdownTimeoutMs?: number;
  recurring?: RecurringJob[];
}

interface JobRow {
  id: string;
  task_identifier: string;
  payload: unknown;
  queue_name: string | null;
  run_at: Date;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  locked_at: Date | null;
  created_at: Date;
}

function toInfo(row: JobRow): JobInfo {
  const state: JobState = row.locked_at !== null ? 'running' : row.attempts >= row.max_attempts ? 'failed' : 'queued';
  const queue = row.queue_name;
  return {
    id: row.id,
    name: row.task_identifier,
    payload: row.payload,
    state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: new Date(row.run_at).toISOString(),
    lastError: row.last_error,
    singletonKey: queue?.startsWith(SINGLETON_QUEUE_PREFIX) ? queue.slice(SINGLETON_QUEUE_PREFIX.length) : null,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function checkId(id: string): string {
  if (!/^[1-9][0-9]{0,18}$/.test(id))
    throw new ValidationError(`job id "${id}" is not a job id: use one from the job list`);
  return id;
}

/** graphile-worker's log lines, through our logger; its info lines (a worker started) are debug to us. */
function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = { scope, ...(meta ?? {}) };
    if (level === 'error') logger.error(fields, message);
    else if (level === 'warning') logger.warn(fields, message);
    else logger.debug(fields, message);
  });
}

export class GraphileJobQueue<C extends JobCatalog> implements JobQueue<C> {
  private runner: GraphileRunner | null = null;
  private readonly workers = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly leaseMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    readonly catalog: C,
    private readonly options: GraphileQueueOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 60_000;
    for (const job of options.recurring ?? []) {
      if (catalog[job.job] === undefined)
        throw new ValidationError(`recurring job "${job.id}" names unknown job "${job.job}"`);
      parseCron(job.cron);
    }
  }

  async prepare(): Promise<void> {
    await runMigrations({
      connectionString: this.options.connectionString,
      schema: GRAPHILE_SCHEMA,
      logger: graphileLogger(this.options.logger),
    });
  }

  async start(): Promise<void> {
    if (this.runner) return;
    const taskList: TaskList = {};
    for (const [name, definition] of Object.entries(this.catalog)) {
      taskList[name] = async (raw, helpers) => {
        // Cron jobs carry graphile-worker's `_cron` note; the catalog's schema never sees it.
        let input = raw;
        if (input !== null && typeof input === 'object' && '_cron' in input) {
          const { _cron: _, ...rest } = input as Record<string, unknown>;
          input = rest;
        }
        const payload = definition.payload.parse(input);
        const logger = this.options.logger.child({ job: helpers.job.id, name, attempt: helpers.job.attempts });
        await definition.run(payload, {
          jobId: String(helpers.job.id),
          attempt: helpers.job.attempts,
          signal: helpers.abortSignal,
          logger,
        });
      };
    }
    const events = new EventEmitter() as WorkerEvents;
    events.on('worker:create', ({ worker }) => {
      this.workers.add(worker.workerId);
    });
    const recurring = this.options.recurring ?? [];
    const concurrency = this.options.concurrency ?? 4;
    this.runner = await run({
      connectionString: this.options.connectionString,
      maxPoolSize: concurrency + 2,
      schema: GRAPHILE_SCHEMA,
      concurrency,
      pollInterval: this.options.pollMs ?? 2000,
      noHandleSignals: true,
      gracefulShutdownAbortTimeout: this.options.shutdownTimeoutMs ?? 10_000,
      logger: graphileLogger(this.options.logger),
      events,
      taskList,
      parsedCronItems: parseCronItems(
        recurring.map((job) => ({
          task: job.job,
          match: job.cron,
          identifier: job.id,
          payload: (job.payload ?? {}) as Record<string, unknown>,
          options: { backfillPeriod: 0 },
        })),
      ),
    });
    await this.heartbeat();
    await this.releaseDeadWorkers();
    this.timer = setInterval(() => {
      this.heartbeat()
        .then(() => this.releaseDeadWorkers())
        .catch((error: unknown) => this.options.logger.warn({ error: errorText(error) }, 'job heartbeat failed'));
    }, this.leaseMs / 3);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    const runner = this.runner;
    if (!runner) return;
    this.runner = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await runner.stop();
    const ids = [...this.workers];
    this.workers.clear();
    if (ids.length > 0) await this.db.deleteFrom('job_workers').where('worker_id', 'in', ids).execute();
  }

  private async heartbeat(): Promise<void> {
    const ids = [...this.workers];
    if (ids.length === 0) return;
    await sql`
      insert into job_workers (worker_id, heartbeat_at)
      select unnest(${ids}::text[]), now()
      on conflict (worker_id) do update set heartbeat_at = excluded.heartbeat_at`.execute(this.db);
  }

  /**
   * Releases jobs locked by a worker that stopped beating for a lease: it died (kill -9, a lost
   * machine). A job that was on its last attempt is failed with a note instead of being run again.
   */
  private async releaseDeadWorkers(): Promise<void> {
    const lease = `${Math.ceil(this.leaseMs)} milliseconds`;
    const dead = await sql<{ locked_by: string }>`
      select distinct j.locked_by from graphile_worker.jobs j
      where j.locked_by is not null and j.locked_at < now() - ${lease}::interval
      and not exists (
        select 1 from job_workers w where w.worker_id = j.locked_by and w.heartbeat_at > now() - ${lease}::interval
      )`.execute(this.db);
    const ids = dead.rows.map((row) => row.locked_by);
    if (ids.length > 0) {
      const spent = await sql<{ id: string }>`
        select id::text as id from graphile_worker.jobs
        where locked_by = any(${ids}::text[]) and attempts >= max_attempts`.execute(this.db);
      await sql`select graphile_worker.force_unlock_workers(${ids}::text[])`.execute(this.db);
      if (spent.rows.length > 0) {
        await sql`select graphile_worker.permanently_fail_jobs(${spent.rows.map((row) => row.id)}::bigint[],
          'the server stopped while this job ran (its last attempt)')`.execute(this.db);
      }
      this.options.logger.warn({ workers: ids }, 'released the jobs of workers that stopped without finishing them');
      await this.notify();
    }
    await sql`delete from job_workers where heartbeat_at < now() - ${lease}::interval * 10`.execute(this.db);
  }

  /** Wakes every worker listening, as graphile-worker's own add_job does. */
  private async notify(): Promise<void> {
    await sql`select pg_notify('jobs:insert', '{"count":1}')`.execute(this.db);
  }

  async enqueue<N extends JobName<C>>(
    tx: JobTransaction,
    name: N,
    payload: JobPayload<C, N>,
    options: EnqueueOptions = {},
  ): Promise<{ id: string }> {
    const checked = checkEnqueue(this.catalog, name, payload, options);
    const queue = options.singletonKey === undefined ? null : `${SINGLETON_QUEUE_PREFIX}${options.singletonKey}`;
    const runAt = options.runAt?.toISOString() ?? null;
    // add_job on the caller's own connection: the job and its NOTIFY commit (or roll back) with the caller.
    const result = await sql<{ id: string }>`
      select id::text as id from graphile_worker.add_job(
        identifier => ${name}::text,
        payload => ${JSON.stringify(checked.payload)}::json,
        queue_name => ${queue}::text,
        run_at => ${runAt}::timestamptz,
        max_attempts => ${checked.maxAttempts}::int
      )`.execute(tx);
    const row = result.rows[0];
    if (row === undefined) throw new Error('graphile_worker.add_job returned no job');
    return { id: row.id };
  }

  private select(where: ReturnType<typeof sql>, limit: number) {
    return sql<JobRow>`
      select j.id::text as id, j.task_identifier, p.payload, j.queue_name, j.run_at, j.attempts, j.max_attempts,
        j.last_error, j.locked_at, j.created_at
      from graphile_worker.jobs j join graphile_worker._private_jobs p on p.id = j.id
      where ${where}
      order by j.id
      limit ${limit}`.execute(this.db);
  }

  async list(filter: { state?: JobState; limit?: number } = {}): Promise<JobInfo[]> {
    const where =
      filter.state === 'running'
        ? sql`j.locked_at is not null`
        : filter.state === 'failed'
          ? sql`j.locked_at is null and j.attempts >= j.max_attempts`
          : filter.state === 'queued'
            ? sql`j.locked_at is null and j.attempts < j.max_attempts`
            : sql`true`;
    return (await this.select(where, filter.limit ?? 100)).rows.map(toInfo);
  }

  async get(id: string): Promise<JobInfo | null> {
    const row = (await this.select(sql`j.id = ${checkId(id)}::bigint`, 1)).rows[0];
    return row ? toInfo(row) : null;
  }

  private async require(id: string): Promise<JobInfo> {
    return foundJob(id, await this.get(id));
  }

  async retry(id: string): Promise<JobInfo> {
    assertRetryable(await this.require(id));
    await sql`select graphile_worker.reschedule_jobs(array[${id}::bigint], run_at => now(), attempts => 0)`.execute(
      this.db,
    );
    await this.notify();
    return this.require(id);
  }

  async runNow(id: string): Promise<JobInfo> {
    const job = await this.require(id);
    if (job.state !== 'queued') throw new ConflictError(`job ${id} is ${job.state}, not queued`);
    await sql`select graphile_worker.reschedule_jobs(array[${id}::bigint], run_at => now())`.execute(this.db);
    await this.notify();
    return this.require(id);
  }

  async cancel(id: string): Promise<JobInfo> {
    const job = await this.require(id);
    // complete_jobs deletes only jobs no worker holds: a running job stays, and says so.
    const removed = await sql<{ id: string }>`
      select id::text as id from graphile_worker.complete_jobs(array[${id}::bigint])`.execute(this.db);
    if (removed.rows.length === 0) {
      throw runningJobRefused(id);
    }
    return job;
  }
}
