// Users, tokens and memberships: authentication of bearer and basic credentials, and the first admin.
import type { Kysely } from 'kysely';
import { type Actor, isRole, ROLES, type Role } from '../../platform/auth/roles.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import { ConfigError } from '../../platform/config.js';
import type { Database } from '../../platform/db/schema.js';
import { ConflictError, NotFoundError, UnauthenticatedError, ValidationError } from '../../platform/errors.js';
import type { AuditLog } from './audit.js';
import { generateToken, hashToken } from './tokens.js';

export interface TokenInfo {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** last_used_at is refreshed at most this often, so reads do not turn into a write each. */
const LAST_USED_GRANULARITY_MS = 60_000;

export interface User {
  id: string;
  name: string;
  /** The address commits credit this user under (the squash author, Co-authored-by trailers). */
  email: string;
  role: Role;
  createdAt: string;
}

/**
 * The e-mail a user gets when none is given: `<name>@trunkflow.local`. `.local` never routes
 * mail on the internet, so it cannot be mistaken for (or claim) a real person's address.
 */
export function defaultEmail(name: string): string {
  return `${name}@trunkflow.local`;
}

type UserRow = { id: string; name: string; email: string | null; role: string; created_at: string };

function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email ?? defaultEmail(row.name),
    role: parseRole(row.role),
    createdAt: row.created_at,
  };
}

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

export class AuthService {
  /** Told, in this process, of each token revoked here: open event streams of that token end at once. */
  private readonly revocationListeners = new Set<(tokenId: string) => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly audit: AuditLog,
  ) {}

  /**
   * On a database with no users, creates `admin` with the given token (or a fresh one).
   * Returns the token when one was created, so the caller can show it once.
   */
  async ensureFirstAdmin(seedToken: string | undefined): Promise<{ created: boolean; token: string | null }> {
    const existing = await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (existing) {
      if (seedToken !== undefined) await this.ensureAdminToken(seedToken);
      return { created: false, token: null };
    }
    const token = seedToken ?? generateToken();
    await this.db.transaction().execute(async (trx) => {
      const user = await this.insertUser(trx, 'admin', 'admin');
      await this.insertToken(trx, user.id, token, seedToken === undefined ? FIRST_START_LABEL : SEEDED_LABEL);
      await this.audit.write(trx, { actor: null, action: 'user.created', target: 'admin', details: { role: 'admin' } });
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
    const hash = hashToken(token);
    const found = await this.db
      .selectFrom('tokens')
      .select(['id', 'revoked_at'])
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (found?.revoked_at) {
      throw new ConfigError(
        `TRUNKFLOW_ADMIN_TOKEN: this token was revoked (${found.revoked_at}) and is not brought back: set a new value of at least 16 characters`,
      );
    }
    if (found) return;
    const admin = await this.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .orderBy('created_at')
      .executeTakeFirst();
    if (!admin) return;
    await this.db.transaction().execute(async (trx) => {
      const previous = await trx
        .selectFrom('tokens')
        .select('id')
        .where('user_id', '=', admin.id)
        .where('label', 'in', [SEEDED_LABEL, FIRST_START_LABEL])
        .where('revoked_at', 'is', null)
        .execute();
      for (const { id } of previous) {
        await trx
          .updateTable('tokens')
          .set({ revoked_at: this.clock.now().toISOString() })
          .where('id', '=', id)
          .execute();
        await this.audit.write(trx, {
          actor: null,
          action: 'token.revoked',
          target: admin.id,
          details: { tokenId: id, reason: 'TRUNKFLOW_ADMIN_TOKEN changed' },
        });
      }
      await this.insertToken(trx, admin.id, token, SEEDED_LABEL);
      await this.audit.write(trx, { actor: null, action: 'token.seeded', target: admin.id, details: {} });
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
    return this.db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
      if (taken) throw new ConflictError(`user "${name}" already exists: pick another name or create a token for it`);
      const user = await this.insertUser(trx, name, role, email);
      await this.insertToken(trx, user.id, token, 'created with user');
      await this.audit.write(trx, {
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
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row) throw new NotFoundError(`no user named "${name}": list users with \`trunkflow admin user list\``);
      await trx.updateTable('users').set({ email: changes.email }).where('id', '=', row.id).execute();
      await this.audit.write(trx, {
        actor: actor.userId,
        action: 'user.updated',
        target: name,
        details: { email: changes.email },
      });
      return toUser({ ...row, email: changes.email });
    });
  }

  async listUsers(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('name').execute();
    return rows.map(toUser);
  }

  async createToken(actor: Actor, userName: string, label: string): Promise<{ token: string; user: User }> {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', userName).executeTakeFirst();
    if (!row) throw new NotFoundError(`no user named "${userName}": list users with \`trunkflow admin user list\``);
    const token = generateToken();
    await this.db.transaction().execute(async (trx) => {
      await this.insertToken(trx, row.id, token, label);
      await this.audit.write(trx, {
        actor: actor.userId,
        action: 'token.created',
        target: userName,
        details: { label },
      });
    });
    return { token, user: toUser(row) };
  }

  async listTokens(userName: string): Promise<TokenInfo[]> {
    const user = await this.db.selectFrom('users').select('id').where('name', '=', userName).executeTakeFirst();
    if (!user) throw new NotFoundError(`no user named "${userName}": list users with \`trunkflow admin user list\``);
    const rows = await this.db
      .selectFrom('tokens')
      .select(['id', 'label', 'created_at', 'last_used_at', 'revoked_at'])
      .where('user_id', '=', user.id)
      .orderBy('created_at')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      label: row.label,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      revokedAt: row.revoked_at,
    }));
  }

  /** Calls `listener` with the id of each token revoked through this service; returns the unsubscribe. */
  onTokenRevoked(listener: (tokenId: string) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  /** Whether a token still authenticates; streams re-check this, for revocations on another replica. */
  async isTokenActive(tokenId: string): Promise<boolean> {
    const row = await this.db.selectFrom('tokens').select('revoked_at').where('id', '=', tokenId).executeTakeFirst();
    return row !== undefined && row.revoked_at === null;
  }

  /** Revokes a token at once; revoking twice is a no-op that still answers the token. */
  async revokeToken(actor: Actor, tokenId: string): Promise<TokenInfo> {
    const info = await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('tokens').selectAll().where('id', '=', tokenId).executeTakeFirst();
      if (!row)
        throw new NotFoundError(`no token with id "${tokenId}": list them with \`trunkflow admin token list <user>\``);
      const revokedAt = row.revoked_at ?? this.clock.now().toISOString();
      if (row.revoked_at === null) {
        await trx.updateTable('tokens').set({ revoked_at: revokedAt }).where('id', '=', tokenId).execute();
        await this.audit.write(trx, {
          actor: actor.userId,
          action: 'token.revoked',
          target: row.user_id,
          details: { tokenId },
        });
      }
      return { id: row.id, label: row.label, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt };
    });
    // After the commit, so a stream that re-checks the token sees it revoked.
    for (const listener of this.revocationListeners) listener(info.id);
    return info;
  }

  async setMembership(actor: Actor, projectId: string, userName: string, role: Role): Promise<void> {
    const user = await this.db.selectFrom('users').select('id').where('name', '=', userName).executeTakeFirst();
    if (!user) throw new NotFoundError(`no user named "${userName}"`);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('memberships').where('project_id', '=', projectId).where('user_id', '=', user.id).execute();
      await trx.insertInto('memberships').values({ project_id: projectId, user_id: user.id, role }).execute();
      await this.audit.write(trx, {
        actor: actor.userId,
        action: 'membership.set',
        target: `${projectId}/${userName}`,
        details: { role },
      });
    });
  }

  /** Resolves a token to its user and memberships; unknown or revoked tokens are refused. */
  async authenticate(token: string): Promise<Actor> {
    const row = await this.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .select([
        'tokens.id as tokenId',
        'users.id as userId',
        'users.name',
        'users.role',
        'tokens.revoked_at',
        'tokens.last_used_at',
      ])
      .where('tokens.token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) throw new UnauthenticatedError();
    const now = this.clock.now();
    if (row.last_used_at === null || now.getTime() - Date.parse(row.last_used_at) > LAST_USED_GRANULARITY_MS) {
      await this.db
        .updateTable('tokens')
        .set({ last_used_at: now.toISOString() })
        .where('id', '=', row.tokenId)
        .execute();
    }
    const memberships = await this.db
      .selectFrom('memberships')
      .select(['project_id', 'role'])
      .where('user_id', '=', row.userId)
      .execute();
    return {
      userId: row.userId,
      name: row.name,
      role: parseRole(row.role),
      memberships: new Map(memberships.map((m) => [m.project_id, parseRole(m.role)])),
      tokenId: row.tokenId,
    };
  }

  async userById(id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  private async insertUser(trx: Kysely<Database>, name: string, role: Role, email?: string): Promise<User> {
    const user: User = {
      id: this.ids.next(),
      name,
      email: email ?? defaultEmail(name),
      role,
      createdAt: this.clock.now().toISOString(),
    };
    await trx
      .insertInto('users')
      .values({ id: user.id, name, email: user.email, role, created_at: user.createdAt })
      .execute();
    return user;
  }

  private async insertToken(trx: Kysely<Database>, userId: string, token: string, label: string): Promise<void> {
    await trx
      .insertInto('tokens')
      .values({
        id: this.ids.next(),
        user_id: userId,
        token_hash: hashToken(token),
        label,
        created_at: this.clock.now().toISOString(),
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
  }
}
