// The `coverage` rule: no package's line coverage may fall more than `threshold` points below trunk's baseline.
import { coverageByPackage, coveragePct, type PatchCoverage, patchCoverage } from '../coverage/aggregate.js';
import type { PackageCoverage } from '../coverage/model.js';
import { defineRule } from '../rule.js';

/**
 * How one package compared: `fell` fails the rule and `missing` warns; `new` (no baseline
 * yet) and `no-lines` (zero coverable lines on either side, so no percentage) are not
 * compared at all.
 */
export type PackageCoverageStatus =
  | 'rose'
  | 'unchanged'
  | 'fell-within-threshold'
  | 'fell'
  | 'missing'
  | 'new'
  | 'no-lines';

export interface PackageCoverageRow {
  /** Package folder; '' is the repository root. */
  package: string;
  /** Percentages rounded to 2 decimals; null when that side has no data or no coverable lines. */
  baseline: number | null;
  current: number | null;
  /** current − baseline in percentage points, when both exist. */
  delta: number | null;
  status: PackageCoverageStatus;
}

// Float sums such as 0.1 + 0.2 must not turn "equal to the baseline" into a fall.
const EPSILON = 1e-9;

export const coverage = defineRule({
  id: 'coverage',
  summary: "Line coverage per package must not fall more than `threshold` percentage points below trunk's baseline.",
  needs: ['coverage', 'patches'],
  evaluate(facts, config, context) {
    const { current, baseline, packages } = facts.coverage;
    if (current === null) {
      return {
        status: 'skip',
        message:
          'no coverage report: pass `--coverage <report>` to the check or list reports in rules.coverage.reports in trunkflow.yml',
        details: { threshold: config.threshold },
      };
    }
    const currentByPackage = coverageByPackage(current, packages);
    const patch = summarisePatch(patchCoverage(current, facts.patches));

    if (baseline === null) {
      const rows: PackageCoverageRow[] = sortedKeys(currentByPackage).map((pkg) => ({
        package: pkg,
        baseline: null,
        current: round(coveragePct(currentByPackage[pkg] ?? { covered: 0, total: 0 })),
        delta: null,
        status: 'new',
      }));
      return {
        status: 'skip',
        message: `no coverage baseline at ${config.baseline}: run \`trunkflow coverage baseline\` on ${context.trunk} to record one`,
        details: { packages: rows, patch, threshold: config.threshold },
      };
    }

    const names = sortedKeys({ ...baseline.packages, ...currentByPackage });
    const compared = names.map((pkg) => compare(pkg, baseline.packages[pkg], currentByPackage[pkg], config.threshold));
    const rows = compared.map(({ row }) => row);
    const fell = compared.filter(({ row }) => row.status === 'fell');
    const missing = rows.filter((row) => row.status === 'missing');
    const details = { packages: rows, patch, threshold: config.threshold };

    const missingText =
      missing.length > 0
        ? `no coverage data for ${listOf(missing.map((row) => label(row.package)))} in this report`
        : '';
    if (fell.length > 0) {
      // Format the unrounded values so the message cannot say "from 80.0% to 80.0%".
      const falls = fell.map(
        ({ row, raw }) => `${label(row.package)} from ${pct(raw.baseline)} to ${pct(raw.current)}`,
      );
      const allowance = config.threshold > 0 ? ` (more than the ${config.threshold}-point threshold)` : '';
      return {
        status: 'fail',
        message: `coverage fell below the baseline${allowance}: ${falls.join(', ')}${missingText ? `; ${missingText}` : ''}`,
        details,
      };
    }
    if (missing.length > 0) return { status: 'warn', message: missingText, details };
    const held = rows.filter(
      (row) => row.status === 'rose' || row.status === 'unchanged' || row.status === 'fell-within-threshold',
    );
    const patchText =
      patch.pct === null ? '' : `; patch coverage ${pct(patch.pct)} (${patch.covered}/${patch.coverable} added lines)`;
    if (held.length === 0) {
      return {
        status: 'pass',
        message: `no package had both a baseline and coverable lines to compare${patchText}`,
        details,
      };
    }
    return {
      status: 'pass',
      message: `coverage held against the baseline in ${held.length} ${held.length === 1 ? 'package' : 'packages'}${patchText}`,
      details,
    };
  },
});

function compare(
  pkg: string,
  before: PackageCoverage | undefined,
  after: PackageCoverage | undefined,
  threshold: number,
): { row: PackageCoverageRow; raw: { baseline: number | null; current: number | null } } {
  const baseline = before === undefined ? null : coveragePct(before);
  const current = after === undefined ? null : coveragePct(after);
  const row = (status: PackageCoverageStatus) => ({
    row: {
      package: pkg,
      baseline: round(baseline),
      current: round(current),
      delta: baseline !== null && current !== null ? round(current - baseline) : null,
      status,
    },
    raw: { baseline, current },
  });
  if (after === undefined) return row('missing');
  if (before === undefined) return row('new');
  if (baseline === null || current === null) return row('no-lines');
  if (current < baseline - threshold - EPSILON) return row('fell');
  if (current < baseline - EPSILON) return row('fell-within-threshold');
  return row(current > baseline + EPSILON ? 'rose' : 'unchanged');
}

function summarisePatch(patch: PatchCoverage): PatchCoverage {
  return { ...patch, pct: round(patch.pct) };
}

function sortedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort();
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

function pct(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(1)}%`;
}

function label(pkg: string): string {
  return pkg === '' ? 'the root package' : pkg;
}

function listOf(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
