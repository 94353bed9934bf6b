// Migration 0001: the first schema (users, tokens, projects, memberships, events, audit, pull requests).
import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../schema.js';

/** Only the autoincrementing id columns differ between the dialects. */
export function initial(dialect: DialectName): Migration {
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
