import { describe, expect, it } from 'vitest';
import {
  backtrackingProblem,
  DEFAULT_ERROR_LINE_PATTERN,
  type ErrorLinesInput,
  MATCHED_LINE_CHARS,
  measureErrorLines,
  type OutputSample,
} from './error-lines.js';

const NOW = 10_000_000;
const SECOND = 1000;

/** "E . . E": one line a second ending at NOW, E an error line, . an ordinary one. */
function output(spec: string, endAt = NOW): OutputSample[] {
  const codes = spec.split(' ').filter((code) => code !== '');
  return codes.map((code, n) => ({
    at: endAt - (codes.length - 1 - n) * SECOND,
    line: code === 'E' ? `12:00:0${n % 10} ERROR payment failed` : `12:00:0${n % 10} GET / 200`,
  }));
}

const input = (overrides: Partial<ErrorLinesInput>): ErrorLinesInput => ({
  lines: [],
  pattern: DEFAULT_ERROR_LINE_PATTERN,
  maxPerMinute: 2,
  now: NOW,
  since: NOW - 10 * 60 * SECOND,
  ...overrides,
});

describe('measureErrorLines', () => {
  it.each<[string, Partial<ErrorLinesInput>, string, string]>([
    ['output not followed', { lines: null }, 'error', 'the app’s output is not followed by this server'],
    ['no output at all', { lines: [] }, 'inconclusive', 'the app wrote no output in the last 60 s'],
    [
      'output only before the last minute',
      { lines: output('E E E', NOW - 61 * SECOND) },
      'inconclusive',
      'the app wrote no output in the last 60 s',
    ],
    ['quiet lines only', { lines: output('. . . .') }, 'ok', '0 of 4 lines in the last 60 s match'],
    ['errors at the limit', { lines: output('E . E .') }, 'ok', '2 of 4 lines in the last 60 s match'],
    ['errors over the limit', { lines: output('E . E E') }, 'failed', '3 of 4 lines in the last 60 s match'],
    ['limit 0: one error fails', { lines: output('. E'), maxPerMinute: 0 }, 'failed', '1 of 2 lines'],
    [
      'errors older than a minute do not count',
      { lines: [...output('E E E', NOW - 90 * SECOND), ...output('. .')] },
      'ok',
      '0 of 2 lines in the last 60 s',
    ],
    [
      'the release before the window wrote the errors',
      { lines: output('E E E . .'), since: NOW - 1500 },
      'ok',
      '0 of 2 lines in the last 2 s',
    ],
    [
      'in the window’s first seconds, a count over the limit already fails',
      { lines: output('E E E'), since: NOW - 5 * SECOND },
      'failed',
      '3 of 3 lines in the last 5 s',
    ],
    ['case-insensitive', { lines: [{ at: NOW, line: 'Fatal: out of memory' }], maxPerMinute: 0 }, 'failed', '1 of 1'],
    [
      'a word, not a part of one',
      { lines: [{ at: NOW, line: 'errors=0 terrorist=no' }], maxPerMinute: 0 },
      'ok',
      '0 of 1',
    ],
    [
      'a pattern of its own',
      { lines: [{ at: NOW, line: '{"level":50,"msg":"boom"}' }], pattern: '"level":5\\d', maxPerMinute: 0 },
      'failed',
      '1 of 1',
    ],
    [
      'only the head of a long line is matched',
      { lines: [{ at: NOW, line: `${'x'.repeat(MATCHED_LINE_CHARS)} error` }], maxPerMinute: 0 },
      'ok',
      '0 of 1',
    ],
    ['a line after now (not yet) does not count', { lines: output('E', NOW + SECOND) }, 'inconclusive', 'no output'],
  ])('%s', (_name, overrides, outcome, detail) => {
    const measured = measureErrorLines(input(overrides));
    expect(measured.outcome).toBe(outcome);
    expect(measured.detail).toContain(detail);
  });

  it('names the last error line when it fails', () => {
    const lines = [
      { at: NOW - 2 * SECOND, line: 'error: first' },
      { at: NOW - SECOND, line: 'error: last' },
    ];
    expect(measureErrorLines(input({ lines: [...lines].reverse(), maxPerMinute: 1 })).detail).toMatch(
      /more than 1 a minute; last: error: last$/,
    );
  });
});

describe('backtrackingProblem', () => {
  it.each([
    ['the default', DEFAULT_ERROR_LINE_PATTERN, false],
    ['a plain word', 'panic', false],
    ['one repeat', 'level":(?:50|60)\\d*', false],
    ['a repeat inside a repeat', '(a+)+$', true],
    ['a starred group of stars', '(?:x*y*)*z', true],
    ['not a pattern at all (said apart)', '(', false],
  ])('%s', (_name, pattern, refused) => {
    const problem = backtrackingProblem(pattern);
    if (refused) expect(problem).toMatch(/may backtrack catastrophically .* simplify it/);
    else expect(problem).toBeNull();
  });
});
