// Migrations on both databases: a fresh database reaches the latest schema, re-running is a no-op, and every down undoes its up.
import { type Kysely, Migrator, NO_MIGRATIONS, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/platform/db/connect.js';
import { MIGRATIONS, migrationProvider } from '../src/platform/db/migrations.js';
import type { DialectName } from '../src/platform/db/schema.js';
import { testDatabases } from '../src/platform/db/test-databases.js';

const TABLES = [
  'users',
  'tokens',
  'projects',
  'memberships',
  'events',
  'audit_log',
  'pull_requests',
  'reviews',
  'check_runs',
  'merge_attempts',
  'pending_pushes',
  'pipeline_runs',
  'pipeline_run_log',
  'pipeline_output',
  'environments',
  'releases',
  'incidents',
  'pipeline_measurements',
  'notification_targets',
  'environment_secrets',
];

/** Our tables (with their columns) and indexes, so a down that leaves anything behind shows up. */
async function schemaOf(db: Kysely<unknown>, dialect: DialectName): Promise<unknown> {
  const tables = (await db.introspection.getTables())
    .filter((table) => !table.name.startsWith('kysely_migration'))
    .map((table) => ({
      name: table.name,
      columns: table.columns
        .map((column) => `${column.name} ${column.dataType} ${column.isNullable ? 'null' : 'not null'}`)
        .sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const indexes =
    dialect === 'postgres'
      ? await sql<{
          name: string;
        }>`select indexname as name from pg_indexes where schemaname = 'public' and tablename not like 'kysely_migration%'`.execute(
          db,
        )
      : await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name not like 'kysely_migration%'`.execute(db);
  return { tables, indexes: indexes.rows.map((row) => row.name).sort() };
}

describe.each(testDatabases())('migrations on $name', (kind) => {
  it('creates every table on a fresh database, then applies nothing the second time', async () => {
    const database = await kind.open({ migrate: false });
    try {
      const applied = await migrateToLatest(database);
      expect(applied[0]).toBe('0001-initial');
      for (const table of TABLES) {
        const rows = await sql`select count(*) as n from ${sql.table(table)}`.execute(database.db);
        expect(rows.rows).toHaveLength(1);
      }
      expect(await migrateToLatest(database)).toEqual([]);
    } finally {
      await database.drop();
    }
  });

  it('gives events increasing ids in insertion order', async () => {
    const database = await kind.open();
    try {
      const values = ['a', 'b', 'c'].map((type) => ({
        type,
        project_id: null,
        actor: null,
        payload: '{}',
        created_at: '2026-01-01T00:00:00Z',
      }));
      for (const value of values) await database.db.insertInto('events').values(value).execute();
      const rows = await database.db.selectFrom('events').select(['id', 'type']).orderBy('id').execute();
      expect(rows.map((row) => row.type)).toEqual(['a', 'b', 'c']);
      expect(rows.every((row) => typeof row.id === 'number')).toBe(true);
    } finally {
      await database.drop();
    }
  });

  it('gives users that existed before 0004 the default e-mail <name>@trunkflow.local', async () => {
    const database = await kind.open({ migrate: false });
    try {
      const migrator = new Migrator({ db: database.db, provider: migrationProvider(database.dialect) });
      const before = await migrator.migrateTo('0002-pull-request-gate');
      expect(before.error).toBeUndefined();
      await sql`insert into users (id, name, role, created_at) values ('u1', 'old-timer', 'developer', '2025-01-01T00:00:00Z')`.execute(
        database.db,
      );
      expect(await migrateToLatest(database)).toContain('0004-user-email');
      const rows = await database.db.selectFrom('users').select(['name', 'email']).execute();
      expect(rows).toEqual([{ name: 'old-timer', email: 'old-timer@trunkflow.local' }]);
    } finally {
      await database.drop();
    }
  });

  it('undoes each migration with its down, leaving the schema as before, and applies it again', async () => {
    const database = await kind.open({ migrate: false });
    try {
      const db = database.db as unknown as Kysely<unknown>;
      const migrator = new Migrator({ db, provider: migrationProvider(database.dialect) });
      for (const [name] of MIGRATIONS) {
        const before = await schemaOf(db, database.dialect);
        const up = await migrator.migrateUp();
        expect(up.error, `${name} up`).toBeUndefined();
        expect(up.results?.map((result) => result.migrationName)).toEqual([name]);
        const after = await schemaOf(db, database.dialect);
        expect(after, `${name} changes the schema`).not.toEqual(before);

        const down = await migrator.migrateDown();
        expect(down.error, `${name} down`).toBeUndefined();
        expect(await schemaOf(db, database.dialect), `${name} down restores the schema`).toEqual(before);

        const again = await migrator.migrateUp();
        expect(again.error, `${name} up again`).toBeUndefined();
        expect(await schemaOf(db, database.dialect), `${name} up again`).toEqual(after);
      }
    } finally {
      await database.drop();
    }
  });

  it('goes all the way down to an empty database with rows in it, then up to the latest again', async () => {
    const database = await kind.open();
    try {
      const db = database.db as unknown as Kysely<unknown>;
      const latest = await schemaOf(db, database.dialect);
      // Rows in the tables that later migrations alter, so each down meets real data.
      await sql`insert into users (id, name, role, created_at, email) values ('u1', 'ada', 'admin', '2026-01-01T00:00:00Z', 'ada@example.com')`.execute(
        db,
      );
      await sql`insert into projects (id, name, trunk, created_at, visibility) values ('p1', 'web', 'main', '2026-01-01T00:00:00Z', 'private')`.execute(
        db,
      );
      const migrator = new Migrator({ db, provider: migrationProvider(database.dialect) });
      const down = await migrator.migrateTo(NO_MIGRATIONS);
      expect(down.error).toBeUndefined();
      expect(down.results?.map((result) => result.migrationName)).toEqual(MIGRATIONS.map(([name]) => name).reverse());
      expect(await schemaOf(db, database.dialect)).toEqual({ tables: [], indexes: [] });

      expect(await migrateToLatest(database)).toEqual(MIGRATIONS.map(([name]) => name));
      expect(await schemaOf(db, database.dialect)).toEqual(latest);
    } finally {
      await database.drop();
    }
  });
});
