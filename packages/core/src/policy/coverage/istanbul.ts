// Parses Istanbul's JSON reports (coverage-summary.json, coverage-final.json) into a CoverageReport.
//
// coverage-summary.json only has per-file line totals, so its files carry no lineHits.
// coverage-final.json has statements, not lines: a line's hit count is the highest count
// of the statements that start on it, exactly what istanbul-lib-coverage's
// getLineCoverage() computes, so our totals match Istanbul's own line metric. A line is
// covered when that count is above zero, whatever its branches did (see docs/coverage.md).
import * as z from 'zod';
import { type CoverageParseOptions, countLines, normalizeCoveragePath, reportError } from './common.js';
import type { CoverageReport, FileCoverage } from './model.js';

const count = z.number().finite().nonnegative();

const summaryEntry = z.object({
  lines: z.object({ total: count.int(), covered: count.int() }),
});

const finalEntry = z.object({
  path: z.string().min(1).optional(),
  statementMap: z.record(z.string(), z.object({ start: z.object({ line: count.int() }) })),
  s: z.record(z.string(), count),
});

export function parseIstanbulSummary(json: string, options: CoverageParseOptions): CoverageReport {
  const document = parseJsonObject(json, 'Istanbul coverage-summary.json');
  const files: FileCoverage[] = [];
  for (const [key, value] of Object.entries(document)) {
    // "total" is the report-wide sum, not a file.
    if (key === 'total') continue;
    const entry = summaryEntry.safeParse(value);
    if (!entry.success)
      throw reportError(`Istanbul coverage-summary.json entry ${JSON.stringify(key)}: ${describe(entry.error)}`);
    const { total, covered } = entry.data.lines;
    if (covered > total) {
      throw reportError(
        `Istanbul coverage-summary.json entry ${JSON.stringify(key)}: lines.covered ${covered} is above lines.total ${total}`,
      );
    }
    files.push({ path: normalizeCoveragePath(key, options.repoRoot), linesTotal: total, linesCovered: covered });
  }
  return { format: 'istanbul-summary', files };
}

export function parseIstanbulFinal(json: string, options: CoverageParseOptions): CoverageReport {
  const document = parseJsonObject(json, 'Istanbul coverage-final.json');
  const byPath = new Map<string, Record<number, number>>();
  for (const [key, value] of Object.entries(document)) {
    const entry = finalEntry.safeParse(value);
    if (!entry.success)
      throw reportError(`Istanbul coverage-final.json entry ${JSON.stringify(key)}: ${describe(entry.error)}`);
    const { statementMap, s } = entry.data;
    const path = normalizeCoveragePath(entry.data.path ?? key, options.repoRoot);
    const lineHits = byPath.get(path) ?? {};
    // Walk `s`, skipping ids missing from statementMap, as getLineCoverage() does.
    for (const [id, hits] of Object.entries(s)) {
      const statement = statementMap[id];
      if (statement === undefined) continue;
      const line = statement.start.line;
      lineHits[line] = Math.max(lineHits[line] ?? 0, hits);
    }
    byPath.set(path, lineHits);
  }
  const files: FileCoverage[] = [...byPath].map(([path, lineHits]) => ({ path, ...countLines(lineHits), lineHits }));
  return { format: 'istanbul-final', files };
}

/** Which Istanbul report a parsed JSON object is, or null when it is neither. */
export function istanbulKind(document: Record<string, unknown>): 'istanbul-summary' | 'istanbul-final' | null {
  const entries = Object.values(document).filter((value): value is Record<string, unknown> => isObject(value));
  if (entries.some((entry) => 'statementMap' in entry)) return 'istanbul-final';
  if (entries.some((entry) => isObject(entry.lines) && 'total' in entry.lines)) return 'istanbul-summary';
  return null;
}

export function parseJsonObject(json: string, what: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(json.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw reportError(`${what} is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(document) || Array.isArray(document)) {
    throw reportError(
      `${what} must be a JSON object keyed by file path, not ${Array.isArray(document) ? 'an array' : document === null ? 'null' : typeof document}`,
    );
  }
  return document;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(entry)'}: ${issue.message}`)
    .join('; ');
}
