// Fresh SQLite and PostgreSQL databases for tests: one suite, two databases (ARCHITECTURE principle 7).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DatabaseHandle, type DialectName, migrateToLatest, openDatabase } from './connect.js';

/** The server every PostgreSQL test database is created on; CI starts it (see .ci/run). */
export const TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase extends DatabaseHandle {
  /** A data directory for files that belong to this database (repos, SQLite file). */
  dataDir: string;
  /** postgres://… of this database, or undefined for SQLite. */
  url: string | undefined;
  drop(): Promise<void>;
}

export interface TestDatabaseKind {
  name: DialectName;
  /** Creates a fresh, migrated database. */
  open(options?: { migrate?: boolean }): Promise<TestDatabase>;
}

async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `trunkflow_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

export function testDatabases(): TestDatabaseKind[] {
  return [
    {
      name: 'sqlite',
      async open(options = {}) {
        const dataDir = await mkdtemp(join(tmpdir(), 'trunkflow-test-'));
        const handle = openDatabase({ dataDir });
        if (options.migrate !== false) await migrateToLatest(handle);
        return {
          ...handle,
          dataDir,
          url: undefined,
          async drop() {
            await handle.close();
            await rm(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      name: 'postgres',
      async open(options = {}) {
        const dataDir = await mkdtemp(join(tmpdir(), 'trunkflow-test-'));
        const database = await createPostgresDatabase();
        const handle = openDatabase({ dataDir, databaseUrl: database.url });
        if (options.migrate !== false) await migrateToLatest(handle);
        return {
          ...handle,
          dataDir,
          url: database.url,
          async drop() {
            await handle.close();
            await database.drop();
            await rm(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}
