// HTTP routes for pull requests, reviews, checks, the merge gate and squash merge.
import {
  checkRunSchema,
  editPullBodySchema,
  mergeabilitySchema,
  mergeResultSchema,
  noFieldsBodySchema,
  openPullBodySchema,
  projectParamsSchema,
  pullDetailSchema,
  pullListQuerySchema,
  pullListSchema,
  pullParamsSchema,
  pullSchema,
  reviewBodySchema,
  reviewSchema,
} from '@trunkflow/api';
import { assertNever } from '@trunkflow/core';
import type { App } from '../../platform/http/app.js';
import { projectScope } from '../projects/scope.js';
import type { ProjectService } from '../projects/service.js';
import type { PullsFeature } from './feature.js';
import type { PullRequest, Review } from './model.js';
import type { CheckRunView, PullRequestDetail } from './reads.js';

/** Titles, bodies and review texts fit well below this; anything bigger is refused with 413. */
const TEXT_BODY_LIMIT = 131_072;
const EMPTY_BODY_LIMIT = 4096;

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

function presentDetail(detail: PullRequestDetail, preview: PullPreview | null) {
  return { ...presentPull(detail), reviews: detail.reviews.map(presentReview), checks: detail.checks, preview };
}

/** A PR's preview, asked of the pipeline (which keeps environments) by app.ts's wiring. */
export interface PullPreview {
  url: string | null;
  status: 'deploying' | 'live' | 'failed' | 'destroyed';
  sha: string | null;
}
export type PreviewLookup = (projectId: string, number: number) => Promise<PullPreview | null>;

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

export function registerPullRoutes(
  app: App,
  pulls: PullRouteServices,
  projects: ProjectService,
  previewOf: PreviewLookup = async () => null,
): void {
  /** Resolves the project and checks the permission in its scope. */
  const scope = projectScope(projects);

  app.post(
    '/api/projects/:project/pulls',
    {
      config: { permission: 'pr.open', projectScoped: true },
      bodyLimit: TEXT_BODY_LIMIT,
      schema: {
        summary:
          'Open a pull request from a pushed branch; it answers at once and its checks run as a job (pending until done)',
        params: projectParamsSchema,
        body: openPullBodySchema,
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
        params: projectParamsSchema,
        querystring: pullListQuerySchema,
        response: { 200: pullListSchema },
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
        params: pullParamsSchema,
        response: { 200: pullDetailSchema },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project, 'project.read');
      const detail = await pulls.reads.detail(project, request.params.number);
      return presentDetail(detail, await previewOf(project.id, detail.number));
    },
  );

  app.get(
    '/api/projects/:project/pulls/:number/checks',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: {
        summary:
          "The check findings of the PR's head sha: `pending` while its checks job runs (or, once closed, of its latest checked sha)",
        params: pullParamsSchema,
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
        params: pullParamsSchema,
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
        params: pullParamsSchema,
        body: editPullBodySchema,
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
        params: pullParamsSchema,
        body: reviewBodySchema,
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
        params: pullParamsSchema,
        body: noFieldsBodySchema,
        response: { 200: mergeResultSchema },
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
        schema: { summary, params: pullParamsSchema, body: noFieldsBodySchema, response: { 200: pullSchema } },
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
