// The environment secrets store over Kysely, the same SQL on SQLite and PostgreSQL.
import { ENVIRONMENT_KINDS, type EnvironmentKind } from '@trunkflow/core';
import type { Kysely, Selectable } from 'kysely';
import type { Database, EnvironmentSecretsTable } from '../../platform/db/schema.js';
import type { EnvironmentSecret, EnvironmentSecretStore } from './store.js';

function asEnvironment(value: string): EnvironmentKind {
  const kind = ENVIRONMENT_KINDS.find((known) => known === value);
  if (kind === undefined) throw new Error(`unknown environment "${value}" of a secret in the database`);
  return kind;
}

function toSecret(row: Selectable<EnvironmentSecretsTable>): EnvironmentSecret {
  return {
    projectId: row.project_id,
    environment: asEnvironment(row.environment),
    name: row.name,
    valueSealed: row.value_sealed,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

export class SqlEnvironmentSecretStore implements EnvironmentSecretStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(projectId: string, environment: EnvironmentKind): Promise<EnvironmentSecret[]> {
    const rows = await this.db
      .selectFrom('environment_secrets')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('environment', '=', environment)
      .execute();
    // Sorted here, by code unit: PostgreSQL's collation may order `_` unlike SQLite's.
    return rows.map(toSecret).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async get(projectId: string, environment: EnvironmentKind, name: string): Promise<EnvironmentSecret | null> {
    const row = await this.db
      .selectFrom('environment_secrets')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('environment', '=', environment)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toSecret(row) : null;
  }

  async put(secret: EnvironmentSecret): Promise<void> {
    await this.db
      .insertInto('environment_secrets')
      .values({
        project_id: secret.projectId,
        environment: secret.environment,
        name: secret.name,
        value_sealed: secret.valueSealed,
        created_at: secret.createdAt,
        updated_at: secret.updatedAt,
        updated_by: secret.updatedBy,
      })
      // Two sets of one name at once: the later write wins whole, never a row per writer.
      .onConflict((conflict) =>
        conflict.columns(['project_id', 'environment', 'name']).doUpdateSet({
          value_sealed: secret.valueSealed,
          updated_at: secret.updatedAt,
          updated_by: secret.updatedBy,
        }),
      )
      .execute();
  }

  async remove(projectId: string, environment: EnvironmentKind, name: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('environment_secrets')
      .where('project_id', '=', projectId)
      .where('environment', '=', environment)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
