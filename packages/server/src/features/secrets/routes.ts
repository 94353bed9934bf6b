// HTTP routes for an environment's secrets: set (PUT, the value in the body), list names, remove; maintainers only.
import {
  environmentSecretListSchema,
  environmentSecretParamsSchema,
  environmentSecretSchema,
  environmentSecretsParamsSchema,
  setEnvironmentSecretBodySchema,
} from '@trunkflow/api';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/app.js';
import { projectScope } from '../projects/scope.js';
import type { ProjectService } from '../projects/service.js';
import type { EnvironmentSecretService } from './service.js';

/**
 * A value is at most 16 KiB (the service says so, with how to fix it); JSON escaping may make its
 * body up to six times longer. Above this the answer is 413.
 */
const SECRET_BODY_LIMIT = 131_072;

export function registerSecretRoutes(
  app: App,
  secrets: EnvironmentSecretService,
  projects: Pick<ProjectService, 'getFor'>,
): void {
  /** A private project the actor may not see answers 404 first; then the permission in its scope. */
  const scoped = projectScope(projects);
  const scope = (request: FastifyRequest, projectName: string) => scoped(request, projectName, 'secrets.manage');

  app.put(
    '/api/projects/:project/environments/:environment/secrets/:name',
    {
      config: { permission: 'secrets.manage', projectScoped: true },
      bodyLimit: SECRET_BODY_LIMIT,
      schema: {
        summary:
          "Set an environment's secret (201 when new, 200 when replaced); its commands get it as an environment variable, and it is never shown back",
        params: environmentSecretParamsSchema,
        body: setEnvironmentSecretBodySchema,
        response: { 200: environmentSecretSchema, 201: environmentSecretSchema },
      },
    },
    async (request, reply) => {
      const { actor, project } = await scope(request, request.params.project);
      const { environment, name } = request.params;
      const set = await secrets.set(actor, project, environment, name, request.body.value);
      return reply.status(set.created ? 201 : 200).send(set.secret);
    },
  );

  app.get(
    '/api/projects/:project/environments/:environment/secrets',
    {
      config: { permission: 'secrets.manage', projectScoped: true },
      schema: {
        summary: "List an environment's secrets: names, when and by whom each was set last (never a value)",
        params: environmentSecretsParamsSchema,
        response: { 200: environmentSecretListSchema },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project);
      return { secrets: await secrets.list(project, request.params.environment) };
    },
  );

  app.delete(
    '/api/projects/:project/environments/:environment/secrets/:name',
    {
      config: { permission: 'secrets.manage', projectScoped: true },
      schema: {
        summary: "Remove an environment's secret; runs started after this do not get it",
        params: environmentSecretParamsSchema,
        response: { 200: environmentSecretSchema },
      },
    },
    async (request) => {
      const { actor, project } = await scope(request, request.params.project);
      const { environment, name } = request.params;
      return secrets.remove(actor, project, environment, name);
    },
  );
}
