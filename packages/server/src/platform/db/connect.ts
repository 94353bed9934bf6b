// Opens the database: embedded SQLite (WAL) by default, PostgreSQL when DATABASE_URL is set.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.js';
import type { Database, DialectName } from './schema.js';

export type { DialectName } from './schema.js';

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
  /** The data folder (the SQLite file's, and the repositories'); created or tightened to 0700. */
  dataDir: string;
  /**
   * Told when PostgreSQL drops a connection (a restart, a failover, an idle timeout). The pool
   * replaces it on next use, and the listener reconnects; without a handler the error would crash.
   */
  onConnectionError?: (error: Error, connection: 'pool' | 'listener') => void;
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

/** How long the listener waits before reconnecting: 1 s, doubling on each failed try, up to 30 s. */
const LISTEN_RETRY_MS = 1000;
const LISTEN_RETRY_MAX_MS = 30_000;
/**
 * For every connection: an unreachable server fails a request after 10 s instead of hanging it,
 * and keep-alive notices a peer that vanished without closing the connection.
 */
const CONNECTION_SETTINGS = { connectionTimeoutMillis: 10_000, keepAlive: true };

/**
 * Keeps one connection listening on `channel` until the returned function is called. When
 * PostgreSQL drops it, it reconnects and calls `onNotify` once, so nothing sent meanwhile waits.
 * The first connection must succeed: a failure then is thrown to the caller.
 */
async function listenWithReconnect(
  url: string,
  channel: string,
  onNotify: () => void,
  onError: (error: Error) => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let established = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let failures = 0;
  const scheduleRetry = () => {
    const delay = Math.min(LISTEN_RETRY_MS * 2 ** failures, LISTEN_RETRY_MAX_MS);
    failures += 1;
    retry = setTimeout(() => {
      retry = null;
      connect().then(
        () => {
          failures = 0;
          onNotify();
        },
        () => {},
      );
    }, delay);
    retry.unref();
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, ...CONNECTION_SETTINGS });
    let lost = false;
    const onLost = (error: Error) => {
      if (lost || stopped) return;
      lost = true;
      next.end().catch(() => {});
      if (!established) return;
      onError(error);
      scheduleRetry();
    };
    next.on('error', onLost);
    next.on('end', () => onLost(new Error('the listening connection ended')));
    next.on('notification', onNotify);
    client = next;
    try {
      await next.connect();
      await next.query(`listen ${channel}`);
    } catch (error) {
      onLost(error as Error);
      throw error;
    }
  };
  await connect();
  established = true;
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    // A client still connecting to an unreachable server must not hold up a shutdown.
    const ending = client?.end().catch(() => {});
    await Promise.race([ending, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  };
}

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  // First thing at start on either database: repositories and hooks live in the data folder too.
  ownerOnlyFolder(options.dataDir);
  if (options.databaseUrl) {
    const onConnectionError = options.onConnectionError ?? (() => {});
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      ...CONNECTION_SETTINGS,
    });
    // A connection PostgreSQL closes is dropped, not fatal. Each connection reports through its own
    // listener, idle or checked out (a transaction between statements); the pool re-emits the idle
    // ones, and needs a listener too, or that re-emit would crash the process.
    pool.on('connect', (client) => client.on('error', (error) => onConnectionError(error, 'pool')));
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const url = options.databaseUrl;
    const listen = (channel: string, onNotify: () => void) =>
      listenWithReconnect(url, channel, onNotify, (error) => onConnectionError(error, 'listener'));
    return { db, dialect: 'postgres', location: redact(url), close: () => db.destroy(), listen };
  }
  const file = join(options.dataDir, 'trunkflow.sqlite');
  ownerOnlyDatabaseFile(file);
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy(), listen: null };
}

/** The data folder holds the repositories (and on SQLite every token hash): 0700, even if it existed. */
function ownerOnlyFolder(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}

/**
 * The SQLite file is made 0600 before SQLite opens it, because SQLite gives its -wal and -shm
 * files the mode of the database file. Files from an older start are tightened too.
 */
function ownerOnlyDatabaseFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

/** Brings the schema up to date; safe on every start, and from replicas starting together (Kysely locks). */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
