// The projects store over Kysely, the same SQL on SQLite and PostgreSQL.
import type { Kysely, Selectable } from 'kysely';
import { isVisibility, type Visibility } from '../../platform/auth/roles.js';
import type { Database, ProjectsTable } from '../../platform/db/schema.js';
import type { Project, ProjectStore } from './store.js';

function asVisibility(value: string): Visibility {
  if (!isVisibility(value)) throw new Error(`unknown project visibility "${value}" in the database`);
  return value;
}

function toProject(row: Selectable<ProjectsTable>): Project {
  return {
    id: row.id,
    name: row.name,
    trunk: row.trunk,
    allowDirectTrunkPush: Number(row.allow_direct_trunk_push) === 1,
    dismissStaleApprovals: Number(row.dismiss_stale_approvals) === 1,
    requiredApprovals: Number(row.required_approvals),
    visibility: asVisibility(row.visibility),
    createdAt: row.created_at,
  };
}

export class SqlProjectStore implements ProjectStore {
  constructor(private readonly db: Kysely<Database>) {}

  async byName(name: string): Promise<Project | null> {
    const row = await this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toProject(row) : null;
  }

  async byId(id: string): Promise<Project | null> {
    const row = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toProject(row) : null;
  }

  async list(): Promise<Project[]> {
    const rows = await this.db.selectFrom('projects').selectAll().orderBy('name').execute();
    return rows.map(toProject);
  }

  async insert(project: Project): Promise<void> {
    await this.db
      .insertInto('projects')
      .values({
        id: project.id,
        name: project.name,
        trunk: project.trunk,
        allow_direct_trunk_push: project.allowDirectTrunkPush ? 1 : 0,
        dismiss_stale_approvals: project.dismissStaleApprovals ? 1 : 0,
        required_approvals: project.requiredApprovals,
        next_pr_number: 1,
        created_at: project.createdAt,
        visibility: project.visibility,
      })
      .execute();
  }

  async takeNumber(projectId: string): Promise<number> {
    const row = await this.db
      .updateTable('projects')
      .set((eb) => ({ next_pr_number: eb('next_pr_number', '+', 1) }))
      .where('id', '=', projectId)
      .returning('next_pr_number')
      .executeTakeFirstOrThrow();
    return Number(row.next_pr_number) - 1;
  }
}
