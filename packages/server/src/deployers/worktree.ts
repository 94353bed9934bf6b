// Checked-out trees of a project's bare repository, one per deploy, made and removed with `git worktree`.
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GitError, runGit } from '@trunkflow/git';
import { DeployError } from './types.js';

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function isFullSha(sha: string): boolean {
  return SHA.test(sha);
}

/** Both deployers refuse an abbreviated sha before doing anything. */
export function requireFullSha(sha: string): void {
  if (!isFullSha(sha)) {
    throw new DeployError(
      `sha ${JSON.stringify(sha)} is not a full commit id: pass all 40 hex digits`,
      'checkout',
      'failed',
    );
  }
}

/** Forgets worktrees whose folders are gone (after a folder of them was deleted). */
export async function pruneWorktrees(repoPath: string): Promise<void> {
  await runGit(['worktree', 'prune'], { cwd: repoPath }).catch(() => undefined);
}

/**
 * Checks `sha` out at `path`, detached. Hooks are off: a deploy's checkout runs no code of the
 * repository's before the install step, which runs under the deploy's own limits.
 */
export async function addWorktree(repoPath: string, path: string, sha: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    await runGit(['cat-file', '-e', `${sha}^{commit}`], { cwd: repoPath });
  } catch (error) {
    if (error instanceof GitError) {
      throw new Error(`commit ${sha} is not in the repository ${repoPath}: push it first`);
    }
    throw error;
  }
  await runGit(['-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--detach', '--force', path, sha], {
    cwd: repoPath,
  });
}

/** Removes the tree and git's record of it; a tree or repository already gone is no error. */
export async function removeWorktree(repoPath: string, path: string): Promise<void> {
  try {
    // Twice: also removes a tree git holds locked (a checkout a crash interrupted).
    await runGit(['worktree', 'remove', '--force', '--force', path], { cwd: repoPath });
  } catch {
    await rm(path, { recursive: true, force: true });
    await runGit(['worktree', 'prune'], { cwd: repoPath }).catch(() => undefined);
  }
}
