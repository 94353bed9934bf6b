// Opens the database: embedded SQLite (WAL) by default, PostgreSQL when DATABASE_URL is set.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where the data lives, for logs: a file path or a redacted URL. */
  location: string;
  close(): Promise<void>;
  /**
   * PostgreSQL only: calls `onNotify` for each NOTIFY on `channel`, which arrive when the notifying
   * transaction commits. Returns a function that stops listening. Null on SQLite.
   */
  listen: ((channel: string, onNotify: () => void) => Promise<() => Promise<void>>) | null;
}

export interface DatabaseOptions {
  /** postgres://… to use PostgreSQL; absent for SQLite. */
  databaseUrl?: string;
  /** Folder of the SQLite file. */
  dataDir: string;
}

// bigint columns (event ids) come back as numbers; ids stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const url = options.databaseUrl;
    const listen = async (channel: string, onNotify: () => void) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      client.on('notification', onNotify);
      // A lost listener connection only delays delivery to the next poll; it must not crash the server.
      client.on('error', () => {});
      await client.query(`listen ${channel}`);
      return () => client.end();
    };
    return { db, dialect: 'postgres', location: redact(url), close: () => db.destroy(), listen };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, 'trunkflow.sqlite');
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy(), listen: null };
}

/** Brings the schema up to date; safe on every start, and from replicas starting together (Kysely locks). */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
