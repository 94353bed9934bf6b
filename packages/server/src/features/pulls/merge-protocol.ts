// The squash merge protocol: gate, commit, durable intent, trunk compare-and-swap, then the PR recorded merged.

import { assertNever } from '@trunkflow/core';
import {
  branchSha,
  commitAuthors,
  commitTree,
  compareAndSwapRef,
  deleteRefIfAt,
  isAncestor,
  runGit,
  TRUNKFLOW_COMMITTER,
} from '@trunkflow/git';
import { z } from 'zod';
import type { Actor } from '../../platform/auth/roles.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { ConflictError, MergeConflictError, type TrunkflowError } from '../../platform/errors.js';
import type { Project } from '../projects/service.js';
import type { PullsContext, PullsTransaction } from './context.js';
import type { GateVerdict } from './gate.js';
import { coAuthorsOf, squashMessage } from './merge-message.js';
import { mergeStateOf, settlementOf } from './merge-state.js';
import type { MergeGateService } from './mergeability.js';
import { branchRef, type PullRequest } from './model.js';
import { KeyedMutex } from './mutex.js';
import type { PushSync } from './push-sync.js';
import type { PullReads } from './reads.js';

/** How often a merge re-evaluates against a trunk that moved under it before giving up. */
export const MAX_MERGE_ATTEMPTS = 5;

/** Test-only crash points (ServerConfig.faults). */
export const MERGE_FAULTS = ['merge.after-intent', 'merge.after-ref-update'] as const;

export interface MergeResult {
  merged: true;
  sha: string;
  number: number;
}

export const mergeSettlePayload = z.strictObject({
  pullRequestId: z.string().min(1),
  commitSha: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character commit sha'),
});
export type MergeSettlePayload = z.output<typeof mergeSettlePayload>;

/**
 * How long after its intent a merge's settle job runs. The intent is recorded once the squash
 * commit exists, so a healthy merge is a ref update and one transaction away from done
 * (milliseconds); a merge still running in this process holds the project's lock, which the job
 * waits for. After a crash, this is how long the PR stays "being merged" before it is settled.
 */
export const MERGE_SETTLE_DELAY_MS = 10_000;

export interface MergeFaults {
  faults: readonly string[];
  /**
   * What a fault point does. In a server it is kill -9; tests pass a function that throws (to
   * inspect the state a crash leaves) or that moves trunk (to race the compare-and-swap).
   */
  onFault?: (point: string) => void | Promise<void>;
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

export class MergeProtocol {
  /** Merges of one project run one at a time here; the trunk ref's compare-and-swap guards across processes. */
  private readonly merges = new KeyedMutex();
  private readonly onFault: (point: string) => void | Promise<void>;

  constructor(
    private readonly ctx: PullsContext,
    private readonly services: { reads: PullReads; gate: MergeGateService; pushes: PushSync },
    private readonly faults: MergeFaults,
    private readonly settleDelayMs = MERGE_SETTLE_DELAY_MS,
  ) {
    this.onFault =
      faults.onFault ??
      (() => {
        process.kill(process.pid, 'SIGKILL');
      });
  }

  async merge(project: Project, actor: Actor, number: number): Promise<MergeResult> {
    return this.merges.run(project.id, () => this.mergeSerialised(project, actor, number));
  }

  private async mergeSerialised(project: Project, actor: Actor, number: number): Promise<MergeResult> {
    const repo = this.ctx.repositories.pathOf(project.name);
    const trunk = branchRef(project.trunk);
    for (let attempt = 1; attempt <= MAX_MERGE_ATTEMPTS; attempt++) {
      // 1. Facts: the PR at its real branch head, trunk, and the gate.
      let pull = await this.services.reads.get(project, number);
      if (pull.state === 'open') {
        const current = await branchSha(repo, pull.head);
        if (current !== pull.headSha) {
          // A push not applied yet: apply it first (dismissals, checks) and judge the new head.
          pull = (await this.services.pushes.syncPull(project, pull, actor.name)) ?? pull;
        }
      }
      const trunkSha = await branchSha(repo, project.trunk);
      const { verdict, tree } = await this.services.gate.evaluateGate(project, pull, repo, trunkSha);
      if (!verdict.mergeable || tree === null || trunkSha === null) throw blockedError(number, verdict);

      // 2. The squash commit, on top of the trunk just read.
      const at = this.ctx.clock.now();
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
        await this.ctx.store.deleteMergeAttempt(pull.id);
        this.ctx.logger.info({ project: project.name, number, attempt }, 'trunk moved during the merge: re-evaluating');
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
      await this.ctx.uow.run(async (tx) => {
        if (!(await tx.pulls.lockOpen(pull.id, now))) {
          throw new ConflictError(`pull request #${pull.number} was closed or merged meanwhile`);
        }
        if (await tx.pulls.mergeAttempt(pull.id)) throw busy();
        await tx.pulls.insertMergeAttempt({
          pullRequestId: pull.id,
          commitSha: commit,
          trunkBefore: trunkSha,
          createdAt: now,
          actor,
        });
        // The intent's settlement, durable with it: after a crash this job finishes or undoes the
        // merge. It waits long enough for a healthy merge to get there first (then it finds nothing).
        await this.enqueueSettle(tx, pull.id, commit, now);
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
  async settleAttempt(
    project: Project,
    pull: PullRequest,
    commitSha: string,
    actor: string | null,
  ): Promise<'finished' | 'abandoned' | 'none'> {
    const repo = this.ctx.repositories.pathOf(project.name);
    const trunkSha = await branchSha(repo, project.trunk);
    const landed = trunkSha !== null && (await isAncestor(repo, commitSha, trunkSha));
    const settlement = settlementOf(mergeStateOf({ intent: true, landed, pullState: pull.state }));
    switch (settlement) {
      case 'finish':
        await this.finishMerge(project, pull, commitSha, actor);
        this.ctx.logger.warn(
          { project: project.name, number: pull.number },
          'finished a merge interrupted after trunk moved',
        );
        return 'finished';
      case 'undo':
        await this.ctx.store.deleteMergeAttempt(pull.id);
        this.ctx.logger.warn(
          { project: project.name, number: pull.number },
          'dropped a merge interrupted before trunk moved',
        );
        return 'abandoned';
      case 'none':
        await this.ctx.store.deleteMergeAttempt(pull.id);
        return 'none';
      default:
        return assertNever(settlement, 'merge settlement');
    }
  }

  private async enqueueSettle(tx: PullsTransaction, pullRequestId: string, commitSha: string, intentAt: string) {
    await tx.jobs.enqueue(
      'merges.settle',
      { pullRequestId, commitSha },
      { runAt: new Date(Date.parse(intentAt) + this.settleDelayMs) },
    );
  }

  /**
   * The `merges.settle` handler: settles the intent it was enqueued with, if it is still there.
   * It takes this process's merge lock of the project, so a merge still running here finishes
   * first; then the intent is gone (or is another one) and this does nothing.
   */
  async settleJob(payload: MergeSettlePayload): Promise<'finished' | 'abandoned' | 'none'> {
    const pull = await this.ctx.store.byId(payload.pullRequestId);
    const project = pull ? await this.ctx.projects.byId(pull.projectId) : null;
    if (!pull || !project) {
      await this.ctx.store.deleteMergeAttempt(payload.pullRequestId);
      return 'none';
    }
    return this.merges.run(project.id, async () => {
      const attempt = await this.ctx.store.mergeAttempt(pull.id);
      const fresh = await this.ctx.store.byId(pull.id);
      if (!attempt || attempt.commitSha !== payload.commitSha || !fresh) return 'none';
      return this.settleAttempt(project, fresh, attempt.commitSha, attempt.actor);
    });
  }

  /**
   * After an unexpected error mid-merge, settles the intent now rather than block the PR until a
   * restart. 'failed' leaves the intent to its merges.settle job.
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
      this.ctx.logger.error(
        { err: error, project: project.name, number: pull.number },
        'could not settle a failed merge; its merges.settle job will',
      );
      return 'failed';
    }
  }

  /** Steps 5 and 6: the PR becomes merged with its event, then the source branch goes. Idempotent. */
  private async finishMerge(project: Project, pull: PullRequest, commit: string, actor: string | null): Promise<void> {
    const now = this.ctx.clock.now();
    const repo = this.ctx.repositories.pathOf(project.name);
    // The trunk the squash commit was built on: its one parent, on every path that gets here.
    const before = await parentOf(repo, commit);
    await this.ctx.uow.run(async (tx) => {
      const merged = await tx.pulls.markMerged(pull.id, commit, now.toISOString());
      await tx.pulls.deleteMergeAttempt(pull.id);
      if (merged) {
        await tx.events.append({
          type: 'pull_request.merged',
          projectId: project.id,
          actor,
          payload: { number: pull.number, sha: commit, title: pull.title },
        });
        await tx.events.append({
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
      this.ctx.logger.warn(
        { project: project.name, number: pull.number, branch: pull.head },
        'source branch not deleted after merge: it moved or is already gone, so its new commits are kept',
      );
    }
  }

  private async fault(point: (typeof MERGE_FAULTS)[number]): Promise<void> {
    if (!this.faults.faults.includes(point)) return;
    this.ctx.logger.fatal({ point }, 'fault point reached: crashing on purpose');
    await this.onFault(point);
  }
}
