// The deliberate breakage: healthy at start, then 500 on /healthz and the product pages, only in production.
import { afterEach, describe, expect, it } from 'vitest';
import type { Schedule } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { type Running, sampleValue, scrape, startApp } from './helpers.js';

/** A schedule the test fires by hand, so "before" and "after" the delay never depend on timing. */
const manualSchedule = () => {
  const calls: { run: () => void; ms: number; canceled: boolean }[] = [];
  const schedule: Schedule = (run, ms) => {
    const call = { run, ms, canceled: false };
    calls.push(call);
    return () => {
      call.canceled = true;
    };
  };
  return { calls, schedule };
};

const statuses = async (running: Running, paths: readonly string[]) =>
  Object.fromEntries(await Promise.all(paths.map(async (path) => [path, (await running.get(path)).status] as const)));

const PATHS = ['/healthz', '/', '/hello', '/products', '/products/mug', '/version', '/metrics'] as const;

describe('BROKEN in production', () => {
  let running: Running | undefined;
  afterEach(async () => {
    await running?.app.close();
    running = undefined;
  });

  it('starts healthy, then answers 500 on /healthz and the product pages once the delay has passed', async () => {
    const { calls, schedule } = manualSchedule();
    running = await startApp({ env: 'production', breakMode: 'all', breakAfterMs: 1234 }, { schedule });
    expect(calls.map((call) => call.ms)).toEqual([1234]);
    expect(await statuses(running, PATHS)).toEqual({
      '/healthz': 200,
      '/': 200,
      '/hello': 200,
      '/products': 200,
      '/products/mug': 200,
      '/version': 200,
      '/metrics': 200,
    });

    calls[0]?.run();
    expect(running.app.isBroken()).toBe(true);
    expect(await statuses(running, PATHS)).toEqual({
      '/healthz': 500,
      '/': 200,
      '/hello': 200,
      '/products': 500,
      '/products/mug': 500,
      '/version': 200,
      '/metrics': 200,
    });
    expect(await (await running.get('/version')).json()).toMatchObject({ env: 'production', version: 'v1.2.3' });

    const samples = await scrape(running);
    const count = (route: string, status: string) =>
      sampleValue(samples, 'http_requests_total', { method: 'GET', route, status_code: status });
    expect(count('/healthz', '500')).toBe(1);
    expect(count('/healthz', '200')).toBe(1);
    expect(count('/products/:id', '500')).toBe(1);
    expect(sampleValue(samples, 'demo_app_broken', { mode: 'all' })).toBe(1);
    expect(running.logs.filter((line) => line.level === 'error').map((line) => line.msg)).toEqual([
      'now broken on purpose',
      'GET /healthz answered 500',
      'GET /products answered 500',
      'GET /products/mug answered 500',
    ]);
  });

  it('keeps /healthz passing in pages mode, so only the error rate shows the breakage', async () => {
    const { calls, schedule } = manualSchedule();
    running = await startApp({ env: 'production', breakMode: 'pages' }, { schedule });
    calls[0]?.run();
    expect(await statuses(running, ['/healthz', '/', '/products', '/products/kettle'])).toEqual({
      '/healthz': 200,
      '/': 200,
      '/products': 500,
      '/products/kettle': 500,
    });
  });

  it('cancels the pending break when it is closed', async () => {
    const { calls, schedule } = manualSchedule();
    running = await startApp({ env: 'production', breakMode: 'all' }, { schedule });
    await running.app.close();
    running = undefined;
    expect(calls.map((call) => call.canceled)).toEqual([true]);
  });

  it('breaks by itself after a short real delay', async () => {
    running = await startApp({ env: 'production', breakMode: 'all', breakAfterMs: 20 });
    let status = 200;
    while (status === 200) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      status = (await running.get('/healthz')).status;
    }
    expect(status).toBe(500);
  });
});

describe('BROKEN outside production', () => {
  let running: Running | undefined;
  afterEach(async () => {
    await running?.app.close();
  });

  it.each(['staging', 'preview'])('never schedules a break in %s, even with the marker present', async (env) => {
    const config = parseConfig({ TRUNKFLOW_ENV: env, DEMO_BREAK_AFTER_MS: '0' }, '');
    const { calls, schedule } = manualSchedule();
    running = await startApp(config, { schedule });
    expect(calls).toEqual([]);
    expect(running.app.isBroken()).toBe(false);
    expect(await statuses(running, ['/healthz', '/products'])).toEqual({ '/healthz': 200, '/products': 200 });
  });
});
