// Monitoring measurements against real parts: an app on loopback for the HTTP check, a real Prometheus for PromQL.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '@trunkflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../src/features/pipeline/measure.js';
import { type RunningPrometheus, startPrometheus } from './helpers/prometheus.js';

/** The monitor checks of a production section, parsed as trunkflow.yml would be. */
function checksOf(yaml: object) {
  const parsed = parseConfig({ environments: { production: { monitor: { checks: [yaml] } } } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const check = parsed.config.environments.production?.monitor.checks[0];
  if (!check) throw new Error('no check parsed');
  return check;
}

describe('monitoring measurements', () => {
  let app: Server;
  let appUrl: string;
  let prometheus: RunningPrometheus | undefined;
  let failing = 0;

  beforeAll(async () => {
    app = createServer((request, response) => {
      if (request.url === '/healthz') {
        response.writeHead(200).end('ok');
      } else if (request.url === '/version') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"env":"production","sha":"abc"}');
      } else if (request.url === '/slow') {
        setTimeout(() => response.writeHead(200).end('late'), 1500);
      } else if (request.url === '/metrics') {
        response
          .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
          .end(`# TYPE demo_failing gauge\ndemo_failing ${failing}\n`);
      } else {
        response.writeHead(500).end('broken');
      }
    });
    await new Promise<void>((done) => app.listen(0, '127.0.0.1', done));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    prometheus = await startPrometheus([appUrl.replace('http://', '')]);
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((done) => app.close(done));
  });

  const context = () => ({ url: appUrl, healthPath: '/healthz', timeoutMs: 2000 });

  it('passes a healthy path, fails a wrong status, a JSON mismatch and a slow answer', async () => {
    expect(await measure(checksOf({ provider: 'http' }), context())).toMatchObject({ outcome: 'ok' });
    expect(await measure(checksOf({ provider: 'http', path: '/broken' }), context())).toMatchObject({
      outcome: 'failed',
      detail: 'status 500 from /broken (expected 200)',
    });
    const json = { provider: 'http', path: '/version', json: { path: '$.env', equals: 'staging' } };
    expect(await measure(checksOf(json), context())).toMatchObject({
      outcome: 'failed',
      detail: '/version: expected "staging", got "production"',
    });
    expect(
      await measure(checksOf({ ...json, json: { path: '$.env', equals: 'production' } }), context()),
    ).toMatchObject({ outcome: 'ok' });
    expect(await measure(checksOf({ provider: 'http', path: '/slow', maxLatency: '300ms' }), context())).toMatchObject({
      outcome: 'failed',
      detail: 'no answer from /slow within 300 ms',
    });
  });

  it('reads a PromQL result from a real Prometheus: ok, failed, and no data is inconclusive', async () => {
    const server = prometheus as RunningPrometheus;
    await server.waitForData('demo_failing');
    const check = (query: string) =>
      checksOf({
        provider: 'prometheus',
        url: server.url,
        query,
        successCondition: 'result < 1',
        failureCondition: 'result >= 1',
      });
    expect(await measure(check('demo_failing'), context())).toMatchObject({ outcome: 'ok', detail: 'result 0' });
    failing = 3;
    // The next scrapes (every second) see the change.
    let seen = await measure(check('demo_failing'), context());
    for (let attempt = 0; attempt < 40 && seen.outcome !== 'failed'; attempt++) {
      await new Promise((done) => setTimeout(done, 250));
      seen = await measure(check('demo_failing'), context());
    }
    expect(seen).toEqual({ outcome: 'failed', detail: 'result 3 meets the failure condition' });
    expect(await measure(check('no_such_metric'), context())).toEqual({
      outcome: 'inconclusive',
      detail: 'no data for no_such_metric',
    });
  }, 60_000);

  it('counts an unreachable Prometheus as an error of the check, never as a verdict on the release', async () => {
    const unreachable = checksOf({
      provider: 'prometheus',
      url: 'http://127.0.0.1:1',
      query: 'up',
      successCondition: 'result == 1',
    });
    expect(await measure(unreachable, context())).toMatchObject({ outcome: 'error' });
  });
});
