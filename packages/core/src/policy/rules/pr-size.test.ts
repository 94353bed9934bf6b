import { describe, expect, it } from 'vitest';
import { defaultConfig, type RuleConfig } from '../config.js';
import type { RuleContext } from '../rule.js';
import type { ChangedFile } from '../types.js';
import { prSize } from './pr-size.js';

const CONTEXT: RuleContext = { timezone: 'UTC', trunk: 'main' };

function file(path: string, added: number, deleted = 0, previousPath?: string): ChangedFile {
  return { path, added, deleted, binary: false, ...(previousPath === undefined ? {} : { previousPath }) };
}

function binaryFile(path: string): ChangedFile {
  return { path, added: null, deleted: null, binary: true };
}

function run(
  changedFiles: ChangedFile[],
  options: { gitattributes?: string; config?: Partial<RuleConfig<'pr-size'>> } = {},
) {
  const config = { ...defaultConfig().rules['pr-size'], ...options.config };
  return prSize.evaluate(
    {
      now: '2026-03-10T12:00:00Z',
      pr: { title: 'feat: x', body: null, branch: 'feature/TF-1-x', author: null },
      changedFiles,
      gitattributes: options.gitattributes ?? '',
    },
    config,
    CONTEXT,
  );
}

interface SizeDetails {
  total: number;
  added: number;
  deleted: number;
  countedFiles: number;
  largestFiles: { path: string; added: number; deleted: number }[];
  excluded: { path: string; reason: string }[];
  binary: string[];
}

const details = (outcome: ReturnType<typeof run>) => outcome.details as unknown as SizeDetails;

describe('pr-size rule', () => {
  it('declares the facts it reads', () => {
    expect(prSize.id).toBe('pr-size');
    expect([...prSize.needs].sort()).toEqual(['changedFiles', 'gitattributes']);
  });

  it.each([
    { name: 'nothing changed', files: [], total: 0, status: 'pass' },
    { name: 'exactly the target of 200', files: [file('src/a.ts', 200)], total: 200, status: 'pass' },
    { name: 'one above the target', files: [file('src/a.ts', 201)], total: 201, status: 'warn' },
    { name: 'exactly the maximum of 400', files: [file('src/a.ts', 400)], total: 400, status: 'warn' },
    { name: 'one above the maximum', files: [file('src/a.ts', 401)], total: 401, status: 'fail' },
    {
      name: 'added and deleted lines both count',
      files: [file('src/a.ts', 150, 51)],
      total: 201,
      status: 'warn',
    },
    {
      name: 'lines of several files add up',
      files: [file('src/a.ts', 100, 100), file('src/b.ts', 150, 51)],
      total: 401,
      status: 'fail',
    },
    { name: 'deletions only', files: [file('src/a.ts', 0, 401)], total: 401, status: 'fail' },
  ])('$name → $total lines, $status', ({ files, total, status }) => {
    const outcome = run(files);
    expect(outcome.status).toBe(status);
    expect(details(outcome).total).toBe(total);
    expect(outcome.message).toContain(`${total} lines changed`);
  });

  it.each([
    { warnAbove: 10, failAbove: 20, lines: 10, status: 'pass' },
    { warnAbove: 10, failAbove: 20, lines: 11, status: 'warn' },
    { warnAbove: 10, failAbove: 20, lines: 21, status: 'fail' },
    { warnAbove: 0, failAbove: 0, lines: 0, status: 'pass' },
    { warnAbove: 0, failAbove: 0, lines: 1, status: 'fail' },
    { warnAbove: 50, failAbove: 50, lines: 51, status: 'fail' },
  ])(
    'with warnAbove $warnAbove and failAbove $failAbove, $lines lines → $status',
    ({ warnAbove, failAbove, lines, status }) => {
      const outcome = run([file('a.ts', lines)], { config: { warnAbove, failAbove } });
      expect(outcome.status).toBe(status);
      if (status !== 'pass') expect(outcome.message).toContain(String(status === 'fail' ? failAbove : warnAbove));
    },
  );

  it.each([
    'package-lock.json',
    'apps/web/package-lock.json',
    'yarn.lock',
    'pnpm-lock.yaml',
    'services/api/Cargo.lock',
    'go.sum',
  ])('leaves out the lock file %s', (path) => {
    const outcome = run([file(path, 5000, 3000)]);
    expect(outcome.status).toBe('pass');
    expect(details(outcome)).toMatchObject({ total: 0, countedFiles: 0, largestFiles: [], binary: [] });
    expect(details(outcome).excluded).toEqual([{ path, reason: 'lock-file' }]);
    expect(outcome.message).toContain('1 file not counted');
  });

  it.each(['package-lock.json.orig', 'my-yarn.lock', 'docs/package-lock.md'])(
    'counts %s, which only looks like a lock file',
    (path) => {
      const outcome = run([file(path, 401)]);
      expect(outcome.status).toBe('fail');
      expect(details(outcome).excluded).toEqual([]);
    },
  );

  it('uses the configured lock-file names instead of the defaults', () => {
    const outcome = run([file('deps.lock', 500), file('yarn.lock', 300)], { config: { lockFiles: ['deps.lock'] } });
    expect(details(outcome).excluded).toEqual([{ path: 'deps.lock', reason: 'lock-file' }]);
    expect(details(outcome).total).toBe(300);
    expect(outcome.status).toBe('warn');
  });

  it.each([
    { name: 'plain attribute, base-name pattern', attrs: '*.gen.ts linguist-generated', path: 'src/api/client.gen.ts' },
    { name: '=true', attrs: '*.gen.ts linguist-generated=true', path: 'client.gen.ts' },
    { name: 'anchored /dist/**', attrs: '/dist/** linguist-generated', path: 'dist/deep/bundle.js' },
    { name: 'folder pattern', attrs: 'src/proto/** linguist-generated', path: 'src/proto/a_pb.ts' },
  ])('leaves out a linguist-generated file ($name)', ({ attrs, path }) => {
    const outcome = run([file(path, 900), file('src/app.ts', 10)], { gitattributes: attrs });
    expect(details(outcome).excluded).toEqual([{ path, reason: 'linguist-generated' }]);
    expect(details(outcome).total).toBe(10);
    expect(outcome.status).toBe('pass');
  });

  it.each([
    { name: 'an anchored pattern below the root', attrs: '/dist/** linguist-generated', path: 'packages/a/dist/x.js' },
    {
      name: 'a later -linguist-generated',
      attrs: '*.gen.ts linguist-generated\nkeep.gen.ts -linguist-generated',
      path: 'src/keep.gen.ts',
    },
    {
      name: 'a later =false',
      attrs: 'dist/** linguist-generated\ndist/hand.js linguist-generated=false',
      path: 'dist/hand.js',
    },
    { name: 'no .gitattributes', attrs: '', path: 'dist/x.js' },
  ])('counts a file not generated because of $name', ({ attrs, path }) => {
    const outcome = run([file(path, 401)], { gitattributes: attrs });
    expect(details(outcome).excluded).toEqual([]);
    expect(outcome.status).toBe('fail');
  });

  it.each([
    'src/__snapshots__/app.test.ts.snap',
    '__snapshots__/root.js',
    'packages/ui/src/button/__snapshots__/button.test.tsx.snap',
    'app.snap',
    'tests/e2e/home.snap',
  ])('leaves out %s through the default exclude globs', (path) => {
    const outcome = run([file(path, 1000)]);
    expect(details(outcome).excluded).toEqual([{ path, reason: 'excluded-glob' }]);
    expect(outcome.status).toBe('pass');
  });

  it('uses the configured exclude globs instead of the defaults', () => {
    const outcome = run([file('docs/guide/intro.md', 300), file('src/__snapshots__/a.snap', 150)], {
      config: { exclude: ['docs/**'] },
    });
    expect(details(outcome).excluded).toEqual([{ path: 'docs/guide/intro.md', reason: 'excluded-glob' }]);
    expect(details(outcome).total).toBe(150);
  });

  it('lists binary files apart and does not count them', () => {
    const outcome = run([binaryFile('assets/logo.png'), file('src/a.ts', 3, 1), binaryFile('fonts/a.woff2')]);
    expect(details(outcome).binary).toEqual(['assets/logo.png', 'fonts/a.woff2']);
    expect(details(outcome)).toMatchObject({ total: 4, added: 3, deleted: 1, countedFiles: 1, excluded: [] });
    expect(outcome.message).toContain('2 files not counted');
  });

  it('counts a renamed file by its own added and deleted lines only', () => {
    const outcome = run([file('src/new-name.ts', 3, 2, 'src/old-name.ts'), file('src/b.ts', 1)]);
    expect(details(outcome)).toMatchObject({ total: 6, added: 4, deleted: 2, countedFiles: 2 });
    expect(details(outcome).largestFiles[0]).toEqual({ path: 'src/new-name.ts', added: 3, deleted: 2 });
  });

  it('counts a pure rename as zero lines', () => {
    const outcome = run([file('src/new-name.ts', 0, 0, 'src/old-name.ts')]);
    expect(outcome.status).toBe('pass');
    expect(details(outcome)).toMatchObject({ total: 0, countedFiles: 1 });
  });

  it('sorts largestFiles by lines changed, then by path, and shows at most ten', () => {
    const files = [
      file('src/small.ts', 1),
      file('src/b.ts', 30, 20),
      file('src/a.ts', 10, 40),
      file('src/huge.ts', 90, 10),
      ...Array.from({ length: 9 }, (_, i) => file(`src/mid-${i}.ts`, 5 + i)),
    ];
    const largest = details(run(files)).largestFiles;
    expect(largest).toHaveLength(10);
    expect(largest.slice(0, 3).map((f) => f.path)).toEqual(['src/huge.ts', 'src/a.ts', 'src/b.ts']);
    const sizes = largest.map((f) => f.added + f.deleted);
    expect(sizes).toEqual([...sizes].sort((x, y) => y - x));
    expect(largest.map((f) => f.path)).not.toContain('src/small.ts');
    expect(details(run(files)).countedFiles).toBe(13);
  });

  it('sorts excluded and counted files into one consistent total', () => {
    const outcome = run(
      [
        file('package-lock.json', 4000),
        file('src/gen/api.ts', 700),
        file('src/__snapshots__/x.snap', 90),
        binaryFile('img.png'),
        file('src/a.ts', 120, 30),
        file('src/b.ts', 60),
      ],
      { gitattributes: 'src/gen/** linguist-generated' },
    );
    expect(details(outcome).excluded.map((e) => e.reason)).toEqual([
      'lock-file',
      'linguist-generated',
      'excluded-glob',
    ]);
    expect(details(outcome)).toMatchObject({ total: 210, added: 180, deleted: 30, countedFiles: 2 });
    expect(outcome.status).toBe('warn');
    expect(outcome.message).toContain('4 files not counted');
  });

  it.each([[[file('a.ts', 1)]], [[file('a.ts', 300)]], [[file('a.ts', 500)]], [[file('yarn.lock', 500)]]])(
    'always gives a non-empty message (%#)',
    (files) => {
      expect(run(files).message.trim()).not.toBe('');
    },
  );
});
