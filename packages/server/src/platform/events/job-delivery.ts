// Durable delivery: each consumer of an appended event gets an `events.consume` job, enqueued in the appending transaction.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { defineJob, type EnqueueOptions, type JobTransaction } from '../jobs/catalog.js';
import type { DomainEvent, EventCatalog } from './catalog.js';
import type { ConsumerDelivery, EventConsumers } from './consumers.js';

/** The job type's name in the server's job catalog. */
export const CONSUME_JOB = 'events.consume';

const consumePayload = z.strictObject({
  eventId: z.number().int().positive(),
  consumer: z.string().min(1),
});

export type ConsumePayload = z.infer<typeof consumePayload>;

/**
 * The `events.consume` job: reads the event row by id (committed, since the job committed with it),
 * parses its payload with the catalog and runs the named consumer. A throw is retried with the job
 * backoff; after the last attempt the job stays listed as failed, with the consumer's error.
 */
export function consumeJob<C extends EventCatalog>(db: Kysely<Database>, consumers: EventConsumers<C>) {
  return defineJob({
    description: 'Runs one event consumer on one event (`eventId`, `consumer`), read from the event log',
    onSecondRun:
      'runs the consumer again on the same event: every consumer is idempotent, keyed on the event id and its own name',
    payload: consumePayload,
    async run(payload) {
      const row = await db.selectFrom('events').selectAll().where('id', '=', payload.eventId).executeTakeFirst();
      if (row === undefined) throw new Error(`event ${payload.eventId} is not in the event log`);
      const event: DomainEvent = {
        id: Number(row.id),
        type: row.type,
        projectId: row.project_id,
        actor: row.actor,
        payload: JSON.parse(row.payload) as Record<string, unknown>,
        createdAt: row.created_at,
      };
      // A consumer that is gone (renamed, or not on this replica yet) throws, so the job retries, then fails visibly.
      await consumers.run(payload.consumer, event);
    },
  });
}

/** What the delivery needs of the job queue: an enqueue of `events.consume` (JobQueue.enqueue fits). */
export interface ConsumeJobs {
  enqueue(
    tx: JobTransaction,
    name: typeof CONSUME_JOB,
    payload: ConsumePayload,
    options?: EnqueueOptions,
  ): Promise<{ id: string }>;
}

/**
 * Enqueues one `events.consume` job per consumer subscribed to the event's type, in the appending
 * transaction: a rolled-back append leaves no job, a committed one runs each consumer, even across
 * a crash. An event of a type nobody consumes gets no job.
 */
export class JobDelivery<C extends EventCatalog> implements ConsumerDelivery {
  constructor(
    private readonly consumers: EventConsumers<C>,
    private readonly jobs: ConsumeJobs,
  ) {}

  async schedule(executor: Kysely<Database>, event: DomainEvent): Promise<void> {
    for (const consumer of this.consumers.of(event.type)) {
      const options = consumer.maxAttempts === undefined ? {} : { maxAttempts: consumer.maxAttempts };
      await this.jobs.enqueue(executor, CONSUME_JOB, { eventId: event.id, consumer: consumer.name }, options);
    }
  }
}
