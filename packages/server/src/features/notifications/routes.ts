// HTTP routes for a project's notification targets: add (its secret shown once), list, remove; maintainers only.
import {
  addedNotificationTargetSchema,
  addNotificationTargetBodySchema,
  notificationTargetListSchema,
  notificationTargetParamsSchema,
  notificationTargetSchema,
  projectParamsSchema,
} from '@trunkflow/api';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/app.js';
import { projectScope } from '../projects/scope.js';
import type { ProjectService } from '../projects/service.js';
import type { NotificationService, NotificationTarget } from './service.js';

/** A target is a kind, a URL, a secret and a few event names: well under this. */
const TARGET_BODY_LIMIT = 16_384;

function presentTarget(target: NotificationTarget) {
  return {
    name: target.name,
    kind: target.kind,
    url: target.urlHint,
    events: target.events,
    createdAt: target.createdAt,
    createdBy: target.createdBy,
    lastDelivery: target.lastDelivery,
  };
}

export function registerNotificationRoutes(
  app: App,
  notifications: NotificationService,
  projects: Pick<ProjectService, 'getFor'>,
): void {
  /** A private project the actor may not see answers 404 first; then the permission in its scope. */
  const scoped = projectScope(projects);
  const scope = (request: FastifyRequest, projectName: string) => scoped(request, projectName, 'notifications.manage');

  app.post(
    '/api/projects/:project/notifications',
    {
      config: { permission: 'notifications.manage', projectScoped: true },
      bodyLimit: TARGET_BODY_LIMIT,
      schema: {
        summary: "Add a notification target; a webhook's signing secret is in this answer only",
        params: projectParamsSchema,
        body: addNotificationTargetBodySchema,
        response: { 201: addedNotificationTargetSchema },
      },
    },
    async (request, reply) => {
      const { actor, project } = await scope(request, request.params.project);
      const { kind, url, name, secret, events } = request.body;
      const added = await notifications.add(actor, project, {
        kind,
        url,
        ...(name === undefined ? {} : { name }),
        ...(secret === undefined ? {} : { secret }),
        ...(events === undefined ? {} : { events }),
      });
      return reply.status(201).send({ target: presentTarget(added.target), secret: added.secret });
    },
  );

  app.get(
    '/api/projects/:project/notifications',
    {
      config: { permission: 'notifications.manage', projectScoped: true },
      schema: {
        summary: 'List the notification targets, with how each last delivery went (never their secrets)',
        params: projectParamsSchema,
        response: { 200: notificationTargetListSchema },
      },
    },
    async (request) => {
      const { project } = await scope(request, request.params.project);
      return { targets: (await notifications.list(project)).map(presentTarget) };
    },
  );

  app.delete(
    '/api/projects/:project/notifications/:name',
    {
      config: { permission: 'notifications.manage', projectScoped: true },
      schema: {
        summary: 'Remove a notification target; deliveries already queued for it are dropped',
        params: notificationTargetParamsSchema,
        response: { 200: notificationTargetSchema },
      },
    },
    async (request) => {
      const { actor, project } = await scope(request, request.params.project);
      return presentTarget(await notifications.remove(actor, project, request.params.name));
    },
  );
}
