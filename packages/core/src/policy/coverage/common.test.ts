import { describe, expect, it } from 'vitest';
import { CoverageParseError, normalizeCoveragePath, parseCount, reportError } from './common.js';

describe('normalizeCoveragePath', () => {
  it.each([
    { raw: '/repo/packages/core/src/a.ts', root: '/repo', expected: 'packages/core/src/a.ts' },
    { raw: '/repo/packages/core/src/a.ts', root: '/repo/', expected: 'packages/core/src/a.ts' },
    { raw: '/repository/src/a.ts', root: '/repo', expected: '/repository/src/a.ts' },
    { raw: './src/a.ts', root: '/repo', expected: 'src/a.ts' },
    { raw: '././src/a.ts', root: '', expected: 'src/a.ts' },
    { raw: 'src/a.ts', root: '/repo', expected: 'src/a.ts' },
    { raw: 'C:\\work\\repo\\src\\a.ts', root: 'C:\\work\\repo', expected: 'src/a.ts' },
    { raw: 'c:\\Work\\Repo\\src\\a.ts', root: 'C:/work/repo/', expected: 'src/a.ts' },
    { raw: 'src\\lib\\b.ts', root: 'C:\\work\\repo', expected: 'src/lib/b.ts' },
    { raw: '/repo/./src//lib/../a.ts', root: '/repo', expected: 'src/a.ts' },
    { raw: '/elsewhere/a.ts', root: '/', expected: 'elsewhere/a.ts' },
    { raw: '/repo', root: '/repo', expected: '' },
  ])('$raw under $root → $expected', ({ raw, root, expected }) => {
    expect(normalizeCoveragePath(raw, root)).toBe(expected);
  });

  it('keeps case on POSIX roots, where paths are case-sensitive', () => {
    expect(normalizeCoveragePath('/Repo/src/a.ts', '/repo')).toBe('/Repo/src/a.ts');
  });
});

describe('parseCount', () => {
  it.each(['0', '12', '3.5', ' 7 '])('accepts %j', (raw) => {
    expect(parseCount(raw, 'x')).toBe(Number(raw));
  });

  it.each(['', 'abc', '-1', 'NaN', '1,5', undefined])('rejects %j', (raw) => {
    expect(() => parseCount(raw, 'hits')).toThrow(CoverageParseError);
  });
});

it('report errors name the accepted formats', () => {
  const error = reportError('something broke');
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('CoverageParseError');
  expect(error.message).toMatch(
    /^something broke\. .*lcov.*Cobertura XML.*coverage-summary\.json.*coverage-final\.json/,
  );
});
