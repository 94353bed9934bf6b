// @ts-check
// Small statistics and formatting helpers for the benchmarks.

/** Nearest-rank percentile of a list of numbers (p in 0..100). @param {readonly number[]} values @param {number} p */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return /** @type {number} */ (sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]);
}

/** Median (the mean of the two middle values for an even count). @param {readonly number[]} values */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/** @param {number} ms */
export const formatMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/** A markdown table. @param {string[]} header @param {string[][]} rows */
export function markdownTable(header, rows) {
  const line = (/** @type {string[]} */ cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Replaces the body of the `## <title>` section of a markdown document (up to the next `## `
 * heading), or appends the section when it is missing.
 * @param {string} document @param {string} title @param {string} body
 */
export function replaceSection(document, title, body) {
  const heading = `## ${title}`;
  const lines = document.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  const section = [heading, '', body.trim(), ''];
  if (start === -1) return `${document.replace(/\n*$/, '\n\n')}${section.join('\n')}`;
  let end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  if (end === -1) end = lines.length;
  return [...lines.slice(0, start), ...section, ...lines.slice(end)].join('\n').replace(/\n*$/, '\n');
}
