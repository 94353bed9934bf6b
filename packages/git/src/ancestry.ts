// Commit ancestry questions answered by git.
import { runGitRaw } from './run-git.js';

/** Whether `ancestor` is `descendant` or one of its ancestors; false when either is unknown. */
export async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await runGitRaw(['merge-base', '--is-ancestor', ancestor, descendant], {
    cwd: repo,
    okExitCodes: [1, 128],
  });
  return result.exitCode === 0;
}
