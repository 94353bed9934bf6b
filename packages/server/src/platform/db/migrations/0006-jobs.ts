// Migration 0006: the job runners' tables (platform/jobs).
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../schema.js';

/**
 * On SQLite, `jobs` holds the single-process runner's queue and `job_schedules` when each recurring
 * job last fired. On PostgreSQL graphile-worker keeps the queue in its own schema (created by
 * `JobQueue.prepare`), and `job_workers` holds each worker's heartbeat, so a restart can release
 * the jobs of a worker that died (graphile-worker alone waits 4 hours).
 */
export function jobs(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'postgres') {
        await db.schema
          .createTable('job_workers')
          .addColumn('worker_id', 'text', (c) => c.primaryKey())
          .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull())
          .execute();
        return;
      }
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('run_at', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('singleton_key', 'text')
        .addColumn('locked_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_state_run_at_idx').on('jobs').columns(['state', 'run_at']).execute();
      await db.schema.createIndex('jobs_singleton_idx').on('jobs').columns(['singleton_key', 'state']).execute();
      await db.schema
        .createTable('job_schedules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('last_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      if (dialect === 'postgres') {
        await db.schema.dropTable('job_workers').execute();
        return;
      }
      await db.schema.dropTable('job_schedules').execute();
      await db.schema.dropTable('jobs').execute();
    },
  };
}
