import { describe, expect, it } from 'vitest';
import { CoverageParseError } from './common.js';
import { parseIstanbulFinal, parseIstanbulSummary } from './istanbul.js';

// Shaped like `json-summary` from istanbul-reports (nyc, jest, vitest).
const SUMMARY = JSON.stringify({
  total: {
    lines: { total: 13, covered: 9, skipped: 0, pct: 69.23 },
    statements: { total: 14, covered: 10, skipped: 0, pct: 71.42 },
    functions: { total: 3, covered: 2, skipped: 0, pct: 66.66 },
    branches: { total: 4, covered: 2, skipped: 0, pct: 50 },
    branchesTrue: { total: 0, covered: 0, skipped: 0, pct: 'Unknown' },
  },
  '/repo/packages/core/src/math.js': {
    lines: { total: 10, covered: 8, skipped: 0, pct: 80 },
    functions: { total: 2, covered: 2, skipped: 0, pct: 100 },
    statements: { total: 11, covered: 9, skipped: 0, pct: 81.81 },
    branches: { total: 4, covered: 2, skipped: 0, pct: 50 },
  },
  '/repo/packages/core/src/empty.js': {
    lines: { total: 3, covered: 1, skipped: 0, pct: 33.33 },
    functions: { total: 1, covered: 0, skipped: 0, pct: 0 },
    statements: { total: 3, covered: 1, skipped: 0, pct: 33.33 },
    branches: { total: 0, covered: 0, skipped: 0, pct: 100 },
  },
});

// Shaped like `json` (coverage-final.json): line 3 holds two statements (`a(); b();`), one of
// which never ran; line 5 is an `if` whose else branch never ran.
const FINAL = JSON.stringify({
  '/repo/src/a.js': {
    path: '/repo/src/a.js',
    statementMap: {
      '0': { start: { line: 1, column: 0 }, end: { line: 1, column: 20 } },
      '1': { start: { line: 3, column: 2 }, end: { line: 3, column: 6 } },
      '2': { start: { line: 3, column: 8 }, end: { line: 3, column: 12 } },
      '3': { start: { line: 5, column: 2 }, end: { line: 7, column: null } },
      '4': { start: { line: 6, column: 4 }, end: { line: 6, column: null } },
      '5': { start: { line: 9, column: 2 }, end: { line: 9, column: 10 } },
    },
    fnMap: {},
    branchMap: {
      '0': {
        loc: { start: { line: 5, column: 2 }, end: { line: 7, column: null } },
        type: 'if',
        locations: [
          { start: { line: 5, column: 2 }, end: { line: 7, column: null } },
          { start: {}, end: {} },
        ],
        line: 5,
      },
    },
    s: { '0': 1, '1': 0, '2': 4, '3': 4, '4': 4, '5': 0 },
    f: {},
    b: { '0': [4, 0] },
  },
});

describe('parseIstanbulSummary', () => {
  it('reads per-file line totals, skipping "total", without per-line hits', () => {
    expect(parseIstanbulSummary(SUMMARY, { repoRoot: '/repo' })).toEqual({
      format: 'istanbul-summary',
      files: [
        { path: 'packages/core/src/math.js', linesTotal: 10, linesCovered: 8 },
        { path: 'packages/core/src/empty.js', linesTotal: 3, linesCovered: 1 },
      ],
    });
  });

  it.each([
    { name: 'invalid JSON', json: '{"total": ', message: /not valid JSON/ },
    { name: 'an array', json: '[]', message: /not an array/ },
    {
      name: 'lines.covered as a string',
      json: '{"a.js":{"lines":{"total":2,"covered":"1"}}}',
      message: /"a\.js".*lines\.covered/,
    },
    {
      name: 'an entry without lines',
      json: '{"a.js":{"statements":{"total":2,"covered":1}}}',
      message: /"a\.js": lines/,
    },
    {
      name: 'covered above total',
      json: '{"a.js":{"lines":{"total":2,"covered":3}}}',
      message: /covered 3 is above lines\.total 2/,
    },
  ])('throws CoverageParseError for $name', ({ json, message }) => {
    expect(() => parseIstanbulSummary(json, { repoRoot: '/repo' })).toThrow(CoverageParseError);
    expect(() => parseIstanbulSummary(json, { repoRoot: '/repo' })).toThrow(message);
  });
});

describe('parseIstanbulFinal', () => {
  it('derives line hits as the highest count of the statements starting on each line, like getLineCoverage()', () => {
    expect(parseIstanbulFinal(FINAL, { repoRoot: '/repo' })).toEqual({
      format: 'istanbul-final',
      files: [{ path: 'src/a.js', linesTotal: 5, linesCovered: 4, lineHits: { 1: 1, 3: 4, 5: 4, 6: 4, 9: 0 } }],
    });
  });

  it('counts the if line as covered although its else branch never ran', () => {
    expect(parseIstanbulFinal(FINAL, { repoRoot: '/repo' }).files[0]?.lineHits?.[5]).toBe(4);
  });

  it('skips counts whose statement is missing from statementMap, as Istanbul does', () => {
    const json = JSON.stringify({
      'a.js': { statementMap: { '0': { start: { line: 2, column: 0 } } }, s: { '0': 1, '7': 3 } },
    });
    expect(parseIstanbulFinal(json, { repoRoot: '' }).files).toEqual([
      { path: 'a.js', linesTotal: 1, linesCovered: 1, lineHits: { 2: 1 } },
    ]);
  });

  it.each([
    { name: 'a string', json: '"coverage"', message: /not string/ },
    { name: 'an entry without statementMap', json: '{"a.js":{"s":{"0":1}}}', message: /"a\.js": statementMap/ },
    {
      name: 'a count that is not a number',
      json: '{"a.js":{"statementMap":{"0":{"start":{"line":1}}},"s":{"0":"1"}}}',
      message: /s\.0/,
    },
    {
      name: 'a negative count',
      json: '{"a.js":{"statementMap":{"0":{"start":{"line":1}}},"s":{"0":-1}}}',
      message: /s\.0/,
    },
    {
      name: 'a start without a line',
      json: '{"a.js":{"statementMap":{"0":{"start":{}}},"s":{"0":1}}}',
      message: /statementMap\.0\.start\.line/,
    },
  ])('throws CoverageParseError for $name', ({ json, message }) => {
    expect(() => parseIstanbulFinal(json, { repoRoot: '/repo' })).toThrow(CoverageParseError);
    expect(() => parseIstanbulFinal(json, { repoRoot: '/repo' })).toThrow(message);
  });
});
