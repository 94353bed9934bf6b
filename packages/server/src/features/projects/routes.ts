// HTTP routes for projects.
import { z } from 'zod';
import { VISIBILITIES } from '../../platform/auth/roles.js';
import { type App, requireActor } from '../../platform/http/app.js';
import { DEFAULT_VISIBILITY, type Project, type ProjectService } from './service.js';

const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  trunk: z.string(),
  allowDirectTrunkPush: z.boolean(),
  dismissStaleApprovals: z.boolean(),
  requiredApprovals: z.number(),
  visibility: z.enum(VISIBILITIES),
  createdAt: z.string(),
  gitUrl: z.string(),
});

export function registerProjectRoutes(app: App, projects: ProjectService, gitUrlOf: (name: string) => string): void {
  const present = (project: Project) => ({ ...project, gitUrl: gitUrlOf(project.name) });

  app.post(
    '/api/projects',
    {
      config: { permission: 'project.create' },
      bodyLimit: 16_384,
      schema: {
        summary: 'Create a project with a hosted git repository',
        body: z.strictObject({
          name: z.string(),
          trunk: z.string().optional(),
          allowDirectTrunkPush: z.boolean().optional(),
          dismissStaleApprovals: z.boolean().optional(),
          requiredApprovals: z.number().int().min(0).max(10).optional(),
          visibility: z
            .enum(VISIBILITIES)
            .optional()
            .describe(
              `internal: every user reads it; private: members and admins only (default ${DEFAULT_VISIBILITY})`,
            ),
        }),
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
        response: { 200: z.object({ projects: z.array(projectSchema) }) },
      },
    },
    async (request) => ({ projects: (await projects.list(requireActor(request))).map(present) }),
  );

  app.get(
    '/api/projects/:project',
    {
      config: { permission: 'project.read' },
      schema: { params: z.object({ project: z.string() }), response: { 200: projectSchema } },
    },
    async (request) => present(await projects.getFor(requireActor(request), request.params.project)),
  );
}
