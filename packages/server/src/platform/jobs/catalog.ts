// The job contract both runners keep: a typed catalog of jobs (name, zod payload, handler), enqueue options and what a listing shows.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Database } from '../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';

/**
 * The transaction a job is enqueued in: the caller's, so the job commits or rolls back with the state
 * change that causes it. Features never see it: they enqueue through a unit of work's `tx.jobs`.
 */
export type JobTransaction = Kysely<Database>;

export interface JobContext {
  /** The job's id, stable across attempts: a handler can key its side effects on it. */
  jobId: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  /** Aborted when the server shuts down while the job runs; a handler that stops early is retried. */
  signal: AbortSignal;
  logger: Logger;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  /** One line: what the job does. */
  description: string;
  /**
   * What a second run of the same job does. Every job may run again: after a crash mid-run, after
   * a failure and retry. Handlers must make that safe, and this says how.
   */
  onSecondRun: string;
  payload: S;
  /** Attempts before the job counts as failed (default 10); enqueue may override it. */
  maxAttempts?: number;
  // Method syntax on purpose: a catalog of specific payloads is then assignable to JobCatalog.
  run(payload: z.output<S>, context: JobContext): Promise<void>;
}

/** Declares a job with its payload type inferred from the schema. */
export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

export type JobCatalog = Record<string, JobDefinition>;

export type JobName<C extends JobCatalog> = keyof C & string;

export type JobPayload<C extends JobCatalog, N extends JobName<C>> =
  C[N] extends JobDefinition<infer S> ? z.input<S> : never;

export interface EnqueueOptions {
  /** Not before this time (default: now). */
  runAt?: Date;
  /** Overrides the catalog's maxAttempts for this job. */
  maxAttempts?: number;
  /** At most one job with this key runs at a time, across every worker (e.g. `deploy:production`). */
  singletonKey?: string;
}

/** A recurring job: enqueued on each minute its cron expression (UTC, 5 fields) matches. */
export interface RecurringJob<C extends JobCatalog = JobCatalog> {
  /** Stable id: it records when the schedule last fired, so a restart neither skips nor repeats. */
  id: string;
  cron: string;
  job: JobName<C>;
  payload: JobPayload<C, JobName<C>>;
}

export type JobState = 'queued' | 'running' | 'failed';

export interface JobInfo {
  id: string;
  name: string;
  payload: unknown;
  /** `queued` includes jobs waiting for a retry (attempts > 0); `failed` used up its attempts. */
  state: JobState;
  attempts: number;
  maxAttempts: number;
  /** Not before this time (ISO-8601). */
  runAt: string;
  lastError: string | null;
  singletonKey: string | null;
  createdAt: string;
}

export interface JobQueue<C extends JobCatalog = JobCatalog> {
  readonly catalog: C;
  /** Creates what the runner needs in the database (graphile-worker's schema); safe on every start. */
  prepare(): Promise<void>;
  /** Starts taking jobs. Before it, enqueue and the admin calls work; nothing runs. */
  start(): Promise<void>;
  /** Stops taking jobs and waits for running ones; those that do not finish in time are released to run again. */
  stop(): Promise<void>;
  /** Validates the payload and enqueues in `tx`: the job exists once `tx` commits, and only then. */
  enqueue<N extends JobName<C>>(
    tx: JobTransaction,
    name: N,
    payload: JobPayload<C, N>,
    options?: EnqueueOptions,
  ): Promise<{ id: string }>;
  list(filter?: { state?: JobState; limit?: number }): Promise<JobInfo[]>;
  get(id: string): Promise<JobInfo | null>;
  /** A failed job runs again, with its attempts reset. */
  retry(id: string): Promise<JobInfo>;
  /** A queued or failed job is removed and never runs; a running one cannot be cancelled. */
  cancel(id: string): Promise<JobInfo>;
  /** A queued job waiting for its time (or its retry's backoff) runs now, keeping its attempts. */
  runNow(id: string): Promise<JobInfo>;
}

/** The queue inside one transaction (a unit of work's `tx.jobs`): a job exists once that transaction commits. */
export interface JobWriter<C extends JobCatalog = JobCatalog> {
  enqueue<N extends JobName<C>>(name: N, payload: JobPayload<C, N>, options?: EnqueueOptions): Promise<{ id: string }>;
}

/** The writer of `queue` bound to `tx`. */
export function jobWriter<C extends JobCatalog>(queue: JobQueue<C>, tx: JobTransaction): JobWriter<C> {
  return { enqueue: (name, payload, options) => queue.enqueue(tx, name, payload, options) };
}

export const DEFAULT_MAX_ATTEMPTS = 10;

/**
 * The wait before retry n (n = attempts so far): e^min(n, 10) seconds, about 2.7 s, 7.4 s, 20 s, …
 * up to 6 h, to the millisecond. graphile-worker computes this, so the SQLite runner does too.
 */
export function retryDelayMs(attempts: number): number {
  return Math.round(Math.exp(Math.min(attempts, 10)) * 1000);
}

/** Checks name and payload against the catalog; the parsed payload (defaults filled) is what gets stored. */
export function checkEnqueue(
  catalog: JobCatalog,
  name: string,
  payload: unknown,
  options: EnqueueOptions,
): { payload: unknown; maxAttempts: number } {
  const definition = catalog[name];
  if (definition === undefined) {
    throw new ValidationError(`unknown job "${name}": use one of ${Object.keys(catalog).join(', ')}`);
  }
  const parsed = definition.payload.safeParse(payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`);
    throw new ValidationError(`job "${name}" got an invalid payload: ${issues.join('; ')}`, { job: name });
  }
  const maxAttempts = options.maxAttempts ?? definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
    throw new ValidationError(`maxAttempts must be a whole number from 1 to 100, not ${maxAttempts}`);
  }
  if (options.singletonKey !== undefined && (options.singletonKey.length === 0 || options.singletonKey.length > 120)) {
    throw new ValidationError('singletonKey must be 1 to 120 characters');
  }
  return { payload: parsed.data, maxAttempts };
}

/** The error text kept on a failed attempt: the message, bounded. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 2000);
}

/** Both runners answer a missing job, a retry of one that has not failed and a cancel of a running one alike. */
export function foundJob(id: string, job: JobInfo | null): JobInfo {
  if (job === null) throw new NotFoundError(`no job ${id}: it finished, was cancelled, or never existed`);
  return job;
}

export function assertRetryable(job: JobInfo): void {
  if (job.state !== 'failed') {
    throw new ConflictError(`job ${job.id} is ${job.state}, not failed: only a failed job can be retried`);
  }
}

export function runningJobRefused(id: string): ConflictError {
  return new ConflictError(`job ${id} is running and cannot be cancelled: wait for it to finish or fail`);
}
