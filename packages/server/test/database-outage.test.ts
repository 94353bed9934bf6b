// PostgreSQL dropping the server's connections (a restart, a failover, an idle timeout) must not
// crash the server: the pool replaces its connections and the event listener reconnects.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_POSTGRES_URL } from '../src/platform/db/test-databases.js';
import { startServer, type TestServer, testDatabases } from './helpers/server.js';

const postgres = testDatabases().filter((kind) => kind.name === 'postgres');

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Terminates every connection to the database, as a PostgreSQL restart would; returns how many. */
function dropConnections(database: string): Promise<number> {
  return withAdmin(async (client) => {
    const result = await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    return result.rowCount ?? 0;
  });
}

/** How many connections to the database match a condition on pg_stat_activity. */
function connections(database: string, condition: string): Promise<number> {
  return withAdmin(async (client) => {
    const result = await client.query(
      `select count(*)::int as n from pg_stat_activity where datname = $1 and ${condition}`,
      [database],
    );
    return (result.rows[0] as { n: number }).n;
  });
}

/** The event hub's listener: its last statement was LISTEN on the events channel. */
const listeners = (database: string) => connections(database, "query ilike 'listen trunkflow_events%'");
/** graphile-worker's listener, which wakes the job runner. */
const jobListeners = (database: string) => connections(database, `query ilike 'listen "jobs:insert"%'`);
/** Connections running pg_sleep right now. */
const sleepers = (database: string) => connections(database, "query ilike '%pg_sleep%' and state = 'active'");

async function eventually(probe: () => Promise<boolean>, attempts = 100): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

describe.each(postgres)('when $name drops the server connections', (kind) => {
  let server: TestServer;
  let database: string;
  beforeAll(async () => {
    server = await startServer(kind);
    database = new URL(server.database.url as string).pathname.slice(1);
  });
  afterAll(async () => server?.stop());

  it('keeps serving, and the event listener comes back', async () => {
    // Warm the pool so it holds idle connections for PostgreSQL to drop.
    expect((await server.api('POST', '/api/projects', { body: { name: 'before' } })).status).toBe(201);
    expect(await listeners(database)).toBe(1);

    expect(await dropConnections(database)).toBeGreaterThanOrEqual(2);
    expect(await eventually(async () => (await listeners(database)) === 0)).toBe(true);

    expect((await server.api('POST', '/api/projects', { body: { name: 'after' } })).status).toBe(201);
    const listed = await server.api<{ projects: { name: string }[] }>('GET', '/api/projects');
    expect(listed.body.projects.map((project) => project.name).sort()).toEqual(['after', 'before']);
    expect(await eventually(async () => (await listeners(database)) === 1)).toBe(true);
    expect(await eventually(async () => (await jobListeners(database)) === 1)).toBe(true);
    expect((await server.api('GET', '/readyz')).status).toBe(200);
  });

  it('fails only the query whose connection dropped mid-statement, and keeps serving', async () => {
    const db = server.trunkflow.database.db;
    const slow = sql`select pg_sleep(30)`.execute(db);
    const outcome = slow.then(
      () => 'finished',
      () => 'failed',
    );
    expect(await eventually(async () => (await sleepers(database)) === 1)).toBe(true);
    await dropConnections(database);
    expect(await outcome).toBe('failed');
    expect(await eventually(async () => (await server.api('GET', '/readyz')).status === 200)).toBe(true);
    expect((await server.api('POST', '/api/projects', { body: { name: 'later' } })).status).toBe(201);
  });

  it('survives a connection dropped while a transaction holds it between statements', async () => {
    const db = server.trunkflow.database.db;
    const held = db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await dropConnections(database);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sql`select 1`.execute(trx);
    });
    await expect(held).rejects.toThrow();
    expect(await eventually(async () => (await server.api('GET', '/readyz')).status === 200)).toBe(true);
    expect((await server.api('POST', '/api/projects', { body: { name: 'after-held' } })).status).toBe(201);
  });
});
