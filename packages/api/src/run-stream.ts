// One run's live stream (server-sent events): its output lines and its step and run transitions, resumable by Last-Event-ID.
import * as z from 'zod';
import { RUN_STATUS_VALUES, runOutputLineSchema, STEP_KIND_VALUES, STEP_STATUS_VALUES } from './pipeline.js';

/**
 * A stream event's id: `<log>-<output>`, the last transition-log row and the last output line the
 * stream has sent so far (0 for none). Sent back as Last-Event-ID, it resumes after both.
 */
export const RUN_STREAM_ID = /^(0|[1-9][0-9]{0,15})-(0|[1-9][0-9]{0,15})$/;

export const runStreamIdSchema = z
  .string()
  .regex(
    RUN_STREAM_ID,
    'must be the id of an event of this stream, like 12-340 (`<log>-<output>`): send back the last `id:` you received, or leave it out to start from the beginning',
  )
  .transform((value) => {
    const [log, output] = value.split('-').map(Number);
    return { log: log ?? 0, output: output ?? 0 };
  });

/** Other headers pass: only Last-Event-ID is read. */
export const runStreamHeadersSchema = z.looseObject({ 'last-event-id': runStreamIdSchema.optional() });

/** `event: output`: one line a step wrote (or Trunkflow, `system`), as `GET …/output` gives it. */
export const runStreamOutputSchema = runOutputLineSchema;

/** `event: step`: a step moved from one status to another. */
export const runStreamStepSchema = z.object({
  step: z.number().int(),
  kind: z.enum(STEP_KIND_VALUES),
  from: z.enum(STEP_STATUS_VALUES),
  to: z.enum(STEP_STATUS_VALUES),
  attempts: z.number().int(),
  reason: z.string().nullable(),
  at: z.string(),
});

/** `event: run`: the run moved from one status to another. */
export const runStreamRunSchema = z.object({
  from: z.enum(RUN_STATUS_VALUES),
  to: z.enum(RUN_STATUS_VALUES),
  reason: z.string().nullable(),
  at: z.string(),
});

/** `event: end`: the run has finished and everything is sent; the server closes the stream after it. */
export const runStreamEndSchema = z.object({
  status: z.enum(RUN_STATUS_VALUES),
  reason: z.string().nullable(),
});

export const RUN_STREAM_EVENTS = ['output', 'step', 'run', 'end'] as const;
export type RunStreamEventName = (typeof RUN_STREAM_EVENTS)[number];
export type RunStreamOutput = z.output<typeof runStreamOutputSchema>;
export type RunStreamStep = z.output<typeof runStreamStepSchema>;
export type RunStreamRun = z.output<typeof runStreamRunSchema>;
export type RunStreamEnd = z.output<typeof runStreamEndSchema>;
