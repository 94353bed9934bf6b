// Turns the commits since the last version tag into the next version and tag, without touching git.
import semver from 'semver';
import { type Bump, classifyCommit, maxBump } from './classify-commit.js';
import { ReleaseError } from './release-error.js';
import { DEFAULT_TAG_PREFIX, formatVersionTag, parseVersionTag } from './version-tag.js';

export interface ReleaseCommit {
  sha: string;
  message: string;
}

export interface PlanReleaseInput {
  /** The latest version tag reachable from HEAD; null before the first release. */
  lastTag: string | null;
  /** Commits after `lastTag` up to HEAD, in any order. */
  commits: readonly ReleaseCommit[];
  tagPrefix?: string;
  /** Tag names already pointing at HEAD. */
  headTags?: readonly string[];
}

export interface PlannedCommit {
  sha: string;
  bump: Bump | null;
  type: string | null;
  scope: string | null;
  subject: string;
  breaking: boolean;
}

export interface ReleasePlan {
  bump: Bump | null;
  /** The version `lastTag` names; null before the first release. */
  currentVersion: string | null;
  nextVersion: string | null;
  nextTag: string | null;
  /** One sentence on why this plan, for logs, the CLI and the release page. */
  reason: string;
  commits: PlannedCommit[];
}

// Versioning starts from 0.0.0 so a first feat gives 0.1.0, a first fix 0.0.1 and a first break 1.0.0.
const INITIAL_VERSION = '0.0.0';

/** Throws a `ReleaseError` when `lastTag` is not a version tag for `tagPrefix`. */
export function planRelease(input: PlanReleaseInput): ReleasePlan {
  const tagPrefix = input.tagPrefix ?? DEFAULT_TAG_PREFIX;
  const currentVersion = input.lastTag === null ? null : parseLastTag(input.lastTag, tagPrefix);
  const commits = input.commits.map(
    (commit): PlannedCommit => ({ sha: commit.sha, ...classifyCommit(commit.message) }),
  );
  const none = { bump: null, currentVersion, nextVersion: null, nextTag: null, commits } as const;

  const headVersionTags = (input.headTags ?? []).filter((name) => parseVersionTag(name, tagPrefix) !== null);
  if (headVersionTags.length > 0) {
    return { ...none, reason: `HEAD is already tagged ${headVersionTags.join(', ')}: no new tag is created` };
  }

  const since = input.lastTag === null ? 'in history' : `since ${input.lastTag}`;
  if (commits.length === 0) {
    return { ...none, reason: `no commits ${since}: nothing to release` };
  }

  const bump = commits.reduce<Bump | null>((highest, commit) => maxBump(highest, commit.bump), null);
  if (bump === null) {
    return {
      ...none,
      reason: `none of the ${countOf(commits.length)} ${since} is a feat, fix, perf, revert or breaking change: nothing to release`,
    };
  }

  const base = currentVersion ?? INITIAL_VERSION;
  const nextVersion = semver.inc(base, bump);
  if (nextVersion === null) {
    // Unreachable: `base` was validated above; kept so a semver change cannot produce a null tag silently.
    throw new ReleaseError('invalid-last-tag', `cannot apply a ${bump} bump to version ${base}`);
  }
  const nextTag = formatVersionTag(nextVersion, tagPrefix);
  const driver = commits.find((commit) => commit.bump === bump);
  const drivenBy = driver ? ` (from ${driver.sha.slice(0, 7)} "${describe(driver)}")` : '';
  const outcome = input.lastTag === null ? `first release ${nextTag}` : `${input.lastTag} → ${nextTag}`;
  return {
    bump,
    currentVersion,
    nextVersion,
    nextTag,
    commits,
    reason: `${bump} bump from ${countOf(commits.length)} ${since}${drivenBy}: ${outcome}`,
  };
}

function parseLastTag(lastTag: string, tagPrefix: string): string {
  const version = parseVersionTag(lastTag, tagPrefix);
  if (version !== null) return version;
  const example = formatVersionTag('1.2.3', tagPrefix);
  throw new ReleaseError(
    'invalid-last-tag',
    `last tag "${lastTag}" is not a version tag: expected "${tagPrefix}" followed by a semver version, like ${example}. ` +
      'Pass the latest version tag as the last tag, or set the tag prefix to the one your version tags use.',
  );
}

function describe(commit: PlannedCommit): string {
  if (commit.type === null) return commit.subject;
  const scope = commit.scope === null ? '' : `(${commit.scope})`;
  return `${commit.type}${scope}${commit.breaking ? '!' : ''}: ${commit.subject}`;
}

function countOf(n: number): string {
  return n === 1 ? '1 commit' : `${n} commits`;
}
