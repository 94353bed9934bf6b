// Sums file coverage per workspace package, reads the baseline file and measures patch coverage.
import * as z from 'zod';
import type { FilePatch } from '../types.js';
import { CoverageParseError } from './common.js';
import type { CoverageBaseline, CoverageReport, PackageCoverage } from './model.js';

/**
 * The package folder a repository-relative path belongs to: the longest folder that
 * contains it, so `packages/core` wins over the root package ''. Null when none does.
 */
export function packageOf(path: string, packages: readonly string[]): string | null {
  let best: string | null = null;
  for (const raw of packages) {
    const folder = cleanFolder(raw);
    const contains = folder === '' || path === folder || path.startsWith(`${folder}/`);
    if (contains && (best === null || folder.length > best.length)) best = folder;
  }
  return best;
}

/** Covered and total lines per package; packages with no file in the report are absent. */
export function coverageByPackage(
  report: CoverageReport,
  packages: readonly string[],
): Record<string, PackageCoverage> {
  const sums = new Map<string, PackageCoverage>();
  for (const file of report.files) {
    const pkg = packageOf(file.path, packages);
    if (pkg === null) continue;
    const sum = sums.get(pkg) ?? { covered: 0, total: 0 };
    sum.covered += file.linesCovered;
    sum.total += file.linesTotal;
    sums.set(pkg, sum);
  }
  // Sorted so a baseline file diffs cleanly from one trunk commit to the next.
  return Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function baselineFromReport(
  report: CoverageReport,
  packages: readonly string[],
  sha?: string,
): CoverageBaseline {
  return {
    version: 1,
    ...(sha === undefined ? {} : { sha }),
    packages: coverageByPackage(report, packages),
  };
}

const packageCoverageSchema = z
  .object({ covered: z.number().int().nonnegative(), total: z.number().int().nonnegative() })
  .refine((value) => value.covered <= value.total, { message: 'covered must not be above total' });

const baselineSchema = z.object({
  version: z.literal(1),
  sha: z.string().min(1).optional(),
  packages: z.record(z.string(), packageCoverageSchema),
});

const BASELINE_HINT = 'regenerate it with `trunkflow coverage baseline` on trunk';

/** Reads a baseline file written by `trunkflow coverage baseline`. */
export function parseBaseline(text: string): CoverageBaseline {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new CoverageParseError(`coverage baseline is not valid JSON (${(error as Error).message}); ${BASELINE_HINT}`);
  }
  const result = baselineSchema.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
      .join('; ');
    throw new CoverageParseError(
      `coverage baseline has the wrong shape (${problems}); expected {"version": 1, "sha"?: string, "packages": {"<folder>": {"covered": n, "total": n}}}; ${BASELINE_HINT}`,
    );
  }
  const { version, sha, packages } = result.data;
  return { version, ...(sha === undefined ? {} : { sha }), packages };
}

export interface PatchFileCoverage {
  path: string;
  /** `unknown` when the report has the file but no per-line data (coverage-summary.json). */
  status: 'measured' | 'unknown';
  /** Added lines the report counts as coverable, and how many of them ran. */
  coverable: number;
  covered: number;
  /** Added coverable lines that never ran, for pointing at them in a review. */
  uncoveredLines: number[];
}

export interface PatchCoverage {
  covered: number;
  coverable: number;
  /** Null when no added line is coverable. */
  pct: number | null;
  files: PatchFileCoverage[];
}

/**
 * Coverage of the lines a change adds: among added lines the report marks coverable
 * (they have a hit count), how many ran. Changed files the report does not mention
 * (docs, config, or sources no test loaded) are left out, since core cannot tell which
 * of them are code.
 */
export function patchCoverage(report: CoverageReport, patches: readonly FilePatch[]): PatchCoverage {
  const byPath = new Map(report.files.map((file) => [file.path, file]));
  const files: PatchFileCoverage[] = [];
  let covered = 0;
  let coverable = 0;
  for (const patch of patches) {
    const file = byPath.get(patch.path);
    if (file === undefined || patch.added.length === 0) continue;
    if (file.lineHits === undefined) {
      files.push({ path: patch.path, status: 'unknown', coverable: 0, covered: 0, uncoveredLines: [] });
      continue;
    }
    const entry: PatchFileCoverage = {
      path: patch.path,
      status: 'measured',
      coverable: 0,
      covered: 0,
      uncoveredLines: [],
    };
    for (const { line } of patch.added) {
      const hits = file.lineHits[line];
      if (hits === undefined) continue;
      entry.coverable += 1;
      if (hits > 0) entry.covered += 1;
      else entry.uncoveredLines.push(line);
    }
    covered += entry.covered;
    coverable += entry.coverable;
    files.push(entry);
  }
  return { covered, coverable, pct: coverable === 0 ? null : (covered / coverable) * 100, files };
}

/** Percentage of covered lines, or null when there are no coverable lines to compare. */
export function coveragePct(coverage: PackageCoverage): number | null {
  return coverage.total === 0 ? null : (coverage.covered / coverage.total) * 100;
}

function cleanFolder(folder: string): string {
  let clean = folder.trim().replaceAll('\\', '/').replace(/\/+$/, '');
  while (clean.startsWith('./')) clean = clean.slice(2);
  return clean === '.' ? '' : clean;
}
