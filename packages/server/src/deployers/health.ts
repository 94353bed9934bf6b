// Health of a started app: HTTP GET of its health path on loopback, polled until it answers 2xx or time runs out.
import { request } from 'node:http';

/** One probe's own limit, so a hung app cannot stall the wait past its deadline. */
const PROBE_TIMEOUT_MS = 2000;
const POLL_MS = 100;

export type ProbeResult = { ok: true; status: number } | { ok: false; detail: string };

/** One GET; never rejects. A fresh connection each time, so no pooled socket outlives the app. */
export function probe(port: number, path: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, detail: `answered ${status}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, detail: error.code ?? error.message }));
    req.end();
  });
}

export type HealthOutcome =
  | { kind: 'healthy' }
  | { kind: 'timeout'; last: string }
  | { kind: 'exited' }
  | { kind: 'aborted' };

export interface WaitForHealthOptions {
  port: number;
  path: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Polled between probes: an app that exited will never become healthy. */
  exited: () => boolean;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Bounded by `timeoutMs` (plus at most one probe's own limit). */
export async function waitForHealth(options: WaitForHealthOptions): Promise<HealthOutcome> {
  const deadline = performance.now() + options.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    if (options.signal?.aborted) return { kind: 'aborted' };
    if (options.exited()) return { kind: 'exited' };
    const left = deadline - performance.now();
    if (left <= 0) return { kind: 'timeout', last };
    const result = await probe(options.port, options.path, Math.min(PROBE_TIMEOUT_MS, Math.max(50, left)));
    if (result.ok) return { kind: 'healthy' };
    last = result.detail;
    await sleep(POLL_MS, options.signal);
  }
}
