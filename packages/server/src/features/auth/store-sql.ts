// The auth store over Kysely, the same SQL on SQLite and PostgreSQL.
import type { Kysely, Selectable } from 'kysely';
import { isRole, type Role } from '../../platform/auth/roles.js';
import type { Database, TokensTable, UsersTable } from '../../platform/db/schema.js';
import {
  type AuthStore,
  type Credential,
  defaultEmail,
  type NewToken,
  type StoredToken,
  type TokenInfo,
  type User,
} from './store.js';

function asRole(value: string): Role {
  if (!isRole(value)) throw new Error(`unknown role "${value}" in the database`);
  return value;
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email ?? defaultEmail(row.name),
    role: asRole(row.role),
    createdAt: row.created_at,
  };
}

function toToken(row: Selectable<TokensTable>): StoredToken {
  return {
    id: row.id,
    userId: row.user_id,
    label: row.label,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export class SqlAuthStore implements AuthStore {
  constructor(private readonly db: Kysely<Database>) {}

  async hasUsers(): Promise<boolean> {
    return (await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  async userByName(name: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async userById(id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async usersByIds(ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return rows.map(toUser);
  }

  async listUsers(): Promise<User[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('name').execute()).map(toUser);
  }

  async firstAdmin(): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('role', '=', 'admin')
      .orderBy('created_at')
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async insertUser(user: User): Promise<void> {
    await this.db
      .insertInto('users')
      .values({ id: user.id, name: user.name, email: user.email, role: user.role, created_at: user.createdAt })
      .execute();
  }

  async setEmail(userId: string, email: string): Promise<void> {
    await this.db.updateTable('users').set({ email }).where('id', '=', userId).execute();
  }

  async tokenById(id: string): Promise<StoredToken | null> {
    const row = await this.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toToken(row) : null;
  }

  async tokenByHash(hash: string): Promise<StoredToken | null> {
    const row = await this.db.selectFrom('tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    return row ? toToken(row) : null;
  }

  async tokensOf(userId: string): Promise<TokenInfo[]> {
    const rows = await this.db
      .selectFrom('tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map((row) => {
      const { userId: _user, ...info } = toToken(row);
      return info;
    });
  }

  async insertToken(token: NewToken): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({
        id: token.id,
        user_id: token.userId,
        token_hash: token.hash,
        label: token.label,
        created_at: token.createdAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
  }

  async revokeToken(id: string, at: string): Promise<void> {
    await this.db.updateTable('tokens').set({ revoked_at: at }).where('id', '=', id).execute();
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.db.updateTable('tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async credential(hash: string): Promise<Credential | null> {
    const row = await this.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .selectAll('users')
      .select(['tokens.id as token_id', 'tokens.revoked_at', 'tokens.last_used_at'])
      .where('tokens.token_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return null;
    const { token_id, revoked_at, last_used_at, ...user } = row;
    return { tokenId: token_id, revokedAt: revoked_at, lastUsedAt: last_used_at, user: toUser(user) };
  }

  async setMembership(projectId: string, userId: string, role: Role): Promise<void> {
    await this.db.deleteFrom('memberships').where('project_id', '=', projectId).where('user_id', '=', userId).execute();
    await this.db.insertInto('memberships').values({ project_id: projectId, user_id: userId, role }).execute();
  }

  async membershipsOf(userId: string): Promise<Map<string, Role>> {
    const rows = await this.db
      .selectFrom('memberships')
      .select(['project_id', 'role'])
      .where('user_id', '=', userId)
      .execute();
    return new Map(rows.map((row) => [row.project_id, asRole(row.role)]));
  }

  async rolesIn(projectId: string, userIds: readonly string[]): Promise<Map<string, Role>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('users')
      .leftJoin('memberships', (join) =>
        join.onRef('memberships.user_id', '=', 'users.id').on('memberships.project_id', '=', projectId),
      )
      .select(['users.id', 'users.role as user_role', 'memberships.role as project_role'])
      .where('users.id', 'in', [...new Set(userIds)])
      .execute();
    // As roleIn: an admin is an admin everywhere, whatever a membership says.
    return new Map(
      rows.map((row) => [row.id, asRole(row.user_role === 'admin' ? 'admin' : (row.project_role ?? row.user_role))]),
    );
  }
}
