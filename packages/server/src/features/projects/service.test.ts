// The projects service over in-memory stores and a unit of work that rolls back: no database, real git.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../platform/audit/audit-log.js';
import type { Actor, Role } from '../../platform/auth/roles.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import type { DomainEvent, NewEvent } from '../../platform/events/event-log.js';
import { Repositories } from '../../platform/git/repositories.js';
import type { ProjectEvents } from './events.js';
import { ProjectService, type ProjectsTransaction } from './service.js';
import type { Project, ProjectStore } from './store.js';

class InMemoryProjectStore implements ProjectStore {
  rows = new Map<string, Project & { nextNumber: number }>();

  async byName(name: string) {
    return [...this.rows.values()].find((row) => row.name === name) ?? null;
  }
  async byId(id: string) {
    return this.rows.get(id) ?? null;
  }
  async list() {
    return [...this.rows.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
  async insert(project: Project) {
    if (await this.byName(project.name)) throw Object.assign(new Error('taken'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    this.rows.set(project.id, { ...project, nextNumber: 1 });
  }
  async takeNumber(projectId: string) {
    const row = this.rows.get(projectId);
    if (!row) throw new Error(`no project ${projectId}`);
    row.nextNumber += 1;
    return row.nextNumber - 1;
  }
}

/** A unit of work over plain objects: the work's writes are kept if it returns and undone if it throws. */
class InMemoryUnitOfWork implements UnitOfWork<ProjectsTransaction> {
  readonly memberships = new Map<string, Role>();
  readonly audit: AuditEntry[] = [];
  readonly events: NewEvent<ProjectEvents>[] = [];
  /** The next append of this event type throws, as a lost database connection would. */
  failAppendOf: string | null = null;

  constructor(readonly store: InMemoryProjectStore) {}

  async run<T>(work: (tx: ProjectsTransaction) => Promise<T>): Promise<T> {
    const before = {
      rows: new Map([...this.store.rows].map(([id, row]) => [id, { ...row }])),
      memberships: new Map(this.memberships),
      audit: this.audit.length,
      events: this.events.length,
    };
    try {
      return await work({
        projects: this.store,
        memberships: {
          set: async (projectId, userId, role) => void this.memberships.set(`${projectId}/${userId}`, role),
        },
        audit: { write: async (entry) => void this.audit.push(entry) },
        events: {
          append: async (event) => {
            if (event.type === this.failAppendOf) throw new Error('connection to the database lost');
            this.events.push(event);
            return { ...event, id: this.events.length, createdAt: '2026-01-01T00:00:00.000Z' } as DomainEvent;
          },
        },
      });
    } catch (error) {
      this.store.rows = before.rows;
      this.memberships.clear();
      for (const [key, role] of before.memberships) this.memberships.set(key, role);
      this.audit.length = before.audit;
      this.events.length = before.events;
      throw error;
    }
  }
}

const dana: Actor = { userId: 'u-dana', name: 'dana', role: 'developer', memberships: new Map() };
const admin: Actor = { userId: 'u-admin', name: 'admin', role: 'admin', memberships: new Map() };
const erin: Actor = { userId: 'u-erin', name: 'erin', role: 'developer', memberships: new Map() };

describe('projects service on in-memory stores', () => {
  let dataDir: string;
  let repositories: Repositories;
  let counter = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trunkflow-projects-'));
    repositories = new Repositories(dataDir);
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  function service() {
    const store = new InMemoryProjectStore();
    const uow = new InMemoryUnitOfWork(store);
    const projects = new ProjectService({
      store,
      uow,
      repositories,
      clock: { now: () => new Date('2026-01-01T00:00:00.000Z') },
      ids: { next: () => `p-${++counter}` },
    });
    return { store, uow, projects };
  }

  it('creates the row, the repository, the creator’s membership, the audit entry and the event together', async () => {
    const { store, uow, projects } = service();
    const created = await projects.create(dana, { name: 'shop-a' });
    expect(created).toMatchObject({ name: 'shop-a', trunk: 'main', visibility: 'internal', requiredApprovals: 1 });
    expect(await store.byName('shop-a')).toMatchObject({ id: created.id });
    expect(await repositories.exists('shop-a')).toBe(true);
    expect(uow.memberships.get(`${created.id}/u-dana`)).toBe('maintainer');
    expect(uow.audit).toEqual([
      expect.objectContaining({ actor: 'u-dana', action: 'project.created', target: 'shop-a' }),
    ]);
    expect(uow.events).toEqual([
      {
        type: 'project.created',
        projectId: created.id,
        actor: 'dana',
        payload: { name: 'shop-a', trunk: 'main', visibility: 'internal' },
      },
    ]);
    // A project takes PR numbers 1, 2, … from its own counter.
    expect([await store.takeNumber(created.id), await store.takeNumber(created.id)]).toEqual([1, 2]);
  });

  it('gives an admin creator no membership: an admin needs none', async () => {
    const { uow, projects } = service();
    const created = await projects.create(admin, { name: 'shop-b' });
    expect(uow.memberships.size).toBe(0);
    expect(uow.events.map((event) => event.projectId)).toEqual([created.id]);
  });

  it('leaves nothing behind when the event cannot be written: no row, no membership, no repository', async () => {
    const { store, uow, projects } = service();
    uow.failAppendOf = 'project.created';
    await expect(projects.create(dana, { name: 'shop-c' })).rejects.toThrow('connection to the database lost');
    expect(store.rows.size).toBe(0);
    expect(uow.memberships.size).toBe(0);
    expect(uow.audit).toEqual([]);
    expect(await repositories.exists('shop-c')).toBe(false);
    // The name is free again.
    uow.failAppendOf = null;
    expect((await projects.create(dana, { name: 'shop-c' })).name).toBe('shop-c');
  });

  it('refuses a name that is taken, keeping the first project’s repository', async () => {
    const { store, projects } = service();
    await projects.create(dana, { name: 'shop-d' });
    const again = projects.create(erin, { name: 'shop-d' });
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    await expect(again).rejects.toThrow('project "shop-d" already exists: pick another name');
    expect(store.rows.size).toBe(1);
    expect(await repositories.exists('shop-d')).toBe(true);
  });

  it('hides a private project from a user who is not a member, exactly as a missing one', async () => {
    const { projects } = service();
    const hidden = await projects.create(admin, { name: 'shop-e', visibility: 'private' });
    await projects.create(admin, { name: 'shop-f' });
    expect((await projects.list(erin)).map((project) => project.name)).toEqual(['shop-f']);
    await expect(projects.getFor(erin, 'shop-e')).rejects.toBeInstanceOf(NotFoundError);
    await expect(projects.getFor(erin, 'shop-e')).rejects.toThrow('no project named "shop-e"');
    const member: Actor = { ...erin, memberships: new Map([[hidden.id, 'developer']]) };
    expect((await projects.getFor(member, 'shop-e')).id).toBe(hidden.id);
    expect(await projects.visibleIds(admin)).toBeNull();
  });
});
