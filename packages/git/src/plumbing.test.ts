// Refs, in-memory merges, commits and history reads against a real temporary repository.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeBase } from './ancestry.js';
import { commitAuthors, commitsBetween } from './history.js';
import { TRUNKFLOW_COMMITTER } from './identity.js';
import { commitTree, mergeTrees, readFilesAt } from './objects.js';
import { branchSha, compareAndSwapRef, deleteRefIfAt, listRefs, ZERO_SHA } from './refs.js';

let root: string;
let repo: string;
const at = new Date('2026-03-04T05:06:07Z');

function git(...args: string[]): string {
  const result = spawnSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: root, GIT_CONFIG_NOSYSTEM: '1' },
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

function write(files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
}

function commit(message: string, author = 'Ann <ann@example.com>'): string {
  git('add', '-A');
  git('-c', 'user.name=Committer', '-c', 'user.email=c@example.com', 'commit', '-q', '--author', author, '-m', message);
  return git('rev-parse', 'HEAD');
}

let base: string;
let trunk: string;
let feature: string;
let clash: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'trunkflow-plumbing-'));
  repo = join(root, 'repo');
  mkdirSync(repo);
  git('init', '-q', '-b', 'main');
  write({ 'a.txt': 'one\n', 'src/b.txt': 'bee\n' });
  base = commit('base');
  git('switch', '-q', '-c', 'feature');
  write({ 'c.txt': 'sea\n' });
  commit('feat: c');
  write({ 'src/b.txt': 'bee two\n' });
  feature = commit('feat: b\n\nCo-authored-by: Bob Builder <bob@example.com>', 'Zoe <zoe@example.com>');
  git('switch', '-q', 'main');
  write({ 'd.txt': 'dee\n' });
  trunk = commit('trunk moves');
  git('switch', '-q', '-c', 'clash', base);
  write({ 'src/b.txt': 'bee clash\n' });
  clash = commit('clash');
  git('switch', '-q', 'main');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('refs', () => {
  it('reads a branch, and null for one that does not exist', async () => {
    expect(await branchSha(repo, 'main')).toBe(trunk);
    expect(await branchSha(repo, 'nope')).toBeNull();
  });

  it('lists every ref with its object', async () => {
    const refs = await listRefs(repo);
    expect(refs.get('refs/heads/main')).toBe(trunk);
    expect(refs.get('refs/heads/feature')).toBe(feature);
    expect(refs.get('refs/heads/clash')).toBe(clash);
  });

  it('moves a ref only from the expected value, and creates one from ZERO_SHA', async () => {
    expect(await compareAndSwapRef(repo, 'refs/heads/cas', base, ZERO_SHA, 'create', at)).toBe(true);
    expect(await compareAndSwapRef(repo, 'refs/heads/cas', trunk, ZERO_SHA, 'create again', at)).toBe(false);
    expect(await compareAndSwapRef(repo, 'refs/heads/cas', trunk, feature, 'stale', at)).toBe(false);
    expect(await branchSha(repo, 'cas')).toBe(base);
    expect(await compareAndSwapRef(repo, 'refs/heads/cas', trunk, base, 'move', at)).toBe(true);
    expect(await branchSha(repo, 'cas')).toBe(trunk);
    // The reflog names Trunkflow as who moved it.
    expect(git('log', '-g', '-1', '--format=%gn <%ge> %gs', 'refs/heads/cas')).toBe(
      `${TRUNKFLOW_COMMITTER.name} <${TRUNKFLOW_COMMITTER.email}> move`,
    );
  });

  it('deletes a ref only while it is at the expected value', async () => {
    git('branch', 'doomed', base);
    expect(await deleteRefIfAt(repo, 'refs/heads/doomed', trunk, 'wrong', at)).toBe(false);
    expect(await branchSha(repo, 'doomed')).toBe(base);
    expect(await deleteRefIfAt(repo, 'refs/heads/doomed', base, 'delete', at)).toBe(true);
    expect(await branchSha(repo, 'doomed')).toBeNull();
    expect(await deleteRefIfAt(repo, 'refs/heads/doomed', base, 'again', at)).toBe(false);
  });
});

describe('objects', () => {
  it('merges two commits in memory with no conflicts, touching no ref', async () => {
    const merged = await mergeTrees(repo, trunk, feature);
    expect(merged.conflicts).toEqual([]);
    expect(git('ls-tree', '-r', '--name-only', merged.tree).split('\n')).toEqual([
      'a.txt',
      'c.txt',
      'd.txt',
      'src/b.txt',
    ]);
    expect(git('rev-parse', 'main')).toBe(trunk);
  });

  it('names the conflicting paths', async () => {
    expect((await mergeTrees(repo, feature, clash)).conflicts).toEqual(['src/b.txt']);
  });

  it('writes a commit with the given identities, date and message, parented on trunk', async () => {
    const { tree } = await mergeTrees(repo, trunk, feature);
    const sha = await commitTree(repo, {
      tree,
      parent: trunk,
      message: 'feat: squash (#1)\n\nBody; not a $(shell)\n',
      author: { name: 'Zoe', email: 'zoe@example.com' },
      committer: TRUNKFLOW_COMMITTER,
      at,
    });
    expect(git('log', '-1', '--format=%an <%ae>|%cn <%ce>|%at|%P|%T', sha)).toBe(
      `Zoe <zoe@example.com>|Trunkflow <trunkflow@localhost>|${at.getTime() / 1000}|${trunk}|${tree}`,
    );
    expect(git('log', '-1', '--format=%B', sha)).toBe('feat: squash (#1)\n\nBody; not a $(shell)');
  });

  it('reads files at a commit, null for a missing path or a directory', async () => {
    expect(await readFilesAt(repo, feature, ['src/b.txt', 'missing.txt', 'src', 'a.txt'])).toEqual([
      'bee two\n',
      null,
      null,
      'one\n',
    ]);
    expect(await readFilesAt(repo, feature, [])).toEqual([]);
  });
});

describe('history', () => {
  it('finds the merge base, and null for unrelated histories', async () => {
    expect(await mergeBase(repo, trunk, feature)).toBe(base);
    const orphanTree = git('mktree');
    const orphan = git(
      '-c',
      'user.name=O',
      '-c',
      'user.email=o@example.com',
      'commit-tree',
      orphanTree,
      '-m',
      'orphan',
    );
    expect(await mergeBase(repo, trunk, orphan)).toBeNull();
  });

  it('lists the commits on head and not on base', async () => {
    const commits = await commitsBetween(repo, 'main', 'feature');
    expect(commits.size).toBe(2);
    expect(commits.has(feature)).toBe(true);
    expect(commits.has(trunk)).toBe(false);
  });

  it('gives commit authors oldest first, each followed by its Co-authored-by people', async () => {
    expect(await commitAuthors(repo, 'main', 'feature')).toEqual([
      { name: 'Ann', email: 'ann@example.com' },
      { name: 'Zoe', email: 'zoe@example.com' },
      { name: 'Bob Builder', email: 'bob@example.com' },
    ]);
  });
});
