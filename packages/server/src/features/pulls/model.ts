// Pull request domain types: states, review verdicts and the shapes the service hands to routes.
import { assertNever, type Finding } from '@trunkflow/core';

export const PULL_STATES = ['open', 'closed', 'merged'] as const;
export type PullState = (typeof PULL_STATES)[number];

export const REVIEW_VERDICTS = ['approve', 'request_changes', 'comment'] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];

export function parsePullState(value: string): PullState {
  if ((PULL_STATES as readonly string[]).includes(value)) return value as PullState;
  throw new Error(`unknown pull request state "${value}" in the database`);
}

export function parseVerdict(value: string): ReviewVerdict {
  if ((REVIEW_VERDICTS as readonly string[]).includes(value)) return value as ReviewVerdict;
  throw new Error(`unknown review verdict "${value}" in the database`);
}

/** Why a PR in this state cannot take a change; null when it is open. */
export function notOpenProblem(state: PullState, number: number): string | null {
  switch (state) {
    case 'open':
      return null;
    case 'closed':
      return `pull request #${number} is closed: reopen it first (trunkflow pr reopen ${number})`;
    case 'merged':
      return `pull request #${number} is already merged`;
    default:
      return assertNever(state, 'pull request state');
  }
}

export interface PullRequest {
  id: string;
  projectId: string;
  number: number;
  title: string;
  body: string;
  state: PullState;
  draft: boolean;
  head: string;
  headSha: string;
  base: string;
  authorId: string;
  /** The author's user name. */
  author: string;
  /** The author's e-mail, for the squash commit. */
  authorEmail: string;
  taskKey: string | null;
  mergeSha: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
}

export interface Review {
  id: string;
  reviewerId: string;
  /** The reviewer's user name. */
  reviewer: string;
  verdict: ReviewVerdict;
  body: string;
  sha: string;
  dismissed: boolean;
  createdAt: string;
}

export interface CheckRun {
  sha: string;
  ok: boolean;
  findings: Finding[];
  createdAt: string;
  /**
   * Set when trunkflow.yml at this sha is invalid. Core findings have no slot for a config
   * problem, so the rules ran with the defaults and this field carries the error; a run with a
   * config error is never ok, so the merge gate blocks until the file is fixed.
   */
  configError: string | null;
}

export type PullStateFilter = PullState | 'all';

/** The full ref of a branch. */
export function branchRef(branch: string): string {
  return `refs/heads/${branch}`;
}
