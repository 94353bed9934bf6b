// The event log: a page of events, and the stream's resume parameters.
import * as z from 'zod';
import { nonNegativeIntegerParam, positiveIntegerParam } from './numbers.js';

export const eventSchema = z.object({
  id: z.number(),
  type: z.string(),
  projectId: z.string().nullable(),
  actor: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type Event = z.output<typeof eventSchema>;

export const eventListSchema = z.object({ events: z.array(eventSchema) });

export const eventListQuerySchema = z.object({
  after: nonNegativeIntegerParam.default(0),
  project: z.string().optional(),
  limit: positiveIntegerParam.pipe(z.number().max(1000)).default(100),
});

export const eventStreamQuerySchema = z.object({
  project: z.string().optional(),
  after: nonNegativeIntegerParam.optional(),
});

/** Other headers pass: only Last-Event-ID is read. */
export const eventStreamHeadersSchema = z.looseObject({ 'last-event-id': nonNegativeIntegerParam.optional() });
