import { describe, expect, it } from 'vitest';
import { CoverageParseError } from './common.js';
import { parseLcov } from './lcov.js';

// Shaped like c8 / vitest v8 output: absolute SF paths, FN/BRDA records between the DA lines.
const LCOV = `TN:
SF:/repo/packages/core/src/math.ts
FN:1,add
FN:5,divide
FNF:2
FNH:1
FNDA:3,add
FNDA:0,divide
DA:1,3
DA:2,3
DA:5,0
DA:6,0
DA:7,0
LF:5
LH:2
BRDA:6,0,0,-
BRDA:6,0,1,-
BRF:2
BRH:0
end_of_record
TN:
SF:/repo/packages/cli/src/main.ts
FN:1,main
FNF:1
FNH:1
FNDA:1,main
DA:1,1
DA:2,1
DA:3,0
LF:3
LH:2
BRDA:2,0,0,1
BRDA:2,0,1,0
BRF:2
BRH:1
end_of_record
`;

describe('parseLcov', () => {
  it('reads per-line hits from DA records', () => {
    const report = parseLcov(LCOV, { repoRoot: '/repo' });
    expect(report).toEqual({
      format: 'lcov',
      files: [
        {
          path: 'packages/core/src/math.ts',
          linesTotal: 5,
          linesCovered: 2,
          lineHits: { 1: 3, 2: 3, 5: 0, 6: 0, 7: 0 },
        },
        { path: 'packages/cli/src/main.ts', linesTotal: 3, linesCovered: 2, lineHits: { 1: 1, 2: 1, 3: 0 } },
      ],
    });
  });

  it('counts a line with hits as covered even when one of its branches never ran', () => {
    const report = parseLcov(LCOV, { repoRoot: '/repo' });
    // main.ts line 2 has BRDA 2,0,1,0 (an untaken branch) but DA:2,1.
    expect(report.files[1]?.lineHits?.[2]).toBe(1);
    expect(report.files[1]?.linesCovered).toBe(2);
  });

  it('handles CRLF, Windows paths, DA checksums and lcov 2 records', () => {
    const text = [
      'VER:2.0',
      'TN:unit',
      'SF:C:\\work\\repo\\src\\a.js',
      'FNL:0,1,3',
      'FNA:0,1,a',
      'DA:1,1,rGz1xNqgOeoJhZ6Az6lRCQ',
      'DA:2,0,sJkx0YgvQc4Qy2xQRr5i5w',
      'end_of_record',
      '',
    ].join('\r\n');
    expect(parseLcov(text, { repoRoot: 'C:\\work\\repo' }).files).toEqual([
      { path: 'src/a.js', linesTotal: 2, linesCovered: 1, lineHits: { 1: 1, 2: 0 } },
    ]);
  });

  it('adds hits when the same file has several records, as lcov --add-tracefile does', () => {
    const text = `SF:src/a.js\nDA:1,1\nDA:2,0\nend_of_record\nSF:./src/a.js\nDA:2,4\nDA:3,0\nend_of_record\n`;
    expect(parseLcov(text, { repoRoot: '/repo' }).files).toEqual([
      { path: 'src/a.js', linesTotal: 3, linesCovered: 2, lineHits: { 1: 1, 2: 4, 3: 0 } },
    ]);
  });

  it('falls back to LF/LH without per-line hits when a record has no DA lines', () => {
    const text = 'SF:/repo/src/a.js\nLF:10\nLH:7\nend_of_record\n';
    expect(parseLcov(text, { repoRoot: '/repo' }).files).toEqual([
      { path: 'src/a.js', linesTotal: 10, linesCovered: 7 },
    ]);
  });

  it.each([
    { name: 'no SF records', text: 'TN:\n', message: /no SF/ },
    { name: 'empty text', text: '', message: /no SF/ },
    {
      name: 'a hit count that is not a number',
      text: 'SF:a.js\nDA:1,lots\nend_of_record\n',
      message: /DA hit count.*"lots"/,
    },
    { name: 'a line number that is not a number', text: 'SF:a.js\nDA:x,1\nend_of_record\n', message: /DA line number/ },
    { name: 'a negative hit count', text: 'SF:a.js\nDA:1,-3\nend_of_record\n', message: /not a non-negative number/ },
    { name: 'a truncated record', text: 'SF:a.js\nDA:1,1\n', message: /no end_of_record/ },
    { name: 'DA outside a record', text: 'DA:1,1\nSF:a.js\nend_of_record\n', message: /line 1: DA record outside/ },
    { name: 'nested SF', text: 'SF:a.js\nSF:b.js\nend_of_record\n', message: /line 2: SF record starts before/ },
    { name: 'prose', text: 'hello world\n', message: /line 1: "hello world" is not an lcov record/ },
    { name: 'LH above LF', text: 'SF:a.js\nLF:1\nLH:2\nend_of_record\n', message: /LH 2 above LF 1/ },
  ])('throws CoverageParseError for $name', ({ text, message }) => {
    expect(() => parseLcov(text, { repoRoot: '' })).toThrow(CoverageParseError);
    expect(() => parseLcov(text, { repoRoot: '' })).toThrow(message);
  });
});
