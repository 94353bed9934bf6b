// The event types the delivery pipeline appends: a run's status and each step's, as they change.
import { ENVIRONMENT_KINDS, RUN_STATUSES, STEP_KINDS, STEP_STATUSES, TRIGGER_KINDS } from '@trunkflow/core';
import { z } from 'zod';
import { defineEvents, shaField } from '../../platform/events/catalog.js';

export const pipelineEvents = defineEvents({
  'deploy.run': {
    summary:
      'a pipeline run was queued, started or ended (`status` queued, running, succeeded, failed or canceled, with the `reason` of an end)',
    payload: z.strictObject({
      runId: z.string(),
      environment: z.enum(ENVIRONMENT_KINDS),
      envKey: z.string(),
      kind: z.enum(TRIGGER_KINDS),
      status: z.enum(RUN_STATUSES),
      sha: shaField,
      version: z.string().nullable(),
      reason: z.string().nullable(),
    }),
  },
  'deploy.step': {
    summary: 'a step of a run started or ended (`step` counts from 0; `url` once a deploy answers)',
    payload: z.strictObject({
      runId: z.string(),
      envKey: z.string(),
      step: z.number().int().nonnegative(),
      kind: z.enum(STEP_KINDS),
      status: z.enum(STEP_STATUSES),
      reason: z.string().nullable(),
      url: z.string().optional(),
    }),
  },
});

export type PipelineEvents = typeof pipelineEvents;
