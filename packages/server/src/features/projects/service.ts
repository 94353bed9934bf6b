// Projects: a name, a trunk and a hosted bare repository, created together or not at all.
import { checkRefFormat } from '@trunkflow/core';
import type { AuditWriter } from '../../platform/audit/audit-log.js';
import {
  type Actor,
  canSee,
  isVisibility,
  type Role,
  VISIBILITIES,
  type Visibility,
} from '../../platform/auth/roles.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { EventWriter } from '../../platform/events/event-log.js';
import { type Repositories, validateProjectName } from '../../platform/git/repositories.js';
import type { ProjectEvents } from './events.js';
import type { Project, ProjectStore } from './store.js';

export type { Project } from './store.js';

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

function notFound(name: string): NotFoundError {
  return new NotFoundError(`no project named "${name}": list them with \`trunkflow project list\``);
}

/** What project changes write, in one transaction. */
export interface ProjectsTransaction {
  projects: ProjectStore;
  /** The creator's membership, kept by the auth feature. */
  memberships: { set(projectId: string, userId: string, role: Role): Promise<void> };
  audit: AuditWriter;
  events: EventWriter<ProjectEvents>;
}

export interface ProjectsDependencies {
  /** Reads outside a transaction. */
  store: ProjectStore;
  uow: UnitOfWork<ProjectsTransaction>;
  repositories: Repositories;
  clock: Clock;
  ids: IdGenerator;
}

export class ProjectService {
  private readonly store: ProjectStore;

  constructor(private readonly deps: ProjectsDependencies) {
    this.store = deps.store;
  }

  async create(actor: Actor, input: NewProject): Promise<Project> {
    validateProjectName(input.name);
    const trunk = input.trunk ?? 'main';
    const refProblem = checkRefFormat(trunk);
    if (refProblem !== null) throw new ValidationError(`trunk "${trunk}" ${refProblem}`);
    const { repositories } = this.deps;
    if ((await this.store.byName(input.name)) || (await repositories.exists(input.name))) {
      throw new ConflictError(`project "${input.name}" already exists: pick another name`);
    }
    const project: Project = {
      id: this.deps.ids.next(),
      name: input.name,
      trunk,
      allowDirectTrunkPush: input.allowDirectTrunkPush ?? false,
      dismissStaleApprovals: input.dismissStaleApprovals ?? true,
      requiredApprovals: input.requiredApprovals ?? 1,
      visibility: parseVisibility(input.visibility ?? DEFAULT_VISIBILITY),
      createdAt: this.deps.clock.now().toISOString(),
    };
    await repositories.create(input.name, trunk);
    try {
      await this.deps.uow.run(async (tx) => {
        await tx.projects.insert(project);
        // The creator maintains the project: they can make the first push that creates trunk, and
        // they are a member of it when it is private. An admin needs no membership for either.
        const creatorJoins = actor.role !== 'admin';
        if (creatorJoins) await tx.memberships.set(project.id, actor.userId, 'maintainer');
        await tx.audit.write({
          actor: actor.userId,
          action: 'project.created',
          target: input.name,
          details: { trunk, visibility: project.visibility, ...(creatorJoins ? { maintainer: actor.name } : {}) },
        });
        await tx.events.append({
          type: 'project.created',
          projectId: project.id,
          actor: actor.name,
          payload: { name: input.name, trunk, visibility: project.visibility },
        });
      });
    } catch (error) {
      // Losing a race to a create of the same name: the repository is the winner's, so keep it.
      if (isUniqueViolation(error))
        throw new ConflictError(`project "${input.name}" already exists: pick another name`);
      // The row is the source of truth: without it the repository must not linger.
      await repositories.remove(input.name);
      throw error;
    }
    return project;
  }

  /** The projects this actor may see: internal ones, and private ones it is a member of. */
  async list(actor: Actor): Promise<Project[]> {
    return (await this.store.list()).filter((project) => canSee(actor, project));
  }

  /** Any project, for server-side work; requests go through getFor. */
  async get(name: string): Promise<Project> {
    const project = await this.store.byName(name);
    if (!project) throw notFound(name);
    return project;
  }

  /** Any project by id, or null: for jobs, which carry ids. */
  async byId(id: string): Promise<Project | null> {
    return this.store.byId(id);
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
