import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChangedFile, FilePatch } from '@trunkflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNumstatZ, parsePatch, unquoteGitPath } from './diff-output.js';

// Real git output from a throwaway repository, isolated from the machine's git config.
let root: string;
let repo: string;
let env: NodeJS.ProcessEnv;

function git(args: string[], options: { config?: string[] } = {}): string {
  const result = spawnSync('git', [...(options.config ?? []), ...args], { cwd: repo, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

function write(path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), content);
}

function move(from: string, to: string): void {
  mkdirSync(dirname(join(repo, to)), { recursive: true });
  renameSync(join(repo, from), join(repo, to));
}

function commit(message: string): void {
  git(['add', '-A']);
  git(['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '--no-verify', '-m', message]);
}

const numbered = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join('');

const TAB_PATH = 'tab\there.txt';
const EMOJI_QUOTE_PATH = 'emoji-😀"quote.txt';
/** Changes whose patch has no ---/+++ lines, so only `diff --git` names them. */
const HEADER_ONLY = {
  modeChange: 'bin/run me.sh',
  emptyNewFile: 'docs/empty file.md',
  binaryRenamedTo: 'assets/moved logo.bin',
  quotedBinary: 'assets/tab\tlogo.bin',
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'trunkflow-diff-output-'));
  repo = join(root, 'repo');
  mkdirSync(repo);
  env = { PATH: process.env.PATH, HOME: root, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(root, 'gitconfig') };
  git(['init', '-q', '-b', 'main']);

  write('src/old-name.ts', numbered(1, 20));
  write('src/moved-as-is.ts', numbered(1, 12));
  write('with space.txt', 'before\n');
  write('quo"te.txt', 'before\n');
  write('héllo.txt', 'before\n');
  write('gone.txt', 'one\ntwo\nthree\n');
  write('no-newline.txt', 'first\nlast without newline');
  write('assets/logo.bin', Buffer.from([0, 1, 2, 3, 10, 0, 255]));
  write('dashes.sql', '-- keep\n-- old comment\nselect 1;\n');
  write('hunks.txt', numbered(1, 30));
  write(TAB_PATH, 'before\n');
  write(EMOJI_QUOTE_PATH, 'before\n');
  write(HEADER_ONLY.modeChange, 'echo hi\n');
  write('assets/still.bin', Buffer.from([0, 7, 7, 7, 0]));
  commit('base');

  move('src/old-name.ts', 'src/new-name.ts');
  write('src/new-name.ts', `${numbered(1, 20)}line 21\n`);
  move('src/moved-as-is.ts', 'lib/moved-as-is.ts');
  write('with space.txt', 'after\n');
  write('quo"te.txt', 'after\nmore\n');
  write('héllo.txt', 'after\n');
  git(['rm', '-q', 'gone.txt']);
  write('new file.txt', 'a\nb\n');
  write('no-newline.txt', 'first\nlast changed, still without newline');
  write('assets/logo.bin', Buffer.from([0, 9, 9, 10, 0, 254]));
  write('assets/new.bin', Buffer.from([0, 0, 0, 1]));
  write('dashes.sql', '-- keep\n++counter;\nselect 1;\n');
  write('hunks.txt', numbered(1, 30).replace('line 3\n', 'line three\n').replace('line 25\n', 'line 25\nline 25b\n'));
  write(TAB_PATH, 'after\n');
  write(EMOJI_QUOTE_PATH, 'after\n');
  write(HEADER_ONLY.emptyNewFile, '');
  move('assets/still.bin', HEADER_ONLY.binaryRenamedTo);
  write(HEADER_ONLY.quotedBinary, Buffer.from([0, 3, 0]));
  chmodSync(join(repo, HEADER_ONLY.modeChange), 0o755);
  commit('head');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const DIFF_FLAGS = ['-M', '--no-ext-diff', '--no-color', '--src-prefix=a/', '--dst-prefix=b/'];

describe('parseNumstatZ on real `git diff --numstat -z -M` output', () => {
  let files: ChangedFile[];
  beforeAll(() => {
    files = parseNumstatZ(git(['diff', '--numstat', '-z', ...DIFF_FLAGS, 'HEAD~1', 'HEAD']));
  });
  const find = (path: string) => files.find((file) => file.path === path);

  it.each<{ name: string; path: string; expected: ChangedFile }>([
    {
      name: 'a rename with an edit',
      path: 'src/new-name.ts',
      expected: { path: 'src/new-name.ts', previousPath: 'src/old-name.ts', added: 1, deleted: 0, binary: false },
    },
    {
      name: 'a pure rename',
      path: 'lib/moved-as-is.ts',
      expected: { path: 'lib/moved-as-is.ts', previousPath: 'src/moved-as-is.ts', added: 0, deleted: 0, binary: false },
    },
    {
      name: 'a path with a space',
      path: 'with space.txt',
      expected: { path: 'with space.txt', added: 1, deleted: 1, binary: false },
    },
    {
      name: 'a path with a double quote',
      path: 'quo"te.txt',
      expected: { path: 'quo"te.txt', added: 2, deleted: 1, binary: false },
    },
    {
      name: 'a non-ASCII path',
      path: 'héllo.txt',
      expected: { path: 'héllo.txt', added: 1, deleted: 1, binary: false },
    },
    { name: 'a deleted file', path: 'gone.txt', expected: { path: 'gone.txt', added: 0, deleted: 3, binary: false } },
    {
      name: 'a new file',
      path: 'new file.txt',
      expected: { path: 'new file.txt', added: 2, deleted: 0, binary: false },
    },
    {
      name: 'a file without a trailing newline',
      path: 'no-newline.txt',
      expected: { path: 'no-newline.txt', added: 1, deleted: 1, binary: false },
    },
    {
      name: 'a changed binary file',
      path: 'assets/logo.bin',
      expected: { path: 'assets/logo.bin', added: null, deleted: null, binary: true },
    },
    {
      name: 'a new binary file',
      path: 'assets/new.bin',
      expected: { path: 'assets/new.bin', added: null, deleted: null, binary: true },
    },
    { name: 'two hunks', path: 'hunks.txt', expected: { path: 'hunks.txt', added: 2, deleted: 1, binary: false } },
    { name: 'a path with a tab', path: TAB_PATH, expected: { path: TAB_PATH, added: 1, deleted: 1, binary: false } },
  ])('reads $name', ({ path, expected }) => {
    expect(find(path)).toEqual(expected);
  });

  it('reads every changed file once, and nothing else', () => {
    const expected = [
      'src/new-name.ts',
      'lib/moved-as-is.ts',
      'with space.txt',
      'quo"te.txt',
      'héllo.txt',
      'gone.txt',
      'new file.txt',
      'no-newline.txt',
      'assets/logo.bin',
      'assets/new.bin',
      'dashes.sql',
      'hunks.txt',
      TAB_PATH,
      EMOJI_QUOTE_PATH,
      ...Object.values(HEADER_ONLY),
    ];
    expect(files.map((file) => file.path).sort()).toEqual(expected.sort());
  });

  it.each([
    { name: 'empty output', output: '', files: [] },
    {
      name: 'a binary rename',
      output: '-\t-\t\0old.png\0new.png\0',
      files: [{ path: 'new.png', previousPath: 'old.png', added: null, deleted: null, binary: true }],
    },
    {
      name: 'a plain entry followed by a rename',
      output: '3\t4\ta.ts\0' + '1\t0\t\0b.ts\0c.ts\0',
      files: [
        { path: 'a.ts', added: 3, deleted: 4, binary: false },
        { path: 'c.ts', previousPath: 'b.ts', added: 1, deleted: 0, binary: false },
      ],
    },
  ])('reads $name', ({ output, files: expected }) => {
    expect(parseNumstatZ(output)).toEqual(expected);
  });
});

describe('parsePatch on real `git diff -U1` output', () => {
  let patches: FilePatch[];
  beforeAll(() => {
    patches = parsePatch(git(['diff', '-U1', ...DIFF_FLAGS, 'HEAD~1', 'HEAD'])).patches;
  });
  const find = (path: string) => patches.find((patch) => patch.path === path);

  it.each<{ name: string; expected: FilePatch }>([
    {
      name: 'a rename with an edit, under its new path',
      expected: { path: 'src/new-name.ts', added: [{ line: 21, text: 'line 21' }], removed: [] },
    },
    {
      name: 'a path with a space',
      expected: { path: 'with space.txt', added: [{ line: 1, text: 'after' }], removed: ['before'] },
    },
    {
      name: 'a path with a double quote',
      expected: {
        path: 'quo"te.txt',
        added: [
          { line: 1, text: 'after' },
          { line: 2, text: 'more' },
        ],
        removed: ['before'],
      },
    },
    {
      name: 'a non-ASCII path',
      expected: { path: 'héllo.txt', added: [{ line: 1, text: 'after' }], removed: ['before'] },
    },
    {
      name: 'a deleted file, under its old path',
      expected: { path: 'gone.txt', added: [], removed: ['one', 'two', 'three'] },
    },
    {
      name: 'a new file with a space in its path',
      expected: {
        path: 'new file.txt',
        added: [
          { line: 1, text: 'a' },
          { line: 2, text: 'b' },
        ],
        removed: [],
      },
    },
    {
      name: 'a file without a trailing newline',
      expected: {
        path: 'no-newline.txt',
        added: [{ line: 2, text: 'last changed, still without newline' }],
        removed: ['last without newline'],
      },
    },
    {
      name: 'lines that look like ---/+++ headers',
      expected: { path: 'dashes.sql', added: [{ line: 2, text: '++counter;' }], removed: ['-- old comment'] },
    },
    {
      name: 'two hunks, with new-side line numbers',
      expected: {
        path: 'hunks.txt',
        added: [
          { line: 3, text: 'line three' },
          { line: 26, text: 'line 25b' },
        ],
        removed: ['line 3'],
      },
    },
    {
      name: 'a path with a tab (quoted by git)',
      expected: { path: TAB_PATH, added: [{ line: 1, text: 'after' }], removed: ['before'] },
    },
    {
      name: 'a path with an emoji and a double quote',
      expected: { path: EMOJI_QUOTE_PATH, added: [{ line: 1, text: 'after' }], removed: ['before'] },
    },
  ])('reads $name', ({ expected }) => {
    expect(find(expected.path)).toEqual(expected);
  });

  it('gives no patch for binary files or pure renames, which change no lines', () => {
    const paths = patches.map((patch) => patch.path);
    expect(paths).not.toContain('assets/logo.bin');
    expect(paths).not.toContain('assets/new.bin');
    expect(paths).not.toContain('lib/moved-as-is.ts');
    expect(paths).not.toContain(HEADER_ONLY.binaryRenamedTo);
    expect(paths).toHaveLength(new Set(paths).size);
  });

  // One git process instead of two: the patch must give what --numstat gives. The one exception:
  // a binary file renamed without change has no "Binary files" line, so it reads as 0 lines.
  it.each([
    { name: 'default config', config: [], context: '-U1' },
    { name: 'core.quotePath=false', config: ['-c', 'core.quotePath=false'], context: '-U1' },
    { name: 'three lines of context', config: [], context: '-U3' },
  ])('lists the same files and counts as --numstat, with $name', ({ config, context }) => {
    const range = ['HEAD~1', 'HEAD'];
    const numstat = parseNumstatZ(git(['diff', '--numstat', '-z', ...DIFF_FLAGS, ...range], { config }));
    const fromPatch = parsePatch(git(['diff', context, ...DIFF_FLAGS, ...range], { config })).changedFiles;
    const byPath = (a: ChangedFile, b: ChangedFile) => (a.path < b.path ? -1 : 1);
    const expected = numstat.map((file) =>
      file.path === HEADER_ONLY.binaryRenamedTo ? { ...file, added: 0, deleted: 0, binary: false } : file,
    );
    expect(fromPatch.sort(byPath)).toEqual(expected.sort(byPath));
    expect(fromPatch.map((file) => file.path)).toEqual(expect.arrayContaining(Object.values(HEADER_ONLY)));
  });

  // core.quotePath=false is a common user setting (it is git's advice for non-ASCII names); git
  // then prints UTF-8 as is but still quotes a path holding `"`, so quoted text is not ASCII-only.
  it.each([
    { path: 'héllo.txt', added: 'after' },
    { path: EMOJI_QUOTE_PATH, added: 'after' },
    { path: 'quo"te.txt', added: 'more' },
  ])('reads $path when the user has core.quotePath=false', ({ path, added }) => {
    const output = git(['diff', '-U1', ...DIFF_FLAGS, 'HEAD~1', 'HEAD'], { config: ['-c', 'core.quotePath=false'] });
    const patch = parsePatch(output).patches.find((p) => p.path === path);
    expect(patch?.added.map((line) => line.text) ?? [], `no patch read for ${path}`).toContain(added);
  });

  it('gives the same lines at zero and one line of context', () => {
    const at = (context: string) => parsePatch(git(['diff', context, ...DIFF_FLAGS, 'HEAD~1', 'HEAD'])).patches;
    expect(at('-U1')).toEqual(at('-U0'));
  });

  it('reads nothing from empty output', () => {
    expect(parsePatch('')).toEqual({ changedFiles: [], patches: [] });
  });
});

describe('unquoteGitPath', () => {
  it.each([
    { quoted: 'plain/path.ts', path: 'plain/path.ts' },
    { quoted: 'with space.txt', path: 'with space.txt' },
    { quoted: '"quo\\"te.txt"', path: 'quo"te.txt' },
    { quoted: '"back\\\\slash"', path: 'back\\slash' },
    { quoted: '"tab\\there"', path: 'tab\there' },
    { quoted: '"new\\nline"', path: 'new\nline' },
    { quoted: '"h\\303\\251llo.txt"', path: 'héllo.txt' },
    { quoted: '"\\360\\237\\230\\200.txt"', path: '😀.txt' },
    { quoted: '"😀\\"x"', path: '😀"x' },
    { quoted: '"日本\\"語"', path: '日本"語' },
  ])('$quoted → $path', ({ quoted, path }) => {
    expect(unquoteGitPath(quoted)).toBe(path);
  });
});
