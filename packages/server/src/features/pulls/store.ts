// The pull request write store: PRs, reviews, check runs and merge intents, with no business rules.
import type { Finding } from '@trunkflow/core';
import type { Role } from '../../platform/auth/roles.js';
import type { CheckRun, PullRequest, PullStateFilter, Review, ReviewVerdict } from './model.js';

export interface NewPullRequest {
  id: string;
  projectId: string;
  number: number;
  title: string;
  body: string;
  authorId: string;
  head: string;
  headSha: string;
  base: string;
  draft: boolean;
  taskKey: string | null;
  createdAt: string;
}

export interface NewReview {
  id: string;
  pullRequestId: string;
  reviewerId: string;
  verdict: ReviewVerdict;
  body: string;
  sha: string;
  createdAt: string;
}

export interface NewCheckRun {
  id: string;
  pullRequestId: string;
  sha: string;
  ok: boolean;
  findings: Finding[];
  configError: string | null;
  createdAt: string;
}

/** A review with the reviewer's current role in the PR's project. */
export interface RankedReview extends Review {
  reviewerRole: Role;
}

/** The record of a squash merge in flight: written before trunk moves, removed when the PR is merged. */
export interface MergeAttempt {
  pullRequestId: string;
  commitSha: string;
  trunkBefore: string;
  createdAt: string;
  /** User name of who asked for the merge. */
  actor: string | null;
}

/** A push to a branch that landed, from the event log, with the pusher's user name. */
export interface BranchPush {
  pusher: string;
  beforeSha: string;
  afterSha: string;
  createdAt: string;
}

/** Names, addresses and roles of users: the auth feature's, asked for rather than read from its tables. */
export interface PeopleDirectory {
  usersByIds(ids: readonly string[]): Promise<{ id: string; name: string; email: string }[]>;
  /** Each user's effective role in the project (roleIn). */
  rolesIn(projectId: string, userIds: readonly string[]): Promise<Map<string, Role>>;
}

export interface PullStore {
  insert(pull: NewPullRequest): Promise<void>;
  byNumber(projectId: string, number: number): Promise<PullRequest | null>;
  byId(id: string): Promise<PullRequest | null>;
  openByHead(projectId: string, head: string): Promise<PullRequest | null>;
  list(projectId: string, state: PullStateFilter): Promise<PullRequest[]>;
  /** Every open PR of every project, for the push catch-up at start. */
  listOpen(): Promise<PullRequest[]>;
  /** Open PRs whose head is one of `branches`, with their author's name. */
  openOnBranches(
    projectId: string,
    branches: readonly string[],
  ): Promise<{ branch: string; number: number; authorId: string; author: string }[]>;
  /**
   * Touches an open PR's updated_at and reports whether it is still open. On PostgreSQL this
   * row lock orders the writers of one PR (merge intent against close), so run it first.
   */
  lockOpen(id: string, now: string): Promise<boolean>;
  /** Moves the head only from the sha the caller saw; false when another writer got there first. */
  setHead(id: string, fromSha: string, toSha: string, now: string): Promise<boolean>;
  setDraft(id: string, draft: boolean, now: string): Promise<void>;
  markClosed(id: string, now: string): Promise<boolean>;
  markReopened(id: string, headSha: string, now: string): Promise<boolean>;
  /** Open → merged; false when the PR was not open (already merged by a racing recovery). */
  markMerged(id: string, mergeSha: string, now: string): Promise<boolean>;
  /** Creation times of the author's PRs in the project numbered below `beforeNumber` and opened since `since`. */
  authorPullRequestsBefore(
    projectId: string,
    authorId: string,
    beforeNumber: number,
    since: string,
  ): Promise<{ number: number; createdAt: string }[]>;

  insertReview(review: NewReview): Promise<void>;
  /** Reviews oldest first, each with the reviewer's current role in the project. */
  reviews(pullRequestId: string, projectId: string): Promise<RankedReview[]>;
  /** Marks approvals given on other shas dismissed and returns them. */
  dismissApprovals(pullRequestId: string, exceptSha: string): Promise<Review[]>;

  checkRun(pullRequestId: string, sha: string): Promise<CheckRun | null>;
  latestCheckRun(pullRequestId: string): Promise<CheckRun | null>;
  /** Inserts unless a run exists for that PR and sha; true when this call inserted it. */
  insertCheckRun(run: NewCheckRun): Promise<boolean>;

  /** Sets title and body unless the PR is merged (its commit message is on trunk); false then. */
  setText(id: string, text: { title: string; body: string }, now: string): Promise<boolean>;
  /** Forgets the check run of a sha, so an edited title or body is checked again. */
  deleteCheckRun(pullRequestId: string, sha: string): Promise<void>;

  /**
   * Every push to a branch of the project that the event log holds, oldest first, minus those a
   * `push.failed` undid. The `push` event is written before git moves the ref, so a push is here
   * by the time its pusher could ask for a merge.
   */
  branchPushes(projectId: string, branch: string): Promise<BranchPush[]>;

  insertMergeAttempt(attempt: MergeAttempt): Promise<void>;
  mergeAttempt(pullRequestId: string): Promise<MergeAttempt | null>;
  deleteMergeAttempt(pullRequestId: string): Promise<void>;
}
