// The merge gate: one pure verdict with its reasons from facts gathered beforehand (no I/O here).
import { assertNever } from '@trunkflow/core';
import type { PullState, ReviewVerdict } from './model.js';

/** Stable reason codes: clients and docs match on them. */
export const GATE_REASON_CODES = [
  'not-open',
  'draft',
  'checks-missing',
  'stale-checks',
  'checks-failed',
  'approvals-missing',
  'changes-requested',
  'conflict',
] as const;
export type GateReasonCode = (typeof GATE_REASON_CODES)[number];

export interface GateReason {
  code: GateReasonCode;
  message: string;
  /** Conflicting paths, for `conflict`. */
  paths?: string[];
  /** Failing rule ids, for `checks-failed`. */
  rules?: string[];
}

export interface GateReview {
  reviewerId: string;
  reviewer: string;
  verdict: ReviewVerdict;
  dismissed: boolean;
  /** The reviewer's role in the project is at least the counted-approver role. */
  counted: boolean;
}

export interface GateChecks {
  sha: string;
  ok: boolean;
  /** Rule ids whose finding failed. */
  failing: string[];
  configError: string | null;
}

export interface GateFacts {
  number: number;
  /** The project's name, so the commands a reason suggests run as printed. */
  project?: string;
  state: PullState;
  draft: boolean;
  authorId: string;
  headSha: string;
  trunk: string;
  /** The check run at the head sha when there is one, else the latest run at another sha, else null. */
  checks: GateChecks | null;
  /** Every review of the PR, oldest first. */
  reviews: readonly GateReview[];
  requiredApprovals: number;
  /** Paths that conflict with trunk; empty when the change merges cleanly. */
  conflicts: readonly string[];
}

export interface GateVerdict {
  mergeable: boolean;
  reasons: GateReason[];
  approvals: number;
}

/**
 * Each reviewer's standing is their latest approve or request-changes (comments say nothing):
 * a later request-changes cancels an approval, a later approval lifts a request, and a dismissed
 * approval stands for nothing. The author's own reviews never count either way.
 */
export function reviewStanding(
  reviews: readonly GateReview[],
  authorId: string,
): { approvers: string[]; requesters: string[] } {
  const latest = new Map<string, GateReview>();
  for (const review of reviews) {
    if (review.reviewerId === authorId) continue;
    switch (review.verdict) {
      case 'comment':
        break;
      case 'approve':
      case 'request_changes':
        latest.set(review.reviewerId, review);
        break;
      default:
        assertNever(review.verdict, 'review verdict');
    }
  }
  const approvers: string[] = [];
  const requesters: string[] = [];
  for (const review of latest.values()) {
    if (review.verdict === 'request_changes') requesters.push(review.reviewer);
    else if (review.verdict === 'approve' && !review.dismissed && review.counted) approvers.push(review.reviewer);
  }
  return { approvers, requesters };
}

const short = (sha: string) => sha.slice(0, 7);

function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export function mergeGate(facts: GateFacts): GateVerdict {
  const { approvers, requesters } = reviewStanding(facts.reviews, facts.authorId);
  const approvals = approvers.length;
  switch (facts.state) {
    case 'open':
      break;
    case 'closed':
      return {
        mergeable: false,
        approvals,
        reasons: [{ code: 'not-open', message: `pull request #${facts.number} is closed: reopen it before merging` }],
      };
    case 'merged':
      return {
        mergeable: false,
        approvals,
        reasons: [{ code: 'not-open', message: `pull request #${facts.number} is already merged` }],
      };
    default:
      return assertNever(facts.state, 'pull request state');
  }

  const reasons: GateReason[] = [];
  if (facts.draft) {
    reasons.push({
      code: 'draft',
      message: `pull request #${facts.number} is a draft: mark it ready for review first (trunkflow pr ready ${facts.number})`,
    });
  }

  const { checks } = facts;
  if (checks === null) {
    reasons.push({
      code: 'checks-missing',
      message: `no checks have run on ${short(facts.headSha)} yet: they run on every push, so wait a moment and ask again`,
    });
  } else if (checks.sha !== facts.headSha) {
    reasons.push({
      code: 'stale-checks',
      message: `the checks ran on ${short(checks.sha)}, not on the head ${short(facts.headSha)}: wait for the checks of the latest push`,
    });
  } else if (!checks.ok) {
    const parts: string[] = [];
    if (checks.failing.length > 0) parts.push(`${listOf(checks.failing)} failed`);
    if (checks.configError !== null) parts.push(`trunkflow.yml cannot be used (${checks.configError})`);
    reasons.push({
      code: 'checks-failed',
      message: `required checks failed on ${short(checks.sha)}: ${parts.join('; ')}: see \`trunkflow pr checks ${facts.number}${facts.project ? ` --project ${facts.project}` : ''}\`, fix and push`,
      rules: [...checks.failing],
    });
  }

  if (approvals < facts.requiredApprovals) {
    const needed = facts.requiredApprovals;
    reasons.push({
      code: 'approvals-missing',
      message: `needs ${needed} approval${needed === 1 ? '' : 's'} from developers other than the author and has ${approvals}: ask a teammate to review`,
    });
  }

  if (requesters.length > 0) {
    reasons.push({
      code: 'changes-requested',
      message: `${listOf(requesters)} requested changes: address them and ask for a new review`,
    });
  }

  if (facts.conflicts.length > 0) {
    reasons.push({
      code: 'conflict',
      message: `conflicts with ${facts.trunk} in ${listOf(facts.conflicts)}: rebase on ${facts.trunk} (git pull --rebase origin ${facts.trunk}), resolve and push`,
      paths: [...facts.conflicts],
    });
  }

  return { mergeable: reasons.length === 0, reasons, approvals };
}
