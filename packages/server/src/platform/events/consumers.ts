// Consumers of events: a typed registry by event type and name, and how an appended event reaches them.
import type { Kysely } from 'kysely';
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
   * Stable, like the event type: it is in the payload of the consumer's `events.consume` jobs, so
   * renaming a consumer while its jobs wait leaves them without a handler (they end failed).
   */
  readonly name: string;
  /**
   * Must be idempotent: it runs again after a crash mid-run and after a failure (a throw is retried
   * with the job's backoff). `event.id` with the consumer's name is a stable key for its side effects.
   */
  handle(event: TypedEvent<C, T>): Promise<void> | void;
  /** Runs before the consumer's job counts as failed (default: the job catalog's, 10). */
  readonly maxAttempts?: number;
}

interface Registered {
  type: string;
  name: string;
  maxAttempts: number | undefined;
  handle(event: TypedEvent<EventCatalog, string>): Promise<void> | void;
}

const CONSUMER_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

/**
 * Who consumes which event type. An event gets a job for each consumer subscribed when it is
 * appended, and no other: so every subscription is made at composition time, and the registry is
 * sealed before the server's first append (the start-up reconcile appends events).
 */
export class EventConsumers<C extends EventCatalog> {
  private readonly byType = new Map<string, Registered[]>();
  private sealed = false;

  constructor(private readonly catalog: C) {}

  subscribe<T extends EventType<C>>(type: T, consumer: EventConsumer<C, T>): void {
    if (this.sealed) {
      throw new InvalidEventError(
        `cannot subscribe "${consumer.name}" now: events may have been appended without it; subscribe at composition time (app.ts)`,
      );
    }
    if (this.catalog[type] === undefined) {
      throw new InvalidEventError(`cannot subscribe to event type "${type}": it is not in the event catalog`);
    }
    if (!CONSUMER_NAME.test(consumer.name)) {
      throw new InvalidEventError(`consumer name "${consumer.name}" is not lower-case dotted words (a.b-c)`);
    }
    const attempts = consumer.maxAttempts;
    // Checked here, not at enqueue: a bad value would otherwise fail every append of the type.
    if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1 || attempts > 100)) {
      throw new InvalidEventError(`consumer "${consumer.name}": maxAttempts must be a whole number from 1 to 100`);
    }
    const list = this.byType.get(type) ?? [];
    if (list.some((other) => other.name === consumer.name)) {
      throw new InvalidEventError(`event type "${type}" already has a consumer named "${consumer.name}"`);
    }
    list.push({
      type,
      name: consumer.name,
      maxAttempts: consumer.maxAttempts,
      handle: consumer.handle.bind(consumer) as Registered['handle'],
    });
    this.byType.set(type, list);
  }

  /** No more subscriptions: called before the first append, so no consumer misses an event it expects. */
  seal(): void {
    this.sealed = true;
  }

  /** The consumers of a type, in subscription order. */
  of(type: string): readonly { readonly name: string; readonly maxAttempts: number | undefined }[] {
    return this.byType.get(type) ?? [];
  }

  /** Runs one consumer on one stored event, its payload parsed again by the catalog (the job reads it from the row). */
  async run(consumerName: string, event: DomainEvent): Promise<void> {
    const consumer = this.byType.get(event.type)?.find((entry) => entry.name === consumerName);
    if (consumer === undefined) {
      throw new InvalidEventError(
        `no consumer "${consumerName}" of event type "${event.type}" in this server (renamed or removed?): ` +
          'cancel the job, or retry it on a server that has the consumer',
      );
    }
    const payload = parsePayload(this.catalog, event.type, event.payload);
    await consumer.handle({ ...event, payload });
  }
}

/**
 * How consumers hear of an appended event. `schedule` runs inside the transaction that appends the
 * event, with that transaction's executor, so whatever it records commits or rolls back with the
 * event. The server's is JobDelivery (job-delivery.ts): one `events.consume` job per consumer.
 */
export interface ConsumerDelivery {
  schedule(executor: Kysely<Database>, event: DomainEvent): Promise<void>;
}
