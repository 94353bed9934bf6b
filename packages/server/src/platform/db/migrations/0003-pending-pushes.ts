// Migration 0003: pushes in flight, settled at start.
import type { Kysely, Migration } from 'kysely';

/** Pushes in flight, so a crash between a `push` event and git's ref update is settled at start. */
export const pendingPushes: Migration = {
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
