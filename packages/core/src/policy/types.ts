// The policy engine's vocabulary: the facts a check reads and the findings it returns.
import type { CoverageBaseline, CoverageReport } from './coverage/model.js';

export const RULE_IDS = [
  'pr-size',
  'daily-pr-limit',
  'branch-age',
  'feature-flag',
  'user-flow-checklist',
  'coverage',
  'title-format',
  'linked-task',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export type FindingStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Finding {
  id: RuleId;
  status: FindingStatus;
  /** One human sentence saying why the rule has this status. */
  message: string;
  details: Record<string, unknown>;
}

/** One file of the change, as `git diff --numstat` sees it. */
export interface ChangedFile {
  path: string;
  /** Set when git detected a rename or copy. */
  previousPath?: string;
  /** Null for binary files. */
  added: number | null;
  deleted: number | null;
  binary: boolean;
}

/** Lines a change adds or removes in one file, from a zero-context patch. */
export interface FilePatch {
  path: string;
  /** New-side line numbers and text of added lines. */
  added: { line: number; text: string }[];
  /** Text of removed lines. */
  removed: string[];
}

/** Another pull request by the same author, used by `daily-pr-limit`. */
export interface AuthorPullRequest {
  /** A PR number, or a trunk commit sha in standalone mode. */
  ref: string;
  openedAt: string;
  source: 'pull-request' | 'trunk-commit';
}

export interface PullRequestFacts {
  title: string;
  body: string | null;
  branch: string | null;
  author: { name: string; email: string } | null;
  /** When the PR was opened; the daily limit counts that day. Absent in standalone mode (the check's day). */
  openedAt?: string;
}

/**
 * Everything a check may read. Optional facts are gathered only when a rule
 * that needs them is enabled; a rule whose facts are missing is skipped.
 */
export interface PolicyFacts {
  /** ISO-8601 instant the check runs at. */
  now: string;
  pr: PullRequestFacts;
  changedFiles?: ChangedFile[];
  patches?: FilePatch[];
  /** Content of the repository's root `.gitattributes` at head, or '' if none. */
  gitattributes?: string;
  /** Commits on the branch that are not on trunk, oldest first. */
  branchCommits?: { sha: string; authoredAt: string }[];
  /** Other PRs by the PR's author around `now` (excluding the PR under check). */
  authorPullRequests?: AuthorPullRequest[];
  /** The flags registry at head: its path and content, null when the file is absent. */
  flagRegistry?: { path: string; content: string | null };
  coverage?: {
    current: CoverageReport | null;
    baseline: CoverageBaseline | null;
    /** Workspace package folders ('' is the repository root). */
    packages: string[];
  };
}

export type FactName = Exclude<keyof PolicyFacts, 'now' | 'pr'>;
