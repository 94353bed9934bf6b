// Migration 0007: the delivery pipeline (runs, their log, output and measurements, environments, releases, incidents).
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../schema.js';

/**
 * A run's state is its core/pipeline RunState as JSON (the state machine owns its shape); every
 * transition is also a row of `pipeline_run_log`, never overwritten. Step output lines are rows too,
 * so they survive a crash and stream by id.
 */
export function pipeline(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pipeline_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('env_key', 'text', (c) => c.notNull())
        .addColumn('pr_number', 'integer')
        .addColumn('sha', 'text', (c) => c.notNull())
        .addColumn('version', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('source', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .execute();
      // What caused a run (`event:<id>` for an event consumer's): a consumer run twice queues it once.
      await db.schema.createIndex('pipeline_runs_source_idx').on('pipeline_runs').column('source').unique().execute();
      await db.schema
        .createIndex('pipeline_runs_env_idx')
        .on('pipeline_runs')
        .columns(['project_id', 'env_key', 'status'])
        .execute();
      await db.schema
        .createTable('pipeline_run_log')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('run_id', 'text', (c) => c.notNull().references('pipeline_runs.id'))
        .addColumn('record', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('pipeline_run_log_run_idx')
        .on('pipeline_run_log')
        .columns(['run_id', 'id'])
        .execute();
      await db.schema
        .createTable('pipeline_output')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('run_id', 'text', (c) => c.notNull().references('pipeline_runs.id'))
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('line', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('pipeline_output_run_idx').on('pipeline_output').columns(['run_id', 'id']).execute();
      await db.schema
        .createTable('environments')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('env_key', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('pr_number', 'integer')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('url', 'text')
        .addColumn('sha', 'text')
        .addColumn('version', 'text')
        .addColumn('run_id', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('environments_pk', ['project_id', 'env_key'])
        .execute();
      await db.schema
        .createTable('releases')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('sha', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('prs', 'text', (c) => c.notNull())
        .addColumn('authors', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('incident_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('releases_pk', ['project_id', 'tag'])
        .execute();
      await db.schema
        .createTable('incidents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull().unique())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('resolved_at', 'text')
        .execute();
      await db.schema
        .createTable('pipeline_measurements')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('run_id', 'text', (c) => c.notNull().references('pipeline_runs.id'))
        .addColumn('check_name', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('pipeline_measurements_run_idx')
        .on('pipeline_measurements')
        .columns(['run_id', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('pipeline_measurements').execute();
      await db.schema.dropTable('incidents').execute();
      await db.schema.dropTable('releases').execute();
      await db.schema.dropTable('environments').execute();
      await db.schema.dropTable('pipeline_output').execute();
      await db.schema.dropTable('pipeline_run_log').execute();
      await db.schema.dropTable('pipeline_runs').execute();
    },
  };
}
