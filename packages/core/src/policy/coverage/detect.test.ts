import { describe, expect, it } from 'vitest';
import { CoverageParseError } from './common.js';
import { detectCoverageFormat, parseCoverageReport } from './detect.js';

const LCOV = 'TN:\nSF:/repo/src/a.js\nDA:1,1\nDA:2,0\nend_of_record\n';
const COBERTURA =
  '<?xml version="1.0" ?>\n<coverage><sources><source>/repo</source></sources><packages><package name="p"><classes><class name="a" filename="src/a.js"><lines><line number="1" hits="1"/><line number="2" hits="0"/></lines></class></classes></package></packages></coverage>';
const SUMMARY = JSON.stringify({
  total: { lines: { total: 2, covered: 1, skipped: 0, pct: 50 } },
  '/repo/src/a.js': { lines: { total: 2, covered: 1, skipped: 0, pct: 50 } },
});
const FINAL = JSON.stringify({
  '/repo/src/a.js': {
    path: '/repo/src/a.js',
    statementMap: {
      '0': { start: { line: 1, column: 0 }, end: { line: 1, column: 5 } },
      '1': { start: { line: 2, column: 0 }, end: { line: 2, column: 5 } },
    },
    fnMap: {},
    branchMap: {},
    s: { '0': 1, '1': 0 },
    f: {},
    b: {},
  },
});

describe('parseCoverageReport', () => {
  it.each([
    { format: 'lcov', text: LCOV },
    { format: 'cobertura', text: COBERTURA },
    { format: 'istanbul-summary', text: SUMMARY },
    { format: 'istanbul-final', text: FINAL },
    { format: 'lcov', text: `\uFEFF\n${LCOV}` },
  ] as const)('detects $format from content', ({ format, text }) => {
    expect(detectCoverageFormat(text)).toBe(format);
    const report = parseCoverageReport(text, { repoRoot: '/repo' });
    expect(report.format).toBe(format);
    expect(report.files).toMatchObject([{ path: 'src/a.js', linesTotal: 2, linesCovered: 1 }]);
  });

  it('trusts content over the file name', () => {
    expect(parseCoverageReport(LCOV, { repoRoot: '/repo', fileName: 'coverage.xml' }).format).toBe('lcov');
  });

  it.each([
    { name: 'empty text', text: '   \n', message: /empty/ },
    { name: 'plain text', text: 'All tests passed.\n', message: /unrecognised format/ },
    {
      name: 'JSON of another shape',
      text: '{"version":1,"packages":{}}',
      message: /neither an Istanbul coverage-final\.json/,
    },
    { name: 'an empty JSON object', text: '{}', message: /neither an Istanbul/ },
    { name: 'a JSON array', text: '[1,2]', message: /not an array/ },
    { name: 'broken JSON', text: '{"a.js": {', message: /not valid JSON/ },
    { name: 'HTML', text: '<!doctype html><html><body>report</body></html>', message: /no <coverage> root|malformed/ },
  ])('throws CoverageParseError for $name', ({ text, message }) => {
    expect(() => parseCoverageReport(text, { repoRoot: '/repo' })).toThrow(CoverageParseError);
    expect(() => parseCoverageReport(text, { repoRoot: '/repo' })).toThrow(message);
  });

  it('names the file in errors when given its name', () => {
    expect(() => parseCoverageReport('nope', { repoRoot: '/repo', fileName: 'coverage/lcov.info' })).toThrow(
      /^coverage\/lcov\.info: the coverage report is in an unrecognised format\. Trunkflow reads lcov/,
    );
  });
});
