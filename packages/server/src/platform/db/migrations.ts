// Schema migrations, one list for SQLite and PostgreSQL; only the event id column differs.
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import type { DialectName } from './schema.js';

function initial(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('trunk', 'text', (c) => c.notNull())
        .addColumn('allow_direct_trunk_push', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('dismiss_stale_approvals', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('required_approvals', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('next_pr_number', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['project_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('events')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text')
        .addColumn('actor', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_project_idx').on('events').columns(['project_id', 'id']).execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('actor', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pull_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('head_branch', 'text', (c) => c.notNull())
        .addColumn('head_sha', 'text', (c) => c.notNull())
        .addColumn('base_branch', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('draft', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('task_key', 'text')
        .addColumn('merge_sha', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('closed_at', 'text')
        .addColumn('merged_at', 'text')
        .addUniqueConstraint('pull_requests_number_uq', ['project_id', 'number'])
        .execute();
      await db.schema
        .createIndex('pull_requests_author_idx')
        .on('pull_requests')
        .columns(['author_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('pull_requests_branch_idx')
        .on('pull_requests')
        .columns(['project_id', 'head_branch', 'state'])
        .execute();
      await db.schema
        .createTable('reviews')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pull_request_id', 'text', (c) => c.notNull().references('pull_requests.id'))
        .addColumn('reviewer_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('sha', 'text', (c) => c.notNull())
        .addColumn('dismissed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('check_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pull_request_id', 'text', (c) => c.notNull().references('pull_requests.id'))
        .addColumn('sha', 'text', (c) => c.notNull())
        .addColumn('ok', 'integer', (c) => c.notNull())
        .addColumn('findings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('check_runs_sha_uq', ['pull_request_id', 'sha'])
        .execute();
      await db.schema
        .createTable('merge_attempts')
        .addColumn('pull_request_id', 'text', (c) => c.primaryKey().references('pull_requests.id'))
        .addColumn('commit_sha', 'text', (c) => c.notNull())
        .addColumn('trunk_before', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        'merge_attempts',
        'check_runs',
        'reviews',
        'pull_requests',
        'audit_log',
        'events',
        'memberships',
        'projects',
        'tokens',
        'users',
      ]) {
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
      }
    },
  };
}

/**
 * Pull requests: at most one open PR per branch (a partial unique index, so two racing opens
 * cannot both win), the config error of a check run, who started a merge in flight (so a recovered
 * merge is recorded under their name), and the reviews lookup by PR.
 */
const pullRequestGate: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('check_runs').addColumn('config_error', 'text').execute();
    await db.schema.alterTable('merge_attempts').addColumn('actor', 'text').execute();
    await sql`create unique index pull_requests_open_head_uq on pull_requests (project_id, head_branch) where state = 'open'`.execute(
      db,
    );
    await db.schema.createIndex('reviews_pull_request_idx').on('reviews').columns(['pull_request_id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('reviews_pull_request_idx').execute();
    await db.schema.dropIndex('pull_requests_open_head_uq').execute();
    await db.schema.alterTable('merge_attempts').dropColumn('actor').execute();
    await db.schema.alterTable('check_runs').dropColumn('config_error').execute();
  },
};

/** Pushes in flight, so a crash between a `push` event and git's ref update is settled at start. */
const pendingPushes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('pending_pushes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('updates', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('pending_pushes').execute();
  },
};

/**
 * Users get an e-mail (the squash commit's author and Co-authored-by trailers use it); existing
 * users get the documented default `<name>@trunkflow.local`.
 */
const userEmail: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('users').addColumn('email', 'text').execute();
    await sql`update users set email = name || '@trunkflow.local' where email is null`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('users').dropColumn('email').execute();
  },
};

/**
 * Project visibility: `internal` (every user may read it; what every project was before) or
 * `private` (members and admins only).
 */
const projectVisibility: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('projects')
      .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('internal'))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('projects').dropColumn('visibility').execute();
  },
};

// ---- 0006-jobs: the job runners' tables (platform/jobs). Kept in one block so it moves to a file of its own as is.

/**
 * On SQLite, `jobs` holds the single-process runner's queue and `job_schedules` when each recurring
 * job last fired. On PostgreSQL graphile-worker keeps the queue in its own schema (created by
 * `JobQueue.prepare`), and `job_workers` holds each worker's heartbeat, so a restart can release
 * the jobs of a worker that died (graphile-worker alone waits 4 hours).
 */
function jobs(dialect: DialectName): Migration {
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

// ---- end of 0006-jobs

/** Migrations in order; names are stable because they are recorded in the database. */
export function migrationProvider(dialect: DialectName): MigrationProvider {
  return {
    async getMigrations() {
      return {
        '0001-initial': initial(dialect),
        '0002-pull-request-gate': pullRequestGate,
        '0003-pending-pushes': pendingPushes,
        '0004-user-email': userEmail,
        '0005-project-visibility': projectVisibility,
        '0006-jobs': jobs(dialect),
      };
    },
  };
}
