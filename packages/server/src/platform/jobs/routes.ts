// Admin routes for jobs: list them (failed ones with their last error), retry a failed one, cancel one.
import { jobActionBodySchema, jobListQuerySchema, jobListSchema, jobParamsSchema, jobSchema } from '@trunkflow/api';
import { NotFoundError } from '../errors.js';
import type { App } from '../http/app.js';
import type { JobQueue } from './catalog.js';

const EMPTY_BODY_LIMIT = 4096;

export function registerJobRoutes(app: App, jobs: JobQueue): void {
  app.get(
    '/api/admin/jobs',
    {
      config: { permission: 'admin.jobs' },
      schema: {
        summary:
          'List jobs that have not finished: queued (or waiting to retry), running, or failed (with the last error)',
        querystring: jobListQuerySchema,
        response: { 200: jobListSchema },
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
      schema: { summary: 'One job', params: jobParamsSchema, response: { 200: jobSchema } },
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
        params: jobParamsSchema,
        body: jobActionBodySchema,
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
        params: jobParamsSchema,
        body: jobActionBodySchema,
        response: { 200: jobSchema },
      },
    },
    async (request) => jobs.cancel(request.params.id),
  );
}
