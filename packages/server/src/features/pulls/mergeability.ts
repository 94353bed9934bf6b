// The merge gate's facts: reads what the pure gate needs (reviews, checks, pushers, an in-memory merge) and asks it.
import { branchSha, commitsBetween, mergeTrees, ZERO_SHA } from '@trunkflow/git';
import { COUNTED_APPROVER_ROLE, roleAtLeast } from '../../platform/auth/roles.js';
import { ConflictError } from '../../platform/errors.js';
import type { Project } from '../projects/service.js';
import type { PullsContext } from './context.js';
import { type GateFacts, type GatePusher, type GateReason, type GateVerdict, mergeGate } from './gate.js';
import type { PullRequest } from './model.js';
import { type PullReads, summarise } from './reads.js';
import type { BranchPush, RankedReview } from './store.js';

export interface Mergeability {
  mergeable: boolean;
  reasons: GateReason[];
  headSha: string;
  trunkSha: string | null;
  approvals: number;
  requiredApprovals: number;
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

export class MergeGateService {
  constructor(
    private readonly ctx: PullsContext,
    private readonly services: { reads: PullReads },
  ) {}

  async mergeability(project: Project, number: number): Promise<Mergeability> {
    const pull = await this.services.reads.get(project, number);
    const repo = this.ctx.repositories.pathOf(project.name);
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
  async evaluateGate(
    project: Project,
    pull: PullRequest,
    repo: string,
    trunkSha: string | null,
  ): Promise<{ verdict: GateVerdict; tree: string | null }> {
    const [reviews, run, pushes] = await Promise.all([
      this.ctx.store.reviews(pull.id, project.id),
      this.services.reads.currentRun(pull),
      this.ctx.store.branchPushes(project.id, pull.head),
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
}
