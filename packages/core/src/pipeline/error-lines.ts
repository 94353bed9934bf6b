// The `logs` monitor check's measurement: the app's output lines of the last minute in, an outcome for the analysis out.
import safeRegex from 'safe-regex2';
import type { MeasurementOutcome } from './analysis.js';

/** What a `logs` check matches when trunkflow.yml gives no `pattern`: a word `error` or `fatal`, any case. */
export const DEFAULT_ERROR_LINE_PATTERN = '\\b(?:error|fatal)\\b';

/** The span counted: error lines *per minute*. */
export const ERROR_LINES_SPAN_MS = 60_000;

/** Only this much of a line is matched: the pattern's cost stays bounded whatever the app prints. */
export const MATCHED_LINE_CHARS = 2000;

/** One line of the app's output, with when it was read (epoch milliseconds). */
export interface OutputSample {
  at: number;
  line: string;
}

export interface ErrorLinesInput {
  /** The app's recent output lines, any order; null when its output is not followed (no app of this server runs it). */
  lines: readonly OutputSample[] | null;
  pattern: string;
  maxPerMinute: number;
  /** The caller's clock reading: core has no clock. */
  now: number;
  /** When the window opened: the release before it wrote the lines before, and they are not its to answer for. */
  since: number;
}

export interface ErrorLinesMeasurement {
  outcome: MeasurementOutcome;
  detail: string;
}

/**
 * Why `pattern` may backtrack catastrophically (a repeat inside a repeat, like `(a+)+`), or null.
 * A logs pattern runs over every line the app prints, on the server: such a pattern must be refused
 * when trunkflow.yml is loaded, not found out by a stalled server.
 */
export function backtrackingProblem(pattern: string): string | null {
  try {
    new RegExp(pattern, 'iu');
  } catch {
    // Not a valid pattern at all: that is said apart, with the parser's reason.
    return null;
  }
  return safeRegex(pattern)
    ? null
    : `\`${pattern}\` may backtrack catastrophically (a repeat inside a repeat, like (a+)+): simplify it, e.g. \\b(?:error|fatal)\\b`;
}

/**
 * Error lines in the last minute of this release's output (from `since`, at most a minute back):
 * - output not followed → `error` (the check cannot measure);
 * - no line at all in that span → `inconclusive`: a silent app says nothing, and no data is never a pass;
 * - more matching lines than `maxPerMinute` → `failed`; otherwise `ok`.
 * Within the window's first minute the count covers less than a minute: a count over the limit
 * already is one, and a count under it is the rate so far.
 */
export function measureErrorLines(input: ErrorLinesInput): ErrorLinesMeasurement {
  if (input.lines === null) {
    return {
      outcome: 'error',
      detail: 'the app’s output is not followed by this server (no app of the `process` deployer runs here)',
    };
  }
  const from = Math.max(input.since, input.now - ERROR_LINES_SPAN_MS);
  const span = input.lines.filter((sample) => sample.at >= from && sample.at <= input.now).sort((a, b) => a.at - b.at);
  const seconds = Math.max(0, Math.round((input.now - from) / 1000));
  if (span.length === 0) {
    return {
      outcome: 'inconclusive',
      detail: `the app wrote no output in the last ${seconds} s: nothing to count, and no data is never a pass`,
    };
  }
  const regex = new RegExp(input.pattern, 'iu');
  const matching = span.filter((sample) => regex.test(sample.line.slice(0, MATCHED_LINE_CHARS)));
  const count = matching.length;
  const of = `${count} of ${span.length} lines in the last ${seconds} s match /${input.pattern}/`;
  if (count > input.maxPerMinute) {
    const last = matching.at(-1)?.line.slice(0, 200) ?? '';
    return { outcome: 'failed', detail: `${of}, more than ${input.maxPerMinute} a minute; last: ${last}` };
  }
  return { outcome: 'ok', detail: `${of} (at most ${input.maxPerMinute} a minute)` };
}
