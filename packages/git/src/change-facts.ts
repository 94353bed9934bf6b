// Gathers a change's policy facts from real git: few processes, run side by side.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthorPullRequest, FactName, PolicyFacts } from '@trunkflow/core';
import { type CommitObject, parseCatFileBatch, parseCommitObject } from './cat-file.js';
import { type ParsedPatch, parseNumstatZ, parsePatch } from './diff-output.js';
import { GitError, runGit, runGitRaw } from './run-git.js';

export class RefNotFoundError extends Error {
  constructor(
    readonly ref: string,
    readonly role: 'base' | 'head',
  ) {
    // What to do depends on the repository's remotes and branches; the CLI adds that hint.
    super(`${role} ref "${ref}" does not name a commit in this repository`);
    this.name = 'RefNotFoundError';
  }
}

export interface ChangeFactsRequest {
  /** A work tree or a bare repository. */
  repo: string;
  base: string;
  head: string;
  /** Facts to gather; others are left out. */
  needs: ReadonlySet<FactName>;
  /** Repository path of the flags registry, read at head. */
  flagRegistryPath: string;
  /** Squash merges on trunk (subjects ending in "(#n)") committed after this instant count as the author's PRs. */
  authorCommitsSince: string;
  /** A patch started earlier with `startPatch`; used when it diffed the same two commits. */
  patch?: Promise<EarlyPatch | null>;
}

/** A parsed patch of `base...head`, with the commits it was taken between. */
export interface EarlyPatch {
  baseSha: string;
  headSha: string;
  parsed: ParsedPatch;
}

export interface ChangeFacts {
  baseSha: string;
  headSha: string;
  mergeBase: string;
  headCommit: CommitObject;
  facts: Omit<PolicyFacts, 'now' | 'pr'>;
}

/** The subject of a squash merge as GitHub and Trunkflow write it: the PR's title, then "(#n)". */
const SQUASH_SUBJECT = /\(#\d+\)\s*$/;

const DIFF_FLAGS = ['--no-ext-diff', '--no-textconv', '--no-color', '-M', '--src-prefix=a/', '--dst-prefix=b/'];

/**
 * The patch's arguments. One line of context, not zero: at -U0 git first cuts the files' common
 * tail, which can change how the rest aligns (12/12 where --numstat says 13/13), while any other
 * context diffs the whole files as --numstat does, so the patch's counts are --numstat's.
 */
export const PATCH_ARGS: readonly string[] = ['diff', '-U1', ...DIFF_FLAGS];

/**
 * Runs the diff into a temporary file, then parses it. Through a pipe, git stalls whenever this
 * process is busy and the pipe is full; a file lets it run at its own speed.
 */
async function diffPatch(cwd: string, range: string): Promise<ParsedPatch> {
  const args = [...PATCH_ARGS];
  const dir = await mkdtemp(join(tmpdir(), 'trunkflow-patch-')).catch(() => null);
  // No writable temporary folder (a read-only container): the pipe works, only slower.
  if (dir === null) return parsePatch(await runGit([...args, range], { cwd }));
  try {
    const file = join(dir, 'patch');
    await runGit([...args, `--output=${file}`, range], { cwd });
    return parsePatch(await readFile(file, 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function assertSafeRef(ref: string, role: 'base' | 'head'): void {
  // Names reach git through stdin or after shas; still refuse option-looking names outright.
  if (ref === '' || ref.startsWith('-') || /[\0\n]/.test(ref)) throw new RefNotFoundError(ref, role);
}

/**
 * Starts the patch of `base...head` at once, before the caller knows which facts it needs, so
 * git's slowest command runs while the caller loads its config and code. It settles to null on
 * any failure: `gatherChangeFacts` then diffs again, and reports a bad ref in its own words.
 */
export function startPatch(cwd: string, base: string, head: string): Promise<EarlyPatch | null> {
  const early = async (): Promise<EarlyPatch> => {
    assertSafeRef(base, 'base');
    assertSafeRef(head, 'head');
    // From the work tree's root, as gatherChangeFacts runs, so diff.relative cannot narrow it.
    const resolved = await runGit(['rev-parse', '--show-toplevel', `${base}^{commit}`, `${head}^{commit}`], {
      cwd,
    });
    const [root = cwd, baseSha = '', headSha = ''] = resolved.split('\n');
    return { baseSha, headSha, parsed: await diffPatch(root, `${baseSha}...${headSha}`) };
  };
  return early().catch(() => null);
}

export async function gatherChangeFacts(request: ChangeFactsRequest): Promise<ChangeFacts> {
  const { repo, needs } = request;
  assertSafeRef(request.base, 'base');
  assertSafeRef(request.head, 'head');
  const registryPath = request.flagRegistryPath.replace(/^\.?\//, '');
  const names = [
    `${request.base}^{commit}`,
    `${request.head}^{commit}`,
    `${request.head}:.gitattributes`,
    `${request.head}:${registryPath}`,
  ];
  const batch = await runGitRaw(['cat-file', '--batch'], { cwd: repo, input: `${names.join('\n')}\n` });
  const [base, head, attributes, registry] = parseCatFileBatch(batch.stdout, names.length);
  if (base?.type !== 'commit') throw new RefNotFoundError(request.base, 'base');
  if (head?.type !== 'commit') throw new RefNotFoundError(request.head, 'head');
  const headCommit = parseCommitObject(head.content);

  const git = (args: string[]) => runGit(args, { cwd: repo });
  const mergeBasePromise = git(['merge-base', base.sha, head.sha]).then(
    (out) => out.trim(),
    (error: unknown) => {
      if (error instanceof GitError && error.exitCode === 1) {
        throw new GitError(
          `${request.base} and ${request.head} share no history: pass a --base that ${request.head} was branched from`,
          error.args,
          error.exitCode,
          error.stderr,
        );
      }
      throw error;
    },
  );
  const authorPromise = needs.has('authorPullRequests')
    ? git([
        'log',
        '--first-parent',
        '--no-merges',
        `--since=${request.authorCommitsSince}`,
        '--format=%H%x09%ae%x09%cI%x09%s',
        base.sha,
      ])
    : Promise.resolve(null);

  // `base...head` diffs against the merge base and `base..head` lists the branch's own commits,
  // so every process starts at once instead of waiting for merge-base. The patch, when needed or
  // already started, also gives the changed files, so one diff runs, never two.
  const range = `${base.sha}...${head.sha}`;
  const usePatch = needs.has('patches') || (needs.has('changedFiles') && request.patch !== undefined);
  const patchPromise = usePatch
    ? (request.patch ?? Promise.resolve(null)).then((early) =>
        early?.baseSha === base.sha && early.headSha === head.sha ? early.parsed : diffPatch(repo, range),
      )
    : null;
  const settled = await Promise.allSettled([
    mergeBasePromise,
    needs.has('changedFiles') && !usePatch ? git(['diff', '--numstat', '-z', ...DIFF_FLAGS, range]) : null,
    patchPromise,
    needs.has('branchCommits') ? git(['log', '--reverse', '--format=%H%x09%aI', `${base.sha}..${head.sha}`]) : null,
    needs.has('coverage') ? git(['ls-tree', '-r', '-z', '--name-only', head.sha]) : null,
    authorPromise,
  ]);
  // Unrelated histories make every diff fail too; merge-base's explanation is the useful one.
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw settled[0].status === 'rejected' ? settled[0].reason : failure.reason;
  const [mergeBase, numstat, patch, branchLog, tree, authorLog] = settled.map((result) =>
    result.status === 'fulfilled' ? result.value : null,
  ) as [string, string | null, ParsedPatch | null, string | null, string | null, string | null];

  const facts: ChangeFacts['facts'] = {};
  if (numstat !== null) facts.changedFiles = parseNumstatZ(numstat);
  if (patch !== null) {
    if (needs.has('patches')) facts.patches = patch.patches;
    if (needs.has('changedFiles')) facts.changedFiles = patch.changedFiles;
  }
  if (needs.has('gitattributes')) facts.gitattributes = attributes?.content.toString('utf8') ?? '';
  if (needs.has('flagRegistry')) {
    facts.flagRegistry = { path: registryPath, content: registry?.content.toString('utf8') ?? null };
  }
  if (branchLog !== null) {
    facts.branchCommits = branchLog
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [sha = '', authoredAt = ''] = line.split('\t');
        return { sha, authoredAt };
      });
  }
  if (authorLog !== null) {
    const email = headCommit.authorEmail.toLowerCase();
    const others: AuthorPullRequest[] = [];
    for (const line of authorLog.split('\n')) {
      const [sha = '', authorEmail = '', committedAt = '', ...subject] = line.split('\t');
      if (sha === '' || sha === head.sha || authorEmail.toLowerCase() !== email) continue;
      // Only a squash merge shows a PR was merged (GitHub and Trunkflow end its subject with
      // "(#n)"); the commits that set up a repository, or one pushed straight to trunk, are not PRs.
      if (SQUASH_SUBJECT.test(subject.join('\t'))) {
        others.push({ ref: sha, openedAt: committedAt, source: 'trunk-commit' });
      }
    }
    facts.authorPullRequests = others;
  }
  if (tree !== null) facts.coverage = { current: null, baseline: null, packages: packageFolders(tree) };
  return { baseSha: base.sha, headSha: head.sha, mergeBase, headCommit, facts };
}

/** Workspace package folders: every folder holding a package.json, outside node_modules. */
export function packageFolders(lsTreeZ: string): string[] {
  const folders = new Set<string>(['']);
  for (const path of lsTreeZ.split('\0')) {
    if (path !== 'package.json' && !path.endsWith('/package.json')) continue;
    if (path.split('/').includes('node_modules')) continue;
    folders.add(path === 'package.json' ? '' : path.slice(0, -'/package.json'.length));
  }
  return [...folders].sort();
}
