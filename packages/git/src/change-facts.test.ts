// gatherChangeFacts reads changed files from --numstat alone, or from the patch when the patch is
// needed anyway: both ways must give the same files.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FactName } from '@trunkflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EarlyPatch, gatherChangeFacts, startPatch } from './change-facts.js';
import { parseNumstatZ, parsePatch } from './diff-output.js';

let root: string;
let repo: string;

function git(...args: string[]): string {
  const result = spawnSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: root, GIT_CONFIG_NOSYSTEM: '1' },
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

function write(path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), content);
}

function commit(message: string): void {
  git('add', '-A');
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', message);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'trunkflow-change-facts-'));
  repo = join(root, 'repo');
  mkdirSync(repo);
  git('init', '-q', '-b', 'main');
  write('src/a.ts', 'one\ntwo\nthree\n');
  write('src/old.ts', Array.from({ length: 12 }, (_, i) => `line ${i}\n`).join(''));
  write('logo.png', Buffer.from([0, 1, 2, 0]));
  commit('base');
  git('switch', '-q', '-c', 'feature/TF-2-x');
  write('src/a.ts', 'one\n2\nthree\nfour\n');
  git('mv', 'src/old.ts', 'src/new name.ts');
  write('src/new name.ts', `${Array.from({ length: 12 }, (_, i) => `line ${i}\n`).join('')}line 12\n`);
  write('logo.png', Buffer.from([0, 9, 9, 0]));
  write('docs/empty.md', '');
  commit('feat: x');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const gather = (needs: FactName[], patch?: ReturnType<typeof startPatch>) =>
  gatherChangeFacts({
    patch,
    repo,
    base: 'main',
    head: 'feature/TF-2-x',
    needs: new Set(needs),
    flagRegistryPath: 'flags.json',
    authorCommitsSince: '2000-01-01T00:00:00Z',
  });

describe('gatherChangeFacts', () => {
  it('gives the same changed files from --numstat alone as from the patch', async () => {
    const numstatOnly = await gather(['changedFiles']);
    const withPatch = await gather(['changedFiles', 'patches']);
    expect(numstatOnly.facts.patches).toBeUndefined();
    expect(withPatch.facts.patches?.map((patch) => patch.path).sort()).toEqual(['src/a.ts', 'src/new name.ts']);
    expect(withPatch.facts.changedFiles).toEqual(numstatOnly.facts.changedFiles);
    expect(numstatOnly.facts.changedFiles).toEqual(
      expect.arrayContaining([
        { path: 'src/a.ts', added: 2, deleted: 1, binary: false },
        { path: 'src/new name.ts', previousPath: 'src/old.ts', added: 1, deleted: 0, binary: false },
        { path: 'logo.png', added: null, deleted: null, binary: true },
        { path: 'docs/empty.md', added: 0, deleted: 0, binary: false },
      ]),
    );
    expect(numstatOnly.facts.changedFiles).toHaveLength(4);
  });

  it('uses a patch started early from a subfolder, and gives what it would have found itself', async () => {
    const early = startPatch(join(repo, 'src'), 'main', 'feature/TF-2-x');
    expect((await early)?.parsed.changedFiles).toHaveLength(4);
    const withEarly = await gather(['changedFiles', 'patches'], early);
    const without = await gather(['changedFiles', 'patches']);
    expect(withEarly.facts).toEqual(without.facts);
  });

  it('takes an early patch of the same commits as it is, without diffing again', async () => {
    const real = await startPatch(repo, 'main', 'feature/TF-2-x');
    if (real === null) throw new Error('startPatch failed on a valid range');
    const marked: EarlyPatch = {
      ...real,
      parsed: { changedFiles: [{ path: 'marker', added: 1, deleted: 0, binary: false }], patches: [] },
    };
    const facts = (await gather(['changedFiles', 'patches'], Promise.resolve(marked))).facts;
    expect(facts.changedFiles).toEqual(marked.parsed.changedFiles);
  });

  it('diffs through a pipe when no temporary folder is writable', async () => {
    const without = await gather(['changedFiles', 'patches']);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(root, 'no-such-folder', 'tmp');
    try {
      expect((await gather(['changedFiles', 'patches'])).facts).toEqual(without.facts);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('ignores an early patch of other commits, and one that failed', async () => {
    const other = startPatch(repo, 'main', 'main');
    expect((await other)?.parsed.changedFiles).toEqual([]);
    const without = await gather(['changedFiles', 'patches']);
    expect((await gather(['changedFiles', 'patches'], other)).facts).toEqual(without.facts);
    const failed = startPatch(repo, 'main', 'no-such-branch');
    expect(await failed).toBeNull();
    expect((await gather(['changedFiles', 'patches'], failed)).facts).toEqual(without.facts);
  });

  it('leaves out the changed files when only the patch is needed', async () => {
    const patchOnly = await gather(['patches']);
    expect(patchOnly.facts.changedFiles).toBeUndefined();
    expect(patchOnly.facts.patches).toHaveLength(2);
  });
});

// At -U0 git cuts the files' common tail before diffing. Here the tail holds 600 copies of the
// `}` that sits between the changed lines, so with it git treats that `}` as too common to match
// (13 lines each way), and without it matches it (12). GitHub, like --numstat, shows 13.
describe('line counts on a change where a zero-context diff aligns differently', () => {
  const region = (side: string) => [
    ...Array.from({ length: 6 }, (_, i) => `${side} ${i}`),
    '}',
    ...Array.from({ length: 6 }, (_, i) => `${side} ${i + 6}`),
  ];
  const file = (side: string) =>
    `${['start', ...region(side), 'end', ...Array.from({ length: 150 }, (_, i) => `tail ${i}`), ...Array(600).fill('}')].join('\n')}\n`;

  beforeAll(() => {
    git('switch', '-q', '-c', 'tail-base', 'main');
    write('src/braces.ts', file('old'));
    commit('base: braces');
    git('switch', '-q', '-c', 'tail-head');
    write('src/braces.ts', file('new'));
    commit('fix: braces');
    git('switch', '-q', 'feature/TF-2-x');
  });

  it('counts what git diff --numstat counts, where git diff -U0 counts otherwise', async () => {
    const range = 'tail-base...tail-head';
    const numstat = parseNumstatZ(git('diff', '--numstat', '-z', range));
    const zeroContext = parsePatch(git('diff', '-U0', range)).changedFiles;
    expect(numstat).toEqual([{ path: 'src/braces.ts', added: 13, deleted: 13, binary: false }]);
    // The case only proves something while -U0 disagrees.
    expect(zeroContext).not.toEqual(numstat);
    for (const needs of [['changedFiles'], ['changedFiles', 'patches']] as FactName[][]) {
      const facts = await gatherChangeFacts({
        repo,
        base: 'tail-base',
        head: 'tail-head',
        needs: new Set(needs),
        flagRegistryPath: 'flags.json',
        authorCommitsSince: '2000-01-01T00:00:00Z',
      });
      expect(facts.facts.changedFiles).toEqual(numstat);
    }
    const early = await startPatch(repo, 'tail-base', 'tail-head');
    expect(early?.parsed.changedFiles).toEqual(numstat);
    expect(early?.parsed.patches[0]?.added).toHaveLength(13);
  });
});
