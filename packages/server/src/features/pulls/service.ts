// Pull requests: open, push updates, checks per sha, reviews, the merge gate and a crash-safe squash merge.

import { createHash } from 'node:crypto';
import { assertNever, checkRefFormat } from '@trunkflow/core';
import {
  branchSha,
  commitAuthors,
  commitsBetween,
  commitTree,
  compareAndSwapRef,
  deleteRefIfAt,
  isAncestor,
  mergeBase,
  mergeTrees,
  runGit,
  TRUNKFLOW_COMMITTER,
  ZERO_SHA,
} from '@trunkflow/git';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { type Actor, COUNTED_APPROVER_ROLE, roleAtLeast, roleIn } from '../../platform/auth/roles.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import type { Database } from '../../platform/db/schema.js';
import {
  ConflictError,
  ForbiddenError,
  MergeConflictError,
  NotFoundError,
  type TrunkflowError,
  ValidationError,
} from '../../platform/errors.js';
import type { EventAppender } from '../../platform/events/event-log.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { AuthService } from '../auth/service.js';
import type { TrunkEvents } from '../git/events.js';
import type { Project, ProjectService } from '../projects/service.js';
import { AUTHOR_WINDOW_MS, readHeadFiles, runChecks } from './checks.js';
import type { PullEvents } from './events.js';
import { type GateFacts, type GatePusher, type GateReason, type GateVerdict, mergeGate } from './gate.js';
import { coAuthorsOf, squashMessage } from './merge-message.js';
import {
  branchRef,
  type CheckRun,
  notOpenProblem,
  type PullRequest,
  type PullStateFilter,
  type Review,
  type ReviewVerdict,
} from './model.js';
import { KeyedMutex } from './mutex.js';
import { type RuleRunner, RulesTimeoutError } from './rule-runner.js';
import type { BranchPush, PullStore, RankedReview } from './store.js';
import { SqlPullStore } from './store-sql.js';
import { messageTextProblem } from './text.js';

/** How often a merge re-evaluates against a trunk that moved under it before giving up. */
export const MAX_MERGE_ATTEMPTS = 5;

/** Test-only crash points (ServerConfig.faults). */
export const MERGE_FAULTS = ['merge.after-intent', 'merge.after-ref-update'] as const;

export interface OpenPullRequest {
  head: string;
  title: string;
  body?: string;
  draft?: boolean;
  base?: string;
}

/** A PR edit: either field, or both. */
export interface EditPullRequest {
  title?: string;
  body?: string;
}

export interface NewReviewInput {
  verdict: ReviewVerdict;
  body?: string;
}

export interface RefUpdate {
  ref: string;
  oldSha: string;
  newSha: string;
}

export interface ChecksSummary {
  sha: string;
  ok: boolean;
  failing: string[];
  createdAt: string;
  configError: string | null;
}

export interface PullRequestDetail extends PullRequest {
  reviews: Review[];
  checks: ChecksSummary | null;
}

export interface Mergeability {
  mergeable: boolean;
  reasons: GateReason[];
  headSha: string;
  trunkSha: string | null;
  approvals: number;
  requiredApprovals: number;
}

export interface MergeResult {
  merged: true;
  sha: string;
  number: number;
}

export interface ReconcileReport {
  mergesFinished: number;
  mergesAbandoned: number;
  synchronized: number;
  closed: number;
}

/** A title or body git could not store is refused here too, for callers other than the HTTP routes. */
function checkText(field: 'title' | 'body', text: string): void {
  const problem = messageTextProblem(text);
  if (problem !== null) throw new ValidationError(`the ${field} ${problem}`);
}

/** The PR text a check run judged: an edit of title or body needs a new run at the same sha. */
function textKey(pull: PullRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([pull.title, pull.body]))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Who pushed to the PR: every recorded push to its branch made while it was open, and any earlier
 * push that left the branch at one of the PR's commits. The head's pusher is the latest push that
 * left the branch at the head sha.
 */
export function pullPushers(
  pull: Pick<PullRequest, 'createdAt' | 'headSha'>,
  pushes: readonly BranchPush[],
  commits: ReadonlySet<string>,
): { pushers: GatePusher[]; headPusher: string | null } {
  const byUser = new Map<string, GatePusher>();
  let headPusher: string | null = null;
  for (const push of pushes) {
    const inPull = push.createdAt >= pull.createdAt || commits.has(push.afterSha);
    if (!inPull || push.afterSha === ZERO_SHA) continue;
    byUser.delete(push.pusher);
    byUser.set(push.pusher, { name: push.pusher, lastSha: push.afterSha });
    if (push.afterSha === pull.headSha) headPusher = push.pusher;
  }
  return { pushers: [...byUser.values()], headPusher };
}

function summarise(run: CheckRun): ChecksSummary {
  return {
    sha: run.sha,
    ok: run.ok,
    failing: run.findings.filter((finding) => finding.status === 'fail').map((finding) => finding.id),
    createdAt: run.createdAt,
    configError: run.configError,
  };
}

/** The first parent of a commit. */
async function parentOf(repo: string, commit: string): Promise<string> {
  return (await runGit(['rev-parse', '--verify', `${commit}^`], { cwd: repo })).trim();
}

/** The error a blocked merge answers with: a content conflict names its paths, anything else lists the reasons. */
function blockedError(number: number, verdict: GateVerdict): TrunkflowError {
  const message = `pull request #${number} cannot be merged: ${verdict.reasons.map((reason) => reason.message).join('; ')}`;
  const conflict = verdict.reasons.find((reason) => reason.code === 'conflict');
  if (conflict !== undefined) return new MergeConflictError(message, conflict.paths ?? []);
  return new ConflictError(message, { reasons: verdict.reasons });
}

export class PullService {
  private readonly store: PullStore;
  /** Merges of one project run one at a time here; the trunk ref's compare-and-swap guards across processes. */
  private readonly merges = new KeyedMutex();
  /** Head updates of one PR run one at a time here; the conditional UPDATE guards across processes. */
  private readonly syncs = new KeyedMutex();
  /** Check runs being computed, so a push and a read racing on one sha compute it once. */
  private readonly running = new Map<string, Promise<CheckRun | null>>();

  constructor(
    db: Kysely<Database>,
    private readonly events: EventAppender<PullEvents & TrunkEvents>,
    private readonly repositories: Repositories,
    private readonly projects: ProjectService,
    private readonly auth: AuthService,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly logger: Logger,
    private readonly rules: RuleRunner,
    private readonly faults: readonly string[],
    /**
     * What a fault point does. In a server it is kill -9; tests pass a function that throws (to
     * inspect the state a crash leaves) or that moves trunk (to race the compare-and-swap).
     */
    private readonly onFault: (point: string) => void | Promise<void> = () => {
      process.kill(process.pid, 'SIGKILL');
    },
  ) {
    this.store = new SqlPullStore(db);
  }

  // ---- reads ------------------------------------------------------------------------------

  async list(project: Project, state: PullStateFilter = 'open'): Promise<PullRequest[]> {
    return this.store.list(project.id, state);
  }

  async get(project: Project, number: number): Promise<PullRequest> {
    const pull = await this.store.byNumber(project.id, number);
    if (!pull) {
      throw new NotFoundError(
        `no pull request #${number} in project ${project.name}: list them with \`trunkflow pr list --project ${project.name}\``,
      );
    }
    return pull;
  }

  async detail(project: Project, number: number): Promise<PullRequestDetail> {
    const pull = await this.get(project, number);
    const [reviews, run] = await Promise.all([this.store.reviews(pull.id, project.id), this.currentRun(pull)]);
    return {
      ...pull,
      reviews: reviews.map(({ reviewerRole: _role, ...review }) => review),
      checks: run ? summarise(run) : null,
    };
  }

  /** The check run of the head sha, else the latest one (whose sha then tells it is stale). */
  async checks(project: Project, number: number): Promise<CheckRun> {
    const pull = await this.get(project, number);
    const run = await this.currentRun(pull);
    if (!run) {
      throw new NotFoundError(
        `no checks yet for pull request #${number}: they run on every push; wait a moment, or push again if this persists`,
      );
    }
    return run;
  }

  private async currentRun(pull: PullRequest): Promise<CheckRun | null> {
    return (await this.store.checkRun(pull.id, pull.headSha)) ?? (await this.store.latestCheckRun(pull.id));
  }

  // ---- open -------------------------------------------------------------------------------

  async open(project: Project, actor: Actor, input: OpenPullRequest): Promise<PullRequest> {
    const { head } = input;
    const title = input.title.trim();
    const refProblem = checkRefFormat(head);
    if (refProblem !== null) throw new ValidationError(`branch name "${head}" ${refProblem}`);
    const base = input.base ?? project.trunk;
    if (base !== project.trunk) {
      throw new ValidationError(
        `base "${base}" is not the trunk: pull requests in ${project.name} merge into ${project.trunk} (trunk-based development), so leave base out`,
      );
    }
    if (head === project.trunk) {
      throw new ValidationError(
        `head "${head}" is the trunk itself: open the pull request from a short-lived branch (e.g. feature/TF-12-export)`,
      );
    }
    if (title === '') throw new ValidationError('title is empty: give the pull request a Conventional Commit title');
    checkText('title', title);
    if (input.body !== undefined) checkText('body', input.body);

    const repo = this.repositories.pathOf(project.name);
    const headSha = await branchSha(repo, head);
    if (headSha === null) {
      throw new NotFoundError(
        `branch ${head} does not exist in project ${project.name}: push it first (git push origin ${head})`,
      );
    }
    const trunkSha = await branchSha(repo, project.trunk);
    if (trunkSha === null) {
      throw new ConflictError(
        `project ${project.name} has no trunk yet: push a first commit to ${project.trunk} (git push origin ${project.trunk})`,
      );
    }
    const forkPoint = await mergeBase(repo, trunkSha, headSha);
    if (forkPoint === null) {
      throw new ValidationError(
        `branch ${head} shares no history with ${project.trunk}: create it from ${project.trunk} (git switch -c ${head} origin/${project.trunk})`,
      );
    }
    if (forkPoint === headSha) {
      throw new ValidationError(
        `branch ${head} has no commits that are not on ${project.trunk}: commit your change on it and push first`,
      );
    }

    // The template comes from the branch; the rules come from trunk, so a PR cannot relax its own checks.
    const [files, trunkFiles] = await Promise.all([readHeadFiles(repo, headSha), readHeadFiles(repo, trunkSha)]);
    const body = input.body ?? files.template ?? '';
    const taskKey = await this.rules
      .findTaskKey(trunkFiles.config.config.rules['linked-task'].pattern, head, title)
      .catch((error: unknown) => {
        // The PR still opens; its check run reports the slow pattern.
        if (error instanceof RulesTimeoutError) return null;
        throw error;
      });
    const createdAt = this.clock.now().toISOString();
    const id = this.ids.next();
    const duplicate = (number: number | null) =>
      new ConflictError(
        `branch ${head} already has an open pull request${number === null ? '' : ` (#${number})`}: push to the branch to update it`,
      );
    let number: number;
    try {
      number = await this.store.transaction(async (store, trx) => {
        const existing = await store.openByHead(project.id, head);
        if (existing) throw duplicate(existing.number);
        const taken = await store.takeNumber(project.id);
        await store.insert({
          id,
          projectId: project.id,
          number: taken,
          title,
          body,
          authorId: actor.userId,
          head,
          headSha,
          base,
          draft: input.draft ?? false,
          taskKey,
          createdAt,
        });
        await this.events.append(trx, {
          type: 'pull_request.opened',
          projectId: project.id,
          actor: actor.name,
          payload: { number: taken, title, head, headSha, author: actor.name, draft: input.draft ?? false, taskKey },
        });
        return taken;
      });
    } catch (error) {
      // The partial unique index catches the open that lost a race with another one.
      if (isUniqueViolation(error)) throw duplicate(null);
      throw error;
    }
    const pull = await this.get(project, number);
    await this.ensureChecks(project, pull);
    return pull;
  }

  // ---- checks -----------------------------------------------------------------------------

  /** Runs the checks of the PR's head sha once; later calls return the stored run. Never throws. */
  private ensureChecks(project: Project, pull: PullRequest): Promise<CheckRun | null> {
    const key = `${pull.id}:${pull.headSha}:${textKey(pull)}`;
    const inFlight = this.running.get(key);
    if (inFlight) return inFlight;
    const work = this.computeChecks(project, pull).finally(() => this.running.delete(key));
    this.running.set(key, work);
    return work;
  }

  private async computeChecks(project: Project, pull: PullRequest): Promise<CheckRun | null> {
    const sha = pull.headSha;
    try {
      const existing = await this.store.checkRun(pull.id, sha);
      if (existing) return existing;
      const repo = this.repositories.pathOf(project.name);
      const now = this.clock.now();
      // Rules come from trunk's trunkflow.yml: a PR that edits the file cannot relax its own checks.
      const [files, others] = await Promise.all([
        readHeadFiles(repo, `refs/heads/${project.trunk}`),
        this.store.authorPullRequestsBefore(
          project.id,
          pull.authorId,
          pull.number,
          new Date(Date.parse(pull.createdAt) - AUTHOR_WINDOW_MS).toISOString(),
        ),
      ]);
      const outcome = await runChecks({
        repo,
        trunk: project.trunk,
        sha,
        now,
        pr: {
          title: pull.title,
          body: pull.body,
          head: pull.head,
          author: { name: pull.author, email: pull.authorEmail },
          openedAt: pull.createdAt,
        },
        authorPullRequests: others.map((other) => ({
          ref: `#${other.number}`,
          openedAt: other.createdAt,
          source: 'pull-request' as const,
        })),
        repositoryConfig: files.config,
        rules: this.rules,
      });
      const run: CheckRun = { sha, ...outcome, createdAt: now.toISOString() };
      const inserted = await this.store.transaction(async (store, trx) => {
        // An edit while the rules ran: these findings judged the old text, so they are not kept.
        const now = await store.byId(pull.id);
        if (now === null || textKey(now) !== textKey(pull)) return false;
        const fresh = await store.insertCheckRun({ id: this.ids.next(), pullRequestId: pull.id, ...run });
        if (fresh) {
          await this.events.append(trx, {
            type: 'check.completed',
            projectId: project.id,
            actor: null,
            payload: {
              number: pull.number,
              sha,
              ok: run.ok,
              failing: summarise(run).failing,
              ...(run.configError !== null ? { configError: run.configError } : {}),
            },
          });
        }
        return fresh;
      });
      return inserted ? run : await this.store.checkRun(pull.id, sha);
    } catch (error) {
      // The PR stays usable; the gate says checks-missing and reconcile() tries again at start.
      this.logger.error({ err: error, project: project.name, number: pull.number, sha }, 'checks could not run');
      return null;
    }
  }

  // ---- reviews ----------------------------------------------------------------------------

  async review(project: Project, actor: Actor, number: number, input: NewReviewInput): Promise<Review> {
    const pull = await this.get(project, number);
    const problem = notOpenProblem(pull.state, pull.number);
    if (problem !== null) throw new ConflictError(problem);
    if (input.verdict === 'approve' && pull.authorId === actor.userId) {
      throw new ForbiddenError('you cannot approve your own pull request: ask another developer');
    }
    const now = this.clock.now().toISOString();
    const id = this.ids.next();
    const body = input.body ?? '';
    const sha = await this.store.transaction(async (store, trx) => {
      if (!(await store.lockOpen(pull.id, now))) {
        throw new ConflictError(`pull request #${number} was closed or merged meanwhile`);
      }
      // The head as of this transaction: the review is about what the reviewer could see now.
      const current = (await store.byId(pull.id))?.headSha ?? pull.headSha;
      await store.insertReview({
        id,
        pullRequestId: pull.id,
        reviewerId: actor.userId,
        verdict: input.verdict,
        body,
        sha: current,
        createdAt: now,
      });
      await this.events.append(trx, {
        type: 'review.submitted',
        projectId: project.id,
        actor: actor.name,
        payload: { number, verdict: input.verdict, reviewer: actor.name, sha: current },
      });
      return current;
    });
    return {
      id,
      reviewerId: actor.userId,
      reviewer: actor.name,
      verdict: input.verdict,
      body,
      sha,
      dismissed: false,
      createdAt: now,
    };
  }

  // ---- merge gate -------------------------------------------------------------------------

  async mergeability(project: Project, number: number): Promise<Mergeability> {
    const pull = await this.get(project, number);
    const repo = this.repositories.pathOf(project.name);
    const trunkSha = await branchSha(repo, project.trunk);
    const { verdict } = await this.evaluateGate(project, pull, repo, trunkSha);
    return {
      mergeable: verdict.mergeable,
      reasons: verdict.reasons,
      headSha: pull.headSha,
      trunkSha,
      approvals: verdict.approvals,
      requiredApprovals: project.requiredApprovals,
    };
  }

  /** Reads every fact the gate needs (DB and an in-memory merge), then asks the pure gate. */
  private async evaluateGate(
    project: Project,
    pull: PullRequest,
    repo: string,
    trunkSha: string | null,
  ): Promise<{ verdict: GateVerdict; tree: string | null }> {
    const [reviews, run, pushes] = await Promise.all([
      this.store.reviews(pull.id, project.id),
      this.currentRun(pull),
      this.store.branchPushes(project.id, pull.head),
    ]);
    // Only an open PR's pushers matter (and a merged PR's head may be gone from the repository).
    const commits =
      pull.state === 'open' && trunkSha !== null
        ? await commitsBetween(repo, trunkSha, pull.headSha)
        : new Set<string>();
    const { pushers, headPusher } = pullPushers(pull, pushes, commits);
    let tree: string | null = null;
    let conflicts: string[] = [];
    if (pull.state === 'open') {
      if (trunkSha === null) {
        throw new ConflictError(
          `trunk ${project.trunk} does not exist in project ${project.name}: push it again before merging`,
        );
      }
      const merged = await mergeTrees(repo, trunkSha, pull.headSha);
      tree = merged.tree;
      conflicts = merged.conflicts;
    }
    const facts: GateFacts = {
      project: project.name,
      number: pull.number,
      state: pull.state,
      draft: pull.draft,
      authorId: pull.authorId,
      headSha: pull.headSha,
      trunk: project.trunk,
      title: pull.title,
      body: pull.body,
      pushers,
      headPusher,
      checks: run ? summarise(run) : null,
      reviews: reviews.map((review: RankedReview) => ({
        reviewerId: review.reviewerId,
        reviewer: review.reviewer,
        verdict: review.verdict,
        dismissed: review.dismissed,
        counted: roleAtLeast(review.reviewerRole, COUNTED_APPROVER_ROLE),
      })),
      requiredApprovals: project.requiredApprovals,
      conflicts,
    };
    return { verdict: mergeGate(facts), tree };
  }

  // ---- squash merge -----------------------------------------------------------------------

  async merge(project: Project, actor: Actor, number: number): Promise<MergeResult> {
    return this.merges.run(project.id, () => this.mergeSerialised(project, actor, number));
  }

  private async mergeSerialised(project: Project, actor: Actor, number: number): Promise<MergeResult> {
    const repo = this.repositories.pathOf(project.name);
    const trunk = branchRef(project.trunk);
    for (let attempt = 1; attempt <= MAX_MERGE_ATTEMPTS; attempt++) {
      // 1. Facts: the PR at its real branch head, trunk, and the gate.
      let pull = await this.get(project, number);
      if (pull.state === 'open') {
        const current = await branchSha(repo, pull.head);
        if (current !== pull.headSha) {
          // A push not applied yet: apply it first (dismissals, checks) and judge the new head.
          pull = (await this.syncPull(project, pull, actor.name)) ?? pull;
        }
      }
      const trunkSha = await branchSha(repo, project.trunk);
      const { verdict, tree } = await this.evaluateGate(project, pull, repo, trunkSha);
      if (!verdict.mergeable || tree === null || trunkSha === null) throw blockedError(number, verdict);

      // 2. The squash commit, on top of the trunk just read.
      const at = this.clock.now();
      const author = { name: pull.author, email: pull.authorEmail };
      const coAuthors = coAuthorsOf(author, await commitAuthors(repo, trunkSha, pull.headSha));
      const commit = await commitTree(repo, {
        tree,
        parent: trunkSha,
        message: squashMessage(pull.title, pull.number, pull.body, coAuthors),
        author,
        committer: TRUNKFLOW_COMMITTER,
        at,
      });

      // 3. The intent, durable before trunk moves, so a crash can be finished or undone.
      await this.recordIntent(pull, commit, trunkSha, actor.name, at.toISOString());
      await this.fault('merge.after-intent');

      // 4. Compare-and-swap trunk: it moves only if nobody moved it since step 1.
      let moved: boolean;
      try {
        moved = await compareAndSwapRef(repo, trunk, commit, trunkSha, `trunkflow: squash merge #${number}`, at);
      } catch (error) {
        // update-ref can fail after moving the ref: if the commit is on trunk, the merge stands.
        if ((await this.settleAfterFailure(project, pull, commit, actor.name)) === 'finished') {
          return { merged: true, sha: commit, number };
        }
        throw error;
      }
      if (!moved) {
        await this.store.deleteMergeAttempt(pull.id);
        this.logger.info({ project: project.name, number, attempt }, 'trunk moved during the merge: re-evaluating');
        continue;
      }
      await this.fault('merge.after-ref-update');

      // 5 and 6.
      try {
        await this.finishMerge(project, pull, commit, actor.name);
      } catch (error) {
        // Trunk has the commit: a second try that finishes the merge makes it a success.
        if ((await this.settleAfterFailure(project, pull, commit, actor.name)) !== 'finished') throw error;
      }
      return { merged: true, sha: commit, number };
    }
    throw new ConflictError(
      `trunk kept moving: pull request #${number} lost the race ${MAX_MERGE_ATTEMPTS} times; try the merge again`,
    );
  }

  private async recordIntent(
    pull: PullRequest,
    commit: string,
    trunkSha: string,
    actor: string,
    now: string,
  ): Promise<void> {
    const busy = () =>
      new ConflictError(`pull request #${pull.number} is being merged right now: wait for that merge to finish`);
    try {
      await this.store.transaction(async (store) => {
        if (!(await store.lockOpen(pull.id, now))) {
          throw new ConflictError(`pull request #${pull.number} was closed or merged meanwhile`);
        }
        if (await store.mergeAttempt(pull.id)) throw busy();
        await store.insertMergeAttempt({
          pullRequestId: pull.id,
          commitSha: commit,
          trunkBefore: trunkSha,
          createdAt: now,
          actor,
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw busy();
      throw error;
    }
  }

  /**
   * Resolves a recorded merge intent from what git says: a commit that reached trunk is finished
   * (PR merged, event, branch deleted); one that did not is dropped and the PR stays open.
   */
  private async settleAttempt(
    project: Project,
    pull: PullRequest,
    commitSha: string,
    actor: string | null,
  ): Promise<'finished' | 'abandoned' | 'none'> {
    const repo = this.repositories.pathOf(project.name);
    const trunkSha = await branchSha(repo, project.trunk);
    const landed = trunkSha !== null && (await isAncestor(repo, commitSha, trunkSha));
    if (landed && pull.state === 'open') {
      await this.finishMerge(project, pull, commitSha, actor);
      this.logger.warn(
        { project: project.name, number: pull.number },
        'finished a merge interrupted after trunk moved',
      );
      return 'finished';
    }
    await this.store.deleteMergeAttempt(pull.id);
    if (pull.state !== 'open') return 'none';
    this.logger.warn({ project: project.name, number: pull.number }, 'dropped a merge interrupted before trunk moved');
    return 'abandoned';
  }

  /**
   * After an unexpected error mid-merge, settles the intent now rather than block the PR until a
   * restart. 'failed' leaves the intent for reconcile() at the next start.
   */
  private async settleAfterFailure(
    project: Project,
    pull: PullRequest,
    commitSha: string,
    actor: string,
  ): Promise<'finished' | 'abandoned' | 'none' | 'failed'> {
    try {
      return await this.settleAttempt(project, pull, commitSha, actor);
    } catch (error) {
      this.logger.error(
        { err: error, project: project.name, number: pull.number },
        'could not settle a failed merge; reconciled at start',
      );
      return 'failed';
    }
  }

  /** Steps 5 and 6: the PR becomes merged with its event, then the source branch goes. Idempotent. */
  private async finishMerge(project: Project, pull: PullRequest, commit: string, actor: string | null): Promise<void> {
    const now = this.clock.now();
    const repo = this.repositories.pathOf(project.name);
    // The trunk the squash commit was built on: its one parent, on every path that gets here.
    const before = await parentOf(repo, commit);
    await this.store.transaction(async (store, trx) => {
      const merged = await store.markMerged(pull.id, commit, now.toISOString());
      await store.deleteMergeAttempt(pull.id);
      if (merged) {
        await this.events.append(trx, {
          type: 'pull_request.merged',
          projectId: project.id,
          actor,
          payload: { number: pull.number, sha: commit, title: pull.title },
        });
        await this.events.append(trx, {
          type: 'trunk.updated',
          projectId: project.id,
          actor,
          payload: {
            trunk: project.trunk,
            before,
            after: commit,
            pullRequests: [pull.number],
            source: 'merge',
          },
        });
      }
    });
    const deleted = await deleteRefIfAt(
      repo,
      branchRef(pull.head),
      pull.headSha,
      `trunkflow: merged as #${pull.number}`,
      now,
    );
    if (!deleted) {
      this.logger.warn(
        { project: project.name, number: pull.number, branch: pull.head },
        'source branch not deleted after merge: it moved or is already gone, so its new commits are kept',
      );
    }
  }

  private async fault(point: (typeof MERGE_FAULTS)[number]): Promise<void> {
    if (!this.faults.includes(point)) return;
    this.logger.fatal({ point }, 'fault point reached: crashing on purpose');
    await this.onFault(point);
  }

  // ---- close, reopen, ready ---------------------------------------------------------------

  private requireAuthorOrMaintainer(project: Project, actor: Actor, pull: PullRequest, what: string): void {
    if (pull.authorId === actor.userId || roleAtLeast(roleIn(actor, project.id), 'maintainer')) return;
    throw new ForbiddenError(
      `only the author (${pull.author}) or a maintainer may ${what} pull request #${pull.number}`,
    );
  }

  async close(project: Project, actor: Actor, number: number): Promise<PullRequest> {
    const pull = await this.get(project, number);
    this.requireAuthorOrMaintainer(project, actor, pull, 'close');
    const problem = notOpenProblem(pull.state, pull.number);
    if (problem !== null) throw new ConflictError(problem);
    await this.closeOpen(project, pull, actor.name, 'closed');
    return this.get(project, number);
  }

  /** Closes an open PR unless a merge of it is in flight; false when it was not closed. */
  private async closeOpen(
    project: Project,
    pull: PullRequest,
    actor: string | null,
    reason: 'closed' | 'branch-deleted',
  ): Promise<boolean> {
    const now = this.clock.now().toISOString();
    return this.store.transaction(async (store, trx) => {
      // The row lock first: a merge intent on PostgreSQL takes the same lock, so the two cannot interleave.
      if (!(await store.lockOpen(pull.id, now))) {
        if (reason === 'branch-deleted') return false;
        throw new ConflictError(`pull request #${pull.number} was closed or merged meanwhile`);
      }
      if (await store.mergeAttempt(pull.id)) {
        if (reason === 'branch-deleted') return false;
        throw new ConflictError(`pull request #${pull.number} is being merged right now: it cannot be closed`);
      }
      await store.markClosed(pull.id, now);
      await this.events.append(trx, {
        type: 'pull_request.closed',
        projectId: project.id,
        actor,
        payload: { number: pull.number, reason },
      });
      return true;
    });
  }

  async reopen(project: Project, actor: Actor, number: number): Promise<PullRequest> {
    const pull = await this.get(project, number);
    this.requireAuthorOrMaintainer(project, actor, pull, 'reopen');
    switch (pull.state) {
      case 'closed':
        break;
      case 'open':
        throw new ConflictError(`pull request #${number} is already open`);
      case 'merged':
        throw new ConflictError(`pull request #${number} is merged and cannot be reopened: open a new one`);
      default:
        return assertNever(pull.state, 'pull request state');
    }
    const repo = this.repositories.pathOf(project.name);
    const sha = await branchSha(repo, pull.head);
    if (sha === null) {
      throw new ConflictError(
        `branch ${pull.head} no longer exists in project ${project.name}: push it again (git push origin ${pull.head}), then reopen`,
      );
    }
    const now = this.clock.now().toISOString();
    const taken = (other: number | null) =>
      new ConflictError(
        `branch ${pull.head} already has another open pull request${other === null ? '' : ` (#${other})`}: close it first or keep using it`,
      );
    try {
      await this.store.transaction(async (store, trx) => {
        const other = await store.openByHead(project.id, pull.head);
        if (other) throw taken(other.number);
        if (!(await store.markReopened(pull.id, sha, now))) {
          throw new ConflictError(`pull request #${number} changed meanwhile: look at it again`);
        }
        await this.events.append(trx, {
          type: 'pull_request.reopened',
          projectId: project.id,
          actor: actor.name,
          payload: { number, headSha: sha },
        });
        if (sha !== pull.headSha) await this.dismissStale(store, trx, project, pull.id, number, sha, actor.name);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw taken(null);
      throw error;
    }
    const reopened = await this.get(project, number);
    await this.ensureChecks(project, reopened);
    return reopened;
  }

  /** A draft becomes ready for review (and so mergeable once the rest of the gate holds). */
  async ready(project: Project, actor: Actor, number: number): Promise<PullRequest> {
    const pull = await this.get(project, number);
    this.requireAuthorOrMaintainer(project, actor, pull, 'mark ready');
    const problem = notOpenProblem(pull.state, pull.number);
    if (problem !== null) throw new ConflictError(problem);
    if (!pull.draft) return pull;
    await this.store.transaction(async (store, trx) => {
      await store.setDraft(pull.id, false, this.clock.now().toISOString());
      await this.events.append(trx, {
        type: 'pull_request.ready_for_review',
        projectId: project.id,
        actor: actor.name,
        payload: { number },
      });
    });
    return this.get(project, number);
  }

  /**
   * Changes the title and/or body (the author or a maintainer; not once merged). The title is the
   * squash commit's subject and the rules read both, so the head's checks run again.
   */
  async edit(project: Project, actor: Actor, number: number, input: EditPullRequest): Promise<PullRequest> {
    const pull = await this.get(project, number);
    this.requireAuthorOrMaintainer(project, actor, pull, 'edit');
    if (pull.state === 'merged') {
      throw new ConflictError(
        `pull request #${number} is already merged: its title and body are on trunk as the commit message`,
      );
    }
    if (input.title === undefined && input.body === undefined) {
      throw new ValidationError('nothing to change: give a title, a body or both');
    }
    const title = input.title?.trim() ?? pull.title;
    if (title === '') throw new ValidationError('title is empty: give the pull request a Conventional Commit title');
    checkText('title', title);
    const body = input.body ?? pull.body;
    checkText('body', body);
    if (title === pull.title && body === pull.body) return pull;
    const now = this.clock.now().toISOString();
    await this.store.transaction(async (store, trx) => {
      if (await store.mergeAttempt(pull.id)) {
        throw new ConflictError(`pull request #${number} is being merged right now: its title and body cannot change`);
      }
      if (!(await store.setText(pull.id, { title, body }, now))) {
        throw new ConflictError(
          `pull request #${number} was merged meanwhile: its title and body can no longer change`,
        );
      }
      const current = (await store.byId(pull.id))?.headSha ?? pull.headSha;
      await store.deleteCheckRun(pull.id, current);
      await this.events.append(trx, {
        type: 'pull_request.edited',
        projectId: project.id,
        actor: actor.name,
        payload: {
          number,
          changes: [
            ...(title !== pull.title ? ['title' as const] : []),
            ...(body !== pull.body ? ['body' as const] : []),
          ],
          title,
        },
      });
    });
    const edited = await this.get(project, number);
    if (edited.state === 'open') await this.ensureChecks(project, edited);
    return edited;
  }

  // ---- pushes and reconciliation ------------------------------------------------------------

  /** Open PRs whose head is one of `branches`: hosted git protects those branches from deletion. */
  openPullsOnBranches(projectId: string, branches: readonly string[]) {
    return this.store.openOnBranches(projectId, branches);
  }

  /**
   * Called by git hosting after a push was accepted. The refs' new values are read back from the
   * repository rather than trusted from the arguments, so late or repeated calls are harmless.
   * Failures are logged, not thrown: the push already happened and reconcile() catches up.
   */
  async handleRefUpdates(projectName: string, updates: readonly RefUpdate[], pusherId: string): Promise<void> {
    const project = await this.projects.get(projectName);
    const pusher = (await this.auth.userById(pusherId))?.name ?? null;
    for (const update of updates) {
      if (!update.ref.startsWith('refs/heads/')) continue;
      const branch = update.ref.slice('refs/heads/'.length);
      if (branch === project.trunk) continue;
      try {
        const pull = await this.store.openByHead(project.id, branch);
        if (!pull) continue;
        if (update.newSha === ZERO_SHA)
          this.logger.info({ project: projectName, branch }, 'PR branch deleted by a push');
        await this.syncPull(project, pull, pusher);
      } catch (error) {
        this.logger.error(
          { err: error, project: projectName, ref: update.ref },
          'could not apply a push to its pull request',
        );
      }
    }
  }

  /**
   * Brings an open PR in line with its branch: a moved branch updates the head (dismissing stale
   * approvals when the project says so) and a deleted one closes the PR; then the head gets checks.
   * Returns the PR as it is afterwards.
   */
  private async syncPull(project: Project, pull: PullRequest, actor: string | null): Promise<PullRequest | null> {
    return this.syncs.run(pull.id, async () => {
      const fresh = await this.store.byId(pull.id);
      if (fresh?.state !== 'open') return fresh;
      const repo = this.repositories.pathOf(project.name);
      const current = await branchSha(repo, fresh.head);
      if (current === null) {
        await this.closeOpen(project, fresh, actor, 'branch-deleted');
        return this.store.byId(pull.id);
      }
      if (current !== fresh.headSha) {
        const now = this.clock.now().toISOString();
        await this.store.transaction(async (store, trx) => {
          if (!(await store.setHead(fresh.id, fresh.headSha, current, now))) return;
          await this.events.append(trx, {
            type: 'pull_request.synchronized',
            projectId: project.id,
            actor,
            payload: { number: fresh.number, before: fresh.headSha, headSha: current },
          });
          await this.dismissStale(store, trx, project, fresh.id, fresh.number, current, actor);
        });
      }
      const latest = await this.store.byId(pull.id);
      if (latest?.state === 'open') await this.ensureChecks(project, latest);
      return latest;
    });
  }

  private async dismissStale(
    store: PullStore,
    trx: Kysely<Database>,
    project: Project,
    pullId: string,
    number: number,
    headSha: string,
    actor: string | null,
  ): Promise<void> {
    if (!project.dismissStaleApprovals) return;
    for (const review of await store.dismissApprovals(pullId, headSha)) {
      await this.events.append(trx, {
        type: 'review.dismissed',
        projectId: project.id,
        actor,
        payload: { number, reviewer: review.reviewer, sha: review.sha, reason: `new head ${headSha.slice(0, 7)}` },
      });
    }
  }

  /**
   * Run once at start, before serving. Finishes or undoes merges a crash interrupted (a merge whose
   * commit reached trunk is completed, any other is dropped and its PR stays open), then applies
   * pushes that were never applied and runs missing checks.
   */
  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = { mergesFinished: 0, mergesAbandoned: 0, synchronized: 0, closed: 0 };
    const projects = new Map<string, Project | null>();
    const projectOf = async (id: string) => {
      if (!projects.has(id)) projects.set(id, await this.store.project(id));
      return projects.get(id) ?? null;
    };

    for (const attempt of await this.store.listMergeAttempts()) {
      const pull = await this.store.byId(attempt.pullRequestId);
      const project = pull ? await projectOf(pull.projectId) : null;
      if (!pull || !project) {
        await this.store.deleteMergeAttempt(attempt.pullRequestId);
        continue;
      }
      await this.merges.run(project.id, async () => {
        const outcome = await this.settleAttempt(project, pull, attempt.commitSha, attempt.actor);
        if (outcome === 'finished') report.mergesFinished++;
        if (outcome === 'abandoned') report.mergesAbandoned++;
      });
    }

    for (const pull of await this.store.listOpen()) {
      const project = await projectOf(pull.projectId);
      if (!project) continue;
      try {
        const after = await this.syncPull(project, pull, null);
        if (after?.state === 'closed') report.closed++;
        else if (after && after.headSha !== pull.headSha) report.synchronized++;
      } catch (error) {
        this.logger.error(
          { err: error, project: project.name, number: pull.number },
          'could not reconcile a pull request',
        );
      }
    }
    return report;
  }
}
