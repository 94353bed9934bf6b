// Admin routes for jobs: list them (failed ones with their last error), retry a failed one, cancel one.
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import type { App } from '../http/app.js';
import { positiveIntegerParam } from '../http/numbers.js';
import type { JobQueue } from './catalog.js';

const STATES = ['queued', 'running', 'failed'] as const;

const jobSchema = z.object({
  id: z.string(),
  name: z.string(),
  payload: z.unknown(),
  state: z.enum(STATES),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  runAt: z.string(),
  lastError: z.string().nullable(),
  singletonKey: z.string().nullable(),
  createdAt: z.string(),
});

const jobParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,18}$/, 'must be a job id from the job list') });
const noFields = z.strictObject({}).nullish();
const EMPTY_BODY_LIMIT = 4096;

export function registerJobRoutes(app: App, jobs: JobQueue): void {
  app.get(
    '/api/admin/jobs',
    {
      config: { permission: 'admin.jobs' },
      schema: {
        summary:
          'List jobs that have not finished: queued (or waiting to retry), running, or failed (with the last error)',
        querystring: z.object({
          state: z.enum(STATES).optional(),
          limit: positiveIntegerParam.pipe(z.number().max(1000, 'must be at most 1000')).default(100),
        }),
        response: { 200: z.object({ jobs: z.array(jobSchema) }) },
      },
    },
    async (request) => {
      const { state, limit } = request.query;
      return { jobs: await jobs.list(state === undefined ? { limit } : { state, limit }) };
    },
  );

  app.get(
    '/api/admin/jobs/:id',
    {
      config: { permission: 'admin.jobs' },
      schema: { summary: 'One job', params: jobParams, response: { 200: jobSchema } },
    },
    async (request) => {
      const job = await jobs.get(request.params.id);
      if (job === null) {
        throw new NotFoundError(`no job ${request.params.id}: it finished, was cancelled, or never existed`);
      }
      return job;
    },
  );

  app.post(
    '/api/admin/jobs/:id/retry',
    {
      config: { permission: 'admin.jobs' },
      bodyLimit: EMPTY_BODY_LIMIT,
      schema: {
        summary: 'Run a failed job again, with its attempts reset',
        params: jobParams,
        body: noFields,
        response: { 200: jobSchema },
      },
    },
    async (request) => jobs.retry(request.params.id),
  );

  app.post(
    '/api/admin/jobs/:id/cancel',
    {
      config: { permission: 'admin.jobs' },
      bodyLimit: EMPTY_BODY_LIMIT,
      schema: {
        summary: 'Remove a queued or failed job so it never runs (a running job cannot be cancelled)',
        params: jobParams,
        body: noFields,
        response: { 200: jobSchema },
      },
    },
    async (request) => jobs.cancel(request.params.id),
  );
}
