// Projects: a name, a trunk and a hosted bare repository, created together or not at all.
import { checkRefFormat } from '@trunkflow/core';
import type { Kysely } from 'kysely';
import { type Actor, canSee, isVisibility, VISIBILITIES, type Visibility } from '../../platform/auth/roles.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import type { Database, ProjectsTable } from '../../platform/db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { EventAppender } from '../../platform/events/event-log.js';
import { type Repositories, validateProjectName } from '../../platform/git/repositories.js';
import type { AuditLog } from '../auth/audit.js';
import type { ProjectEvents } from './events.js';

export interface Project {
  id: string;
  name: string;
  trunk: string;
  allowDirectTrunkPush: boolean;
  dismissStaleApprovals: boolean;
  requiredApprovals: number;
  visibility: Visibility;
  createdAt: string;
}

export interface NewProject {
  name: string;
  trunk?: string;
  allowDirectTrunkPush?: boolean;
  dismissStaleApprovals?: boolean;
  requiredApprovals?: number;
  visibility?: Visibility;
}

/**
 * `internal` unless asked: every user of the instance reads and clones it, which is how the
 * README's walkthrough works with users who hold only an instance-wide role.
 */
export const DEFAULT_VISIBILITY: Visibility = 'internal';

function parseVisibility(value: string): Visibility {
  if (!isVisibility(value)) {
    throw new ValidationError(`unknown project visibility "${value}": use one of ${VISIBILITIES.join(', ')}`);
  }
  return value;
}

export function toProject(row: ProjectsTable): Project {
  return {
    id: row.id,
    name: row.name,
    trunk: row.trunk,
    allowDirectTrunkPush: row.allow_direct_trunk_push === 1,
    dismissStaleApprovals: row.dismiss_stale_approvals === 1,
    requiredApprovals: row.required_approvals,
    visibility: parseVisibility(row.visibility),
    createdAt: row.created_at,
  };
}

function notFound(name: string): NotFoundError {
  return new NotFoundError(`no project named "${name}": list them with \`trunkflow project list\``);
}

export class ProjectService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly repositories: Repositories,
    private readonly events: EventAppender<ProjectEvents>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async create(actor: Actor, input: NewProject): Promise<Project> {
    validateProjectName(input.name);
    const trunk = input.trunk ?? 'main';
    const refProblem = checkRefFormat(trunk);
    if (refProblem !== null) throw new ValidationError(`trunk "${trunk}" ${refProblem}`);
    const existing = await this.db
      .selectFrom('projects')
      .select('id')
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (existing || (await this.repositories.exists(input.name))) {
      throw new ConflictError(`project "${input.name}" already exists: pick another name`);
    }
    const row: ProjectsTable = {
      id: this.ids.next(),
      name: input.name,
      trunk,
      allow_direct_trunk_push: input.allowDirectTrunkPush ? 1 : 0,
      dismiss_stale_approvals: input.dismissStaleApprovals === false ? 0 : 1,
      required_approvals: input.requiredApprovals ?? 1,
      next_pr_number: 1,
      created_at: this.clock.now().toISOString(),
      visibility: parseVisibility(input.visibility ?? DEFAULT_VISIBILITY),
    };
    await this.repositories.create(input.name, trunk);
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('projects').values(row).execute();
        // The creator maintains the project: they can make the first push that creates trunk, and
        // they are a member of it when it is private. An admin needs no membership for either.
        const creatorJoins = actor.role !== 'admin';
        if (creatorJoins) {
          await trx
            .insertInto('memberships')
            .values({ project_id: row.id, user_id: actor.userId, role: 'maintainer' })
            .execute();
        }
        await this.audit.write(trx, {
          actor: actor.userId,
          action: 'project.created',
          target: input.name,
          details: { trunk, visibility: row.visibility, ...(creatorJoins ? { maintainer: actor.name } : {}) },
        });
        await this.events.append(trx, {
          type: 'project.created',
          projectId: row.id,
          actor: actor.name,
          payload: { name: input.name, trunk, visibility: parseVisibility(row.visibility) },
        });
      });
    } catch (error) {
      // Losing a race to a create of the same name: the repository is the winner's, so keep it.
      if (isUniqueViolation(error))
        throw new ConflictError(`project "${input.name}" already exists: pick another name`);
      // The row is the source of truth: without it the repository must not linger.
      await this.repositories.remove(input.name);
      throw error;
    }
    return toProject(row);
  }

  /** The projects this actor may see: internal ones, and private ones it is a member of. */
  async list(actor: Actor): Promise<Project[]> {
    const rows = await this.db.selectFrom('projects').selectAll().orderBy('name').execute();
    return rows.map(toProject).filter((project) => canSee(actor, project));
  }

  /** Any project, for server-side work; requests go through getFor. */
  async get(name: string): Promise<Project> {
    const row = await this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(name);
    return toProject(row);
  }

  /**
   * A project as this actor may see it. A private project of which it is not a member answers
   * exactly as a missing one (404), so names of private projects do not leak.
   */
  async getFor(actor: Actor, name: string): Promise<Project> {
    const project = await this.get(name);
    if (!canSee(actor, project)) throw notFound(name);
    return project;
  }

  /** Ids of the projects the actor may see right now; null when it sees every project (admins). */
  async visibleIds(actor: Actor): Promise<Set<string> | null> {
    if (actor.role === 'admin') return null;
    return new Set((await this.list(actor)).map((project) => project.id));
  }
}
