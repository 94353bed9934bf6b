// Reads coverage reports and the baseline from disk into the coverage facts.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  baselineFromReport,
  type CoverageBaseline,
  CoverageParseError,
  type CoverageReport,
  parseBaseline,
  parseCoverageReport,
} from '@trunkflow/core';
import { UsageError } from '../errors.js';

async function readText(path: string, what: string, fix: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`${path}: cannot read the ${what} (${(error as Error).message}): ${fix}`);
  }
}

function parseReportFile(text: string, path: string, repoRoot: string): CoverageReport {
  try {
    return parseCoverageReport(text, { repoRoot, fileName: path });
  } catch (error) {
    if (error instanceof CoverageParseError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Reads every report and merges them into one; a missing or malformed report is a usage error. */
export async function readCoverageReports(paths: readonly string[], repoRoot: string): Promise<CoverageReport> {
  const reports = await Promise.all(
    paths.map(async (path) => {
      const absolute = resolve(path);
      const text = await readText(
        absolute,
        'coverage report',
        'pass the path of an lcov, Cobertura or Istanbul report',
      );
      if (text === null) {
        throw new UsageError(
          `${path}: coverage report not found: run your tests with coverage first, or fix the --coverage path`,
        );
      }
      return parseReportFile(text, path, repoRoot);
    }),
  );
  const first = reports[0];
  if (first === undefined) throw new UsageError('no coverage report given: pass --coverage <path>');
  return { format: first.format, files: reports.flatMap((report) => report.files) };
}

/**
 * Reads the baseline: a baseline JSON written by `trunkflow coverage baseline`, or any
 * coverage report taken on trunk. A missing default baseline is null; a missing explicit one is an error.
 */
export async function readBaseline(
  path: string,
  explicit: boolean,
  repoRoot: string,
  packages: readonly string[],
): Promise<CoverageBaseline | null> {
  const text = await readText(path, 'coverage baseline', 'check the --baseline path');
  if (text === null) {
    if (!explicit) return null;
    throw new UsageError(
      `${path}: baseline not found: run \`trunkflow coverage baseline\` on trunk, or fix the --baseline path`,
    );
  }
  if (/^\s*\{/.test(text) && text.includes('"packages"') && text.includes('"version"')) {
    try {
      return parseBaseline(text);
    } catch (error) {
      if (error instanceof CoverageParseError) throw new UsageError(`${path}: ${error.message}`);
      throw error;
    }
  }
  return baselineFromReport(parseReportFile(text, path, repoRoot), packages);
}
