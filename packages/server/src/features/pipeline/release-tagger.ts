// The staging run's tag step: the next version from the squash titles since the last tag, as an annotated tag with notes.
import { parseVersionTag, planRelease, type ReleaseCommit, releaseNotes } from '@trunkflow/core';
import { identityEnv, runGit, TRUNKFLOW_COMMITTER } from '@trunkflow/git';

export interface TagOutcome {
  /** The tag made, or null when none was (HEAD already tagged, or nothing to release): `reason` says why. */
  tag: string | null;
  reason: string;
  /** The PR numbers of the release, from its squash subjects. */
  prs: number[];
}

const PR_SUFFIX = /\(#(\d+)\)\s*$/;

/** The newest version tag reachable from `sha`, by version order; null before the first release. */
async function lastVersionTag(repo: string, sha: string): Promise<string | null> {
  const out = await runGit(['tag', '--merged', sha, '--list', '--sort=-v:refname'], { cwd: repo });
  return (
    out
      .split('\n')
      .map((name) => name.trim())
      .find((name) => name !== '' && parseVersionTag(name) !== null) ?? null
  );
}

/** Commits from `since` (exclusive, or the root) to `sha`, with their full messages. */
async function commitsSince(repo: string, since: string | null, sha: string): Promise<ReleaseCommit[]> {
  const range = since === null ? sha : `${since}..${sha}`;
  const out = await runGit(['log', '--format=%H%x00%B%x1e', range], { cwd: repo });
  return out
    .split('\x1e')
    .map((record) => record.replace(/^\n+/, ''))
    .filter((record) => record.includes('\x00'))
    .map((record) => {
      const [commit = '', message = ''] = record.split('\x00');
      return { sha: commit, message: message.trimEnd() };
    });
}

/**
 * Tags `sha` when its commits since the last tag call for a release. Run again after a crash, it
 * finds its own tag on HEAD and makes no other (planRelease's head-tag rule).
 */
export async function tagRelease(input: {
  repo: string;
  sha: string;
  prUrl: (pr: number) => string;
  at: Date;
}): Promise<TagOutcome> {
  const { repo, sha } = input;
  const headTags = (await runGit(['tag', '--points-at', sha], { cwd: repo }))
    .split('\n')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const lastTag = await lastVersionTag(repo, sha);
  const commits = await commitsSince(repo, lastTag, sha);
  const plan = planRelease({ lastTag, commits, headTags });
  const prs = plan.commits
    .map((commit) => PR_SUFFIX.exec(commit.subject)?.[1])
    .filter((value): value is string => value !== undefined)
    .map(Number);
  const onHead = headTags.find((name) => parseVersionTag(name) !== null);
  if (onHead !== undefined) return { tag: onHead, reason: `${sha.slice(0, 7)} is already tagged ${onHead}`, prs };
  if (plan.nextTag === null) return { tag: null, reason: plan.reason, prs };
  const notes = releaseNotes({ tag: plan.nextTag, previousTag: lastTag, commits: plan.commits, prUrl: input.prUrl });
  await runGit(['tag', '--annotate', '--cleanup=verbatim', '--message', notes.markdown, plan.nextTag, sha], {
    cwd: repo,
    env: identityEnv(TRUNKFLOW_COMMITTER, TRUNKFLOW_COMMITTER, input.at),
  });
  return { tag: plan.nextTag, reason: plan.reason, prs };
}
