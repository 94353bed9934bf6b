// Monitoring analysis: a window's measurements and limits in, `running | passed | failed | inconclusive` out.
import { assertNever } from '../shared/assert-never.js';

export const MEASUREMENT_OUTCOMES = ['ok', 'failed', 'inconclusive', 'error'] as const;

/**
 * - `ok`: the release looked healthy; `failed`: it looked broken (a 500, an error rate over the threshold);
 * - `inconclusive`: the check ran but could not tell (a query with no data);
 * - `error`: the check itself could not run (Prometheus unreachable, a timeout).
 */
export type MeasurementOutcome = (typeof MEASUREMENT_OUTCOMES)[number];

export interface Measurement {
  outcome: MeasurementOutcome;
  /** When it was taken, in epoch milliseconds (the same clock as the window's `startedAt`). */
  at: number;
  /** What was seen, for the reason ("status 500 from /healthz"). */
  message?: string;
}

export interface AnalysisLimits {
  durationMs: number;
  intervalMs: number;
  /** Failed measurements tolerated; the analysis fails on the next one. 0: the first failure fails. */
  failureLimit: number;
  /** Inconclusive measurements tolerated; the analysis is inconclusive on the next one. */
  inconclusiveLimit: number;
  /** Errors in a row tolerated; one more makes the analysis inconclusive. Any other outcome resets the streak. */
  consecutiveErrorLimit: number;
}

/**
 * The defaults of a `monitor` block, the same as trunkflow.yml's. `inconclusiveLimit` is 3, not
 * Argo Rollouts' 0: a fresh Prometheus `rate()` has no data for its first intervals.
 */
export const DEFAULT_ANALYSIS_LIMITS: Readonly<AnalysisLimits> = {
  durationMs: 30 * 60_000,
  intervalMs: 60_000,
  failureLimit: 0,
  inconclusiveLimit: 3,
  consecutiveErrorLimit: 4,
};

export type AnalysisStatus = 'running' | 'passed' | 'failed' | 'inconclusive';

export interface MeasurementCounts {
  ok: number;
  failed: number;
  inconclusive: number;
  error: number;
  /** The current run of errors, as of the last measurement counted. */
  consecutiveErrors: number;
}

export interface CheckAnalysis {
  status: AnalysisStatus;
  reason: string;
  /** Counts up to the measurement that decided, or over the whole window so far. */
  counts: MeasurementCounts;
  /** When the next measurement is due; null once decided or when it would fall after the window. */
  nextMeasurementAt: number | null;
}

export interface AnalysisInput {
  /** When the window opened (the deploy went live), epoch milliseconds. */
  startedAt: number;
  /** The caller's clock reading: core has no clock. */
  now: number;
  limits: AnalysisLimits;
}

/**
 * One check's verdict, with the semantics of an Argo Rollouts metric:
 * - only measurements in the window `[startedAt, startedAt + duration)` count, in time order;
 * - after each one: more failures than `failureLimit` fails; more inconclusives than
 *   `inconclusiveLimit` is inconclusive; more errors in a row than `consecutiveErrorLimit` is
 *   inconclusive. The first limit crossed decides and later measurements cannot undo it;
 * - Argo calls the last case `Error` and aborts the rollout; here a check that cannot measure
 *   says nothing about the release, so it pages the people on watch instead of rolling back;
 * - when the window ends with no limit crossed, the check passes only if at least one
 *   measurement was `ok`: no data is inconclusive, never a pass.
 */
export function analyzeCheck(input: AnalysisInput & { measurements: readonly Measurement[] }): CheckAnalysis {
  const { limits, startedAt, now } = input;
  const endsAt = startedAt + limits.durationMs;
  const inWindow = input.measurements
    .map((measurement, order) => ({ measurement, order }))
    .filter(({ measurement }) => measurement.at >= startedAt && measurement.at < endsAt)
    .sort((a, b) => a.measurement.at - b.measurement.at || a.order - b.order)
    .map(({ measurement }) => measurement);
  const counts: MeasurementCounts = { ok: 0, failed: 0, inconclusive: 0, error: 0, consecutiveErrors: 0 };
  for (const measurement of inWindow) {
    count(counts, measurement.outcome);
    const crossed = crossedLimit(counts, limits, measurement);
    if (crossed) return { ...crossed, counts: { ...counts }, nextMeasurementAt: null };
  }
  if (now < endsAt) {
    const last = inWindow.at(-1);
    const next = last === undefined ? startedAt : last.at + limits.intervalMs;
    return {
      status: 'running',
      reason: `window open, ${Math.ceil((endsAt - now) / 1000)} s left: ${describeCounts(counts)}`,
      counts,
      nextMeasurementAt: next < endsAt ? next : null,
    };
  }
  if (inWindow.length === 0) {
    return {
      status: 'inconclusive',
      reason: 'the window ended with no measurement: no data is never a pass',
      counts,
      nextMeasurementAt: null,
    };
  }
  if (counts.ok === 0) {
    return {
      status: 'inconclusive',
      reason: `the window ended with no ok measurement (${describeCounts(counts)}): no data is never a pass`,
      counts,
      nextMeasurementAt: null,
    };
  }
  return {
    status: 'passed',
    reason: `the window ended within its limits: ${describeCounts(counts)}`,
    counts,
    nextMeasurementAt: null,
  };
}

function count(counts: MeasurementCounts, outcome: MeasurementOutcome): void {
  switch (outcome) {
    case 'ok':
    case 'failed':
    case 'inconclusive':
      counts[outcome] += 1;
      counts.consecutiveErrors = 0;
      return;
    case 'error':
      counts.error += 1;
      counts.consecutiveErrors += 1;
      return;
    default:
      assertNever(outcome, 'measurement outcome');
  }
}

function crossedLimit(
  counts: MeasurementCounts,
  limits: AnalysisLimits,
  last: Measurement,
): { status: AnalysisStatus; reason: string } | null {
  const seen = last.message ? ` (last: ${last.message})` : '';
  if (counts.failed > limits.failureLimit) {
    return {
      status: 'failed',
      reason: `${plural(counts.failed, 'failed measurement')}, more than failureLimit ${limits.failureLimit}${seen}`,
    };
  }
  if (counts.inconclusive > limits.inconclusiveLimit) {
    return {
      status: 'inconclusive',
      reason: `${plural(counts.inconclusive, 'inconclusive measurement')}, more than inconclusiveLimit ${limits.inconclusiveLimit}${seen}`,
    };
  }
  if (counts.consecutiveErrors > limits.consecutiveErrorLimit) {
    return {
      status: 'inconclusive',
      reason: `${plural(counts.consecutiveErrors, 'error')} in a row, more than consecutiveErrorLimit ${limits.consecutiveErrorLimit}: the check cannot measure${seen}`,
    };
  }
  return null;
}

export interface NamedCheck {
  name: string;
  measurements: readonly Measurement[];
}

export interface WindowAnalysis {
  status: AnalysisStatus;
  reason: string;
  checks: (CheckAnalysis & { name: string })[];
  endsAt: number;
  /** When to evaluate again: the earliest measurement due, or the window's end; null once decided. */
  wakeAt: number | null;
}

/** Every check of a window, combined by `combineStatuses`. */
export function analyzeWindow(input: AnalysisInput & { checks: readonly NamedCheck[] }): WindowAnalysis {
  const endsAt = input.startedAt + input.limits.durationMs;
  const checks = input.checks.map((check) => ({
    name: check.name,
    ...analyzeCheck({ ...input, measurements: check.measurements }),
  }));
  const status = combineStatuses(checks.map((check) => check.status));
  const decisive = checks.filter((check) => check.status === status);
  const reason =
    checks.length === 0
      ? 'no check is configured: nothing watched the release, and no data is never a pass'
      : decisive.map((check) => `${check.name}: ${check.reason}`).join('; ');
  let wakeAt: number | null = null;
  if (status === 'running') {
    const due = checks.flatMap((check) => (check.nextMeasurementAt === null ? [] : [check.nextMeasurementAt]));
    wakeAt = Math.min(endsAt, ...due);
  }
  return { status, reason, checks, endsAt, wakeAt };
}

/**
 * Several checks into one verdict: any failed → failed (at once, even while others run);
 * otherwise any running → running (another check may still fail); otherwise any inconclusive →
 * inconclusive; otherwise passed. No checks at all is inconclusive.
 */
export function combineStatuses(statuses: readonly AnalysisStatus[]): AnalysisStatus {
  if (statuses.length === 0) return 'inconclusive';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('running')) return 'running';
  if (statuses.includes('inconclusive')) return 'inconclusive';
  return 'passed';
}

function describeCounts(counts: MeasurementCounts): string {
  return `${counts.ok} ok, ${counts.failed} failed, ${counts.inconclusive} inconclusive, ${counts.error} errors`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
