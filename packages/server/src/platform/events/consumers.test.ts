// Consumers by event type and name: each committed event reaches its consumers once, after commit; a rolled-back one never does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../clock.js';
import { type TestDatabase, testDatabases } from '../db/test-databases.js';
import { defineEvents, InvalidEventError, type TypedEvent } from './catalog.js';
import { EventConsumers, InProcessDelivery } from './consumers.js';
import { EventHub } from './event-hub.js';
import { EVENTS_CHANNEL, EventLog } from './event-log.js';

const catalog = defineEvents({
  'thing.made': { summary: 'a thing', payload: z.strictObject({ name: z.string() }) },
  'thing.lost': { summary: 'a loss', payload: z.strictObject({ name: z.string() }) },
});
type Catalog = typeof catalog;

async function until(done: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !done(); attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the consumer registry', () => {
  it('refuses an unknown type, a bad name and a second consumer of one name', () => {
    const consumers = new EventConsumers(catalog);
    consumers.subscribe('thing.made', { name: 'shop.count', handle() {} });
    expect(() => consumers.subscribe('thing.made', { name: 'shop.count', handle() {} })).toThrow(
      'already has a consumer named "shop.count"',
    );
    consumers.subscribe('thing.lost', { name: 'shop.count', handle() {} });
    expect(() => consumers.subscribe('thing.gone' as 'thing.made', { name: 'x', handle() {} })).toThrow(
      InvalidEventError,
    );
    expect(() => consumers.subscribe('thing.made', { name: 'Shop Count', handle() {} })).toThrow(InvalidEventError);
    expect(consumers.of('thing.made').map((consumer) => consumer.name)).toEqual(['shop.count']);
  });
});

describe.each(testDatabases())('in-process delivery on $name', (kind) => {
  let database: TestDatabase;
  let log: EventLog<Catalog>;
  let hub: EventHub;
  let delivery: InProcessDelivery<Catalog>;
  const seen: string[] = [];
  const errors: unknown[] = [];
  beforeAll(async () => {
    database = await kind.open();
    const consumers = new EventConsumers(catalog);
    consumers.subscribe('thing.made', {
      name: 'first.fails',
      handle(event: TypedEvent<Catalog, 'thing.made'>) {
        if (event.payload.name === 'boom') throw new Error('consumer bug');
      },
    });
    consumers.subscribe('thing.made', {
      name: 'second.records',
      async handle(event) {
        seen.push(`${event.type}:${event.payload.name}`);
      },
    });
    delivery = new InProcessDelivery(consumers, { error: (context: unknown) => errors.push(context) } as never);
    log = new EventLog(database.db, database.dialect, systemClock, {
      catalog,
      onAppend: () => hub.nudge(),
      delivery,
    });
    const listen = database.listen;
    hub = new EventHub(log, listen ? (onNotify) => listen(EVENTS_CHANNEL, onNotify) : null, 60_000);
    hub.subscribe(delivery.deliver);
    await hub.start();
  });
  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
  });

  it('delivers a committed event once to each consumer of its type, never a rolled-back one, and goes on past a failing consumer', async () => {
    let insideTransaction: string[] = [];
    await database.db.transaction().execute(async (trx) => {
      await log.append(trx, { type: 'thing.made', projectId: null, actor: null, payload: { name: 'a' } });
      // Not before commit: the consumer has not run while the transaction is open.
      insideTransaction = [...seen];
    });
    await expect(
      database.db.transaction().execute(async (trx) => {
        await log.append(trx, { type: 'thing.made', projectId: null, actor: null, payload: { name: 'rolled-back' } });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await log.record({ type: 'thing.lost', projectId: null, actor: null, payload: { name: 'nobody-listens' } });
    await log.record({ type: 'thing.made', projectId: null, actor: null, payload: { name: 'boom' } });
    await log.record({ type: 'thing.made', projectId: null, actor: null, payload: { name: 'b' } });
    await until(() => seen.length >= 3);
    await delivery.idle();
    expect(insideTransaction).toEqual([]);
    expect(seen).toEqual(['thing.made:a', 'thing.made:boom', 'thing.made:b']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ consumer: 'first.fails', type: 'thing.made' });
  });
});
