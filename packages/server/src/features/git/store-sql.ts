// The hosted git store over Kysely, the same SQL on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.js';
import type { RefUpdate } from './push-policy.js';
import type { GitStore, PendingPush } from './store.js';

export class SqlGitStore implements GitStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insertPending(push: PendingPush): Promise<void> {
    await this.db
      .insertInto('pending_pushes')
      .values({
        id: push.id,
        project_id: push.projectId,
        actor: push.actor,
        updates: JSON.stringify(push.updates),
        created_at: push.createdAt,
      })
      .execute();
  }

  async listPending(): Promise<PendingPush[]> {
    const rows = await this.db.selectFrom('pending_pushes').selectAll().orderBy('created_at').execute();
    return rows.map((row) => ({
      id: row.id,
      projectId: row.project_id,
      actor: row.actor,
      updates: JSON.parse(row.updates) as RefUpdate[],
      createdAt: row.created_at,
    }));
  }

  async endPending(id: string): Promise<boolean> {
    const ended = await this.db.deleteFrom('pending_pushes').where('id', '=', id).executeTakeFirst();
    return Number(ended.numDeletedRows) > 0;
  }
}
