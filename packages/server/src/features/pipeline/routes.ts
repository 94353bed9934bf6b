// Pipeline routes: runs with their steps and output, cancel, and what each environment serves now.
import {
  deployBodySchema,
  environmentActionParamsSchema,
  environmentListSchema,
  projectParamsSchema,
  type Release,
  type Run,
  releaseListSchema,
  runActionBodySchema,
  runListQuerySchema,
  runListSchema,
  runOutputQuerySchema,
  runOutputSchema,
  runParamsSchema,
  runSchema,
} from '@trunkflow/api';
import { NotFoundError } from '../../platform/errors.js';
import type { App } from '../../platform/http/app.js';
import { projectScope } from '../projects/scope.js';
import type { Project, ProjectService } from '../projects/service.js';
import type { PipelineCommands } from './commands.js';
import type { PipelineEngine } from './engine.js';
import type { EnvironmentRecord, PipelineRun, ReleaseRecord } from './model.js';
import type { RunRetries } from './retry.js';
import type { PipelineStore } from './store.js';

const EMPTY_BODY_LIMIT = 4096;

export function presentRun(run: PipelineRun): Run {
  return {
    id: run.id,
    environment: run.environment,
    name: run.envKey,
    pr: run.prNumber,
    sha: run.sha,
    version: run.version,
    kind: run.kind,
    status: run.state.status,
    trigger: run.trigger,
    actor: run.actor,
    reason: run.state.reason,
    steps: run.state.steps.map((step) => ({ ...step })),
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

export function presentEnvironment(environment: EnvironmentRecord) {
  return {
    name: environment.envKey,
    kind: environment.kind,
    url: environment.url,
    status: environment.status,
    sha: environment.sha,
    version: environment.version,
  };
}

export function presentRelease(release: ReleaseRecord): Release {
  return {
    tag: release.tag,
    sha: release.sha,
    status: release.status,
    prs: release.prs,
    authors: release.authors,
    incident: release.incidentId,
    createdAt: release.createdAt,
    updatedAt: release.updatedAt,
  };
}

export function registerPipelineRoutes(
  app: App,
  pipeline: { store: PipelineStore; engine: PipelineEngine; commands: PipelineCommands; retries: RunRetries },
  projects: ProjectService,
): void {
  const scope = projectScope(projects);
  const runOf = async (project: Project, id: string): Promise<PipelineRun> => {
    const run = await pipeline.store.run(id);
    if (!run || run.projectId !== project.id) {
      throw new NotFoundError(
        `no run ${id} in ${project.name}: list them with \`trunkflow runs list --project ${project.name}\``,
      );
    }
    return run;
  };

  app.get(
    '/api/projects/:project/runs',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: {
        summary: 'List pipeline runs, newest first',
        params: projectParamsSchema,
        querystring: runListQuerySchema,
        response: { 200: runListSchema },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project, 'project.read');
      return { runs: (await pipeline.store.listRuns(project.id, request.query.limit)).map(presentRun) };
    },
  );

  app.get(
    '/api/projects/:project/runs/:id',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: { summary: 'One pipeline run with its steps', params: runParamsSchema, response: { 200: runSchema } },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project, 'project.read');
      return presentRun(await runOf(project, request.params.id));
    },
  );

  app.get(
    '/api/projects/:project/runs/:id/output',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: {
        summary: 'A run’s output lines (stdout, stderr and what Trunkflow did), oldest first, from `after`',
        params: runParamsSchema,
        querystring: runOutputQuerySchema,
        response: { 200: runOutputSchema },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project, 'project.read');
      const run = await runOf(project, request.params.id);
      const lines = await pipeline.store.output(run.id, request.query.after, request.query.limit);
      return { lines, next: lines.at(-1)?.id ?? request.query.after, status: run.state.status };
    },
  );

  app.post(
    '/api/projects/:project/runs/:id/cancel',
    {
      config: { permission: 'pipeline.operate', projectScoped: true },
      bodyLimit: EMPTY_BODY_LIMIT,
      schema: {
        summary: 'Cancel a queued or running run; a step already running finishes and its result is dropped',
        params: runParamsSchema,
        body: runActionBodySchema,
        response: { 200: runSchema },
      },
    },
    async (request) => {
      const { actor, project } = await scope(request, request.params.project, 'pipeline.operate');
      return presentRun(await pipeline.engine.cancel(await runOf(project, request.params.id), actor.name));
    },
  );

  app.post(
    '/api/projects/:project/runs/:id/retry',
    {
      config: { permission: 'pipeline.operate', projectScoped: true },
      bodyLimit: EMPTY_BODY_LIMIT,
      schema: {
        summary:
          'Run a failed or canceled run again: a new run (trigger `retry`) of the same environment, sha and PR; answers the queued run',
        params: runParamsSchema,
        body: runActionBodySchema,
        response: { 201: runSchema },
      },
    },
    async (request, reply) => {
      const { actor, project } = await scope(request, request.params.project, 'pipeline.operate');
      const run = await pipeline.retries.retry(project, actor, await runOf(project, request.params.id));
      return reply.status(201).send(presentRun(run));
    },
  );

  app.get(
    '/api/projects/:project/environments',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: {
        summary: 'What each environment (previews, staging, production) serves now',
        params: projectParamsSchema,
        response: { 200: environmentListSchema },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project, 'project.read');
      return { environments: (await pipeline.store.environments(project.id)).map(presentEnvironment) };
    },
  );

  app.get(
    '/api/projects/:project/releases',
    {
      config: { permission: 'project.read', projectScoped: true },
      schema: {
        summary: 'The version tags the pipeline made, newest first, with how each production window went',
        params: projectParamsSchema,
        querystring: runListQuerySchema,
        response: { 200: releaseListSchema },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project, 'project.read');
      return { releases: (await pipeline.store.releases(project.id, request.query.limit)).map(presentRelease) };
    },
  );

  app.post(
    '/api/projects/:project/environments/:environment/deploy',
    {
      config: { permission: 'pipeline.operate', projectScoped: true },
      bodyLimit: EMPTY_BODY_LIMIT,
      schema: {
        summary: 'Deploy a ref (default: trunk) to staging or production by hand; answers the queued run',
        params: environmentActionParamsSchema,
        body: deployBodySchema,
        response: { 201: runSchema },
      },
    },
    async (request, reply) => {
      const { actor, project } = await scope(request, request.params.project, 'pipeline.operate');
      const run = await pipeline.commands.deploy(project, actor, request.params.environment, request.body?.ref);
      return reply.status(201).send(presentRun(run));
    },
  );

  app.post(
    '/api/projects/:project/environments/:environment/rollback',
    {
      config: { permission: 'pipeline.operate', projectScoped: true },
      bodyLimit: EMPTY_BODY_LIMIT,
      schema: {
        summary:
          'Roll back to the build kept from before the current release (no install, no build); answers the queued run',
        params: environmentActionParamsSchema,
        body: runActionBodySchema,
        response: { 201: runSchema },
      },
    },
    async (request, reply) => {
      const { actor, project } = await scope(request, request.params.project, 'pipeline.operate');
      return reply
        .status(201)
        .send(presentRun(await pipeline.commands.rollback(project, actor, request.params.environment)));
    },
  );

  for (const action of ['promote', 'abort'] as const) {
    app.post(
      `/api/projects/:project/environments/:environment/${action}`,
      {
        config: { permission: 'pipeline.operate', projectScoped: true },
        bodyLimit: EMPTY_BODY_LIMIT,
        schema: {
          summary:
            action === 'promote'
              ? 'Pass the open monitoring window now (a held, inconclusive one included)'
              : 'Fail the open monitoring window now, so the release is rolled back',
          params: environmentActionParamsSchema,
          body: runActionBodySchema,
          response: { 200: runSchema },
        },
      },
      async (request) => {
        const { actor, project } = await scope(request, request.params.project, 'pipeline.operate');
        return presentRun(await pipeline.commands.decide(project, actor, request.params.environment, action));
      },
    );
  }
}
