// Migrations on both databases: a fresh database reaches the latest schema, and re-running is a no-op.
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/platform/db/connect.js';
import { migrationProvider } from '../src/platform/db/migrations.js';
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
];

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
});
