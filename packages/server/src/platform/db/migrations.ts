// Schema migrations, one list for SQLite and PostgreSQL: each lives in migrations/NNNN-purpose.ts.
import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './migrations/0001-initial.js';
import { pullRequestGate } from './migrations/0002-pull-request-gate.js';
import { pendingPushes } from './migrations/0003-pending-pushes.js';
import { userEmail } from './migrations/0004-user-email.js';
import { projectVisibility } from './migrations/0005-project-visibility.js';
import { jobs } from './migrations/0006-jobs.js';
import { pipeline } from './migrations/0007-pipeline.js';
import { notifications } from './migrations/0008-notifications.js';
import { environmentSecrets } from './migrations/0009-environment-secrets.js';
import type { DialectName } from './schema.js';

/** A migration, or a function building one where the SQL differs by dialect. */
export type MigrationSource = Migration | ((dialect: DialectName) => Migration);

/**
 * Every migration, oldest first. The names are recorded in the database (`kysely_migration`), so
 * they never change; to add one, create migrations/NNNN-purpose.ts and append `['NNNN-purpose', x]`.
 */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, migration: MigrationSource]> = [
  ['0001-initial', initial],
  ['0002-pull-request-gate', pullRequestGate],
  ['0003-pending-pushes', pendingPushes],
  ['0004-user-email', userEmail],
  ['0005-project-visibility', projectVisibility],
  ['0006-jobs', jobs],
  ['0007-pipeline', pipeline],
  ['0008-notifications', notifications],
  ['0009-environment-secrets', environmentSecrets],
];

export function migrationProvider(dialect: DialectName): MigrationProvider {
  return {
    async getMigrations() {
      return Object.fromEntries(
        MIGRATIONS.map(([name, source]) => [name, typeof source === 'function' ? source(dialect) : source]),
      );
    },
  };
}
