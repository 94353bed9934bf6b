// Roles and permissions: which role a route or git operation needs, checked against a user's role in a project.

export const ROLES = ['viewer', 'product', 'developer', 'maintainer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

/** Permissions routes declare, each with the least role that holds it. */
export const PERMISSIONS = {
  /** Manage users and tokens. */
  'admin.users': 'admin',
  /** See, retry and cancel background jobs. */
  'admin.jobs': 'admin',
  /** Whoever creates a project becomes its maintainer (ProjectService.create). */
  'project.create': 'developer',
  'project.read': 'viewer',
  'project.update': 'maintainer',
  'git.read': 'viewer',
  'git.push': 'developer',
  'git.push-trunk': 'maintainer',
  'pr.open': 'developer',
  'pr.review': 'product',
  'pr.merge': 'developer',
  'pr.close': 'developer',
  'events.read': 'viewer',
  /** Cancel a pipeline run. */
  'pipeline.operate': 'developer',
  /** Add, list and remove a project's notification targets (they hold webhook URLs and secrets). */
  'notifications.manage': 'maintainer',
  /** Set, list and remove a project's environment secrets (their names; values are never shown back). */
  'secrets.manage': 'maintainer',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

/** Approvals from roles below this do not count towards the merge gate. */
export const COUNTED_APPROVER_ROLE: Role = 'developer';

export interface Actor {
  userId: string;
  name: string;
  /** Instance-wide role; a project membership may override it. */
  role: Role;
  memberships: ReadonlyMap<string, Role>;
  /** The token this actor authenticated with, so what it opened (event streams) ends when it is revoked. */
  tokenId?: string;
}

export function roleIn(actor: Actor, projectId: string | null): Role {
  if (actor.role === 'admin' || projectId === null) return actor.role;
  return actor.memberships.get(projectId) ?? actor.role;
}

/** `internal`: every user may read the project. `private`: only its members (and admins). */
export const VISIBILITIES = ['internal', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export function isVisibility(value: string): value is Visibility {
  return (VISIBILITIES as readonly string[]).includes(value);
}

/** Whether the actor may know the project exists at all; every other permission comes after this. */
export function canSee(actor: Actor, project: { id: string; visibility: Visibility }): boolean {
  return actor.role === 'admin' || project.visibility === 'internal' || actor.memberships.has(project.id);
}

export function can(actor: Actor, permission: Permission, projectId: string | null): boolean {
  return roleAtLeast(roleIn(actor, projectId), PERMISSIONS[permission]);
}
