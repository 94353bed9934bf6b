// The delivery pipeline: runs with their steps, each environment's current deploy, and a run's output.
import * as z from 'zod';
import { positiveIntegerParam } from './numbers.js';

export const ENVIRONMENT_KIND_VALUES = ['preview', 'staging', 'production'] as const;
export const RUN_STATUS_VALUES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export const STEP_STATUS_VALUES = [
  'pending',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'skipped',
  'canceled',
] as const;
export const STEP_KIND_VALUES = [
  'checkout',
  'install',
  'build',
  'deploy',
  'test',
  'tag',
  'monitor',
  'rollback',
  'destroy',
] as const;
export const RUN_TRIGGER_VALUES = ['pull_request', 'trunk', 'tag', 'manual', 'monitor', 'ttl', 'retry'] as const;
export const ENVIRONMENT_STATUS_VALUES = ['deploying', 'live', 'failed', 'destroyed'] as const;

export const runStepSchema = z.object({
  index: z.number().int(),
  kind: z.enum(STEP_KIND_VALUES),
  status: z.enum(STEP_STATUS_VALUES),
  attempts: z.number().int(),
  reason: z.string().nullable(),
});

export const runSchema = z.object({
  id: z.string(),
  /** `preview`, `staging` or `production`. */
  environment: z.enum(ENVIRONMENT_KIND_VALUES),
  /** The environment instance: `pr-<n>`, `staging`, `production`. */
  name: z.string(),
  pr: z.number().int().nullable(),
  sha: z.string(),
  version: z.string().nullable(),
  /** `deploy`, `rollback` or `destroy`. */
  kind: z.enum(['deploy', 'rollback', 'destroy']),
  status: z.enum(RUN_STATUS_VALUES),
  trigger: z.enum(RUN_TRIGGER_VALUES),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
  steps: z.array(runStepSchema),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Run = z.output<typeof runSchema>;

export const runListSchema = z.object({ runs: z.array(runSchema) });

export const runListQuerySchema = z.object({
  limit: positiveIntegerParam.pipe(z.number().max(500, 'must be at most 500')).default(50),
});

export const runParamsSchema = z.object({
  project: z.string(),
  id: z.string().min(1).max(100),
});

export const runOutputLineSchema = z.object({
  id: z.number().int(),
  step: z.number().int(),
  stream: z.enum(['stdout', 'stderr', 'system']),
  line: z.string(),
  at: z.string(),
});

export const runOutputSchema = z.object({
  lines: z.array(runOutputLineSchema),
  /** Pass as `after` to read on; equal to the request's `after` when nothing is new. */
  next: z.number().int(),
  /** The run's status when the lines were read: a client following the output stops once it is final. */
  status: z.enum(RUN_STATUS_VALUES),
});

export const runOutputQuerySchema = z.object({
  after: z.coerce.number().int().min(0, 'must be 0 or a `next` from an earlier answer').default(0),
  limit: positiveIntegerParam.pipe(z.number().max(5000, 'must be at most 5000')).default(1000),
});

export const environmentSchema = z.object({
  /** `pr-<n>`, `staging` or `production`. */
  name: z.string(),
  kind: z.enum(ENVIRONMENT_KIND_VALUES),
  url: z.string().nullable(),
  status: z.enum(ENVIRONMENT_STATUS_VALUES),
  sha: z.string().nullable(),
  version: z.string().nullable(),
});
export type Environment = z.output<typeof environmentSchema>;

export const environmentListSchema = z.object({ environments: z.array(environmentSchema) });

/** Cancel takes no fields. */
export const runActionBodySchema = z.strictObject({}).nullish();

export const RELEASE_STATUS_VALUES = ['tagged', 'watching', 'passed', 'failed', 'rolled-back', 'inconclusive'] as const;

export const releaseSchema = z.object({
  tag: z.string(),
  sha: z.string(),
  /** `watching` while its production window is open; `tagged` before production deployed it. */
  status: z.enum(RELEASE_STATUS_VALUES),
  prs: z.array(z.number().int()),
  /** The authors of its PRs: the people on watch. */
  authors: z.array(z.string()),
  /** The incident recorded when it was rolled back, or null. */
  incident: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Release = z.output<typeof releaseSchema>;

export const releaseListSchema = z.object({ releases: z.array(releaseSchema) });

export const environmentActionParamsSchema = z.object({
  project: z.string(),
  environment: z.enum(ENVIRONMENT_KIND_VALUES),
});

/** Deploy an environment by hand: `ref` is a branch, tag or sha (default: trunk). */
export const deployBodySchema = z.strictObject({ ref: z.string().min(1).max(250).optional() }).nullish();
