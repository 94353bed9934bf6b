// The environment secrets store on SQLite and PostgreSQL: rows round-trip, a put replaces in place, environments and projects stay apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import type { EnvironmentSecret } from './store.js';
import { SqlEnvironmentSecretStore } from './store-sql.js';

function secret(overrides: Partial<EnvironmentSecret> = {}): EnvironmentSecret {
  return {
    projectId: 'p-1',
    environment: 'staging',
    name: 'API_KEY',
    valueSealed: 'v1.iv.body.tag',
    createdAt: '2026-03-01T12:00:00.000Z',
    updatedAt: '2026-03-01T12:00:00.000Z',
    updatedBy: 'mia',
    ...overrides,
  };
}

describe.each(testDatabases())('environment secrets store on $name', (kind) => {
  let database: TestDatabase;
  let store: SqlEnvironmentSecretStore;

  beforeAll(async () => {
    database = await kind.open();
    for (const [id, name] of [
      ['p-1', 'shop'],
      ['p-2', 'blog'],
    ]) {
      await database.db
        .insertInto('projects')
        .values({
          id: id as string,
          name: name as string,
          trunk: 'main',
          allow_direct_trunk_push: 0,
          dismiss_stale_approvals: 1,
          required_approvals: 1,
          next_pr_number: 1,
          created_at: '2026-03-01T00:00:00.000Z',
          visibility: 'internal',
        })
        .execute();
    }
    store = new SqlEnvironmentSecretStore(database.db);
  });
  afterAll(() => database?.drop());

  it('stores secrets and reads them back by name and in their environment’s list, by name (code-unit order on both)', async () => {
    const key = secret();
    const token = secret({ name: 'A_TOKEN', valueSealed: 'v1.a.b.c' });
    await store.put(key);
    await store.put(token);
    expect(await store.get('p-1', 'staging', 'API_KEY')).toEqual(key);
    expect((await store.list('p-1', 'staging')).map((row) => row.name)).toEqual(['API_KEY', 'A_TOKEN']);
  });

  it('keeps environments and projects apart: the same name elsewhere is another secret', async () => {
    await store.put(secret({ environment: 'preview', valueSealed: 'v1.preview' }));
    await store.put(secret({ projectId: 'p-2', valueSealed: 'v1.blog' }));
    expect((await store.get('p-1', 'preview', 'API_KEY'))?.valueSealed).toBe('v1.preview');
    expect((await store.get('p-2', 'staging', 'API_KEY'))?.valueSealed).toBe('v1.blog');
    expect((await store.get('p-1', 'staging', 'API_KEY'))?.valueSealed).toBe('v1.iv.body.tag');
    expect(await store.list('p-1', 'production')).toEqual([]);
    expect(await store.get('p-1', 'production', 'API_KEY')).toBeNull();
  });

  it('replaces a value in place on a second put, keeping when it was created', async () => {
    await store.put(
      secret({
        valueSealed: 'v1.new',
        createdAt: '2026-03-02T09:00:00.000Z',
        updatedAt: '2026-03-02T09:00:00.000Z',
        updatedBy: 'ops',
      }),
    );
    expect(await store.get('p-1', 'staging', 'API_KEY')).toEqual(
      secret({ valueSealed: 'v1.new', updatedAt: '2026-03-02T09:00:00.000Z', updatedBy: 'ops' }),
    );
    expect((await store.list('p-1', 'staging')).map((row) => row.name)).toEqual(['API_KEY', 'A_TOKEN']);
  });

  it('removes a secret once, and only in its own environment', async () => {
    expect(await store.remove('p-1', 'staging', 'API_KEY')).toBe(true);
    expect(await store.remove('p-1', 'staging', 'API_KEY')).toBe(false);
    expect(await store.get('p-1', 'staging', 'API_KEY')).toBeNull();
    expect(await store.get('p-1', 'preview', 'API_KEY')).not.toBeNull();
    expect(await store.get('p-2', 'staging', 'API_KEY')).not.toBeNull();
  });
});
