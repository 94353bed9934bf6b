// Parses a Cobertura XML report into a CoverageReport, merging classes that share a file.
//
// Line coverage comes from each class's `<lines><line number hits>`: a line is covered when
// `hits` is above zero, even when its `condition-coverage` says some branches were not
// taken, e.g. `branch="true" condition-coverage="50% (1/2)"` with hits="3" is covered (see
// docs/coverage.md). Method-level `<line>` elements repeat the class's lines and are ignored.
// A file may appear in several classes (inner classes, .NET partial and generated classes):
// they describe the same run, so a line listed twice keeps its highest hit count.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  type CoverageParseOptions,
  countLines,
  isAbsolutePath,
  joinPath,
  normalizeCoveragePath,
  parseCount,
  parseLineNumber,
  reportError,
} from './common.js';
import type { CoverageReport, FileCoverage } from './model.js';

const ARRAY_TAGS = new Set(['source', 'package', 'class', 'line']);

export function parseCobertura(xml: string, options: CoverageParseOptions): CoverageReport {
  const text = xml.replace(/^\uFEFF/, '');
  // The parser is lenient by design, so validate first to reject truncated or broken XML.
  // (XMLValidator is marked deprecated in favour of a separate package we do not depend on.)
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw reportError(
      `Cobertura XML is malformed at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (tagName, _path, _leaf, isAttribute) => !isAttribute && ARRAY_TAGS.has(tagName),
  });
  const document: unknown = parser.parse(text);
  const coverage = child(document, 'coverage');
  if (coverage === undefined)
    throw reportError('the XML has no <coverage> root element, so it is not a Cobertura report');

  const sources = list(child(child(coverage, 'sources'), 'source'))
    .map((source) => (typeof source === 'string' ? source.trim() : ''))
    .filter((source) => source !== '');

  const byPath = new Map<string, Record<number, number>>();
  for (const pkg of list(child(child(coverage, 'packages'), 'package'))) {
    for (const cls of list(child(child(pkg, 'classes'), 'class'))) {
      const className = attribute(cls, 'name') ?? '(unnamed)';
      const filename = attribute(cls, 'filename');
      if (filename === undefined || filename.trim() === '') {
        throw reportError(`Cobertura <class name="${className}"> has no filename attribute`);
      }
      const path = resolveClassPath(filename, sources, options.repoRoot);
      const lineHits = byPath.get(path) ?? {};
      for (const line of list(child(child(cls, 'lines'), 'line'))) {
        const where = `Cobertura <line> in ${filename}`;
        const lineNumber = parseLineNumber(attribute(line, 'number'), `${where}: number`);
        const hits = parseCount(attribute(line, 'hits'), `${where} line ${lineNumber}: hits`);
        lineHits[lineNumber] = Math.max(lineHits[lineNumber] ?? 0, hits);
      }
      byPath.set(path, lineHits);
    }
  }

  const files: FileCoverage[] = [...byPath].map(([path, lineHits]) => ({ path, ...countLines(lineHits), lineHits }));
  return { format: 'cobertura', files };
}

/**
 * Class filenames are relative to one of the `<source>` folders. Without a file system we
 * cannot tell which one holds the file, so prefer the first source under the repository
 * root (that is the folder the report was written for), then the first source at all.
 */
function resolveClassPath(filename: string, sources: string[], repoRoot: string): string {
  if (isAbsolutePath(filename) || sources.length === 0) return normalizeCoveragePath(filename, repoRoot);
  const candidates = sources.map((source) => joinPath(source, filename.replaceAll('\\', '/')));
  const underRoot = candidates
    .map((candidate) => normalizeCoveragePath(candidate, repoRoot))
    .find((relative) => !isAbsolutePath(relative) && !relative.startsWith('../'));
  return underRoot ?? normalizeCoveragePath(candidates[0] ?? filename, repoRoot);
}

function child(node: unknown, name: string): unknown {
  if (typeof node !== 'object' || node === null) return undefined;
  return (node as Record<string, unknown>)[name];
}

function attribute(node: unknown, name: string): string | undefined {
  const value = child(node, `@_${name}`);
  return typeof value === 'string' ? value : undefined;
}

/** Empty elements parse to '' and absent ones to undefined; both mean no children. */
function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === undefined || value === '') return [];
  return [value];
}
