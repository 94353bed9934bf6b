// Consumers of events: a typed registry by event type and name, and how an appended event reaches them.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import {
  type DomainEvent,
  type EventCatalog,
  type EventType,
  InvalidEventError,
  parsePayload,
  type TypedEvent,
} from './catalog.js';

/** A reaction to one event type. */
export interface EventConsumer<C extends EventCatalog, T extends EventType<C>> {
  /**
   * Stable, like the event type: with durable delivery it names the consumer's job, so a consumer
   * renamed while its jobs wait would leave them without a handler.
   */
  readonly name: string;
  /** Must be idempotent: durable delivery runs it again after a crash mid-run. */
  handle(event: TypedEvent<C, T>): Promise<void> | void;
}

interface Registered {
  type: string;
  name: string;
  handle(event: TypedEvent<EventCatalog, string>): Promise<void> | void;
}

const CONSUMER_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

/** Who consumes which event type. Subscriptions are made at composition time, before the server serves. */
export class EventConsumers<C extends EventCatalog> {
  private readonly byType = new Map<string, Registered[]>();

  constructor(private readonly catalog: C) {}

  subscribe<T extends EventType<C>>(type: T, consumer: EventConsumer<C, T>): void {
    if (this.catalog[type] === undefined) {
      throw new InvalidEventError(`cannot subscribe to event type "${type}": it is not in the event catalog`);
    }
    if (!CONSUMER_NAME.test(consumer.name)) {
      throw new InvalidEventError(`consumer name "${consumer.name}" is not lower-case dotted words (a.b-c)`);
    }
    const list = this.byType.get(type) ?? [];
    if (list.some((other) => other.name === consumer.name)) {
      throw new InvalidEventError(`event type "${type}" already has a consumer named "${consumer.name}"`);
    }
    list.push({ type, name: consumer.name, handle: consumer.handle.bind(consumer) as Registered['handle'] });
    this.byType.set(type, list);
  }

  /** The consumers of a type, in subscription order. */
  of(type: string): readonly { readonly name: string }[] {
    return this.byType.get(type) ?? [];
  }

  /** Runs one consumer on one stored event: the payload is parsed again, as a job would from the row. */
  async run(consumerName: string, event: DomainEvent): Promise<void> {
    const consumer = this.byType.get(event.type)?.find((entry) => entry.name === consumerName);
    if (consumer === undefined) {
      throw new InvalidEventError(`no consumer "${consumerName}" of event type "${event.type}"`);
    }
    const payload = parsePayload(this.catalog, event.type, event.payload);
    await consumer.handle({ ...event, payload });
  }
}

/**
 * How consumers hear of an appended event. `schedule` runs inside the transaction that appends the
 * event, with that transaction's executor, once per event that has consumers.
 *
 * THE JOBS SEAM: the durable implementation (platform/jobs) is a second class of this interface
 * whose `schedule` enqueues one job per consumer, `jobs.enqueue(executor, 'events.consume',
 * { eventId: event.id, consumer: name })`, in that same executor, so the jobs commit (or roll back)
 * with the event. The job's handler reads the event row by id and calls
 * `consumers.run(consumer, event)`. app.ts then passes it to EventLog instead of InProcessDelivery
 * and stops feeding the hub to it; nothing else changes.
 */
export interface ConsumerDelivery {
  schedule(executor: Kysely<Database>, event: DomainEvent): Promise<void>;
}

/**
 * For now: consumers run in this process, after commit, fed by the EventHub (which reads only
 * committed rows, in id order). Not durable: an event whose process dies before delivery, or one
 * appended before the hub starts (the start-up reconcile), is never delivered. A consumer's failure
 * is logged and does not stop the others.
 */
export class InProcessDelivery<C extends EventCatalog> implements ConsumerDelivery {
  /** Ids appended here whose transaction has not been seen committed yet. */
  private readonly waiting = new Set<number>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumers: EventConsumers<C>,
    private readonly logger: Pick<Logger, 'error'>,
  ) {}

  async schedule(_executor: Kysely<Database>, event: DomainEvent): Promise<void> {
    if (this.consumers.of(event.type).length > 0) this.waiting.add(event.id);
  }

  /** The hub's listener: every committed event, in id order, from this process and others. */
  readonly deliver = (event: DomainEvent): void => {
    if (!this.waiting.has(event.id)) return;
    // Ids are given in commit order (see EventLog.append): a lower id not seen by now was rolled back.
    for (const id of this.waiting) if (id <= event.id) this.waiting.delete(id);
    const type = event.type;
    this.queue = this.queue.then(async () => {
      for (const { name } of this.consumers.of(type)) {
        try {
          await this.consumers.run(name, event);
        } catch (error) {
          this.logger.error({ err: error, consumer: name, event: event.id, type }, 'an event consumer failed');
        }
      }
    });
  };

  /** Resolves when every delivery started so far has ended (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }
}
