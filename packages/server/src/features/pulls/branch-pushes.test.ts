// Who pushed to a branch, read from the event log on both databases: exact refs only, failed pushes undone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppEventCatalog, eventCatalog } from '../../event-catalog.js';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import { EventLog } from '../../platform/events/event-log.js';
import { sqlStores } from '../../transaction.js';
import type { PullStore } from './store.js';
import { TestClock } from './test-harness.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const ZERO = '0'.repeat(40);

describe.each(testDatabases())('branch pushes on $name', (kind) => {
  let database: TestDatabase;
  let events: EventLog<AppEventCatalog>;
  let store: PullStore;

  beforeAll(async () => {
    database = await kind.open();
    events = new EventLog(database.db, database.dialect, new TestClock(), { catalog: eventCatalog });
    store = sqlStores(database.db).pulls;
  });

  afterAll(async () => {
    await database?.drop();
  });

  const push = (
    type: 'push' | 'push.failed',
    projectId: string,
    branch: string,
    before: string,
    after: string,
    pusher: string,
  ) =>
    events.record(
      type === 'push'
        ? { type, projectId, actor: pusher, payload: { ref: `refs/heads/${branch}`, before, after, pusher } }
        : {
            type,
            projectId,
            actor: pusher,
            payload: { ref: `refs/heads/${branch}`, before, after, pusher, reason: 'x' },
          },
    );

  it('matches the branch exactly, whatever LIKE would make of its characters, and drops pushes a push.failed undid', async () => {
    await push('push', 'p1', 'feature/a_b%c', ZERO, A, 'alice');
    await push('push', 'p1', 'feature/aXbYc', ZERO, B, 'mallory');
    await push('push', 'p1', 'feature/a_b%c-more', ZERO, B, 'mallory');
    await push('push', 'p2', 'feature/a_b%c', ZERO, B, 'mallory');
    await push('push', 'p1', 'feature/a_b%c', A, B, 'bob');
    await push('push', 'p1', 'feature/a_b%c', B, C, 'carol');
    await push('push.failed', 'p1', 'feature/a_b%c', B, C, 'carol');
    // Another type whose payload names the ref is no push. The catalog gives no other type a `ref`,
    // so the row is written directly, as an older or future type could have it.
    await database.db
      .insertInto('events')
      .values({
        type: 'review.submitted',
        project_id: 'p1',
        actor: 'x',
        payload: JSON.stringify({ ref: 'refs/heads/feature/a_b%c' }),
        created_at: new Date(0).toISOString(),
      })
      .execute();

    const pushes = await store.branchPushes('p1', 'feature/a_b%c');
    expect(pushes.map(({ pusher, beforeSha, afterSha }) => ({ pusher, beforeSha, afterSha }))).toEqual([
      { pusher: 'alice', beforeSha: ZERO, afterSha: A },
      { pusher: 'bob', beforeSha: A, afterSha: B },
    ]);
    expect(await store.branchPushes('p1', 'feature/none')).toEqual([]);
  });
});
