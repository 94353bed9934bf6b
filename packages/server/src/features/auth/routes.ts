// HTTP routes for users, tokens and memberships (admin only), and for the caller's own identity.
import { z } from 'zod';
import { ROLES } from '../../platform/auth/roles.js';
import { type App, requireActor } from '../../platform/http/app.js';
import type { ProjectService } from '../projects/service.js';
import type { AuthService } from './service.js';

const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
});

/** The service refuses what git cannot write in a commit header; this checks it is an address at all. */
const emailSchema = z.email({ message: 'not an e-mail address: give one such as alice@example.com' }).max(254);

export function registerAuthRoutes(app: App, auth: AuthService, projects: ProjectService): void {
  app.post(
    '/api/admin/users',
    {
      config: { permission: 'admin.users' },
      bodyLimit: 4096,
      schema: {
        summary: 'Create a user and its first API token (shown once); the e-mail defaults to <name>@trunkflow.local',
        body: z.strictObject({
          name: z.string(),
          role: z.enum(ROLES).default('developer'),
          email: emailSchema.optional(),
        }),
        response: { 201: z.object({ user: userSchema, token: z.string() }) },
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
        params: z.object({ name: z.string() }),
        body: z.strictObject({ email: emailSchema }),
        response: { 200: userSchema },
      },
    },
    async (request) => auth.updateUser(requireActor(request), request.params.name, request.body),
  );

  app.get(
    '/api/admin/users',
    {
      config: { permission: 'admin.users' },
      schema: { response: { 200: z.object({ users: z.array(userSchema) }) } },
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
        params: z.object({ name: z.string() }),
        body: z.strictObject({ label: z.string().max(100).default('cli') }).default({ label: 'cli' }),
        response: { 201: z.object({ user: userSchema, token: z.string() }) },
      },
    },
    async (request, reply) => {
      const created = await auth.createToken(requireActor(request), request.params.name, request.body.label);
      return reply.status(201).send(created);
    },
  );

  const tokenSchema = z.object({
    id: z.string(),
    label: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  });

  app.get(
    '/api/admin/users/:name/tokens',
    {
      config: { permission: 'admin.users' },
      schema: {
        summary: "List a user's tokens (never their secrets)",
        params: z.object({ name: z.string() }),
        response: { 200: z.object({ tokens: z.array(tokenSchema) }) },
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
        params: z.object({ id: z.string() }),
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
        params: z.object({ project: z.string(), user: z.string() }),
        body: z.strictObject({ role: z.enum(ROLES) }),
        response: { 200: z.object({ project: z.string(), user: z.string(), role: z.enum(ROLES) }) },
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
      schema: { response: { 200: z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES) }) } },
    },
    async (request) => {
      const actor = requireActor(request);
      return { id: actor.userId, name: actor.name, role: actor.role };
    },
  );
}
