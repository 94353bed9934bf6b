// Parses an lcov tracefile (.info) into a CoverageReport, one file per SF record.
//
// Line coverage comes from DA records: a line is coverable when it has a DA record and
// covered when its hit count is above zero, whatever its BRDA branches did (see
// docs/coverage.md). A record with LF/LH but no DA lines keeps those totals without
// per-line hits. When one source file has several records (tracefiles concatenated from
// separate runs), their hits are added together, as `lcov --add-tracefile` does.
import {
  type CoverageParseOptions,
  countLines,
  normalizeCoveragePath,
  parseCount,
  parseLineNumber,
  reportError,
} from './common.js';
import type { CoverageReport, FileCoverage } from './model.js';

interface OpenRecord {
  path: string;
  startLine: number;
  lineHits: Record<number, number>;
  hasDa: boolean;
  lf: number | null;
  lh: number | null;
}

export function parseLcov(text: string, options: CoverageParseOptions): CoverageReport {
  const merged = new Map<string, { lineHits: Record<number, number>; hasDa: boolean; lf: number; lh: number }>();
  let record: OpenRecord | null = null;
  let recordCount = 0;

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line === 'end_of_record') {
      if (record === null) throw reportError(`lcov line ${lineNo}: end_of_record without an SF record before it`);
      close(record);
      record = null;
      continue;
    }
    const match = /^([A-Z][A-Z_]*):(.*)$/.exec(line);
    if (match === null) throw reportError(`lcov line ${lineNo}: "${truncate(line)}" is not an lcov record (KEY:value)`);
    const key = match[1] ?? '';
    const value = match[2] ?? '';
    if (key === 'SF') {
      if (record !== null) {
        throw reportError(
          `lcov line ${lineNo}: SF record starts before the one at line ${record.startLine} has end_of_record`,
        );
      }
      if (value.trim() === '') throw reportError(`lcov line ${lineNo}: SF record has no file path`);
      record = {
        path: normalizeCoveragePath(value, options.repoRoot),
        startLine: lineNo,
        lineHits: {},
        hasDa: false,
        lf: null,
        lh: null,
      };
      recordCount += 1;
      continue;
    }
    // TN and VER may precede SF; every other known record belongs inside one.
    if (key === 'TN' || key === 'VER') continue;
    if (record === null) {
      if (['DA', 'LF', 'LH', 'FN', 'FNDA', 'FNF', 'FNH', 'FNL', 'FNA', 'BRDA', 'BRF', 'BRH'].includes(key)) {
        throw reportError(`lcov line ${lineNo}: ${key} record outside an SF … end_of_record block`);
      }
      continue;
    }
    const open = record;
    if (key === 'DA') {
      // DA:<line>,<hits>[,<checksum>]
      const [lineField, hitsField] = value.split(',');
      const lineNumber = parseLineNumber(lineField, `lcov line ${lineNo}: DA line number`);
      const hits = parseCount(hitsField, `lcov line ${lineNo}: DA hit count`);
      open.lineHits[lineNumber] = (open.lineHits[lineNumber] ?? 0) + hits;
      open.hasDa = true;
    } else if (key === 'LF') {
      open.lf = parseCount(value, `lcov line ${lineNo}: LF`);
    } else if (key === 'LH') {
      open.lh = parseCount(value, `lcov line ${lineNo}: LH`);
    }
    // FN, FNDA, BRDA and unknown keys do not change line coverage.
  }

  if (record !== null) {
    throw reportError(
      `lcov: the SF record for ${record.path} at line ${record.startLine} has no end_of_record (truncated file?)`,
    );
  }
  if (recordCount === 0) throw reportError('lcov: no SF (source file) records found');

  const files: FileCoverage[] = [];
  for (const [path, entry] of merged) {
    if (entry.hasDa) files.push({ path, ...countLines(entry.lineHits), lineHits: entry.lineHits });
    else files.push({ path, linesTotal: entry.lf, linesCovered: entry.lh });
  }
  return { format: 'lcov', files };

  function close(open: OpenRecord): void {
    if (!open.hasDa && open.lf !== null && open.lh !== null && open.lh > open.lf) {
      throw reportError(`lcov: the record for ${open.path} has LH ${open.lh} above LF ${open.lf}`);
    }
    const existing = merged.get(open.path);
    if (existing === undefined) {
      merged.set(open.path, { lineHits: open.lineHits, hasDa: open.hasDa, lf: open.lf ?? 0, lh: open.lh ?? 0 });
      return;
    }
    for (const [lineNumber, hits] of Object.entries(open.lineHits)) {
      const n = Number(lineNumber);
      existing.lineHits[n] = (existing.lineHits[n] ?? 0) + hits;
    }
    existing.hasDa ||= open.hasDa;
    // Without DA lines the best merge of two summaries is the larger of each.
    existing.lf = Math.max(existing.lf, open.lf ?? 0);
    existing.lh = Math.max(existing.lh, open.lh ?? 0);
  }
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
