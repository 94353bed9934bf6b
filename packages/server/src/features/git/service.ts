// Hosted git over smart HTTP: authenticates, authorises, runs http-backend and records every accepted push.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isAncestor, runGit } from '@trunkflow/git';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/schema.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { EventLog } from '../../platform/events/event-log.js';
import { runHttpBackend } from '../../platform/git/http-backend.js';
import type { Repositories } from '../../platform/git/repositories.js';
import { type Actor, can, roleIn } from '../auth/roles.js';
import type { Project, ProjectService } from '../projects/service.js';
import { PRE_RECEIVE_HOOK_SOURCE } from './pre-receive-hook.js';
import { decidePush, type RefUpdate, updateLanded, ZERO_SHA } from './push-policy.js';

const GIT_PATH = /^([a-z0-9][a-z0-9-]{0,62})\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export type RefsUpdatedListener = (project: Project, updates: RefUpdate[], pusher: Actor) => Promise<void>;

interface PendingPush {
  actor: Actor;
  project: Project;
  repo: string;
  /** The updates the pre-receive hook accepted and recorded `push` events for. */
  accepted: RefUpdate[];
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
  private readonly pending = new Map<string, PendingPush>();
  private readonly hooksDir: string;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly repositories: Repositories,
    private readonly projects: ProjectService,
    private readonly events: EventLog,
    private readonly logger: Logger,
    dataDir: string,
    private readonly hookUrl: () => string,
    private readonly onRefsUpdated: RefsUpdatedListener,
    private readonly maxPushBytes = 1024 * 1024 * 1024,
  ) {
    this.hooksDir = join(dataDir, 'hooks');
  }

  /** Writes the shared pre-receive hook; git finds it through core.hooksPath. */
  async installHooks(): Promise<void> {
    await mkdir(this.hooksDir, { recursive: true });
    const script = `#!${process.execPath}\n${PRE_RECEIVE_HOOK_SOURCE}`;
    const path = join(this.hooksDir, 'pre-receive');
    await writeFile(path, script);
    await chmod(path, 0o755);
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
    const push: PendingPush | null = movesRefs ? { actor, project, repo, accepted: [] } : null;
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
          hookEnv: { TRUNKFLOW_HOOK_URL: this.hookUrl(), TRUNKFLOW_HOOK_TOKEN: hookToken },
          hooksPath: this.hooksDir,
          maxBodyBytes: this.maxPushBytes,
        },
        request.reply,
      );
    } finally {
      this.pending.delete(hookToken);
      if (push) await this.afterPush(push);
    }
  }

  /**
   * Called by the pre-receive hook before any ref moves: checks each update and, when all are
   * allowed, records one `push` event per ref, so the event exists before git acknowledges the push.
   */
  async checkPush(hookToken: string, updates: RefUpdate[]): Promise<{ ok: boolean; messages: string[] }> {
    const push = this.pending.get(hookToken);
    if (!push) return { ok: false, messages: ['trunkflow: unknown push session; push again'] };
    const { actor, project, repo } = push;
    const trunkExists = (await this.refs(repo)).has(`refs/heads/${project.trunk}`);
    const decision = decidePush({
      updates,
      trunk: project.trunk,
      trunkExists,
      role: roleIn(actor, project.id),
      allowDirectTrunkPush: project.allowDirectTrunkPush,
    });
    if (!decision.accepted) return { ok: false, messages: decision.messages.map((m) => `trunkflow: ${m}`) };
    await this.recordUpdates('push', push, updates);
    push.accepted = updates;
    return { ok: true, messages: [] };
  }

  private async refs(repo: string): Promise<Map<string, string>> {
    const out = await runGit(['for-each-ref', '--format=%(objectname) %(refname)'], { cwd: repo });
    const refs = new Map<string, string>();
    for (const line of out.split('\n')) {
      const space = line.indexOf(' ');
      if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
    }
    return refs;
  }

  /**
   * After git exits: an accepted update that did not land (its ref still at the old sha after an
   * atomic push rolled back, or moved by another writer who held the lock) gets a `push.failed`
   * event to undo its `push`. The ones that landed, and only those, go to the listeners: a
   * concurrent merge is not attributed to this pusher. A listener's failure is logged, and
   * reconciled at start.
   */
  private async afterPush(push: PendingPush): Promise<void> {
    const { project, repo, accepted, actor } = push;
    if (accepted.length === 0) return;
    const refs = await this.refs(repo);
    const landed: RefUpdate[] = [];
    const failed: RefUpdate[] = [];
    for (const update of accepted) {
      const current = refs.get(update.ref) ?? ZERO_SHA;
      const applied = await updateLanded(update, current, (a, b) => isAncestor(repo, a, b));
      (applied ? landed : failed).push(update);
    }
    if (failed.length > 0) await this.recordFailed(push, failed);
    if (landed.length === 0) return;
    try {
      await this.onRefsUpdated(project, landed, actor);
    } catch (error) {
      this.logger.error({ err: error, project: project.name }, 'processing a push failed; it is retried at start');
    }
  }

  private async recordFailed(push: PendingPush, failed: RefUpdate[]): Promise<void> {
    try {
      await this.recordUpdates('push.failed', push, failed, {
        reason: 'git accepted the update but did not apply it; the ref does not hold the pushed commit',
      });
    } catch (error) {
      this.logger.error({ err: error, project: push.project.name, failed }, 'could not record push.failed events');
    }
  }

  /** One event per ref update, all in one transaction. */
  private recordUpdates(
    type: 'push' | 'push.failed',
    { project, actor }: PendingPush,
    updates: RefUpdate[],
    extra: Record<string, string> = {},
  ): Promise<void> {
    return this.db.transaction().execute(async (trx) => {
      for (const update of updates) {
        await this.events.append(trx, {
          type,
          projectId: project.id,
          actor: actor.name,
          payload: { ref: update.ref, before: update.oldSha, after: update.newSha, pusher: actor.name, ...extra },
        });
      }
    });
  }
}
