// HTTP routes for pull requests, reviews, checks, the merge gate and squash merge.
import { assertNever } from '@trunkflow/core';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor, Permission } from '../../platform/auth/roles.js';
import { type App, requireActor, requirePermission } from '../../platform/http/app.js';
import { positiveIntegerParam } from '../../platform/http/numbers.js';
import type { Project, ProjectService } from '../projects/service.js';
import type { PullsFeature } from './feature.js';
import { GATE_REASON_CODES } from './gate.js';
import { PULL_STATES, type PullRequest, REVIEW_VERDICTS, type Review } from './model.js';
import type { CheckRunView, PullRequestDetail } from './reads.js';
import { pullBodySchema, pullTitleSchema } from './text.js';

/** Titles, bodies and review texts fit well below this; anything bigger is refused with 413. */
const TEXT_BODY_LIMIT = 131_072;
const EMPTY_BODY_LIMIT = 4096;

const pullSchema = z.object({
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

const reviewSchema = z.object({
  id: z.string(),
  reviewer: z.string(),
  verdict: z.enum(REVIEW_VERDICTS),
  body: z.string(),
  sha: z.string(),
  dismissed: z.boolean(),
  createdAt: z.string(),
});

/** `pending` until the head's checks job records its run; poll, or use `trunkflow pr checks`, which waits. */
const checkStatusSchema = z.enum(['pending', 'completed']);

const checksSummarySchema = z.object({
  status: checkStatusSchema,
  sha: z.string(),
  ok: z.boolean(),
  failing: z.array(z.string()),
  createdAt: z.string(),
  configError: z.string().nullable(),
});

const findingSchema = z.object({
  id: z.string(),
  status: z.enum(['pass', 'warn', 'fail', 'skip']),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});

const checkRunSchema = z.object({
  status: checkStatusSchema,
  sha: z.string(),
  ok: z.boolean(),
  findings: z.array(findingSchema),
  createdAt: z.string(),
  configError: z.string().optional(),
});

const reasonSchema = z.object({
  code: z.enum(GATE_REASON_CODES),
  message: z.string(),
  paths: z.array(z.string()).optional(),
  rules: z.array(z.string()).optional(),
});

const mergeabilitySchema = z.object({
  mergeable: z.boolean(),
  reasons: z.array(reasonSchema),
  headSha: z.string(),
  trunkSha: z.string().nullable(),
  approvals: z.number().int(),
  requiredApprovals: z.number().int(),
});

const projectParams = z.object({ project: z.string() });
const pullParams = z.object({ project: z.string(), number: positiveIntegerParam });
/** Action routes take no fields; an empty JSON object or no body at all. */
const noFields = z.strictObject({}).nullish();

function presentPull(pull: PullRequest) {
  return {
    number: pull.number,
    title: pull.title,
    body: pull.body,
    state: pull.state,
    draft: pull.draft,
    head: pull.head,
    headSha: pull.headSha,
    base: pull.base,
    author: pull.author,
    taskKey: pull.taskKey,
    mergeSha: pull.mergeSha,
    createdAt: pull.createdAt,
    updatedAt: pull.updatedAt,
    closedAt: pull.closedAt,
    mergedAt: pull.mergedAt,
    url: null,
  };
}

function presentReview(review: Review) {
  return {
    id: review.id,
    reviewer: review.reviewer,
    verdict: review.verdict,
    body: review.body,
    sha: review.sha,
    dismissed: review.dismissed,
    createdAt: review.createdAt,
  };
}

function presentDetail(detail: PullRequestDetail) {
  return { ...presentPull(detail), reviews: detail.reviews.map(presentReview), checks: detail.checks };
}

function presentRun(run: CheckRunView) {
  return {
    status: run.status,
    sha: run.sha,
    ok: run.ok,
    findings: run.findings,
    createdAt: run.createdAt,
    ...(run.configError !== null ? { configError: run.configError } : {}),
  };
}

/** The services the routes call; each route names the one it uses. */
export type PullRouteServices = Pick<PullsFeature, 'reads' | 'lifecycle' | 'reviews' | 'gate' | 'merges'>;

export function registerPullRoutes(app: App, pulls: PullRouteServices, projects: ProjectService): void {
  /** Resolves the project and checks the permission in its scope. */
  const scope = async (
    request: FastifyRequest,
    projectName: string,
    permission: Permission,
  ): Promise<{ actor: Actor; project: Project }> => {
    const actor = requireActor(request);
    const project = await projects.getFor(actor, projectName);
    requirePermission(actor, permission, project.id);
    return { actor, project };
  };

  app.post(
    '/api/projects/:project/pulls',
    {
      config: { permission: 'pr.open', projectScoped: true },
      bodyLimit: TEXT_BODY_LIMIT,
      schema: {
        summary:
          'Open a pull request from a pushed branch; it answers at once and its checks run as a job (pending until done)',
        params: projectParams,
        body: z.strictObject({
          head: z.string().min(1).max(255),
          title: pullTitleSchema,
          body: pullBodySchema.optional(),
          draft: z.boolean().optional(),
          base: z.string().min(1).max(255).optional(),
        }),
        response: { 201: pullSchema },
      },
    },
    async (request, reply) => {
      const { actor, project } = await scope(request, request.params.project, 'pr.open');
      const pull = await pulls.lifecycle.open(project, actor, request.body);
      return reply.status(201).send(presentPull(pull));
    },
  );

  app.get(
    '/api/projects/:project/pulls',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: {
        summary: 'List pull requests, newest first',
        params: projectParams,
        querystring: z.object({ state: z.enum([...PULL_STATES, 'all']).default('open') }),
        response: { 200: z.object({ pulls: z.array(pullSchema) }) },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project, 'project.read');
      return { pulls: (await pulls.reads.list(project, request.query.state)).map(presentPull) };
    },
  );

  app.get(
    '/api/projects/:project/pulls/:number',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: {
        summary: 'A pull request with its reviews and the summary of its latest checks',
        params: pullParams,
        response: {
          200: pullSchema.extend({ reviews: z.array(reviewSchema), checks: checksSummarySchema.nullable() }),
        },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project, 'project.read');
      return presentDetail(await pulls.reads.detail(project, request.params.number));
    },
  );

  app.get(
    '/api/projects/:project/pulls/:number/checks',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: {
        summary:
          "The check findings of the PR's head sha: `pending` while its checks job runs (or, once closed, of its latest checked sha)",
        params: pullParams,
        response: { 200: checkRunSchema },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project, 'project.read');
      return presentRun(await pulls.reads.checks(project, request.params.number));
    },
  );

  app.get(
    '/api/projects/:project/pulls/:number/mergeability',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: {
        summary: 'The merge gate: one verdict with every reason it is blocked',
        params: pullParams,
        response: { 200: mergeabilitySchema },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project, 'project.read');
      return pulls.gate.mergeability(project, request.params.number);
    },
  );

  app.patch(
    '/api/projects/:project/pulls/:number',
    {
      config: { permission: 'pr.open', projectScoped: true },
      bodyLimit: TEXT_BODY_LIMIT,
      schema: {
        summary:
          'Edit the title and/or body (the author or a maintainer; not once merged); the title is the squash commit message, and the checks run again',
        params: pullParams,
        body: z.strictObject({ title: pullTitleSchema.optional(), body: pullBodySchema.optional() }),
        response: { 200: pullSchema },
      },
    },
    async (request) => {
      const { actor, project } = await scope(request, request.params.project, 'pr.open');
      return presentPull(await pulls.lifecycle.edit(project, actor, request.params.number, request.body));
    },
  );

  app.post(
    '/api/projects/:project/pulls/:number/reviews',
    {
      config: { permission: 'pr.review', projectScoped: true },
      bodyLimit: TEXT_BODY_LIMIT,
      schema: {
        summary: 'Approve, request changes or comment, against the current head sha',
        params: pullParams,
        body: z.strictObject({ verdict: z.enum(REVIEW_VERDICTS), body: z.string().max(65_536).optional() }),
        response: { 201: reviewSchema },
      },
    },
    async (request, reply) => {
      const { actor, project } = await scope(request, request.params.project, 'pr.review');
      const review = await pulls.reviews.review(project, actor, request.params.number, request.body);
      return reply.status(201).send(presentReview(review));
    },
  );

  app.post(
    '/api/projects/:project/pulls/:number/merge',
    {
      config: { permission: 'pr.merge', projectScoped: true },
      bodyLimit: EMPTY_BODY_LIMIT,
      schema: {
        summary: 'Squash-merge into trunk when the gate allows it (409 with the reasons otherwise)',
        params: pullParams,
        body: noFields,
        response: { 200: z.object({ merged: z.literal(true), sha: z.string(), number: z.number().int() }) },
      },
    },
    async (request) => {
      const { actor, project } = await scope(request, request.params.project, 'pr.merge');
      return pulls.merges.merge(project, actor, request.params.number);
    },
  );

  const action = (path: 'close' | 'reopen' | 'ready', summary: string) =>
    app.post(
      `/api/projects/:project/pulls/:number/${path}`,
      {
        config: { permission: 'pr.close', projectScoped: true },
        bodyLimit: EMPTY_BODY_LIMIT,
        schema: { summary, params: pullParams, body: noFields, response: { 200: pullSchema } },
      },
      async (request) => {
        const { actor, project } = await scope(request, request.params.project, 'pr.close');
        const number = request.params.number;
        switch (path) {
          case 'close':
            return presentPull(await pulls.lifecycle.close(project, actor, number));
          case 'reopen':
            return presentPull(await pulls.lifecycle.reopen(project, actor, number));
          case 'ready':
            return presentPull(await pulls.lifecycle.ready(project, actor, number));
          default:
            return assertNever(path, 'pull request action');
        }
      },
    );
  action('close', 'Close without merging (the author or a maintainer)');
  action('reopen', 'Reopen a closed pull request whose branch still exists (the author or a maintainer)');
  action('ready', 'Mark a draft ready for review (the author or a maintainer)');
}
