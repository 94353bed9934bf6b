// One measurement of a monitoring check: an HTTP request, a PromQL query, a command, or the app's error lines.
import {
  type CheckConfig,
  type CommandCheckConfig,
  ERROR_LINES_SPAN_MS,
  type HttpCheckConfig,
  type LogsCheckConfig,
  measureErrorLines,
  meetsCondition,
  type OutputSample,
  type PrometheusCheckConfig,
  selectJsonPath,
} from '@trunkflow/core';
import type { MeasurementRecord } from './model.js';

export type MeasureOutcome = Pick<MeasurementRecord, 'outcome' | 'detail'>;

export interface LogsSource {
  /** The caller's clock reading, epoch milliseconds. */
  now: number;
  /** When the window opened: lines before it are the previous release's. */
  since: number;
  lines(since: number): Promise<readonly OutputSample[] | null>;
}

export interface MeasureContext {
  /** Where the environment answers, e.g. http://127.0.0.1:41234 (the app itself, not the proxy). */
  url: string;
  healthPath: string;
  /** What a `logs` check reads: the app's output lines since a time (`process` deployer only; null when not followed). */
  logs?: LogsSource;
  /** Runs a check command in the release's tree; resolves with its exit code and output. */
  runCommand?: (
    args: readonly string[],
    env: Record<string, string>,
  ) => Promise<{ code: number | null; output: string }>;
  timeoutMs: number;
}

/** A name for the check in reasons and the measurements table: `http /healthz`, `prometheus`, … */
export function checkName(check: CheckConfig, index: number): string {
  switch (check.provider) {
    case 'http':
      return `${index + 1}. http ${check.path ?? ''}`.trim();
    case 'prometheus':
      return `${index + 1}. prometheus`;
    case 'logs':
      return `${index + 1}. logs`;
    case 'command':
      return `${index + 1}. command ${check.command[0] ?? ''}`.trim();
  }
}

export async function measure(check: CheckConfig, context: MeasureContext): Promise<MeasureOutcome> {
  switch (check.provider) {
    case 'http':
      return measureHttp(check, context);
    case 'prometheus':
      return measurePrometheus(check, context);
    case 'command':
      return measureCommand(check, context);
    case 'logs':
      return measureLogs(check, context);
  }
}

async function measureLogs(check: LogsCheckConfig, context: MeasureContext): Promise<MeasureOutcome> {
  if (!context.logs) return { outcome: 'error', detail: 'the app’s output cannot be read here' };
  const { now, since } = context.logs;
  const lines = await context.logs.lines(Math.max(since, now - ERROR_LINES_SPAN_MS));
  return measureErrorLines({ lines, pattern: check.pattern, maxPerMinute: check.maxPerMinute, now, since });
}

async function measureHttp(check: HttpCheckConfig, context: MeasureContext): Promise<MeasureOutcome> {
  const path = check.path ?? context.healthPath;
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(new URL(path, context.url), {
      signal: AbortSignal.timeout(check.maxLatency),
      redirect: 'manual',
    });
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    // No answer in time is the release's fault; a refused connection is too (the app is down).
    return {
      outcome: 'failed',
      detail: timedOut
        ? `no answer from ${path} within ${check.maxLatency} ms`
        : `${path}: ${(error as Error).message}`,
    };
  }
  const latency = Math.round(performance.now() - started);
  const body = await response.text().catch(() => '');
  if (response.status !== check.status) {
    return { outcome: 'failed', detail: `status ${response.status} from ${path} (expected ${check.status})` };
  }
  if (check.json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { outcome: 'failed', detail: `${path} did not answer JSON` };
    }
    const found = selectJsonPath(parsed, check.json.path);
    if (!found.found || found.value !== check.json.equals) {
      return {
        outcome: 'failed',
        detail: `${path}: expected ${JSON.stringify(check.json.equals)}, got ${found.found ? JSON.stringify(found.value) : 'nothing'}`,
      };
    }
  }
  return { outcome: 'ok', detail: `status ${response.status} from ${path} in ${latency} ms` };
}

/** The numbers of an instant query's result: one per series of a vector, or the scalar. */
function resultNumbers(data: unknown): number[] | null {
  const result = (data as { resultType?: string; result?: unknown }) ?? {};
  if (result.resultType === 'scalar' && Array.isArray(result.result)) return [Number(result.result[1])];
  if (result.resultType === 'vector' && Array.isArray(result.result)) {
    return (result.result as { value?: [number, string] }[]).map((series) => Number(series.value?.[1]));
  }
  return null;
}

async function measurePrometheus(check: PrometheusCheckConfig, context: MeasureContext): Promise<MeasureOutcome> {
  const url = new URL('/api/v1/query', check.url);
  url.searchParams.set('query', check.query);
  let body: { status?: string; data?: unknown; error?: string };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(context.timeoutMs) });
    body = (await response.json()) as typeof body;
    if (!response.ok || body.status !== 'success') {
      return { outcome: 'error', detail: `Prometheus answered ${response.status}: ${body.error ?? 'no error given'}` };
    }
  } catch (error) {
    return { outcome: 'error', detail: `Prometheus at ${check.url} could not be queried: ${(error as Error).message}` };
  }
  const numbers = resultNumbers(body.data)?.filter((value) => Number.isFinite(value)) ?? [];
  if (numbers.length === 0) return { outcome: 'inconclusive', detail: `no data for ${check.query}` };
  const shown = numbers.map((value) => Number(value.toPrecision(4))).join(', ');
  const failure = check.failureCondition;
  if (failure && numbers.some((value) => meetsCondition(failure, value))) {
    return { outcome: 'failed', detail: `result ${shown} meets the failure condition` };
  }
  if (check.successCondition) {
    const condition = check.successCondition;
    return numbers.every((value) => meetsCondition(condition, value))
      ? { outcome: 'ok', detail: `result ${shown}` }
      : { outcome: 'inconclusive', detail: `result ${shown} meets neither condition` };
  }
  return { outcome: 'ok', detail: `result ${shown}` };
}

async function measureCommand(check: CommandCheckConfig, context: MeasureContext): Promise<MeasureOutcome> {
  if (!context.runCommand) return { outcome: 'error', detail: 'commands cannot run here' };
  const run = await context.runCommand(check.command, { TRUNKFLOW_URL: context.url });
  if (run.code !== check.exitCode) {
    return { outcome: 'failed', detail: `exit code ${run.code ?? 'none'} (expected ${check.exitCode})` };
  }
  if (check.output !== undefined && !new RegExp(check.output, 'iu').test(run.output)) {
    return { outcome: 'failed', detail: `the output does not match /${check.output}/` };
  }
  return { outcome: 'ok', detail: `exit code ${run.code}` };
}
