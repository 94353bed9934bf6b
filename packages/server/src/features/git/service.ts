// Hosted git over smart HTTP: authenticates, authorises, runs http-backend and records every accepted push.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { isAncestor, listRefs, ZERO_SHA } from '@trunkflow/git';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { type Actor, can, roleIn } from '../../platform/auth/roles.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import type { Database } from '../../platform/db/schema.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { EventAppender } from '../../platform/events/event-log.js';
import { childPath, runHttpBackend } from '../../platform/git/http-backend.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { Project, ProjectService } from '../projects/service.js';
import type { GitEvents } from './events.js';
import {
  type AuthorizedGitRequest,
  type GIT_FAULTS,
  type GitHostingOptions,
  type GitReconcileReport,
  type HookProbe,
  HookUnusableError,
  type OpenPullsLookup,
  type PendingPush,
  type RefsUpdatedListener,
} from './hosting-types.js';
import {
  HOOK_NAME,
  HOOK_SCRIPT_NAME,
  HOOK_SELF_TEST_OUTPUT,
  PRE_RECEIVE_HOOK_LAUNCHER,
  PRE_RECEIVE_HOOK_SOURCE,
} from './pre-receive-hook.js';
import { decidePush, type RefUpdate, updateLanded } from './push-policy.js';

export {
  type AuthorizedGitRequest,
  GIT_FAULTS,
  type GitHostingOptions,
  type GitReconcileReport,
  HookUnusableError,
  type OpenPullsLookup,
  type RefsUpdatedListener,
} from './hosting-types.js';

const GIT_PATH = /^([a-z0-9][a-z0-9-]{0,62})\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const aside = `${path}.${process.pid}.tmp`;
  await writeFile(aside, text, { mode });
  // writeFile's mode is filtered by the umask; the launcher must be executable whatever it is.
  await chmod(aside, mode);
  await rename(aside, path);
}

const REASON_NOT_APPLIED = 'git accepted the update but did not apply it; the ref does not hold the pushed commit';
const REASON_INTERRUPTED =
  'the server stopped before this push finished and git did not apply the update; the ref does not hold the pushed commit';

export class GitHostingService {
  private readonly pending = new Map<string, PendingPush>();
  private readonly hooksDir: string;
  private readonly hookUrl: () => string;
  private readonly onRefsUpdated: RefsUpdatedListener;
  private readonly openPullsOnBranches: OpenPullsLookup;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly faults: readonly string[];
  private readonly onFault: (point: string) => void;
  private readonly maxPushBytes: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly repositories: Repositories,
    private readonly projects: ProjectService,
    private readonly events: EventAppender<GitEvents>,
    private readonly logger: Logger,
    options: GitHostingOptions,
  ) {
    // Absolute: git runs hooks from inside the repository, and the launcher finds its script by $0.
    this.hooksDir = resolve(options.dataDir, 'hooks');
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

  /**
   * Writes the shared pre-receive hook (a launcher and its script, see pre-receive-hook.ts); git
   * finds it through core.hooksPath. Each file is written aside and renamed into place, so a push
   * running meanwhile sees the old file or the new one, never half of one.
   */
  async installHooks(): Promise<void> {
    await mkdir(this.hooksDir, { recursive: true, mode: 0o700 });
    await writeAtomically(join(this.hooksDir, HOOK_SCRIPT_NAME), PRE_RECEIVE_HOOK_SOURCE, 0o600);
    await writeAtomically(join(this.hooksDir, HOOK_NAME), PRE_RECEIVE_HOOK_LAUNCHER, 0o700);
  }

  /** The environment git gives the hook, minus the push session; the self-test uses it too. */
  private hookBaseEnv(): Record<string, string> {
    // The launcher runs exactly this binary, whatever PATH says (pre-receive-hook.ts).
    return { TRUNKFLOW_NODE: process.execPath };
  }

  /**
   * Runs the written hook once the way git does (executing `<hooks>/pre-receive`), in a mode where
   * it loads its script and exits. Whatever stops it (a noexec mount, a missing binary, a script
   * Node cannot load) shows up here with the hook's stderr.
   */
  async probeHook(): Promise<HookProbe> {
    const path = join(this.hooksDir, HOOK_NAME);
    return new Promise((done) => {
      const child = spawn(path, [], {
        cwd: this.hooksDir,
        env: { PATH: childPath(), ...this.hookBaseEnv(), TRUNKFLOW_HOOK_SELF_TEST: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Our own timer rather than spawn's `timeout`, which stays armed (keeping the process alive)
      // when the spawn itself fails, as it does on a noexec mount.
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const finish = (probe: HookProbe) => {
        clearTimeout(timer);
        done(probe);
      };
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      child.on('error', (error) => finish({ problem: `${path} cannot be run: ${error.message}`, stderr }));
      child.on('close', (code, signal) => {
        if (code === 0 && stdout.trim() === HOOK_SELF_TEST_OUTPUT) return finish({ problem: null, stderr });
        const how = signal === null ? `exit ${code}` : `signal ${signal}`;
        const said = stderr.trim().split('\n').slice(0, 5).join(' / ') || stdout.trim().slice(0, 200) || 'no output';
        finish({ problem: `${path} failed (${how}): ${said}`, stderr });
      });
    });
  }

  /**
   * The start-up check: a server whose hook cannot run would refuse every push, so it says so and
   * does not start. The error says what failed and where to look.
   */
  async assertHookRuns(): Promise<void> {
    const { problem, stderr } = await this.probeHook();
    if (problem === null) return;
    this.logger.error({ hooks: this.hooksDir, node: process.execPath, stderr }, 'the pre-receive hook cannot run');
    throw new HookUnusableError(
      `the pre-receive hook cannot run, so no push could be accepted: ${problem}. ` +
        `Check that the data directory (${this.hooksDir}) is not on a noexec mount and that ${process.execPath} runs`,
    );
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
    const push: PendingPush | null = movesRefs
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
            ...this.hookBaseEnv(),
            TRUNKFLOW_HOOK_URL: this.hookUrl(),
            TRUNKFLOW_HOOK_CRASH_URL: new URL('hook-crash', this.hookUrl()).href,
            TRUNKFLOW_HOOK_TOKEN: hookToken,
          },
          hooksPath: this.hooksDir,
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
  private async hookNeverCalled(push: PendingPush): Promise<void> {
    const context = { project: push.project.name, pusher: push.actor.name };
    const { problem, stderr } = await this.probeHook();
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
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('pending_pushes')
        .values({
          id: pendingId,
          project_id: project.id,
          actor: actor.name,
          updates: JSON.stringify(updates),
          created_at: this.clock.now().toISOString(),
        })
        .execute();
      await this.appendUpdates(trx, 'push', project.id, actor.name, updates);
    });
    push.pendingId = pendingId;
    push.accepted = updates;
    this.fault('git.after-push-event');
    return { ok: true, messages: [] };
  }

  /**
   * Run once at start, before serving: settles every push a crash interrupted between its `push`
   * events and its end. An update whose ref holds the pushed commit (or a descendant) landed; any
   * other gets the `push.failed` event the crashed process never wrote. Assumes, like the merge
   * reconcile, that no other server process is pushing to these repositories.
   */
  async reconcile(): Promise<GitReconcileReport> {
    const report: GitReconcileReport = { pushesLanded: 0, updatesFailed: 0 };
    const rows = await this.db.selectFrom('pending_pushes').selectAll().orderBy('created_at').execute();
    for (const row of rows) {
      const project = await this.db
        .selectFrom('projects')
        .select(['id', 'name', 'trunk'])
        .where('id', '=', row.project_id)
        .executeTakeFirst();
      if (project === undefined) {
        await this.db.deleteFrom('pending_pushes').where('id', '=', row.id).execute();
        continue;
      }
      const updates = JSON.parse(row.updates) as RefUpdate[];
      let failed: RefUpdate[];
      try {
        const sorted = await this.sortUpdates(this.repositories.pathOf(project.name), updates);
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
  private async afterPush(push: PendingPush): Promise<void> {
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
    return this.db.transaction().execute(async (trx) => {
      const ended = await trx.deleteFrom('pending_pushes').where('id', '=', pendingId).executeTakeFirst();
      if (Number(ended.numDeletedRows) === 0) return;
      await this.appendUpdates(trx, 'push.failed', project.id, actor, sorted.failed, { reason });
      const trunk = sorted.landed.find((update) => update.ref === `refs/heads/${project.trunk}`);
      if (trunk !== undefined) {
        // A direct push carries no pull request: its commits were never merged through one, and a
        // PR whose commits it happens to contain stays open (docs/server.md, Events).
        await this.events.append(trx, {
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
    trx: Kysely<Database>,
    type: 'push' | 'push.failed',
    projectId: string,
    actor: string,
    updates: RefUpdate[],
    extra: { reason?: string } = {},
  ): Promise<void> {
    for (const update of updates) {
      const payload = { ref: update.ref, before: update.oldSha, after: update.newSha, pusher: actor };
      // A push.failed without its reason is refused by the catalog (an empty string included).
      await this.events.append(
        trx,
        type === 'push'
          ? { type, projectId, actor, payload }
          : { type, projectId, actor, payload: { ...payload, reason: extra.reason ?? '' } },
      );
    }
  }
}
