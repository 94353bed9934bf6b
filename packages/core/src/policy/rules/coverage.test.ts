import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config.js';
import type { CoverageBaseline, CoverageReport } from '../coverage/model.js';
import type { RuleContext } from '../rule.js';
import type { FilePatch, PolicyFacts } from '../types.js';
import { coverage } from './coverage.js';

const CONTEXT: RuleContext = { timezone: 'UTC', trunk: 'main' };
const PACKAGES = ['', 'packages/core', 'packages/cli'];

function report(files: [path: string, covered: number, total: number][]): CoverageReport {
  return {
    format: 'lcov',
    files: files.map(([path, linesCovered, linesTotal]) => ({ path, linesCovered, linesTotal })),
  };
}

function baseline(packages: CoverageBaseline['packages']): CoverageBaseline {
  return { version: 1, sha: 'abc123', packages };
}

function run(
  current: CoverageReport | null,
  base: CoverageBaseline | null,
  options: { threshold?: number; patches?: FilePatch[] } = {},
) {
  const facts: PolicyFacts & Required<Pick<PolicyFacts, 'coverage' | 'patches'>> = {
    now: '2025-06-01T12:00:00Z',
    pr: { title: 'feat: x', body: null, branch: 'x', author: null },
    coverage: { current, baseline: base, packages: PACKAGES },
    patches: options.patches ?? [],
  };
  const config = { ...defaultConfig().rules.coverage, threshold: options.threshold ?? 0 };
  return coverage.evaluate(facts, config, CONTEXT);
}

const BASE = baseline({ 'packages/core': { covered: 80, total: 100 }, 'packages/cli': { covered: 50, total: 100 } });

describe('coverage rule', () => {
  it('declares what it needs', () => {
    expect(coverage.id).toBe('coverage');
    expect(coverage.needs).toEqual(['coverage', 'patches']);
  });

  it.each([
    {
      name: 'coverage rises',
      files: [
        ['packages/core/src/a.ts', 85, 100],
        ['packages/cli/src/b.ts', 60, 100],
      ],
      threshold: 0,
      status: 'pass',
      rows: ['rose', 'rose'],
    },
    {
      name: 'coverage is unchanged',
      files: [
        ['packages/core/src/a.ts', 40, 50],
        ['packages/core/src/b.ts', 40, 50],
        ['packages/cli/src/b.ts', 1, 2],
      ],
      threshold: 0,
      status: 'pass',
      rows: ['unchanged', 'unchanged'],
    },
    {
      name: 'coverage falls within the threshold',
      files: [
        ['packages/core/src/a.ts', 79, 100],
        ['packages/cli/src/b.ts', 50, 100],
      ],
      threshold: 1,
      status: 'pass',
      rows: ['unchanged', 'fell-within-threshold'],
    },
    {
      name: 'coverage falls by exactly the threshold',
      files: [
        ['packages/core/src/a.ts', 78, 100],
        ['packages/cli/src/b.ts', 50, 100],
      ],
      threshold: 2,
      status: 'pass',
      rows: ['unchanged', 'fell-within-threshold'],
    },
    {
      name: 'coverage falls beyond the threshold',
      files: [
        ['packages/core/src/a.ts', 77, 100],
        ['packages/cli/src/b.ts', 50, 100],
      ],
      threshold: 2,
      status: 'fail',
      rows: ['unchanged', 'fell'],
    },
  ] as const)('$name → $status', ({ files, threshold, status, rows }) => {
    const outcome = run(report(files.map((f) => [...f])), BASE, { threshold });
    expect(outcome.status).toBe(status);
    const packages = outcome.details?.packages as { package: string; status: string }[];
    expect(packages.map((row) => [row.package, row.status])).toEqual([
      ['packages/cli', rows[0]],
      ['packages/core', rows[1]],
    ]);
    expect(outcome.details?.threshold).toBe(threshold);
  });

  it('names every package that fell, from and to, to one decimal', () => {
    const outcome = run(
      report([
        ['packages/core/src/a.ts', 2, 3],
        ['packages/cli/src/b.ts', 1, 3],
      ]),
      BASE,
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(
      'coverage fell below the baseline: packages/cli from 50.0% to 33.3%, packages/core from 80.0% to 66.7%',
    );
    expect(outcome.details?.packages).toEqual([
      { package: 'packages/cli', baseline: 50, current: 33.33, delta: -16.67, status: 'fell' },
      { package: 'packages/core', baseline: 80, current: 66.67, delta: -13.33, status: 'fell' },
    ]);
  });

  it('mentions the threshold when a fall exceeds it', () => {
    const outcome = run(
      report([
        ['packages/core/src/a.ts', 70, 100],
        ['packages/cli/src/b.ts', 50, 100],
      ]),
      BASE,
      { threshold: 0.5 },
    );
    expect(outcome.message).toBe(
      'coverage fell below the baseline (more than the 0.5-point threshold): packages/core from 80.0% to 70.0%',
    );
  });

  it('warns when a baseline package has no data in the report', () => {
    const outcome = run(report([['packages/core/src/a.ts', 90, 100]]), BASE);
    expect(outcome.status).toBe('warn');
    expect(outcome.message).toBe('no coverage data for packages/cli in this report');
    expect(outcome.details?.packages).toContainEqual({
      package: 'packages/cli',
      baseline: 50,
      current: null,
      delta: null,
      status: 'missing',
    });
  });

  it('fails, and still reports missing packages, when one falls and another is missing', () => {
    const outcome = run(report([['packages/core/src/a.ts', 10, 100]]), BASE);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(
      /packages\/core from 80\.0% to 10\.0%; no coverage data for packages\/cli in this report$/,
    );
  });

  it('does not compare new packages or packages without coverable lines', () => {
    const base = baseline({ 'packages/core': { covered: 0, total: 0 }, 'packages/cli': { covered: 5, total: 10 } });
    const outcome = run(
      report([
        ['packages/core/src/a.ts', 0, 10],
        ['packages/cli/src/b.ts', 5, 10],
        ['tools/x.js', 0, 10],
      ]),
      base,
    );
    expect(outcome.status).toBe('pass');
    expect(outcome.details?.packages).toEqual([
      { package: '', baseline: null, current: 0, delta: null, status: 'new' },
      { package: 'packages/cli', baseline: 50, current: 50, delta: 0, status: 'unchanged' },
      { package: 'packages/core', baseline: null, current: 0, delta: null, status: 'no-lines' },
    ]);
  });

  it('labels the root package in messages', () => {
    const outcome = run(report([['tools/x.js', 1, 10]]), baseline({ '': { covered: 5, total: 10 } }));
    expect(outcome.message).toBe('coverage fell below the baseline: the root package from 50.0% to 10.0%');
  });

  it('skips with a hint when there is no report', () => {
    const outcome = run(null, BASE);
    expect(outcome.status).toBe('skip');
    expect(outcome.message).toContain('--coverage <report>');
    expect(outcome.message).toContain('rules.coverage.reports');
  });

  it('skips without a baseline, naming its path, but still reports current and patch coverage', () => {
    const current: CoverageReport = {
      format: 'lcov',
      files: [{ path: 'packages/core/src/a.ts', linesTotal: 4, linesCovered: 3, lineHits: { 1: 1, 2: 1, 3: 1, 4: 0 } }],
    };
    const outcome = run(current, null, {
      patches: [
        {
          path: 'packages/core/src/a.ts',
          added: [
            { line: 3, text: 'x' },
            { line: 4, text: 'y' },
          ],
          removed: [],
        },
      ],
    });
    expect(outcome.status).toBe('skip');
    expect(outcome.message).toBe(
      'no coverage baseline at .trunkflow/coverage-baseline.json: run `trunkflow coverage baseline` on main to record one',
    );
    expect(outcome.details).toEqual({
      packages: [{ package: 'packages/core', baseline: null, current: 75, delta: null, status: 'new' }],
      patch: {
        covered: 1,
        coverable: 2,
        pct: 50,
        files: [{ path: 'packages/core/src/a.ts', status: 'measured', coverable: 2, covered: 1, uncoveredLines: [4] }],
      },
      threshold: 0,
    });
  });

  it('reports patch coverage in a passing message', () => {
    const current: CoverageReport = {
      format: 'lcov',
      files: [
        { path: 'packages/core/src/a.ts', linesTotal: 100, linesCovered: 90, lineHits: { 7: 2, 8: 0, 9: 1 } },
        { path: 'packages/cli/src/b.ts', linesTotal: 100, linesCovered: 50 },
      ],
    };
    const added = [7, 8, 9, 10].map((line) => ({ line, text: '' }));
    const outcome = run(current, BASE, { patches: [{ path: 'packages/core/src/a.ts', added, removed: [] }] });
    expect(outcome.status).toBe('pass');
    expect(outcome.message).toBe(
      'coverage held against the baseline in 2 packages; patch coverage 66.7% (2/3 added lines)',
    );
    expect(outcome.details?.patch).toMatchObject({ covered: 2, coverable: 3, pct: 66.67 });
  });
});
