// The event catalog: the docs table is the catalog's, and append refuses what the catalog does not declare, on both databases.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventCatalog } from '../../event-catalog.js';
import { systemClock } from '../clock.js';
import { type TestDatabase, testDatabases } from '../db/test-databases.js';
import { catalogTable, combineCatalogs, defineEvents, InvalidEventError, type NewEvent } from './catalog.js';
import { EventLog } from './event-log.js';

const docs = join(dirname(fileURLToPath(import.meta.url)), '../../../../../docs/server.md');

describe('the event catalog', () => {
  it('is the table docs/server.md shows, one row per type', () => {
    const text = readFileSync(docs, 'utf8');
    const begin = text.indexOf('<!-- event-catalog:begin');
    const end = text.indexOf('<!-- event-catalog:end -->');
    expect(begin).toBeGreaterThan(0);
    const shown = text.slice(text.indexOf('\n', begin) + 1, end).trim();
    // On a mismatch, paste catalogTable(eventCatalog) between the markers.
    expect(shown).toBe(catalogTable(eventCatalog));
    for (const type of Object.keys(eventCatalog)) expect(shown).toContain(`| \`${type}\` |`);
  });

  it('keeps every event type the server appended before the catalog', () => {
    expect(Object.keys(eventCatalog).sort()).toEqual([
      'check.completed',
      'deploy.run',
      'deploy.step',
      'project.created',
      'pull_request.closed',
      'pull_request.edited',
      'pull_request.merged',
      'pull_request.opened',
      'pull_request.ready_for_review',
      'pull_request.reopened',
      'pull_request.synchronized',
      'push',
      'push.failed',
      'review.dismissed',
      'review.submitted',
      'trunk.updated',
    ]);
  });

  it('refuses a type declared twice and a badly named one', () => {
    const a = defineEvents({ 'x.done': { summary: 'a', payload: z.strictObject({}) } });
    expect(() => combineCatalogs(a, a)).toThrow('event type "x.done" is declared twice');
    expect(() => defineEvents({ 'X Done': { summary: 'a', payload: z.strictObject({}) } })).toThrow(
      'is not lower-case dotted words',
    );
  });
});

describe.each(testDatabases())('append checks payloads on $name', (kind) => {
  let database: TestDatabase;
  let log: EventLog<typeof eventCatalog>;
  beforeAll(async () => {
    database = await kind.open();
    log = new EventLog(database.db, database.dialect, systemClock, { catalog: eventCatalog });
  });
  afterAll(async () => database?.drop());

  const sha = 'a'.repeat(40);
  const count = async () => (await log.listAfter(0, { limit: 1000 })).length;

  it('stores a payload the catalog declares, and refuses an unknown type, a missing, extra or mistyped field', async () => {
    const good = await log.record({
      type: 'pull_request.merged',
      projectId: 'p',
      actor: 'alice',
      payload: { number: 1, sha, title: 'feat: x' },
    });
    expect((await log.listAfter(good.id - 1))[0]?.payload).toEqual({ number: 1, sha, title: 'feat: x' });
    // Casts stand for the bugs the types prevent at compile time.
    const bad = [
      { type: 'pull_request.exploded', payload: {} },
      { type: 'pull_request.merged', payload: { number: 1, sha } },
      { type: 'pull_request.merged', payload: { number: 1, sha, title: 't', secret: 'x' } },
      { type: 'pull_request.merged', payload: { number: '1', sha, title: 't' } },
      { type: 'pull_request.merged', payload: { number: 1, sha: 'main', title: 't' } },
    ];
    for (const event of bad) {
      await expect(
        log.record({ projectId: 'p', actor: null, ...event } as unknown as NewEvent<typeof eventCatalog>),
      ).rejects.toThrow(InvalidEventError);
    }
    expect(await count()).toBe(1);
  });

  it('rolls back the change a bad event was appended with', async () => {
    const before = await count();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await log.append(trx, {
          type: 'project.created',
          projectId: 'q',
          actor: null,
          payload: { name: 'q', trunk: 'main', visibility: 'internal' },
        });
        await log.append(trx, {
          type: 'push',
          projectId: 'q',
          actor: null,
          payload: { ref: 'refs/heads/x' },
        } as unknown as NewEvent<typeof eventCatalog>);
      }),
    ).rejects.toThrow('payload of event "push" does not match the catalog');
    expect(await count()).toBe(before);
  });
});
