// Objects written and read without a work tree: in-memory merges, commits from a tree, files at a commit.
import { parseCatFileBatch } from './cat-file.js';
import { type Identity, identityEnv } from './identity.js';
import { GitError, runGit, runGitRaw } from './run-git.js';

export interface MergeTree {
  /** The merged tree; with conflicts it holds conflict markers and must not be committed. */
  tree: string;
  /** Paths that conflict; empty for a clean merge. */
  conflicts: string[];
}

/** Merges two commits in memory (`git merge-tree --write-tree`): no work tree, no index, no refs touched. */
export async function mergeTrees(repo: string, trunkSha: string, headSha: string): Promise<MergeTree> {
  const result = await runGitRaw(
    ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', trunkSha, headSha],
    {
      cwd: repo,
      okExitCodes: [1],
    },
  );
  // -z output: "<tree>\0<path>\0<path>\0" and, before any messages, an empty field.
  const fields = result.stdout.toString('utf8').split('\0');
  const tree = fields[0]?.trim() ?? '';
  if (!/^[0-9a-f]{40,64}$/.test(tree)) {
    throw new GitError('git merge-tree gave no tree', ['merge-tree'], result.exitCode, '');
  }
  const conflicts: string[] = [];
  if (result.exitCode === 1) {
    for (const field of fields.slice(1)) {
      if (field === '') break;
      if (!conflicts.includes(field)) conflicts.push(field);
    }
  }
  return { tree, conflicts };
}

export interface SquashCommit {
  tree: string;
  parent: string;
  message: string;
  author: Identity;
  committer: Identity;
  at: Date;
}

/** Writes a commit object with `git commit-tree`; the message goes through stdin, never a shell. */
export async function commitTree(repo: string, commit: SquashCommit): Promise<string> {
  const out = await runGit(['commit-tree', commit.tree, '-p', commit.parent], {
    cwd: repo,
    input: commit.message,
    env: identityEnv(commit.author, commit.committer, commit.at),
  });
  return out.trim();
}

/** Reads files at a commit in one `cat-file --batch`; a missing file (or non-blob) is null. */
export async function readFilesAt(repo: string, sha: string, paths: readonly string[]): Promise<(string | null)[]> {
  if (paths.length === 0) return [];
  const names = paths.map((path) => `${sha}:${path}`);
  const result = await runGitRaw(['cat-file', '--batch'], { cwd: repo, input: `${names.join('\n')}\n` });
  return parseCatFileBatch(result.stdout, names.length).map((object) =>
    object?.type === 'blob' ? object.content.toString('utf8') : null,
  );
}
