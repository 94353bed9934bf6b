// Refs of a repository: reading them, and moving or deleting one only if it is where the caller last saw it.
import { identityEnv, TRUNKFLOW_COMMITTER } from './identity.js';
import { GitError, runGit } from './run-git.js';

/** The object name git uses for "no ref": the old side of a creation, the new side of a deletion. */
export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** The commit a branch points at, or null when the branch does not exist. */
export async function branchSha(repo: string, branch: string): Promise<string | null> {
  const out = await runGit(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
    cwd: repo,
    okExitCodes: [1],
  });
  const sha = out.trim();
  return sha === '' ? null : sha;
}

/** Every ref (`refs/heads/main`, `refs/tags/v1`, …) and the object it points at. */
export async function listRefs(repo: string): Promise<Map<string, string>> {
  const out = await runGit(['for-each-ref', '--format=%(objectname) %(refname)'], { cwd: repo });
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
  }
  return refs;
}

/**
 * Moves a ref from `expected` to `next` atomically (`git update-ref <ref> <new> <old>`); `expected`
 * ZERO_SHA creates it. Returns false when the ref was not at `expected` (or another writer held its
 * lock): the caller re-reads and retries.
 */
export async function compareAndSwapRef(
  repo: string,
  ref: string,
  next: string,
  expected: string,
  reason: string,
  at: Date,
): Promise<boolean> {
  try {
    await runGit(['update-ref', '-m', reason, ref, next, expected], {
      cwd: repo,
      env: identityEnv(TRUNKFLOW_COMMITTER, TRUNKFLOW_COMMITTER, at),
    });
    return true;
  } catch (error) {
    if (
      error instanceof GitError &&
      error.exitCode === 128 &&
      /cannot lock ref|unable to create|File exists/i.test(error.stderr)
    ) {
      return false;
    }
    throw error;
  }
}

/** Deletes a ref only if it still points at `expected`; false when it moved or is already gone. */
export async function deleteRefIfAt(
  repo: string,
  ref: string,
  expected: string,
  reason: string,
  at: Date,
): Promise<boolean> {
  try {
    await runGit(['update-ref', '-m', reason, '-d', ref, expected], {
      cwd: repo,
      env: identityEnv(TRUNKFLOW_COMMITTER, TRUNKFLOW_COMMITTER, at),
    });
    return true;
  } catch (error) {
    // git exits 1 (not 128, as update-ref without -d does) when the ref moved or is already gone.
    if (
      error instanceof GitError &&
      (error.exitCode === 1 || error.exitCode === 128) &&
      /cannot lock ref/i.test(error.stderr)
    ) {
      return false;
    }
    throw error;
  }
}
