// Hosted git over smart HTTP: authenticates, authorises, runs http-backend and records every accepted push.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { isAncestor, listRefs, ZERO_SHA } from '@trunkflow/git';
import type { Logger } from 'pino';
import { type Actor, can, roleIn } from '../../platform/auth/roles.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { EventWriter } from '../../platform/events/event-log.js';
import { runHttpBackend } from '../../platform/git/http-backend.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { Project, ProjectService } from '../projects/service.js';
import type { GitEvents } from './events.js';
import { PreReceiveHook } from './hook-files.js';
import { decidePush, type OpenPullOnBranch, type RefUpdate, updateLanded } from './push-policy.js';
import type { GitStore } from './store.js';

/** What recording and settling a push write, in one transaction. */
export interface GitTransaction {
  git: GitStore;
  events: EventWriter<GitEvents>;
}

const GIT_PATH = /^([a-z0-9][a-z0-9-]{0,62})\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

const REASON_NOT_APPLIED = 'git accepted the update but did not apply it; the ref does not hold the pushed commit';
const REASON_INTERRUPTED =
  'the server stopped before this push finished and git did not apply the update; the ref does not hold the pushed commit';

export type RefsUpdatedListener = (project: Project, updates: RefUpdate[], pusher: Actor) => Promise<void>;

/** Open PRs whose head is one of `branches`; asked of the pulls feature, whose tables these are. */
export type OpenPullsLookup = (projectId: string, branches: readonly string[]) => Promise<readonly OpenPullOnBranch[]>;

/** Test-only crash points (ServerConfig.faults) of hosted git. */
export const GIT_FAULTS = [
  /** The push-check endpoint answers something that is not a push-check answer: the hook crashes. */
  'git.hook-bad-answer',
  /** kill -9 right after the `push` events commit, before the hook hears back: git applies nothing. */
  'git.after-push-event',
  /** kill -9 after git exited, before the push is settled: the updates landed, unconfirmed. */
  'git.before-settle',
] as const;

interface PushSession {
  actor: Actor;
  project: Project;
  repo: string;
  /** The updates the pre-receive hook accepted and recorded `push` events for. */
  accepted: RefUpdate[];
  /** The pending_pushes row written with those events; null until then. */
  pendingId: string | null;
  /** Whether the hook reached the server at all (a push check or a crash report). */
  hookCalled: boolean;
}

export interface GitHostingOptions {
  /** Reads outside a transaction. */
  store: GitStore;
  uow: UnitOfWork<GitTransaction>;
  /** Where hooks are written (`<dataDir>/hooks`). */
  dataDir: string;
  /** The URL of the push-check endpoint, as the hook on this machine reaches it. */
  hookUrl: () => string;
  onRefsUpdated: RefsUpdatedListener;
  openPullsOnBranches: OpenPullsLookup;
  clock: Clock;
  ids: IdGenerator;
  faults?: readonly string[];
  /** What a fault point does; kill -9 in a server. */
  onFault?: (point: string) => void;
  maxPushBytes?: number;
}

export interface GitReconcileReport {
  /** Interrupted pushes whose updates all landed. */
  pushesLanded: number;
  /** `push.failed` events written for updates an interrupted push never applied. */
  updatesFailed: number;
}

/** A git request that passed authentication and authorisation, ready to run. */
export interface AuthorizedGitRequest {
  project: Project;
  service: string;
  /** Only the receive-pack POST can move refs; it alone gets a push session. */
  movesRefs: boolean;
  actor: Actor;
}

export class GitHostingService {
  private readonly pending = new Map<string, PushSession>();
  readonly hook: PreReceiveHook;
  private readonly hookUrl: () => string;
  private readonly onRefsUpdated: RefsUpdatedListener;
  private readonly openPullsOnBranches: OpenPullsLookup;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly faults: readonly string[];
  private readonly onFault: (point: string) => void;
  private readonly maxPushBytes: number;

  private readonly store: GitStore;
  private readonly uow: UnitOfWork<GitTransaction>;

  constructor(
    private readonly repositories: Repositories,
    private readonly projects: ProjectService,
    private readonly logger: Logger,
    options: GitHostingOptions,
  ) {
    this.store = options.store;
    this.uow = options.uow;
    this.hook = new PreReceiveHook(resolve(options.dataDir, 'hooks'), logger);
    this.hookUrl = options.hookUrl;
    this.onRefsUpdated = options.onRefsUpdated;
    this.openPullsOnBranches = options.openPullsOnBranches;
    this.clock = options.clock;
    this.ids = options.ids;
    this.faults = options.faults ?? [];
    this.onFault =
      options.onFault ??
      (() => {
        process.kill(process.pid, 'SIGKILL');
      });
    this.maxPushBytes = options.maxPushBytes ?? 1024 * 1024 * 1024;
  }

  /** Parses `/git/<project>.git/<service>`; anything else, traversal included, is refused. */
  parsePath(path: string): { project: string; service: string } {
    const match = GIT_PATH.exec(path);
    if (!match) {
      throw new ValidationError(
        `invalid git path "${path}": clone from http://<server>/git/<project>.git (smart HTTP only)`,
      );
    }
    return { project: match[1] as string, service: match[2] as string };
  }

  /** Checks the path, the project and the actor's right to read or push, before any response starts. */
  async authorize(path: string, query: string, actor: Actor): Promise<AuthorizedGitRequest> {
    const { project: name, service } = this.parsePath(path);
    const project = await this.projects.getFor(actor, name).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
      throw new NotFoundError(`no repository ${name}.git: create the project first (trunkflow project create ${name})`);
    });
    const pushing = service === 'git-receive-pack' || new URLSearchParams(query).get('service') === 'git-receive-pack';
    // The ref advertisement (GET info/refs) needs push rights but moves nothing.
    const movesRefs = service === 'git-receive-pack';
    if (!can(actor, pushing ? 'git.push' : 'git.read', project.id)) {
      throw new ForbiddenError(
        `${actor.name} may not ${pushing ? 'push to' : 'read'} ${name}.git: it needs the ${pushing ? 'developer' : 'viewer'} role; ask an admin`,
      );
    }
    return { project, service, movesRefs, actor };
  }

  /** Runs git http-backend for an authorised request, streaming its answer. */
  async serve(
    target: AuthorizedGitRequest,
    request: { method: string; query: string; raw: IncomingMessage; body: Readable | null; reply: ServerResponse },
  ): Promise<number> {
    const { project, service, movesRefs, actor } = target;
    const hookToken = randomBytes(24).toString('hex');
    const repo = this.repositories.pathOf(project.name);
    const push: PushSession | null = movesRefs
      ? { actor, project, repo, accepted: [], pendingId: null, hookCalled: false }
      : null;
    if (push) this.pending.set(hookToken, push);
    try {
      return await runHttpBackend(
        {
          projectRoot: this.repositories.rootDir,
          pathInfo: `/${project.name}.git/${service}`,
          method: request.method,
          query: request.query,
          request: request.raw,
          body: request.body,
          remoteUser: actor.name,
          hookEnv: {
            ...this.hook.env(),
            TRUNKFLOW_HOOK_URL: this.hookUrl(),
            TRUNKFLOW_HOOK_CRASH_URL: new URL('hook-crash', this.hookUrl()).href,
            TRUNKFLOW_HOOK_TOKEN: hookToken,
          },
          hooksPath: this.hook.hooksDir,
          maxBodyBytes: this.maxPushBytes,
        },
        request.reply,
      );
    } finally {
      this.pending.delete(hookToken);
      if (push) {
        if (!push.hookCalled) await this.hookNeverCalled(push);
        this.fault('git.before-settle');
        await this.afterPush(push);
      }
    }
  }

  /**
   * A receive-pack ended and the hook never reached the server: either the hook cannot run (every
   * push fails: an error, with the hook's stderr from a fresh self-test), or git stopped before it
   * (a broken or cut-off pack, the client went away).
   */
  private async hookNeverCalled(push: PushSession): Promise<void> {
    const context = { project: push.project.name, pusher: push.actor.name };
    const { problem, stderr } = await this.hook.probe();
    if (problem !== null) {
      this.logger.error(
        { ...context, problem, stderr },
        'a push ended without the pre-receive hook calling the server: the hook cannot run, so every push is refused',
      );
      return;
    }
    this.logger.warn(
      context,
      'a push ended without the pre-receive hook calling the server; the hook runs, so git stopped before it (a broken or cut-off pack, or the client went away)',
    );
  }

  /** The hook trapped an error of its own: it told the pusher, and the admin finds it here. */
  reportHookCrash(hookToken: string, report: { error: string; stderr: string }): boolean {
    const push = this.pending.get(hookToken);
    if (!push) return false;
    push.hookCalled = true;
    this.logger.error(
      { project: push.project.name, pusher: push.actor.name, hookError: report.error, stderr: report.stderr },
      'the pre-receive hook crashed; the push was refused',
    );
    return true;
  }

  private fault(point: (typeof GIT_FAULTS)[number]): void {
    if (!this.faults.includes(point)) return;
    this.logger.fatal({ point }, 'fault point reached');
    this.onFault(point);
  }

  /**
   * Called by the pre-receive hook before any ref moves: checks each update and, when all are
   * allowed, records one `push` event per ref, so the event exists before git acknowledges the push.
   */
  async checkPush(hookToken: string, updates: RefUpdate[]): Promise<{ ok: boolean; messages: string[] }> {
    const push = this.pending.get(hookToken);
    if (!push) return { ok: false, messages: ['trunkflow: unknown push session; push again'] };
    push.hookCalled = true;
    if (this.faults.includes('git.hook-bad-answer')) {
      // Not the answer's shape on purpose: the test of the hook's crash path needs a server that errs.
      return { garbage: true } as unknown as { ok: boolean; messages: string[] };
    }
    const { actor, project, repo } = push;
    const trunkExists = (await listRefs(repo)).has(`refs/heads/${project.trunk}`);
    const deleted = updates
      .filter((update) => update.newSha === ZERO_SHA && update.ref.startsWith('refs/heads/'))
      .map((update) => update.ref.slice('refs/heads/'.length));
    const decision = decidePush({
      updates,
      trunk: project.trunk,
      project: project.name,
      pusherId: actor.userId,
      openPulls: deleted.length === 0 ? [] : await this.openPullsOnBranches(project.id, deleted),
      trunkExists,
      role: roleIn(actor, project.id),
      allowDirectTrunkPush: project.allowDirectTrunkPush,
    });
    if (!decision.accepted) return { ok: false, messages: decision.messages.map((m) => `trunkflow: ${m}`) };
    const pendingId = this.ids.next();
    // The pending row commits with the `push` events: a crash before the push is settled leaves it
    // for reconcile() to settle at the next start.
    await this.uow.run(async (tx) => {
      await tx.git.insertPending({
        id: pendingId,
        projectId: project.id,
        actor: actor.name,
        updates,
        createdAt: this.clock.now().toISOString(),
      });
      await this.appendUpdates(tx, 'push', project.id, actor.name, updates);
    });
    push.pendingId = pendingId;
    push.accepted = updates;
    this.fault('git.after-push-event');
    return { ok: true, messages: [] };
  }

  /**
   * Run once at start, before serving: settles every push a crash interrupted between its `push`
   * events and its end. An update whose ref holds the pushed commit (or a descendant) landed; any
   * other gets the `push.failed` event the crashed process never wrote. Assumes that no other
   * server process is pushing to these repositories.
   */
  async reconcile(): Promise<GitReconcileReport> {
    const report: GitReconcileReport = { pushesLanded: 0, updatesFailed: 0 };
    for (const row of await this.store.listPending()) {
      const project = await this.projects.byId(row.projectId);
      if (project === null) {
        await this.store.endPending(row.id);
        continue;
      }
      let failed: RefUpdate[];
      try {
        const sorted = await this.sortUpdates(this.repositories.pathOf(project.name), row.updates);
        failed = sorted.failed;
        await this.settle(row.id, project, row.actor, sorted, REASON_INTERRUPTED);
      } catch (error) {
        // One unreadable repository must not keep the server down; the row waits for the next start.
        this.logger.error({ err: error, project: project.name }, 'could not settle an interrupted push');
        continue;
      }
      if (failed.length === 0) report.pushesLanded++;
      report.updatesFailed += failed.length;
      if (failed.length > 0) {
        this.logger.warn(
          { project: project.name, pusher: row.actor, failed: failed.map((update) => update.ref) },
          'a push the last run did not finish never landed: recorded push.failed',
        );
      }
    }
    return report;
  }

  /** Which accepted updates git applied, from where their refs stand now (updateLanded). */
  private async sortUpdates(repo: string, updates: RefUpdate[]): Promise<{ landed: RefUpdate[]; failed: RefUpdate[] }> {
    const refs = await listRefs(repo);
    const landed: RefUpdate[] = [];
    const failed: RefUpdate[] = [];
    for (const update of updates) {
      const current = refs.get(update.ref) ?? ZERO_SHA;
      const applied = await updateLanded(update, current, (a, b) => isAncestor(repo, a, b));
      (applied ? landed : failed).push(update);
    }
    return { landed, failed };
  }

  /**
   * After git exits: an accepted update that did not land (its ref still at the old sha after an
   * atomic push rolled back, or moved by another writer who held the lock) gets a `push.failed`
   * event to undo its `push`. The ones that landed, and only those, go to the listeners: a
   * concurrent merge is not attributed to this pusher. A listener's failure is logged, and
   * reconciled at start.
   */
  private async afterPush(push: PushSession): Promise<void> {
    const { project, repo, accepted, actor, pendingId } = push;
    if (accepted.length === 0 || pendingId === null) return;
    const { landed, failed } = await this.sortUpdates(repo, accepted);
    try {
      await this.settle(pendingId, project, actor.name, { landed, failed }, REASON_NOT_APPLIED);
    } catch (error) {
      this.logger.error(
        { err: error, project: project.name, failed },
        'could not settle a push (push.failed events); it is settled at the next start',
      );
    }
    if (landed.length === 0) return;
    try {
      await this.onRefsUpdated(project, landed, actor);
    } catch (error) {
      this.logger.error({ err: error, project: project.name }, 'processing a push failed; it is retried at start');
    }
  }

  /**
   * The end of a push, in one transaction: its `push.failed` events, a `trunk.updated` when its
   * update of trunk landed, and the end of its pending row. Only the one that deletes the row
   * writes them, so each is written once.
   */
  private settle(
    pendingId: string,
    project: Pick<Project, 'id' | 'trunk'>,
    actor: string,
    sorted: { landed: RefUpdate[]; failed: RefUpdate[] },
    reason: string,
  ) {
    return this.uow.run(async (tx) => {
      if (!(await tx.git.endPending(pendingId))) return;
      await this.appendUpdates(tx, 'push.failed', project.id, actor, sorted.failed, { reason });
      const trunk = sorted.landed.find((update) => update.ref === `refs/heads/${project.trunk}`);
      if (trunk !== undefined) {
        // A direct push carries no pull request: its commits were never merged through one, and a
        // PR whose commits it happens to contain stays open (docs/server.md, Events).
        await tx.events.append({
          type: 'trunk.updated',
          projectId: project.id,
          actor,
          payload: {
            trunk: project.trunk,
            before: trunk.oldSha,
            after: trunk.newSha,
            pullRequests: [],
            source: 'push',
          },
        });
      }
    });
  }

  /** One event per ref update, in the caller's transaction. */
  private async appendUpdates(
    tx: GitTransaction,
    type: 'push' | 'push.failed',
    projectId: string,
    actor: string,
    updates: RefUpdate[],
    extra: { reason?: string } = {},
  ): Promise<void> {
    for (const update of updates) {
      const payload = { ref: update.ref, before: update.oldSha, after: update.newSha, pusher: actor };
      // A push.failed without its reason is refused by the catalog (an empty string included).
      await tx.events.append(
        type === 'push'
          ? { type, projectId, actor, payload }
          : { type, projectId, actor, payload: { ...payload, reason: extra.reason ?? '' } },
      );
    }
  }
}
