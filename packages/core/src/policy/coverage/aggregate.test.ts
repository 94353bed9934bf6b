import { describe, expect, it } from 'vitest';
import type { FilePatch } from '../types.js';
import { baselineFromReport, coverageByPackage, packageOf, parseBaseline, patchCoverage } from './aggregate.js';
import { CoverageParseError } from './common.js';
import type { CoverageReport } from './model.js';

const PACKAGES = ['', 'packages/core', 'packages/core-extras', 'packages/cli/'];

describe('packageOf', () => {
  it.each([
    { path: 'packages/core/src/a.ts', expected: 'packages/core' },
    { path: 'packages/core-extras/src/a.ts', expected: 'packages/core-extras' },
    { path: 'packages/cli/src/main.ts', expected: 'packages/cli' },
    { path: 'scripts/build.js', expected: '' },
    { path: 'packages/corex.ts', expected: '' },
  ])('$path → $expected', ({ path, expected }) => {
    expect(packageOf(path, PACKAGES)).toBe(expected);
  });

  it('returns null when no package folder contains the path', () => {
    expect(packageOf('scripts/build.js', ['packages/core'])).toBeNull();
  });
});

const REPORT: CoverageReport = {
  format: 'lcov',
  files: [
    { path: 'packages/core/src/a.ts', linesTotal: 10, linesCovered: 8, lineHits: {} },
    { path: 'packages/core/src/b.ts', linesTotal: 10, linesCovered: 2 },
    { path: 'packages/cli/src/main.ts', linesTotal: 4, linesCovered: 4 },
    { path: 'tools/x.js', linesTotal: 5, linesCovered: 0 },
  ],
};

describe('coverageByPackage and baselineFromReport', () => {
  it('sums covered and total lines per package, leaving out files no package contains', () => {
    expect(coverageByPackage(REPORT, ['packages/core', 'packages/cli'])).toEqual({
      'packages/cli': { covered: 4, total: 4 },
      'packages/core': { covered: 10, total: 20 },
    });
  });

  it('writes a version-1 baseline, with the sha when given', () => {
    expect(baselineFromReport(REPORT, ['', 'packages/core'], 'abc123')).toEqual({
      version: 1,
      sha: 'abc123',
      packages: { '': { covered: 4, total: 9 }, 'packages/core': { covered: 10, total: 20 } },
    });
    expect(baselineFromReport(REPORT, ['packages/cli'])).toEqual({
      version: 1,
      packages: { 'packages/cli': { covered: 4, total: 4 } },
    });
  });

  it('round-trips through parseBaseline', () => {
    const baseline = baselineFromReport(REPORT, PACKAGES, 'abc123');
    expect(parseBaseline(JSON.stringify(baseline, null, 2))).toEqual(baseline);
  });
});

describe('parseBaseline', () => {
  it.each([
    { name: 'broken JSON', text: '{', message: /not valid JSON/ },
    { name: 'another version', text: '{"version":2,"packages":{}}', message: /version/ },
    { name: 'missing packages', text: '{"version":1}', message: /packages/ },
    {
      name: 'a string count',
      text: '{"version":1,"packages":{"a":{"covered":"1","total":2}}}',
      message: /packages\.a\.covered/,
    },
    {
      name: 'covered above total',
      text: '{"version":1,"packages":{"a":{"covered":3,"total":2}}}',
      message: /covered must not be above total/,
    },
  ])('throws CoverageParseError for $name', ({ text, message }) => {
    expect(() => parseBaseline(text)).toThrow(CoverageParseError);
    expect(() => parseBaseline(text)).toThrow(message);
    expect(() => parseBaseline(text)).toThrow(/trunkflow coverage baseline/);
  });
});

describe('patchCoverage', () => {
  const report: CoverageReport = {
    format: 'cobertura',
    files: [
      { path: 'src/a.js', linesTotal: 4, linesCovered: 2, lineHits: { 1: 1, 2: 0, 3: 5, 4: 0 } },
      { path: 'src/b.js', linesTotal: 10, linesCovered: 5 },
    ],
  };
  const patch = (path: string, lines: number[]): FilePatch => ({
    path,
    added: lines.map((line) => ({ line, text: `line ${line}` })),
    removed: [],
  });

  it('counts added lines the report marks coverable, and how many ran', () => {
    // Lines 5 and 6 of a.js are not coverable (comments, blank lines); README is not in the report.
    const result = patchCoverage(report, [
      patch('src/a.js', [2, 3, 4, 5, 6]),
      patch('src/b.js', [1]),
      patch('README.md', [1]),
    ]);
    expect(result.covered).toBe(1);
    expect(result.coverable).toBe(3);
    expect(result.pct).toBeCloseTo(33.333, 2);
    expect(result.files).toEqual([
      { path: 'src/a.js', status: 'measured', coverable: 3, covered: 1, uncoveredLines: [2, 4] },
      { path: 'src/b.js', status: 'unknown', coverable: 0, covered: 0, uncoveredLines: [] },
    ]);
  });

  it('has a null percentage when no added line is coverable', () => {
    expect(patchCoverage(report, [patch('src/a.js', [9])])).toMatchObject({ covered: 0, coverable: 0, pct: null });
    expect(patchCoverage(report, [])).toEqual({ covered: 0, coverable: 0, pct: null, files: [] });
  });
});
