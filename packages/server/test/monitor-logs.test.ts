// The `logs` monitor check against a real app of the process deployer: its error lines per minute, read from its output.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@trunkflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentRef } from '../src/deployers/environment.js';
import { createTestRepo, httpGet, startTestServer, type TestServer, waitFor } from '../src/deployers/test-harness.js';
import { type MeasureContext, measure } from '../src/features/pipeline/measure.js';

/** Prints an ordinary line on /ok and an error line on /boom (to stderr, as a logger would). */
const APP = `
import { createServer } from 'node:http';
createServer((req, res) => {
  if (req.url === '/boom') console.error(new Date().toISOString() + ' ERROR payment provider timed out');
  else if (req.url === '/ok') console.log(new Date().toISOString() + ' GET /ok 200');
  res.writeHead(200).end('ok');
}).listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening; no error so far'));
`;

const production: EnvironmentRef = { project: 'shop', environment: 'production' };

/** A logs check as trunkflow.yml would give it. */
function logsCheck(yaml: object) {
  const parsed = parseConfig({
    environments: { production: { monitor: { checks: [{ provider: 'logs', ...yaml }] } } },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const check = parsed.config.environments.production?.monitor.checks[0];
  if (!check) throw new Error('no check parsed');
  return check;
}

describe('the logs monitor check on a real process-deployer app', () => {
  let root: string;
  let server: TestServer;
  let port = 0;
  let windowOpened = 0;

  /** The context the monitor step gives a logs check: now, the window's start, and production's output. */
  const context = (): MeasureContext => ({
    url: `http://127.0.0.1:${port}`,
    healthPath: '/healthz',
    timeoutMs: 2000,
    logs: {
      now: Date.now(),
      since: windowOpened,
      lines: (since) => server.deployers.recentOutput(production, since),
    },
  });
  /** Requests `path` `times` times, then waits until the app's lines have been read from its output file. */
  const hit = async (path: string, times: number) => {
    const before = (await server.deployers.recentOutput(production, windowOpened))?.length ?? 0;
    for (let n = 0; n < times; n++) expect((await httpGet(port, path)).status).toBe(200);
    await waitFor('the app’s lines', async () => {
      const lines = (await server.deployers.recentOutput(production, windowOpened)) ?? [];
      return lines.length >= before + times ? lines : undefined;
    });
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'trunkflow-monitor-logs-'));
    const repo = await createTestRepo(join(root, 'repo'), {});
    const sha = await repo.commit({ 'app.mjs': APP }, 'an app that logs');
    server = await startTestServer(join(root, 'data'));
    await server.deployers.process.deploy({
      environment: production,
      repoPath: repo.bare,
      sha,
      ref: null,
      version: 'v1.0.0',
      commands: { install: null, build: null, start: ['node', 'app.mjs'] },
      variables: {},
      secrets: {},
      healthPath: '/healthz',
      timeouts: { commandMs: 30_000, healthMs: 20_000 },
      log: () => undefined,
    });
    port = (await server.deployers.process.status(production))?.port ?? 0;
    // The start-up line is output from before the window; let it be read, then open the window.
    await waitFor('the start-up line', () =>
      server.appLines.some((line) => line.line.includes('listening')) ? true : undefined,
    );
    windowOpened = Date.now() + 1;
    await new Promise((wait) => setTimeout(wait, 5));
  }, 60_000);

  afterAll(async () => {
    await server?.deployers.process.destroy(production).catch(() => undefined);
    await server?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('is inconclusive while the app wrote nothing in the window, never a pass', async () => {
    expect(await measure(logsCheck({}), context())).toMatchObject({
      outcome: 'inconclusive',
      detail: expect.stringContaining('the app wrote no output in the last'),
    });
  });

  it('passes ordinary lines, then fails once error lines in the last minute pass the threshold', async () => {
    await hit('/ok', 3);
    const quiet = await measure(logsCheck({ maxPerMinute: 2 }), context());
    expect(quiet).toMatchObject({ outcome: 'ok' });
    expect(quiet.detail).toMatch(/^0 of 3 lines in the last \d+ s match/);

    await hit('/boom', 2);
    expect(await measure(logsCheck({ maxPerMinute: 2 }), context())).toMatchObject({ outcome: 'ok' });
    await hit('/boom', 1);
    const failed = await measure(logsCheck({ maxPerMinute: 2 }), context());
    expect(failed.outcome).toBe('failed');
    expect(failed.detail).toMatch(
      /^3 of 6 lines in the last \d+ s match .*, more than 2 a minute; last: .*ERROR payment/,
    );

    // Its own pattern: the ordinary lines match `GET /ok`, and the error lines do not.
    expect(await measure(logsCheck({ pattern: 'GET /ok', maxPerMinute: 3 }), context())).toMatchObject({
      outcome: 'ok',
      detail: expect.stringMatching(/^3 of 6 lines/),
    });
  });

  it('cannot measure once no app runs production here: an error of the check', async () => {
    await server.deployers.process.destroy(production);
    expect(await measure(logsCheck({}), context())).toMatchObject({
      outcome: 'error',
      detail: expect.stringContaining('not followed by this server'),
    });
  });
});
