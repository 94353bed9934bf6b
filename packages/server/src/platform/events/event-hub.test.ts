// The hub fans appended events out to live subscribers, filtered by project, and ends them at stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../clock.js';
import { type TestDatabase, testDatabases } from '../db/test-databases.js';
import { defineEvents } from './catalog.js';
import { EventHub } from './event-hub.js';
import { type DomainEvent, EVENTS_CHANNEL, EventLog } from './event-log.js';

const catalog = defineEvents({
  'test.one': { summary: 'a test', payload: z.strictObject({}) },
  'test.two': { summary: 'a test', payload: z.strictObject({}) },
});

describe.each(testDatabases())('event hub on $name', (kind) => {
  let database: TestDatabase;
  let log: EventLog<typeof catalog>;
  let hub: EventHub;
  beforeAll(async () => {
    database = await kind.open();
    const listen = database.listen;
    log = new EventLog(database.db, database.dialect, systemClock, { catalog, onAppend: () => hub.nudge() });
    // A long poll interval, so delivery here comes from the append's nudge or NOTIFY.
    hub = new EventHub(log, listen ? (onNotify) => listen(EVENTS_CHANNEL, onNotify) : null, 60_000);
    await hub.start();
  });
  afterAll(async () => {
    await hub.stop();
    await database?.drop();
  });

  it('delivers new events to every subscriber, and to a project subscriber only its project', async () => {
    const all: DomainEvent[] = [];
    const projectA: DomainEvent[] = [];
    const stopAll = hub.subscribe((event) => all.push(event));
    const stopA = hub.subscribe((event) => projectA.push(event), 'a');
    await log.record({ type: 'test.one', projectId: 'a', actor: null, payload: {} });
    await log.record({ type: 'test.two', projectId: 'b', actor: null, payload: {} });
    for (let attempt = 0; attempt < 100 && all.length < 2; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stopAll();
    stopA();
    expect(all.map((event) => event.type)).toEqual(['test.one', 'test.two']);
    expect(projectA.map((event) => event.type)).toEqual(['test.one']);
  });

  it('ends open subscriptions at stop, and tells a late subscriber to close at once', async () => {
    let openClosed = false;
    hub.subscribe(
      () => {},
      undefined,
      () => {
        openClosed = true;
      },
    );
    await hub.stop();
    expect(openClosed).toBe(true);
    expect(hub.subscriberCount).toBe(0);
    const lateClosed = await new Promise<boolean>((resolve) => {
      hub.subscribe(
        () => {},
        undefined,
        () => resolve(true),
      );
      setTimeout(() => resolve(false), 1000);
    });
    expect(lateClosed).toBe(true);
    expect(hub.subscriberCount).toBe(0);
  });
});
