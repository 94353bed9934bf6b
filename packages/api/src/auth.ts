// Users, tokens, memberships and the caller's own identity.
import * as z from 'zod';

/** Roles, least to most. The server's own list is held to this one by a test. */
export const ROLES = ['viewer', 'product', 'developer', 'maintainer', 'admin'] as const;
export type RoleName = (typeof ROLES)[number];

export const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
});
export type User = z.output<typeof userSchema>;

/** A user with a freshly created API token: the only answer that carries a token's secret. */
export const userWithTokenSchema = z.object({ user: userSchema, token: z.string() });
export type UserWithToken = z.output<typeof userWithTokenSchema>;

export const userListSchema = z.object({ users: z.array(userSchema) });

/** The service refuses what git cannot write in a commit header; this checks it is an address at all. */
const emailSchema = z.email({ message: 'not an e-mail address: give one such as alice@example.com' }).max(254);

export const userNameParamsSchema = z.object({ name: z.string() });

export const createUserBodySchema = z.strictObject({
  name: z.string(),
  role: z.enum(ROLES).default('developer'),
  email: emailSchema.optional(),
});
export type NewUser = z.input<typeof createUserBodySchema>;

export const updateUserBodySchema = z.strictObject({ email: emailSchema });
export type UserEdit = z.input<typeof updateUserBodySchema>;

export const createTokenBodySchema = z
  .strictObject({ label: z.string().max(100).default('cli') })
  .default({ label: 'cli' });

/** A token as listed: never its secret. */
export const tokenSchema = z.object({
  id: z.string(),
  label: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type Token = z.output<typeof tokenSchema>;

export const tokenListSchema = z.object({ tokens: z.array(tokenSchema) });

export const tokenParamsSchema = z.object({ id: z.string() });

export const membershipParamsSchema = z.object({ project: z.string(), user: z.string() });
export const membershipBodySchema = z.strictObject({ role: z.enum(ROLES) });
export const membershipSchema = z.object({ project: z.string(), user: z.string(), role: z.enum(ROLES) });
export type Membership = z.output<typeof membershipSchema>;

export const meSchema = z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES) });
export type Me = z.output<typeof meSchema>;
