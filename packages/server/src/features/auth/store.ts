// The auth store: users, their tokens (as hashes) and project memberships, with no business rules.
import type { Role } from '../../platform/auth/roles.js';

/**
 * The e-mail a user gets when none is given: `<name>@trunkflow.local`. `.local` never routes
 * mail on the internet, so it cannot be mistaken for (or claim) a real person's address.
 */
export function defaultEmail(name: string): string {
  return `${name}@trunkflow.local`;
}

export interface User {
  id: string;
  name: string;
  /** The address commits credit this user under (the squash author, Co-authored-by trailers). */
  email: string;
  role: Role;
  createdAt: string;
}

export interface TokenInfo {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface StoredToken extends TokenInfo {
  userId: string;
}

export interface NewToken {
  id: string;
  userId: string;
  hash: string;
  label: string;
  createdAt: string;
}

/** A token resolved to its user, for authentication. */
export interface Credential {
  tokenId: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  user: User;
}

export interface AuthStore {
  hasUsers(): Promise<boolean>;
  userByName(name: string): Promise<User | null>;
  userById(id: string): Promise<User | null>;
  /** The users of these ids that exist, in no particular order. */
  usersByIds(ids: readonly string[]): Promise<User[]>;
  /** Every user, by name. */
  listUsers(): Promise<User[]>;
  /** The oldest admin, or null. */
  firstAdmin(): Promise<User | null>;
  insertUser(user: User): Promise<void>;
  setEmail(userId: string, email: string): Promise<void>;

  tokenById(id: string): Promise<StoredToken | null>;
  tokenByHash(hash: string): Promise<StoredToken | null>;
  /** A user's tokens, oldest first. */
  tokensOf(userId: string): Promise<TokenInfo[]>;
  insertToken(token: NewToken): Promise<void>;
  revokeToken(id: string, at: string): Promise<void>;
  touchToken(id: string, at: string): Promise<void>;
  credential(hash: string): Promise<Credential | null>;

  /** Sets (or replaces) the user's role in the project. */
  setMembership(projectId: string, userId: string, role: Role): Promise<void>;
  /** The user's role per project where a membership overrides the instance role. */
  membershipsOf(userId: string): Promise<Map<string, Role>>;
  /** Each user's effective role in the project, as roleIn decides it: admin, else the membership's, else the instance role. */
  rolesIn(projectId: string, userIds: readonly string[]): Promise<Map<string, Role>>;
}
