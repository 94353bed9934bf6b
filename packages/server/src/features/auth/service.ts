// Users, tokens and memberships: authentication of bearer and basic credentials, and the first admin.
import type { AuditWriter } from '../../platform/audit/audit-log.js';
import { type Actor, isRole, ROLES, type Role } from '../../platform/auth/roles.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import { ConfigError } from '../../platform/config.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import { ConflictError, NotFoundError, UnauthenticatedError, ValidationError } from '../../platform/errors.js';
import { type AuthStore, defaultEmail, type TokenInfo, type User } from './store.js';
import { generateToken, hashToken } from './tokens.js';

/** last_used_at is refreshed at most this often, so reads do not turn into a write each. */
const LAST_USED_GRANULARITY_MS = 60_000;

export type { TokenInfo, User } from './store.js';
export { defaultEmail } from './store.js';

/**
 * Git writes the address between "<" and ">" on one line of the commit header, so those and
 * control characters must not be in it; the route's zod schema checks the address format.
 */
export function validateEmail(email: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (email.length > 254 || /[<>\s\u0000-\u001f\u007f]/.test(email) || !/^[^@]+@[^@]+$/.test(email)) {
    throw new ValidationError(
      `e-mail "${email}" is not valid: give one address such as alice@example.com (no spaces or angle brackets)`,
    );
  }
}

/** Labels of the admin's bootstrap tokens: the one printed at first start, and TRUNKFLOW_ADMIN_TOKEN's. */
const FIRST_START_LABEL = 'first start';
const SEEDED_LABEL = 'TRUNKFLOW_ADMIN_TOKEN';

const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,38}$/;

export function validateUserName(name: string): void {
  if (!USER_NAME.test(name)) {
    throw new ValidationError(
      `user name "${name}" is not valid: use 1 to 39 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
}

export function parseRole(role: string): Role {
  if (!isRole(role)) throw new ValidationError(`unknown role "${role}": use one of ${ROLES.join(', ')}`);
  return role;
}

/** What auth changes write, in one transaction. */
export interface AuthTransaction {
  auth: AuthStore;
  audit: AuditWriter;
}

export interface AuthDependencies {
  /** Reads outside a transaction. */
  store: AuthStore;
  uow: UnitOfWork<AuthTransaction>;
  clock: Clock;
  ids: IdGenerator;
}

function noSuchUser(name: string): NotFoundError {
  return new NotFoundError(`no user named "${name}": list users with \`trunkflow admin user list\``);
}

export class AuthService {
  /** Told, in this process, of each token revoked here: open event streams of that token end at once. */
  private readonly revocationListeners = new Set<(tokenId: string) => void>();
  private readonly store: AuthStore;
  private readonly clock: Clock;

  constructor(private readonly deps: AuthDependencies) {
    this.store = deps.store;
    this.clock = deps.clock;
  }

  /**
   * On a database with no users, creates `admin` with the given token (or a fresh one).
   * Returns the token when one was created, so the caller can show it once.
   */
  async ensureFirstAdmin(seedToken: string | undefined): Promise<{ created: boolean; token: string | null }> {
    if (await this.store.hasUsers()) {
      if (seedToken !== undefined) await this.ensureAdminToken(seedToken);
      return { created: false, token: null };
    }
    const token = seedToken ?? generateToken();
    await this.deps.uow.run(async (tx) => {
      const user = await this.insertUser(tx.auth, 'admin', 'admin');
      await this.insertToken(tx.auth, user.id, token, seedToken === undefined ? FIRST_START_LABEL : SEEDED_LABEL);
      await tx.audit.write({ actor: null, action: 'user.created', target: 'admin', details: { role: 'admin' } });
    });
    return { created: true, token };
  }

  /**
   * TRUNKFLOW_ADMIN_TOKEN names the admin's bootstrap token. The same value again is a no-op; a new
   * value replaces it: the bootstrap token seeded before (or printed at first start) is revoked,
   * so an operator who rotates the variable knows the old value is dead. Tokens made with
   * `admin token create` are left alone. A value that was revoked stays revoked: it may have leaked.
   */
  private async ensureAdminToken(token: string): Promise<void> {
    const found = await this.store.tokenByHash(hashToken(token));
    if (found?.revokedAt) {
      throw new ConfigError(
        `TRUNKFLOW_ADMIN_TOKEN: this token was revoked (${found.revokedAt}) and is not brought back: set a new value of at least 16 characters`,
      );
    }
    if (found) return;
    const admin = await this.store.firstAdmin();
    if (!admin) return;
    await this.deps.uow.run(async (tx) => {
      const previous = (await tx.auth.tokensOf(admin.id)).filter(
        (known) => (known.label === SEEDED_LABEL || known.label === FIRST_START_LABEL) && known.revokedAt === null,
      );
      for (const { id } of previous) {
        await tx.auth.revokeToken(id, this.clock.now().toISOString());
        await tx.audit.write({
          actor: null,
          action: 'token.revoked',
          target: admin.id,
          details: { tokenId: id, reason: 'TRUNKFLOW_ADMIN_TOKEN changed' },
        });
      }
      await this.insertToken(tx.auth, admin.id, token, SEEDED_LABEL);
      await tx.audit.write({ actor: null, action: 'token.seeded', target: admin.id, details: {} });
    });
  }

  async createUser(
    actor: Actor | null,
    name: string,
    role: Role,
    email?: string,
  ): Promise<{ user: User; token: string }> {
    validateUserName(name);
    if (email !== undefined) validateEmail(email);
    const token = generateToken();
    return this.deps.uow.run(async (tx) => {
      if (await tx.auth.userByName(name)) {
        throw new ConflictError(`user "${name}" already exists: pick another name or create a token for it`);
      }
      const user = await this.insertUser(tx.auth, name, role, email);
      await this.insertToken(tx.auth, user.id, token, 'created with user');
      await tx.audit.write({
        actor: actor?.userId ?? null,
        action: 'user.created',
        target: name,
        details: { role, email: user.email },
      });
      return { user, token };
    });
  }

  /** Changes a user's e-mail; later squash commits use it, earlier ones keep what they had. */
  async updateUser(actor: Actor, name: string, changes: { email: string }): Promise<User> {
    validateEmail(changes.email);
    return this.deps.uow.run(async (tx) => {
      const user = await tx.auth.userByName(name);
      if (!user) throw noSuchUser(name);
      await tx.auth.setEmail(user.id, changes.email);
      await tx.audit.write({
        actor: actor.userId,
        action: 'user.updated',
        target: name,
        details: { email: changes.email },
      });
      return { ...user, email: changes.email };
    });
  }

  async listUsers(): Promise<User[]> {
    return this.store.listUsers();
  }

  async createToken(actor: Actor, userName: string, label: string): Promise<{ token: string; user: User }> {
    const user = await this.store.userByName(userName);
    if (!user) throw noSuchUser(userName);
    const token = generateToken();
    await this.deps.uow.run(async (tx) => {
      await this.insertToken(tx.auth, user.id, token, label);
      await tx.audit.write({ actor: actor.userId, action: 'token.created', target: userName, details: { label } });
    });
    return { token, user };
  }

  async listTokens(userName: string): Promise<TokenInfo[]> {
    const user = await this.store.userByName(userName);
    if (!user) throw noSuchUser(userName);
    return this.store.tokensOf(user.id);
  }

  /** Calls `listener` with the id of each token revoked through this service; returns the unsubscribe. */
  onTokenRevoked(listener: (tokenId: string) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  /** Whether a token still authenticates; streams re-check this, for revocations on another replica. */
  async isTokenActive(tokenId: string): Promise<boolean> {
    const token = await this.store.tokenById(tokenId);
    return token !== null && token.revokedAt === null;
  }

  /** Revokes a token at once; revoking twice is a no-op that still answers the token. */
  async revokeToken(actor: Actor, tokenId: string): Promise<TokenInfo> {
    const info = await this.deps.uow.run(async (tx) => {
      const token = await tx.auth.tokenById(tokenId);
      if (!token)
        throw new NotFoundError(`no token with id "${tokenId}": list them with \`trunkflow admin token list <user>\``);
      const { userId, ...info } = token;
      if (token.revokedAt !== null) return info;
      const revokedAt = this.clock.now().toISOString();
      await tx.auth.revokeToken(tokenId, revokedAt);
      await tx.audit.write({ actor: actor.userId, action: 'token.revoked', target: userId, details: { tokenId } });
      return { ...info, revokedAt };
    });
    // After the commit, so a stream that re-checks the token sees it revoked.
    for (const listener of this.revocationListeners) listener(info.id);
    return info;
  }

  async setMembership(actor: Actor, projectId: string, userName: string, role: Role): Promise<void> {
    const user = await this.store.userByName(userName);
    if (!user) throw new NotFoundError(`no user named "${userName}"`);
    await this.deps.uow.run(async (tx) => {
      await tx.auth.setMembership(projectId, user.id, role);
      await tx.audit.write({
        actor: actor.userId,
        action: 'membership.set',
        target: `${projectId}/${userName}`,
        details: { role },
      });
    });
  }

  /** Resolves a token to its user and memberships; unknown or revoked tokens are refused. */
  async authenticate(token: string): Promise<Actor> {
    const credential = await this.store.credential(hashToken(token));
    if (!credential || credential.revokedAt !== null) throw new UnauthenticatedError();
    const now = this.clock.now();
    const { lastUsedAt } = credential;
    if (lastUsedAt === null || now.getTime() - Date.parse(lastUsedAt) > LAST_USED_GRANULARITY_MS) {
      await this.store.touchToken(credential.tokenId, now.toISOString());
    }
    return {
      userId: credential.user.id,
      name: credential.user.name,
      role: credential.user.role,
      memberships: await this.store.membershipsOf(credential.user.id),
      tokenId: credential.tokenId,
    };
  }

  async userById(id: string): Promise<User | null> {
    return this.store.userById(id);
  }

  /** The users of these ids, by id: how other features show names without reading auth's tables. */
  async usersByIds(ids: readonly string[]): Promise<Map<string, User>> {
    return new Map((await this.store.usersByIds(ids)).map((user) => [user.id, user]));
  }

  private async insertUser(store: AuthStore, name: string, role: Role, email?: string): Promise<User> {
    const user: User = {
      id: this.deps.ids.next(),
      name,
      email: email ?? defaultEmail(name),
      role,
      createdAt: this.clock.now().toISOString(),
    };
    await store.insertUser(user);
    return user;
  }

  private async insertToken(store: AuthStore, userId: string, token: string, label: string): Promise<void> {
    await store.insertToken({
      id: this.deps.ids.next(),
      userId,
      hash: hashToken(token),
      label,
      createdAt: this.clock.now().toISOString(),
    });
  }
}
