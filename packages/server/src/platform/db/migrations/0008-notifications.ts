// Migration 0008: notification targets, per project (features/notifications).
import type { Kysely, Migration } from 'kysely';

/**
 * A project's notification targets. URLs and signing secrets are stored sealed (AES-256-GCM, key in
 * the data folder), with a displayable hint of the URL; the last delivery's outcome is kept on
 * the row, so `trunkflow notify list` shows it.
 */
export const notifications: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('notification_targets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('url_sealed', 'text', (c) => c.notNull())
      .addColumn('url_hint', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text')
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('last_delivery_at', 'text')
      .addColumn('last_delivery_event', 'text')
      .addColumn('last_delivery_ok', 'integer')
      .addColumn('last_delivery_attempt', 'integer')
      .addColumn('last_delivery_error', 'text')
      .execute();
    await db.schema
      .createIndex('notification_targets_project_name_idx')
      .on('notification_targets')
      .columns(['project_id', 'name'])
      .unique()
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('notification_targets').execute();
  },
};
