import { describe, expect, it } from 'vitest';
import { parseCobertura } from './cobertura.js';
import { CoverageParseError } from './common.js';

// Shaped like coverage.py's `coverage xml`: DOCTYPE, absolute <source>, relative filenames,
// branch lines with condition-coverage.
const COVERAGE_PY = `<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "https://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage version="7.6.1" timestamp="1718000000000" lines-valid="6" lines-covered="4" line-rate="0.6667" branches-covered="1" branches-valid="2" branch-rate="0.5" complexity="0">
\t<sources>
\t\t<source>/home/ci/repo/services/api</source>
\t</sources>
\t<packages>
\t\t<package name="app" line-rate="0.6667" branch-rate="0.5" complexity="0">
\t\t\t<classes>
\t\t\t\t<class name="views.py" filename="app/views.py" complexity="0" line-rate="0.6667" branch-rate="0.5">
\t\t\t\t\t<methods/>
\t\t\t\t\t<lines>
\t\t\t\t\t\t<line number="1" hits="1"/>
\t\t\t\t\t\t<line number="3" hits="1"/>
\t\t\t\t\t\t<line number="4" hits="2" branch="true" condition-coverage="50% (1/2)" missing-branches="6"/>
\t\t\t\t\t\t<line number="5" hits="2"/>
\t\t\t\t\t\t<line number="6" hits="0"/>
\t\t\t\t\t\t<line number="8" hits="0"/>
\t\t\t\t\t</lines>
\t\t\t\t</class>
\t\t\t</classes>
\t\t</package>
\t</packages>
</coverage>
`;

// Shaped like a Java/.NET report: one file split over an outer and an inner class, with
// method-level lines that repeat the class lines.
const SPLIT_CLASSES = `<?xml version="1.0" encoding="utf-8"?>
<coverage line-rate="0.5" branch-rate="0" version="1.9" timestamp="1718000000">
  <sources>
    <source>C:\\build\\repo\\</source>
  </sources>
  <packages>
    <package name="Shop" line-rate="0.5" branch-rate="0" complexity="2">
      <classes>
        <class name="Shop.Cart" filename="src\\Shop\\Cart.cs" line-rate="0.5" branch-rate="0" complexity="1">
          <methods>
            <method name="Add" signature="(Item)" line-rate="1" branch-rate="1" complexity="1">
              <lines><line number="10" hits="3" branch="False" /></lines>
            </method>
          </methods>
          <lines>
            <line number="10" hits="3" branch="False" />
            <line number="11" hits="0" branch="False" />
          </lines>
        </class>
        <class name="Shop.Cart/&lt;&gt;c" filename="src\\Shop\\Cart.cs" line-rate="0.5" branch-rate="0" complexity="1">
          <methods />
          <lines>
            <line number="11" hits="2" branch="False" />
            <line number="20" hits="0" branch="False" />
          </lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>`;

describe('parseCobertura', () => {
  it('joins filenames onto <source> and reads hits', () => {
    expect(parseCobertura(COVERAGE_PY, { repoRoot: '/home/ci/repo' })).toEqual({
      format: 'cobertura',
      files: [
        {
          path: 'services/api/app/views.py',
          linesTotal: 6,
          linesCovered: 4,
          lineHits: { 1: 1, 3: 1, 4: 2, 5: 2, 6: 0, 8: 0 },
        },
      ],
    });
  });

  it('counts a partially covered branch line (condition-coverage 50%) as covered', () => {
    const [file] = parseCobertura(COVERAGE_PY, { repoRoot: '/home/ci/repo' }).files;
    expect(file?.lineHits?.[4]).toBe(2);
  });

  it('merges classes of one file, keeping the highest hits per line and ignoring method lines', () => {
    expect(parseCobertura(SPLIT_CLASSES, { repoRoot: 'C:\\build\\repo' }).files).toEqual([
      { path: 'src/Shop/Cart.cs', linesTotal: 3, linesCovered: 2, lineHits: { 10: 3, 11: 2, 20: 0 } },
    ]);
  });

  it('picks the <source> under the repository root when there are several', () => {
    const xml = `<coverage><sources><source>/tmp/elsewhere</source><source>/repo/lib</source></sources>
      <packages><package name="p"><classes><class name="a" filename="a.js"><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>`;
    expect(parseCobertura(xml, { repoRoot: '/repo' }).files[0]?.path).toBe('lib/a.js');
  });

  it('uses absolute filenames as they are and accepts reports with no sources or classes', () => {
    const xml = `<coverage><packages><package name="p"><classes>
      <class name="a" filename="/repo/src/a.js"><lines><line number="2" hits="0"/></lines></class>
      <class name="b" filename="./src/b.js"><lines/></class>
    </classes></package><package name="empty"><classes/></package></packages></coverage>`;
    expect(parseCobertura(xml, { repoRoot: '/repo' }).files).toEqual([
      { path: 'src/a.js', linesTotal: 1, linesCovered: 0, lineHits: { 2: 0 } },
      { path: 'src/b.js', linesTotal: 0, linesCovered: 0, lineHits: {} },
    ]);
    expect(parseCobertura('<coverage><packages/></coverage>', { repoRoot: '/repo' }).files).toEqual([]);
  });

  it.each([
    { name: 'broken XML', xml: '<coverage><packages></coverage>', message: /malformed at line 1/ },
    { name: 'truncated XML', xml: COVERAGE_PY.slice(0, 500), message: /malformed/ },
    { name: 'XML without <coverage>', xml: '<report><file name="a.js"/></report>', message: /no <coverage> root/ },
    {
      name: 'a class without filename',
      xml: '<coverage><packages><package><classes><class name="X"><lines/></class></classes></package></packages></coverage>',
      message: /<class name="X"> has no filename/,
    },
    {
      name: 'hits that are not a number',
      xml: '<coverage><packages><package><classes><class filename="a.js"><lines><line number="1" hits="many"/></lines></class></classes></package></packages></coverage>',
      message: /a\.js line 1: hits is "many"/,
    },
    {
      name: 'a missing line number',
      xml: '<coverage><packages><package><classes><class filename="a.js"><lines><line hits="1"/></lines></class></classes></package></packages></coverage>',
      message: /number is null, not a positive line number/,
    },
  ])('throws CoverageParseError for $name', ({ xml, message }) => {
    expect(() => parseCobertura(xml, { repoRoot: '/repo' })).toThrow(CoverageParseError);
    expect(() => parseCobertura(xml, { repoRoot: '/repo' })).toThrow(message);
  });
});
