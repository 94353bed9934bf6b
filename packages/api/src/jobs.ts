// Jobs: the admin view of the server's background work (/api/admin/jobs).
import * as z from 'zod';
import { positiveIntegerParam } from './numbers.js';

export const JOB_STATES = ['queued', 'running', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const jobSchema = z.object({
  id: z.string(),
  name: z.string(),
  payload: z.unknown(),
  state: z.enum(JOB_STATES),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  runAt: z.string(),
  lastError: z.string().nullable(),
  singletonKey: z.string().nullable(),
  createdAt: z.string(),
});
export type Job = z.output<typeof jobSchema>;

export const jobListSchema = z.object({ jobs: z.array(jobSchema) });

export const jobListQuerySchema = z.object({
  state: z.enum(JOB_STATES).optional(),
  limit: positiveIntegerParam.pipe(z.number().max(1000, 'must be at most 1000')).default(100),
});

export const jobParamsSchema = z.object({
  id: z.string().regex(/^[1-9][0-9]{0,18}$/, 'must be a job id from the job list'),
});

/** Retry and cancel take no fields. */
export const jobActionBodySchema = z.strictObject({}).nullish();
