// The merge gate: one pure verdict with its reasons from facts gathered beforehand (no I/O here).
import { assertNever } from '@trunkflow/core';
import type { PullState, ReviewVerdict } from './model.js';
import { messageTextProblem } from './text.js';

/** Stable reason codes: clients and docs match on them. */
export const GATE_REASON_CODES = [
  'not-open',
  'draft',
  'checks-missing',
  'stale-checks',
  'checks-failed',
  'approvals-missing',
  'approval-from-pusher',
  'changes-requested',
  'conflict',
  'invalid-message',
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

/** Someone who pushed commits that are part of the PR (the author included when they pushed). */
export interface GatePusher {
  /** The user name (names never change, and the event log records pushers by name). */
  name: string;
  /** The head their latest push to the branch left. */
  lastSha: string;
}

export interface GateChecks {
  sha: string;
  ok: boolean;
  /** Rule ids whose finding failed. */
  failing: string[];
  configError: string | null;
}

export interface GateFacts {
  /** The project's name, for commands in the messages. */
  project: string;
  number: number;
  state: PullState;
  draft: boolean;
  authorId: string;
  headSha: string;
  trunk: string;
  /** The squash commit's subject and body come from these. */
  title: string;
  body: string;
  /**
   * Everyone who pushed to the PR, oldest first. Their approvals do not count: a second person
   * must review code they did not push (GitHub's "approval of the most recent reviewable push",
   * extended to every push of the PR).
   */
  pushers: readonly GatePusher[];
  /** Who made the push that set the head, when it is known. */
  headPusher: string | null;
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
 * approval stands for nothing. The author's own reviews never count either way. An approval from
 * someone who pushed to the PR is set aside (`pusherApprovers`): they would be reviewing their own code.
 */
export function reviewStanding(
  reviews: readonly GateReview[],
  authorId: string,
  pusherNames: ReadonlySet<string> = new Set(),
): { approvers: string[]; requesters: string[]; pusherApprovers: string[] } {
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
  const pusherApprovers: string[] = [];
  for (const review of latest.values()) {
    if (review.verdict === 'request_changes') requesters.push(review.reviewer);
    else if (review.verdict === 'approve' && !review.dismissed && review.counted) {
      (pusherNames.has(review.reviewer) ? pusherApprovers : approvers).push(review.reviewer);
    }
  }
  return { approvers, requesters, pusherApprovers };
}

/** Why the squash commit could not be written with this title and body, or null. */
export function squashMessageProblem(title: string, body: string): string | null {
  if (title.trim() === '') return 'the title is empty';
  const titleProblem = messageTextProblem(title);
  if (titleProblem !== null) return `the title ${titleProblem}`;
  const bodyProblem = messageTextProblem(body);
  return bodyProblem === null ? null : `the body ${bodyProblem}`;
}

const short = (sha: string) => sha.slice(0, 7);

function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export function mergeGate(facts: GateFacts): GateVerdict {
  const pusherNames = new Set(facts.pushers.map((pusher) => pusher.name));
  const { approvers, requesters, pusherApprovers } = reviewStanding(facts.reviews, facts.authorId, pusherNames);
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
      message: `pull request #${facts.number} is a draft: mark it ready for review first (trunkflow pr ready ${facts.number} --project ${facts.project})`,
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
      message: `required checks failed on ${short(checks.sha)}: ${parts.join('; ')}: see \`trunkflow pr checks ${facts.number} --project ${facts.project}\`, fix and push`,
      rules: [...checks.failing],
    });
  }

  if (approvals < facts.requiredApprovals) {
    const needed = facts.requiredApprovals;
    reasons.push({
      code: 'approvals-missing',
      message: `needs ${needed} approval${needed === 1 ? '' : 's'} from developers other than the author and those who pushed to it, and has ${approvals}: ask a teammate to review`,
    });
    if (pusherApprovers.length > 0) {
      const who = facts.pushers.filter((pusher) => pusherApprovers.includes(pusher.name));
      const pushed = who.map((pusher) =>
        pusher.name === facts.headPusher
          ? `${pusher.name} made the latest push (${short(pusher.lastSha)})`
          : `${pusher.name} pushed ${short(pusher.lastSha)}`,
      );
      reasons.push({
        code: 'approval-from-pusher',
        message: `an approval must come from someone who did not push to this PR: ${listOf(pushed)}, so ${listOf(pusherApprovers)}'s approval does not count: ask another reviewer`,
      });
    }
  }

  if (requesters.length > 0) {
    reasons.push({
      code: 'changes-requested',
      message: `${listOf(requesters)} requested changes: address them and ask for a new review`,
    });
  }

  const messageProblem = squashMessageProblem(facts.title, facts.body);
  if (messageProblem !== null) {
    reasons.push({
      code: 'invalid-message',
      message: `the squash commit cannot be written: ${messageProblem} (edit it: trunkflow pr edit ${facts.number} --project ${facts.project} --title … or --body-file …)`,
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
