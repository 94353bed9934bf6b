// Migration 0005: project visibility (internal or private).
import type { Kysely, Migration } from 'kysely';

/**
 * Project visibility: `internal` (every user may read it; what every project was before) or
 * `private` (members and admins only).
 */
export const projectVisibility: Migration = {
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
