import { describe, expect, it } from 'vitest';
import {
  type AnalysisLimits,
  type AnalysisStatus,
  analyzeCheck,
  analyzeWindow,
  combineStatuses,
  DEFAULT_ANALYSIS_LIMITS,
  type Measurement,
  type MeasurementOutcome,
} from './analysis.js';

const START = 1_000_000;
const MINUTE = 60_000;
const LIMITS: AnalysisLimits = {
  ...DEFAULT_ANALYSIS_LIMITS,
  durationMs: 10 * MINUTE,
  intervalMs: MINUTE,
  inconclusiveLimit: 0,
};
const END = START + LIMITS.durationMs;

const CODES: Record<string, MeasurementOutcome> = { o: 'ok', f: 'failed', i: 'inconclusive', e: 'error' };

/** "o o e f": one measurement a minute from the window's start. */
function series(spec: string): Measurement[] {
  return spec
    .split(' ')
    .filter((code) => code !== '')
    .map((code, n) => ({ outcome: CODES[code] ?? 'ok', at: START + n * MINUTE }));
}

describe('DEFAULT_ANALYSIS_LIMITS', () => {
  it('are the documented defaults', () => {
    expect(DEFAULT_ANALYSIS_LIMITS).toEqual({
      durationMs: 30 * MINUTE,
      intervalMs: MINUTE,
      failureLimit: 0,
      inconclusiveLimit: 3,
      consecutiveErrorLimit: 4,
    });
  });
});

describe('analyzeCheck', () => {
  it.each<
    [name: string, spec: string, limits: Partial<AnalysisLimits>, now: number, status: AnalysisStatus, reason: RegExp]
  >([
    ['no data yet, window open', '', {}, START, 'running', /window open, 600 s left/],
    ['no data when the window ends', '', {}, END, 'inconclusive', /ended with no measurement: no data is never a pass/],
    ['all ok, window open', 'o o o', {}, START + 3 * MINUTE, 'running', /3 ok, 0 failed/],
    ['all ok, one millisecond before the end', 'o o o', {}, END - 1, 'running', /1 s left/],
    ['all ok, exactly at the end', 'o o o', {}, END, 'passed', /ended within its limits: 3 ok/],
    ['all ok, long after the end', 'o o o', {}, END + 60 * MINUTE, 'passed', /3 ok/],
    [
      'the first failure fails at once (failureLimit 0)',
      'o f',
      {},
      START + 2 * MINUTE,
      'failed',
      /1 failed measurement, more than failureLimit 0/,
    ],
    ['failures exactly at failureLimit pass', 'o f o f o', { failureLimit: 2 }, END, 'passed', /3 ok, 2 failed/],
    [
      'one failure past failureLimit fails',
      'o f o f f',
      { failureLimit: 2 },
      START + 5 * MINUTE,
      'failed',
      /3 failed measurements, more than failureLimit 2/,
    ],
    [
      'the first inconclusive decides (inconclusiveLimit 0)',
      'o i',
      {},
      START + 2 * MINUTE,
      'inconclusive',
      /1 inconclusive measurement, more than inconclusiveLimit 0/,
    ],
    [
      'inconclusives exactly at inconclusiveLimit pass',
      'o i o',
      { inconclusiveLimit: 1 },
      END,
      'passed',
      /2 ok, 0 failed, 1 inconclusive/,
    ],
    [
      'one inconclusive past the limit',
      'o i i',
      { inconclusiveLimit: 1 },
      END,
      'inconclusive',
      /2 inconclusive measurements, more than inconclusiveLimit 1/,
    ],
    [
      'errors exactly at consecutiveErrorLimit go on',
      'o e e e e',
      {},
      START + 5 * MINUTE,
      'running',
      /1 ok, 0 failed, 0 inconclusive, 4 errors/,
    ],
    [
      'one error past consecutiveErrorLimit is inconclusive, not failed',
      'o e e e e e',
      {},
      START + 6 * MINUTE,
      'inconclusive',
      /5 errors in a row, more than consecutiveErrorLimit 4: the check cannot measure/,
    ],
    [
      'a success resets the error streak',
      'e e e e o e e e e o',
      {},
      END,
      'passed',
      /2 ok, 0 failed, 0 inconclusive, 8 errors/,
    ],
    [
      'a failure under its limit resets the streak too',
      'e e e e f e e e e o',
      { failureLimit: 1 },
      END,
      'passed',
      /1 ok, 1 failed/,
    ],
    [
      'an inconclusive under its limit resets the streak too',
      'e e e e i e e e e o',
      { inconclusiveLimit: 1 },
      END,
      'passed',
      /1 ok/,
    ],
    [
      'only errors under the limit when the window ends',
      'e e e',
      {},
      END,
      'inconclusive',
      /no ok measurement \(0 ok, 0 failed, 0 inconclusive, 3 errors\)/,
    ],
    [
      'only tolerated failures when the window ends',
      'f',
      { failureLimit: 1 },
      END,
      'inconclusive',
      /no ok measurement/,
    ],
    [
      'consecutiveErrorLimit 0: the first error decides',
      'o e',
      { consecutiveErrorLimit: 0 },
      START + 2 * MINUTE,
      'inconclusive',
      /1 error in a row/,
    ],
    [
      'the first limit crossed decides: errors, then a failure',
      'e e e e e f',
      {},
      END,
      'inconclusive',
      /5 errors in a row/,
    ],
    [
      'the first limit crossed decides: a failure, then errors',
      'f e e e e e',
      {},
      END,
      'failed',
      /1 failed measurement/,
    ],
  ])('%s', (_name, spec, limits, now, status, reason) => {
    const result = analyzeCheck({
      startedAt: START,
      now,
      limits: { ...LIMITS, ...limits },
      measurements: series(spec),
    });
    expect(result.status).toBe(status);
    expect(result.reason).toMatch(reason);
  });

  it('counts only up to the measurement that decided', () => {
    const result = analyzeCheck({ startedAt: START, now: END, limits: LIMITS, measurements: series('o f o o') });
    expect(result.counts).toEqual({ ok: 1, failed: 1, inconclusive: 0, error: 0, consecutiveErrors: 0 });
    expect(result.nextMeasurementAt).toBeNull();
  });

  it('reads measurements in time order, whatever order they come in', () => {
    const measurements: Measurement[] = [
      { outcome: 'ok', at: START + 2 * MINUTE },
      { outcome: 'failed', at: START + MINUTE, message: 'status 500 from /healthz' },
    ];
    const result = analyzeCheck({ startedAt: START, now: START + 3 * MINUTE, limits: LIMITS, measurements });
    expect(result).toMatchObject({ status: 'failed', counts: { ok: 0, failed: 1 } });
    expect(result.reason).toMatch(/\(last: status 500 from \/healthz\)$/);
  });

  it.each<[name: string, at: number, counted: boolean]>([
    ['before the window opened', START - 1, false],
    ['exactly when it opened', START, true],
    ['the last millisecond of the window', END - 1, true],
    ['exactly when it ended', END, false],
    ['after it ended', END + MINUTE, false],
  ])('a failure %s counts: %s', (_name, at, counted) => {
    const measurements: Measurement[] = [
      { outcome: 'ok', at: START + MINUTE },
      { outcome: 'failed', at },
    ];
    const result = analyzeCheck({ startedAt: START, now: END, limits: LIMITS, measurements });
    expect(result.status).toBe(counted ? 'failed' : 'passed');
  });

  it.each<[spec: string, now: number, next: number | null]>([
    ['', START, START],
    ['o', START + 10, START + MINUTE],
    ['o o o', START + 3 * MINUTE, START + 3 * MINUTE],
    ['o o o o o o o o o', START + 9 * MINUTE, START + 9 * MINUTE],
    ['o o o o o o o o o o', START + 9 * MINUTE + 1, null],
    ['f', START + 10, null],
  ])('after %j at %d, the next measurement is due at %s', (spec, now, next) => {
    expect(analyzeCheck({ startedAt: START, now, limits: LIMITS, measurements: series(spec) }).nextMeasurementAt).toBe(
      next,
    );
  });
});

describe('combineStatuses', () => {
  it.each<[AnalysisStatus[], AnalysisStatus]>([
    [[], 'inconclusive'],
    [['passed'], 'passed'],
    [['passed', 'passed'], 'passed'],
    [['running', 'passed'], 'running'],
    [['failed', 'running'], 'failed'],
    [['inconclusive', 'failed'], 'failed'],
    [['running', 'inconclusive'], 'running'],
    [['inconclusive', 'passed'], 'inconclusive'],
    [['passed', 'inconclusive', 'passed'], 'inconclusive'],
  ])('%j → %s', (statuses, expected) => {
    expect(combineStatuses(statuses)).toBe(expected);
  });
});

describe('analyzeWindow', () => {
  function window(checks: Record<string, string>, now: number) {
    return analyzeWindow({
      startedAt: START,
      now,
      limits: LIMITS,
      checks: Object.entries(checks).map(([name, spec]) => ({ name, measurements: series(spec) })),
    });
  }

  it('fails as soon as one check fails, naming it', () => {
    const result = window({ http: 'o o', prometheus: 'o f' }, START + 2 * MINUTE);
    expect(result).toMatchObject({ status: 'failed', wakeAt: null, endsAt: END });
    expect(result.reason).toMatch(/^prometheus: 1 failed measurement/);
    expect(result.reason).not.toMatch(/http/);
  });

  it('keeps watching the other checks when one is inconclusive', () => {
    const result = window({ http: 'o o', prometheus: 'e e e e e' }, START + 5 * MINUTE);
    expect(result.status).toBe('running');
    expect(result.checks.map((check) => check.status)).toEqual(['running', 'inconclusive']);
    expect(result.wakeAt).toBe(START + 2 * MINUTE);
  });

  it('is inconclusive at the end when one check could not measure and the others passed', () => {
    const result = window({ http: 'o o o', prometheus: 'e e e e e' }, END);
    expect(result.status).toBe('inconclusive');
    expect(result.reason).toMatch(/^prometheus: 5 errors in a row/);
  });

  it('passes when every check passes', () => {
    expect(window({ http: 'o o', logs: 'o' }, END)).toMatchObject({ status: 'passed', wakeAt: null });
  });

  it('with no check at all, is inconclusive', () => {
    expect(window({}, START)).toMatchObject({ status: 'inconclusive', reason: /no check is configured/ });
  });

  it('wakes at the window end when no measurement is due before it', () => {
    expect(window({ http: 'o o o o o o o o o o' }, END - 1).wakeAt).toBe(END);
  });
});
