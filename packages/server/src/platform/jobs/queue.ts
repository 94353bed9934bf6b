// Picks the job runner for the database: graphile-worker on PostgreSQL, the single-process runner on SQLite.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database, DialectName } from '../db/schema.js';
import type { JobCatalog, JobQueue, RecurringJob } from './catalog.js';
import { GraphileJobQueue } from './graphile-queue.js';
import { SqliteJobQueue } from './sqlite-queue.js';

export interface JobQueueOptions<C extends JobCatalog> {
  db: Kysely<Database>;
  dialect: DialectName;
  /** PostgreSQL only: graphile-worker opens connections of its own (its LISTEN one among them). */
  databaseUrl?: string;
  catalog: C;
  clock: Clock;
  logger: Logger;
  recurring?: RecurringJob<C>[];
  concurrency?: number;
  pollMs?: number;
  /** SQLite: a running job's lease; PostgreSQL: a worker's heartbeat lease. Past it, a dead runner's jobs run again. */
  leaseMs?: number;
  shutdownTimeoutMs?: number;
}

export function createJobQueue<C extends JobCatalog>(options: JobQueueOptions<C>): JobQueue<C> {
  const common = {
    logger: options.logger,
    recurring: options.recurring as RecurringJob[] | undefined,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    ...(options.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: options.shutdownTimeoutMs }),
  };
  if (options.dialect === 'postgres') {
    if (options.databaseUrl === undefined) throw new Error('the PostgreSQL job runner needs the database URL');
    return new GraphileJobQueue(options.db, options.catalog, { ...common, connectionString: options.databaseUrl });
  }
  return new SqliteJobQueue(options.db, options.catalog, { ...common, clock: options.clock });
}
