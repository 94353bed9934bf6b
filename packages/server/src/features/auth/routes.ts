// HTTP routes for users, tokens and memberships (admin only), and for the caller's own identity.
import {
  createTokenBodySchema,
  createUserBodySchema,
  membershipBodySchema,
  membershipParamsSchema,
  membershipSchema,
  meSchema,
  tokenListSchema,
  tokenParamsSchema,
  tokenSchema,
  updateUserBodySchema,
  userListSchema,
  userNameParamsSchema,
  userSchema,
  userWithTokenSchema,
} from '@trunkflow/api';
import { type App, requireActor } from '../../platform/http/app.js';
import type { ProjectService } from '../projects/service.js';
import type { AuthService } from './service.js';

export function registerAuthRoutes(app: App, auth: AuthService, projects: ProjectService): void {
  app.post(
    '/api/admin/users',
    {
      config: { permission: 'admin.users' },
      bodyLimit: 4096,
      schema: {
        summary: 'Create a user and its first API token (shown once); the e-mail defaults to <name>@trunkflow.local',
        body: createUserBodySchema,
        response: { 201: userWithTokenSchema },
      },
    },
    async (request, reply) => {
      const { name, role, email } = request.body;
      const created = await auth.createUser(requireActor(request), name, role, email);
      return reply.status(201).send(created);
    },
  );

  app.patch(
    '/api/admin/users/:name',
    {
      config: { permission: 'admin.users' },
      bodyLimit: 4096,
      schema: {
        summary: "Change a user's e-mail (used for the squash commit's author and Co-authored-by trailers)",
        params: userNameParamsSchema,
        body: updateUserBodySchema,
        response: { 200: userSchema },
      },
    },
    async (request) => auth.updateUser(requireActor(request), request.params.name, request.body),
  );

  app.get(
    '/api/admin/users',
    {
      config: { permission: 'admin.users' },
      schema: { response: { 200: userListSchema } },
    },
    async () => ({ users: await auth.listUsers() }),
  );

  app.post(
    '/api/admin/users/:name/tokens',
    {
      config: { permission: 'admin.users' },
      bodyLimit: 4096,
      schema: {
        summary: 'Create another API token for a user (shown once)',
        params: userNameParamsSchema,
        body: createTokenBodySchema,
        response: { 201: userWithTokenSchema },
      },
    },
    async (request, reply) => {
      const created = await auth.createToken(requireActor(request), request.params.name, request.body.label);
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/admin/users/:name/tokens',
    {
      config: { permission: 'admin.users' },
      schema: {
        summary: "List a user's tokens (never their secrets)",
        params: userNameParamsSchema,
        response: { 200: tokenListSchema },
      },
    },
    async (request) => ({ tokens: await auth.listTokens(request.params.name) }),
  );

  app.delete(
    '/api/admin/tokens/:id',
    {
      config: { permission: 'admin.users' },
      schema: {
        summary: 'Revoke a token: it stops working at once',
        params: tokenParamsSchema,
        response: { 200: tokenSchema },
      },
    },
    async (request) => auth.revokeToken(requireActor(request), request.params.id),
  );

  app.put(
    '/api/projects/:project/members/:user',
    {
      config: { permission: 'admin.users' },
      bodyLimit: 4096,
      schema: {
        summary: "Set a user's role in one project",
        params: membershipParamsSchema,
        body: membershipBodySchema,
        response: { 200: membershipSchema },
      },
    },
    async (request) => {
      const project = await projects.get(request.params.project);
      await auth.setMembership(requireActor(request), project.id, request.params.user, request.body.role);
      return { project: project.name, user: request.params.user, role: request.body.role };
    },
  );

  app.get(
    '/api/me',
    {
      config: { permission: 'events.read' },
      schema: { response: { 200: meSchema } },
    },
    async (request) => {
      const actor = requireActor(request);
      return { id: actor.userId, name: actor.name, role: actor.role };
    },
  );
}
