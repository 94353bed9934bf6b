import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCatFileBatch, parseCommitObject } from './cat-file.js';

// Real `git cat-file --batch` answers from a throwaway repository, isolated from the machine's config.
let root: string;
let repo: string;
let env: NodeJS.ProcessEnv;

function gitRaw(args: string[], input?: string | Buffer, extraEnv: NodeJS.ProcessEnv = {}): Buffer {
  const result = spawnSync('git', args, { cwd: repo, env: { ...env, ...extraEnv }, input });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.toString('utf8')}`);
  return result.stdout;
}

const git = (args: string[], input?: string | Buffer, extraEnv?: NodeJS.ProcessEnv) =>
  gitRaw(args, input, extraEnv).toString('utf8').trim();

function write(path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), content);
}

const BINARY = Buffer.from([0, 10, 13, 10, 255, 0, 10, 0x62, 0x6c, 0x6f, 0x62, 0x20, 0x31, 10]);
const TEXT = 'line one\nno trailing newline';
const REGISTRY = '{ "flags": { "new-checkout": {} } }\n';

// Zoë committed at 23:30 in São Paulo (UTC-3), which is 02:30 UTC the next day.
const AUTHOR_ENV = {
  GIT_AUTHOR_NAME: 'Zoë Example',
  GIT_AUTHOR_EMAIL: 'zoe@example.com',
  GIT_AUTHOR_DATE: '2026-03-09T23:30:00-03:00',
  GIT_COMMITTER_NAME: 'Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_COMMITTER_DATE: '2026-03-10T08:00:00+09:00',
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'trunkflow-cat-file-'));
  repo = join(root, 'repo');
  mkdirSync(repo);
  env = { PATH: process.env.PATH, HOME: root, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(root, 'gitconfig') };
  git(['init', '-q', '-b', 'main']);
  write('flags.json', REGISTRY);
  write('assets/blob.bin', BINARY);
  write('docs/with space.txt', TEXT);
  write('empty.txt', '');
  git(['add', '-A']);
  git(
    ['commit', '-q', '--no-verify', '-F', '-'],
    'feat(cart): new checkout\n\nGuarded by new-checkout.\nSecond line.\n',
    AUTHOR_ENV,
  );
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function batch(names: string[]): Buffer {
  return gitRaw(['cat-file', '--batch'], `${names.join('\n')}\n`);
}

describe('parseCatFileBatch on real `git cat-file --batch` output', () => {
  it('answers each name in order, with exact bytes, and null for missing ones', () => {
    const names = [
      'HEAD^{commit}',
      'HEAD:.gitattributes',
      'HEAD:assets/blob.bin',
      'HEAD:docs/with space.txt',
      'no-such-branch^{commit}',
      'HEAD:empty.txt',
      'HEAD:flags.json',
      'HEAD:docs/nope missing',
      'HEAD^{tree}',
    ];
    const answers = parseCatFileBatch(batch(names), names.length);
    expect(answers).toHaveLength(names.length);
    const [commit, attributes, binary, spaced, badRef, empty, registry, missing, tree] = answers;

    expect(commit?.sha).toBe(git(['rev-parse', 'HEAD']));
    expect(commit?.type).toBe('commit');
    expect(commit?.content.equals(gitRaw(['cat-file', 'commit', 'HEAD']))).toBe(true);

    expect(attributes).toBeNull();
    expect(badRef).toBeNull();
    expect(missing).toBeNull();

    expect(binary).toMatchObject({ type: 'blob', sha: git(['rev-parse', 'HEAD:assets/blob.bin']) });
    expect(binary?.content.equals(BINARY)).toBe(true);
    expect(spaced?.content.toString('utf8')).toBe(TEXT);
    expect(empty).toMatchObject({ type: 'blob' });
    expect(empty?.content.length).toBe(0);
    expect(registry?.content.toString('utf8')).toBe(REGISTRY);
    expect(tree?.type).toBe('tree');
  });

  it.each([
    { name: 'only missing names', names: ['HEAD:a', 'HEAD:b c'], found: [false, false] },
    { name: 'a blob after a missing name', names: ['HEAD:a', 'HEAD:flags.json'], found: [false, true] },
    { name: 'the same object twice', names: ['HEAD:flags.json', 'HEAD:flags.json'], found: [true, true] },
  ])('reads $name', ({ names, found }) => {
    const answers = parseCatFileBatch(batch(names), names.length);
    expect(answers.map((answer) => answer !== null)).toEqual(found);
  });

  it('throws on output cut short of the answers asked for', () => {
    const names = ['HEAD:flags.json', 'HEAD:assets/blob.bin'];
    const output = batch(names);
    expect(parseCatFileBatch(output, 2)).toHaveLength(2);
    expect(() => parseCatFileBatch(output, 3)).toThrow(/truncated/);
    expect(() => parseCatFileBatch(Buffer.alloc(0), 1)).toThrow(/truncated/);
  });

  it('reads nothing when asked for nothing', () => {
    expect(parseCatFileBatch(Buffer.alloc(0), 0)).toEqual([]);
  });
});

describe('parseCommitObject', () => {
  it('reads the author, the UTC author time and the message of a real commit', () => {
    const [commit] = parseCatFileBatch(batch(['HEAD^{commit}']), 1);
    if (!commit) throw new Error('HEAD not found');
    expect(parseCommitObject(commit.content)).toEqual({
      authorName: 'Zoë Example',
      authorEmail: 'zoe@example.com',
      authoredAt: '2026-03-10T02:30:00.000Z',
      subject: 'feat(cart): new checkout',
      body: 'Guarded by new-checkout.\nSecond line.',
    });
  });

  it.each([
    { name: 'a subject only', message: 'fix: typo\n', subject: 'fix: typo', body: '' },
    { name: 'an empty message', message: '', subject: '', body: '' },
    {
      name: 'a body with blank lines',
      message: 'docs: guide\n\npara one\n\npara two\n',
      subject: 'docs: guide',
      body: 'para one\n\npara two',
    },
  ])('reads a commit with $name', ({ message, subject, body }) => {
    const sha = git(['commit-tree', 'HEAD^{tree}', '-F', '-'], message, AUTHOR_ENV);
    const [commit] = parseCatFileBatch(batch([sha]), 1);
    if (!commit) throw new Error(`${sha} not found`);
    expect(parseCommitObject(commit.content)).toMatchObject({ subject, body, authorEmail: 'zoe@example.com' });
  });

  // A signed commit carries a multi-line `gpgsig` header whose blank armour line is a single
  // space, so the first empty line is still the end of the headers.
  it('reads a signed commit, whose headers span several lines', () => {
    const tree = git(['rev-parse', 'HEAD^{tree}']);
    const raw = [
      `tree ${tree}`,
      'author Sig Ner <sig@example.com> 1773100800 +0100',
      'committer Sig Ner <sig@example.com> 1773100800 +0100',
      'gpgsig -----BEGIN PGP SIGNATURE-----',
      ' ',
      ' iQEzBAABCAAdFiEEexample',
      ' =abcd',
      ' -----END PGP SIGNATURE-----',
      '',
      'fix: signed change',
      '',
      'Body text.',
      '',
    ].join('\n');
    const sha = git(['hash-object', '-t', 'commit', '-w', '--stdin'], raw);
    const [commit] = parseCatFileBatch(batch([sha]), 1);
    if (!commit) throw new Error(`${sha} not found`);
    expect(parseCommitObject(commit.content)).toEqual({
      authorName: 'Sig Ner',
      authorEmail: 'sig@example.com',
      authoredAt: '2026-03-10T00:00:00.000Z',
      subject: 'fix: signed change',
      body: 'Body text.',
    });
  });
});
