// Commit ancestry questions answered by git.
import { runGit, runGitRaw } from './run-git.js';

/** Whether `ancestor` is `descendant` or one of its ancestors; false when either is unknown. */
export async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await runGitRaw(['merge-base', '--is-ancestor', ancestor, descendant], {
    cwd: repo,
    okExitCodes: [1, 128],
  });
  return result.exitCode === 0;
}

/** The best common ancestor, or null when the two share no history. */
export async function mergeBase(repo: string, a: string, b: string): Promise<string | null> {
  const out = await runGit(['merge-base', a, b], { cwd: repo, okExitCodes: [1] });
  const sha = out.trim();
  return sha === '' ? null : sha;
}
