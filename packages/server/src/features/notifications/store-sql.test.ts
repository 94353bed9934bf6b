// The notification targets store on SQLite and PostgreSQL: rows round-trip, names are unique per project, outcomes are kept newest-first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import type { NotificationTarget } from './store.js';
import { SqlNotificationStore } from './store-sql.js';

function target(overrides: Partial<NotificationTarget> = {}): NotificationTarget {
  return {
    id: 't-1',
    projectId: 'p-1',
    name: 'slack',
    kind: 'slack',
    urlSealed: 'v1.iv.body.tag',
    urlHint: 'https://hooks.slack.com/…',
    secretSealed: null,
    events: ['deploy.failed', 'release.rolled_back'],
    createdAt: '2026-03-01T12:00:00.000Z',
    createdBy: 'mia',
    lastDelivery: null,
    ...overrides,
  };
}

describe.each(testDatabases())('notification targets store on $name', (kind) => {
  let database: TestDatabase;
  let store: SqlNotificationStore;

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
    store = new SqlNotificationStore(database.db);
  });
  afterAll(() => database?.drop());

  it('stores a target and reads it back by id, by name and in its project’s list', async () => {
    const slack = target();
    const hook = target({
      id: 't-2',
      name: 'ops-hook',
      kind: 'webhook',
      urlHint: 'http://127.0.0.1:9/…',
      secretSealed: 'v1.a.b.c',
      events: ['release.passed'],
    });
    await store.insert(slack);
    await store.insert(hook);
    expect(await store.byId('t-1')).toEqual(slack);
    expect(await store.byName('p-1', 'ops-hook')).toEqual(hook);
    expect(await store.byName('p-2', 'ops-hook')).toBeNull();
    expect((await store.list('p-1')).map((row) => row.name)).toEqual(['ops-hook', 'slack']);
    expect(await store.list('p-2')).toEqual([]);
  });

  it('finds the targets subscribed to an event type', async () => {
    expect((await store.subscribedTo('p-1', 'release.rolled_back')).map((row) => row.id)).toEqual(['t-1']);
    expect((await store.subscribedTo('p-1', 'release.passed')).map((row) => row.id)).toEqual(['t-2']);
    expect(await store.subscribedTo('p-1', 'preview.ready')).toEqual([]);
    expect(await store.subscribedTo('p-2', 'deploy.failed')).toEqual([]);
  });

  it('refuses a second target of the same name in a project, with a unique violation; another project may use it', async () => {
    const error = await store.insert(target({ id: 't-3' })).catch((caught: unknown) => caught);
    expect(isUniqueViolation(error)).toBe(true);
    await store.insert(target({ id: 't-4', projectId: 'p-2' }));
    expect((await store.list('p-2')).map((row) => row.id)).toEqual(['t-4']);
  });

  it('records the last delivery, and a late older outcome does not hide a newer one', async () => {
    await store.recordDelivery('t-1', {
      at: '2026-03-01T12:00:05.000Z',
      event: 'deploy.failed',
      ok: false,
      attempt: 1,
      error: 'http://127.0.0.1:9/… answered HTTP 500',
    });
    expect((await store.byId('t-1'))?.lastDelivery).toEqual({
      at: '2026-03-01T12:00:05.000Z',
      event: 'deploy.failed',
      ok: false,
      attempt: 1,
      error: 'http://127.0.0.1:9/… answered HTTP 500',
    });
    await store.recordDelivery('t-1', {
      at: '2026-03-01T12:00:09.000Z',
      event: 'deploy.failed',
      ok: true,
      attempt: 2,
      error: null,
    });
    await store.recordDelivery('t-1', {
      at: '2026-03-01T12:00:07.000Z',
      event: 'release.rolled_back',
      ok: false,
      attempt: 1,
      error: 'late',
    });
    expect((await store.byId('t-1'))?.lastDelivery).toEqual({
      at: '2026-03-01T12:00:09.000Z',
      event: 'deploy.failed',
      ok: true,
      attempt: 2,
      error: null,
    });
  });

  it('removes a target once', async () => {
    expect(await store.remove('t-4')).toBe(true);
    expect(await store.remove('t-4')).toBe(false);
    expect(await store.byId('t-4')).toBeNull();
  });
});
