// The project a project-scoped route names, as the caller may see it, with the permission checked in its scope.
import type { FastifyRequest } from 'fastify';
import type { Actor, Permission } from '../../platform/auth/roles.js';
import { requireActor, requirePermission } from '../../platform/http/app.js';
import type { Project, ProjectService } from './service.js';

export type ProjectScope = (
  request: FastifyRequest,
  projectName: string,
  permission: Permission,
) => Promise<{ actor: Actor; project: Project }>;

/** A private project the caller cannot see answers 404, exactly as a missing one. */
export function projectScope(projects: Pick<ProjectService, 'getFor'>): ProjectScope {
  return async (request, projectName, permission) => {
    const actor = requireActor(request);
    const project = await projects.getFor(actor, projectName);
    requirePermission(actor, permission, project.id);
    return { actor, project };
  };
}
