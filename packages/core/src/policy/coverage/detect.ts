// Reads a coverage report of any supported format, telling the format from its content.

import { parseCobertura } from './cobertura.js';
import { CoverageParseError, type CoverageParseOptions, reportError } from './common.js';
import { istanbulKind, parseIstanbulFinal, parseIstanbulSummary, parseJsonObject } from './istanbul.js';
import { parseLcov } from './lcov.js';
import type { CoverageFormat, CoverageReport } from './model.js';

export interface DetectOptions extends CoverageParseOptions {
  /** The report's file name, used to name the file in errors; the content decides the format. */
  fileName?: string;
}

/**
 * The format of a report's text, or null when it is none we read. Content decides rather
 * than the file name because tools name their files freely (lcov.info, coverage.lcov,
 * cobertura-coverage.xml, coverage.xml …).
 */
export function detectCoverageFormat(text: string): CoverageFormat | null {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) return 'cobertura';
  if (start.startsWith('{')) {
    try {
      const document: unknown = JSON.parse(start);
      if (typeof document !== 'object' || document === null || Array.isArray(document)) return null;
      return istanbulKind(document as Record<string, unknown>);
    } catch {
      return null;
    }
  }
  if (/^(?:TN|SF):/m.test(start)) return 'lcov';
  return null;
}

export function parseCoverageReport(text: string, options: DetectOptions): CoverageReport {
  try {
    return parseDetected(text, options);
  } catch (error) {
    if (error instanceof CoverageParseError && options.fileName !== undefined) {
      throw new CoverageParseError(`${options.fileName}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function parseDetected(text: string, options: CoverageParseOptions): CoverageReport {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start === '') throw reportError('the coverage report is empty');
  if (start.startsWith('{') || start.startsWith('[')) {
    const document = parseJsonObject(start, 'the JSON coverage report');
    switch (istanbulKind(document)) {
      case 'istanbul-final':
        return parseIstanbulFinal(start, options);
      case 'istanbul-summary':
        return parseIstanbulSummary(start, options);
      case null:
        throw reportError(
          'the JSON is neither an Istanbul coverage-final.json (entries with statementMap and s) nor a coverage-summary.json (entries with lines.total and lines.covered)',
        );
    }
  }
  switch (detectCoverageFormat(start)) {
    case 'cobertura':
      return parseCobertura(start, options);
    case 'lcov':
      return parseLcov(start, options);
    default:
      throw reportError('the coverage report is in an unrecognised format');
  }
}
