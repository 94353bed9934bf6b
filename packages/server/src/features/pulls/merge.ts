// Git plumbing on a project's bare repository for PRs: ref reads, merge trees, squash commits, ref CAS.
import { GitError, parseCatFileBatch, runGit, runGitRaw } from '@trunkflow/git';

export const ZERO_SHA = '0000000000000000000000000000000000000000';

export interface Identity {
  name: string;
  email: string;
}

/** Trunkflow itself commits merges and moves refs. */
export const TRUNKFLOW_COMMITTER: Identity = { name: 'Trunkflow', email: 'trunkflow@localhost' };

function gitDate(at: Date): string {
  return `${Math.floor(at.getTime() / 1000)} +0000`;
}

/**
 * The child needs PATH and HOME to run at all, so the parent environment is passed through;
 * identities and dates are set explicitly and nothing is read from it here.
 */
function identityEnv(author: Identity, committer: Identity, at: Date): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: gitDate(at),
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: gitDate(at),
  };
}

/** The commit a branch points at, or null when the branch does not exist. */
export async function branchSha(repo: string, branch: string): Promise<string | null> {
  const out = await runGit(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
    cwd: repo,
    okExitCodes: [1],
  });
  const sha = out.trim();
  return sha === '' ? null : sha;
}

/** The best common ancestor, or null when the two share no history. */
export async function mergeBase(repo: string, a: string, b: string): Promise<string | null> {
  const out = await runGit(['merge-base', a, b], { cwd: repo, okExitCodes: [1] });
  const sha = out.trim();
  return sha === '' ? null : sha;
}

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

/**
 * Moves a ref from `expected` to `next` atomically (`git update-ref <ref> <new> <old>`).
 * Returns false when the ref was not at `expected` (or another writer held its lock): the caller re-reads and retries.
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
    if (error instanceof GitError && error.exitCode === 128) return false;
    throw error;
  }
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

/**
 * The squash commit's message: "<title> (#n)", then the body when there is one, then one
 * `Co-authored-by: Name <email>` trailer per co-author, after a blank line, as GitHub writes them.
 */
export function squashMessage(
  title: string,
  number: number,
  body: string,
  coAuthors: readonly Identity[] = [],
): string {
  const subject = `${title.trim()} (#${number})`;
  const text = body.replace(/\r\n/g, '\n').trim();
  // A body that already credits someone (its own trailer lines) does not get them twice.
  const credited = new Set(
    text
      .split('\n')
      .filter((line) => /^co-authored-by:/i.test(line))
      .map((line) => parseIdentity(line.slice('co-authored-by:'.length))?.email.toLowerCase()),
  );
  const trailers = coAuthors
    .filter((person) => !credited.has(person.email.toLowerCase()))
    .map((person) => `Co-authored-by: ${person.name} <${person.email}>`)
    .join('\n');
  // git reads trailers from the last paragraph only: join a body that ends in trailers, else start one.
  const lastParagraph = text.split('\n\n').at(-1) ?? '';
  const endsInTrailers = text !== '' && lastParagraph.split('\n').every((line) => /^[A-Za-z][\w-]*: \S/.test(line));
  if (trailers !== '' && endsInTrailers) return `${subject}\n\n${text}\n${trailers}\n`;
  return `${[subject, text, trailers].filter((part) => part !== '').join('\n\n')}\n`;
}

/**
 * Who else wrote the PR's commits: each distinct commit author (by e-mail, case-insensitively),
 * in the order of their first commit, leaving out the PR's author.
 */
export function coAuthorsOf(author: Identity, commitAuthors: readonly Identity[]): Identity[] {
  const seen = new Set([author.email.toLowerCase()]);
  const coAuthors: Identity[] = [];
  for (const person of commitAuthors) {
    const key = person.email.toLowerCase();
    if (seen.has(key) || person.email === '' || person.name === '') continue;
    seen.add(key);
    coAuthors.push(person);
  }
  return coAuthors;
}

/** `Name <email>`, as a Co-authored-by trailer holds it; null for anything else. */
export function parseIdentity(value: string): Identity | null {
  const match = /^([^<>\n]+?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(value.trim());
  return match?.[1] && match[2] ? { name: match[1], email: match[2] } : null;
}

/**
 * The authors of the commits on `head` that are not on `base`, oldest commit first, each followed
 * by the people its own Co-authored-by trailers name (a paired commit has two authors).
 */
export async function commitAuthors(repo: string, base: string, head: string): Promise<Identity[]> {
  const format = '%an%x00%ae%x00%(trailers:key=Co-authored-by,valueonly,separator=%x01)%x00';
  const out = await runGitRaw(['log', '--reverse', `--format=${format}`, `${base}..${head}`], { cwd: repo });
  const fields = out.stdout.toString('utf8').split('\0');
  const authors: Identity[] = [];
  for (let i = 0; i + 2 < fields.length; i += 3) {
    // Each record but the first starts with the newline git puts between them.
    const name = (fields[i] ?? '').replace(/^\n/, '');
    authors.push({ name, email: fields[i + 1] ?? '' });
    for (const trailer of (fields[i + 2] ?? '').split('\u0001')) {
      const person = parseIdentity(trailer);
      if (person !== null) authors.push(person);
    }
  }
  return authors;
}

/** The commits on `head` that are not on `base`. */
export async function commitsBetween(repo: string, base: string, head: string): Promise<Set<string>> {
  const out = await runGit(['rev-list', `${base}..${head}`], { cwd: repo });
  return new Set(out.split('\n').filter((line) => line !== ''));
}
