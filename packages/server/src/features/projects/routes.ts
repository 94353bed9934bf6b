// HTTP routes for projects.
import { createProjectBodySchema, projectListSchema, projectParamsSchema, projectSchema } from '@trunkflow/api';
import { type App, requireActor } from '../../platform/http/app.js';
import type { Project, ProjectService } from './service.js';

export function registerProjectRoutes(app: App, projects: ProjectService, gitUrlOf: (name: string) => string): void {
  const present = (project: Project) => ({ ...project, gitUrl: gitUrlOf(project.name) });

  app.post(
    '/api/projects',
    {
      config: { permission: 'project.create' },
      bodyLimit: 16_384,
      schema: {
        summary: 'Create a project with a hosted git repository',
        body: createProjectBodySchema,
        response: { 201: projectSchema },
      },
    },
    async (request, reply) => {
      const project = await projects.create(requireActor(request), request.body);
      return reply.status(201).send(present(project));
    },
  );

  app.get(
    '/api/projects',
    {
      config: { permission: 'project.read' },
      schema: {
        summary: 'List the projects you may see',
        response: { 200: projectListSchema },
      },
    },
    async (request) => ({ projects: (await projects.list(requireActor(request))).map(present) }),
  );

  app.get(
    '/api/projects/:project',
    {
      config: { permission: 'project.read' },
      schema: { params: projectParamsSchema, response: { 200: projectSchema } },
    },
    async (request) => present(await projects.getFor(requireActor(request), request.params.project)),
  );
}
