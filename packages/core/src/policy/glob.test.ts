import { Minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { globMatcher } from './glob.js';

const PATHS = [
  'README.md',
  '.env',
  'src/index.ts',
  'src/.hidden/x.ts',
  'src/__snapshots__/app.test.ts.snap',
  'packages/a/src/__snapshots__/deep/b.snap',
  'packages/a/package-lock.json',
  'dist/bundle/main.js',
  'docs/dist/page.md',
  'with space/file name.txt',
  'unicode/héllo.md',
];

describe('globMatcher', () => {
  // The compiled matcher must agree with minimatch's own matching, which the rules used before.
  it.each([
    '**/__snapshots__/**',
    '**/*.snap',
    '*.snap',
    '*.md',
    '.env',
    'dist/**',
    'src/*.ts',
    '**/package-lock.json',
    'with space/*',
    '{README,CHANGELOG}.md',
    '[!a-z]*',
    'unicode/h?llo.md',
  ])('matches %s as minimatch does', (glob) => {
    const reference = new Minimatch(glob, { dot: true, matchBase: !glob.includes('/') });
    const matches = globMatcher(glob);
    for (const path of PATHS) expect(matches(path), `${glob} on ${path}`).toBe(reference.match(path));
  });

  it('matches a slash-free glob against the whole path when anchored', () => {
    expect(globMatcher('README.md', { anchored: true })('README.md')).toBe(true);
    expect(globMatcher('README.md', { anchored: true })('docs/README.md')).toBe(false);
    expect(globMatcher('README.md')('docs/README.md')).toBe(true);
  });

  it('matches base names at any depth without a slash, whole paths with one', () => {
    expect(globMatcher('*.snap')('a/b/c.snap')).toBe(true);
    expect(globMatcher('src/*.ts')('lib/src/index.ts')).toBe(false);
  });
});
