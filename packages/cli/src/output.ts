// Shared output for client commands: `--format text|json`, JSON printing and plain aligned tables.
import { Option } from 'commander';
import pc from 'picocolors';
import type { CliIo } from './io.js';

export type OutputFormat = 'text' | 'json';

export interface FormatOptions {
  format: OutputFormat;
}

export function formatOption(): Option {
  return new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell; the header is dimmed on a colour terminal and plain elsewhere. */
export function table(io: CliIo, headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const colors = pc.createColors(io.color);
  return `${[colors.dim(line(headers)), ...rows.map(line)].join('\n')}\n`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : '-';
}
