// Shared by the coverage parsers: the parse error, parser options and path normalisation.

/** What every report error ends with, so a user knows what Trunkflow can read. */
export const ACCEPTED_FORMATS =
  'Trunkflow reads lcov (.info), Cobertura XML, and Istanbul coverage-summary.json or coverage-final.json';

/** Thrown for any report or baseline Trunkflow cannot read; the message says what was wrong. */
export class CoverageParseError extends Error {
  override name = 'CoverageParseError';
}

/** A report error: what was wrong, then the formats Trunkflow accepts. */
export function reportError(what: string): CoverageParseError {
  return new CoverageParseError(`${what}. ${ACCEPTED_FORMATS}.`);
}

export interface CoverageParseOptions {
  /**
   * Absolute repository (or project) root the report's paths are made relative to.
   * '' leaves relative paths as they are.
   */
  repoRoot: string;
}

/**
 * Makes a report path repository-relative with forward slashes. Pure string work
 * (no `path` module) so it runs in the browser and treats Windows paths the same on
 * every host: drive letters compare case-insensitively, as Windows does.
 */
export function normalizeCoveragePath(raw: string, repoRoot: string): string {
  const path = cleanSegments(raw.trim().replaceAll('\\', '/'));
  const root = cleanSegments(repoRoot.trim().replaceAll('\\', '/'));
  let relative = path;
  if (root === '/') {
    relative = path.replace(/^\/+/, '');
  } else if (root !== '' && root !== '.') {
    const windows = /^[a-z]:\//i.test(root);
    const comparePath = windows ? path.toLowerCase() : path;
    const compareRoot = windows ? root.toLowerCase() : root;
    if (comparePath === compareRoot) relative = '';
    else if (comparePath.startsWith(`${compareRoot}/`)) relative = path.slice(root.length + 1);
  }
  while (relative.startsWith('./')) relative = relative.slice(2);
  return relative;
}

/** Joins a Cobertura `<source>` folder and a class filename. */
export function joinPath(folder: string, file: string): string {
  const base = folder.trim().replaceAll('\\', '/').replace(/\/+$/, '');
  if (base === '' || base === '.') return file;
  return `${base}/${file}`;
}

/** True for '/x', 'C:/x' and 'C:\x': paths that must not be joined onto a source folder. */
export function isAbsolutePath(path: string): boolean {
  return /^(?:\/|\\|[a-z]:[\\/])/i.test(path);
}

/** Drops '.' and empty segments and resolves '..' where it can, keeping a leading '/' or drive. */
function cleanSegments(path: string): string {
  if (path === '') return '';
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..' && out.length > 0 && out[out.length - 1] !== '..' && !/^[a-z]:$/i.test(out[0] ?? '')) {
      out.pop();
      continue;
    }
    out.push(segment);
  }
  const joined = out.join('/');
  if (absolute) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Parses a hit or line count, rejecting anything that is not a non-negative number. */
export function parseCount(raw: unknown, what: string): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d+(?:\.\d+)?(?:e\+?\d+)?$/i.test(text)) {
    throw reportError(`${what} is ${JSON.stringify(raw ?? null)}, not a non-negative number`);
  }
  return Number(text);
}

/** Parses a line number: a positive integer. */
export function parseLineNumber(raw: unknown, what: string): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^[1-9]\d*$/.test(text)) {
    throw reportError(`${what} is ${JSON.stringify(raw ?? null)}, not a positive line number`);
  }
  return Number(text);
}

/** Line totals from per-line hits: a line is covered when its hit count is above zero. */
export function countLines(lineHits: Record<number, number>): { linesTotal: number; linesCovered: number } {
  const hits = Object.values(lineHits);
  return { linesTotal: hits.length, linesCovered: hits.filter((count) => count > 0).length };
}
