// Coverage data, normalised from lcov, Cobertura and Istanbul into one shape.

export type CoverageFormat = 'lcov' | 'cobertura' | 'istanbul-summary' | 'istanbul-final';

/**
 * Line coverage of one file. A line counts as covered when its hit count is
 * above zero, whatever its branches did (see docs/coverage.md).
 */
export interface FileCoverage {
  /** Repository-relative, forward slashes. */
  path: string;
  linesTotal: number;
  linesCovered: number;
  /** Hit count per coverable line number; absent when the format has no per-line data. */
  lineHits?: Record<number, number>;
}

export interface CoverageReport {
  format: CoverageFormat;
  files: FileCoverage[];
}

export interface PackageCoverage {
  covered: number;
  total: number;
}

/** The trunk baseline, as written by `trunkflow coverage baseline`. */
export interface CoverageBaseline {
  version: 1;
  /** Trunk sha the baseline was taken at, when known. */
  sha?: string;
  packages: Record<string, PackageCoverage>;
}
