// Migration 0009: environment secrets, per project and environment (features/secrets).
import type { Kysely, Migration } from 'kysely';

/**
 * The secrets a project's environment (preview, staging, production) passes to its commands, one
 * row per name. The value is stored sealed (AES-256-GCM, key in the data folder), bound to its
 * project, environment and name; who set it last and when are kept for `trunkflow env secret list`.
 */
export const environmentSecrets: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('environment_secrets')
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value_sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('environment_secrets_pkey', ['project_id', 'environment', 'name'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('environment_secrets').execute();
  },
};
