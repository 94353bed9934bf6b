// Pull requests, reviews, checks, the merge gate and squash merge.
import * as z from 'zod';
import { pullBodySchema, pullTitleSchema } from './commit-text.js';
import { positiveIntegerParam } from './numbers.js';

export const PULL_STATES = ['open', 'closed', 'merged'] as const;
export type PullStateName = (typeof PULL_STATES)[number];

export const REVIEW_VERDICTS = ['approve', 'request_changes', 'comment'] as const;
export type VerdictName = (typeof REVIEW_VERDICTS)[number];

/** Stable reason codes of the merge gate: clients and docs match on them. */
export const GATE_REASON_CODES = [
  'not-open',
  'draft',
  'checks-missing',
  'stale-checks',
  'checks-failed',
  'approvals-missing',
  'approval-from-pusher',
  'changes-requested',
  'conflict',
  'invalid-message',
] as const;

export const pullSchema = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string(),
  state: z.enum(PULL_STATES),
  draft: z.boolean(),
  head: z.string(),
  headSha: z.string(),
  base: z.string(),
  author: z.string(),
  taskKey: z.string().nullable(),
  mergeSha: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
  mergedAt: z.string().nullable(),
  url: z.string().nullable(),
});
export type Pull = z.output<typeof pullSchema>;

export const pullListSchema = z.object({ pulls: z.array(pullSchema) });

export const reviewSchema = z.object({
  id: z.string(),
  reviewer: z.string(),
  verdict: z.enum(REVIEW_VERDICTS),
  body: z.string(),
  sha: z.string(),
  dismissed: z.boolean(),
  createdAt: z.string(),
});
export type Review = z.output<typeof reviewSchema>;

/** What a PR's detail carries of its latest checks: the verdict and the failing rule ids, not the findings. */
/** `pending` until the head's checks job records its run; poll, or use `trunkflow pr checks`, which waits. */
export const CHECK_STATUSES = ['pending', 'completed'] as const;
export const checkStatusSchema = z.enum(CHECK_STATUSES);

export const checksSummarySchema = z.object({
  status: checkStatusSchema,
  sha: z.string(),
  ok: z.boolean(),
  failing: z.array(z.string()),
  createdAt: z.string(),
  configError: z.string().nullable(),
});

/** The PR's preview deploy: where it answers, how its last deploy went, and which sha it serves. */
export const pullPreviewSchema = z.object({
  url: z.string().nullable(),
  status: z.enum(['deploying', 'live', 'failed', 'destroyed']),
  sha: z.string().nullable(),
});

export const pullDetailSchema = pullSchema.extend({
  reviews: z.array(reviewSchema),
  checks: checksSummarySchema.nullable(),
  /** Null when the project deploys no previews, or none was made for this PR yet. */
  preview: pullPreviewSchema.nullable(),
});
export type PullDetail = z.output<typeof pullDetailSchema>;

export const findingSchema = z.object({
  id: z.string(),
  status: z.enum(['pass', 'warn', 'fail', 'skip']),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const checkRunSchema = z.object({
  status: checkStatusSchema,
  sha: z.string(),
  ok: z.boolean(),
  findings: z.array(findingSchema),
  createdAt: z.string(),
  /** Set when trunkflow.yml at this sha is invalid: the rules ran with the defaults. */
  configError: z.string().optional(),
});
export type CheckRun = z.output<typeof checkRunSchema>;

export const gateReasonSchema = z.object({
  code: z.enum(GATE_REASON_CODES),
  message: z.string(),
  paths: z.array(z.string()).optional(),
  rules: z.array(z.string()).optional(),
});

export const mergeabilitySchema = z.object({
  mergeable: z.boolean(),
  reasons: z.array(gateReasonSchema),
  headSha: z.string(),
  trunkSha: z.string().nullable(),
  approvals: z.number().int(),
  requiredApprovals: z.number().int(),
});

export const mergeResultSchema = z.object({ merged: z.literal(true), sha: z.string(), number: z.number().int() });
export type MergeResult = z.output<typeof mergeResultSchema>;

export const pullParamsSchema = z.object({ project: z.string(), number: positiveIntegerParam });

export const pullListQuerySchema = z.object({ state: z.enum([...PULL_STATES, 'all']).default('open') });

export const openPullBodySchema = z.strictObject({
  head: z.string().min(1).max(255),
  title: pullTitleSchema,
  body: pullBodySchema.optional(),
  draft: z.boolean().optional(),
  base: z.string().min(1).max(255).optional(),
});
export type NewPull = z.input<typeof openPullBodySchema>;

/** A PR edit: either field, or both. */
export const editPullBodySchema = z.strictObject({
  title: pullTitleSchema.optional(),
  body: pullBodySchema.optional(),
});
export type PullEdit = z.input<typeof editPullBodySchema>;

export const reviewBodySchema = z.strictObject({
  verdict: z.enum(REVIEW_VERDICTS),
  body: z.string().max(65_536).optional(),
});

/** Action routes (merge, close, reopen, ready) take no fields: an empty JSON object or no body at all. */
export const noFieldsBodySchema = z.strictObject({}).nullish();
