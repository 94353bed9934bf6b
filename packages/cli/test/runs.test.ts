// `trunkflow runs` and `trunkflow envs` against a loopback HTTP server serving canned answers checked with the @trunkflow/api schemas.
import { spawn } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Environment,
  environmentListSchema,
  errorEnvelopeSchema,
  type Run,
  runListSchema,
  runOutputSchema,
  runSchema,
} from '@trunkflow/api';
import { afterEach, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import type { CliIo } from '../src/io.js';
import { main } from '../src/main.js';
import { baseEnv, TempDirs } from './helpers/server.js';
import { CLI_BIN } from './helpers/temp-repo.js';

type OutputLine = z.output<typeof runOutputSchema>['lines'][number];
type RunStatus = Run['status'];

const PROJECT = 'shop';
const SHA = 'c0ffee1234567890c0ffee1234567890c0ffee12';
const STAGING_ID = '0b7e9c2e-1f4a-4c55-9d6e-3a2f1c8b7d10';
const PROD_ID = '5d1f0a3b-7c2e-4b9a-8e6d-2f4c1a9b3e70';

/** A run as the server presents it; parsed, so a fixture that drifts from the contract fails here. */
function run(overrides: Partial<Run> & Pick<Run, 'id'>): Run {
  return runSchema.parse({
    environment: 'staging',
    name: 'staging',
    pr: null,
    sha: SHA,
    version: null,
    kind: 'deploy',
    status: 'running',
    trigger: 'trunk',
    actor: null,
    reason: null,
    steps: [
      { index: 0, kind: 'checkout', status: 'succeeded', attempts: 1, reason: null },
      { index: 1, kind: 'install', status: 'succeeded', attempts: 1, reason: null },
      { index: 2, kind: 'build', status: 'running', attempts: 1, reason: null },
      { index: 3, kind: 'deploy', status: 'pending', attempts: 0, reason: null },
    ],
    createdAt: '2026-03-10T12:00:00.000Z',
    startedAt: '2026-03-10T12:00:01.000Z',
    finishedAt: null,
    ...overrides,
  });
}

const failedProduction = () =>
  run({
    id: PROD_ID,
    environment: 'production',
    name: 'production',
    version: 'v0.0.2',
    kind: 'rollback',
    status: 'failed',
    trigger: 'monitor',
    actor: 'dana',
    reason: 'the deploy step failed',
    steps: [
      { index: 0, kind: 'deploy', status: 'failed', attempts: 2, reason: 'health check at /healthz answered 500' },
      { index: 1, kind: 'monitor', status: 'skipped', attempts: 0, reason: 'the run failed first' },
    ],
    finishedAt: '2026-03-10T12:05:00.000Z',
  });

function line(id: number, step: number, text: string, stream: OutputLine['stream'] = 'stdout'): OutputLine {
  return { id, step, stream, line: text, at: `2026-03-10T12:00:${String(id).padStart(2, '0')}.000Z` };
}

/** One run's output on the fake server: `tick` runs before each output request and may add lines or end the run. */
interface Scenario {
  run: Run;
  lines: OutputLine[];
  /** The fake pages below the client's limit, as any server may. */
  pageSize: number;
  tick?: (scenario: Scenario, outputRequests: number) => void;
  outputRequests: number;
  runReads: number;
  afters: number[];
  /** Step transitions the stream sends (a tick may add some), as `event: step` data. */
  transitions: Record<string, unknown>[];
  /** The Last-Event-ID of each stream request (undefined: from the start). */
  streamResumes: (string | undefined)[];
  /** The first stream connection is cut after this many events, without an end. */
  dropAfter?: number;
  /** Every stream connection is cut before its first event. */
  dropAlways?: boolean;
}

function scenario(of: Run, lines: OutputLine[], extra: Partial<Scenario> = {}): Scenario {
  return {
    run: of,
    lines,
    pageSize: 2,
    outputRequests: 0,
    runReads: 0,
    afters: [],
    transitions: [],
    streamResumes: [],
    ...extra,
  };
}

interface Fake {
  url: string;
  requests: { method: string; url: string; body: string }[];
  runs: Map<string, Scenario>;
  environments: Environment[];
  list: Run[];
}

const servers: Server[] = [];
const dirs = new TempDirs();
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  dirs.removeAll();
});

function send(response: ServerResponse, status: number, schema: z.ZodType, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(schema.parse(value)));
}

function notFound(response: ServerResponse, message: string): void {
  send(response, 404, errorEnvelopeSchema, { error: { code: 'not_found', message } });
}

/**
 * `GET …/stream` as features/pipeline/run-stream.ts sends it: each tick may add lines, transitions
 * or end the run; ids are `<transitions sent>-<last line id>`, and Last-Event-ID resumes after both.
 */
function stream(found: Scenario, lastEventId: string | string[] | undefined, response: ServerResponse): void {
  const resume = typeof lastEventId === 'string' ? lastEventId : undefined;
  found.streamResumes.push(resume);
  const [log = 0, output = 0] = (resume ?? '0-0').split('-').map(Number);
  const cursor = { log, output };
  const drop = found.dropAlways ? 0 : found.streamResumes.length === 1 ? found.dropAfter : undefined;
  let sent = 0;
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.write(': connected\n\n');
  const timer = setInterval(() => {
    found.outputRequests++;
    found.tick?.(found, found.outputRequests);
    const terminal = ['succeeded', 'failed', 'canceled'].includes(found.run.status);
    const events: string[] = [];
    for (const [index, data] of found.transitions.entries()) {
      if (index < cursor.log) continue;
      cursor.log = index + 1;
      events.push(`id: ${cursor.log}-${cursor.output}\nevent: step\ndata: ${JSON.stringify(data)}\n\n`);
    }
    for (const entry of found.lines.filter((candidate) => candidate.id > cursor.output)) {
      cursor.output = entry.id;
      events.push(`id: ${cursor.log}-${cursor.output}\nevent: output\ndata: ${JSON.stringify(entry)}\n\n`);
    }
    for (const event of events) {
      if (drop !== undefined && sent >= drop) {
        clearInterval(timer);
        // Cut without an end event: what was written is flushed, as a proxy closing an idle stream would.
        response.end();
        return;
      }
      response.write(event);
      sent++;
    }
    if (terminal) {
      clearInterval(timer);
      const end = { status: found.run.status, reason: found.run.reason };
      response.end(`id: ${cursor.log}-${cursor.output}\nevent: end\ndata: ${JSON.stringify(end)}\n\n`);
    }
  }, 10);
  response.on('close', () => clearInterval(timer));
}

/** The pipeline routes of packages/server/src/features/pipeline/routes.ts, answered from memory. */
async function fakeServer(): Promise<Fake> {
  const fake: Fake = { url: '', requests: [], runs: new Map(), environments: [], list: [] };
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      fake.requests.push({ method: request.method ?? '', url: request.url ?? '', body });
      const url = new URL(request.url ?? '/', 'http://fake');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const [api, projects, project, what, id, action] = parts;
      if (api !== 'api' || projects !== 'projects' || project !== PROJECT) return notFound(response, 'no such route');
      if (what === 'environments' && id === undefined) {
        return send(response, 200, environmentListSchema, { environments: fake.environments });
      }
      if (what !== 'runs') return notFound(response, 'no such route');
      if (id === undefined) {
        const limit = Number(url.searchParams.get('limit') ?? 50);
        return send(response, 200, runListSchema, { runs: fake.list.slice(0, limit) });
      }
      const found = fake.runs.get(id);
      if (found === undefined) {
        return notFound(
          response,
          `no run ${id} in ${PROJECT}: list them with \`trunkflow runs list --project ${PROJECT}\``,
        );
      }
      if (action === undefined && request.method === 'GET') {
        found.runReads++;
        return send(response, 200, runSchema, found.run);
      }
      if (action === 'output' && request.method === 'GET') {
        found.outputRequests++;
        found.tick?.(found, found.outputRequests);
        const after = Number(url.searchParams.get('after') ?? 0);
        const limit = Number(url.searchParams.get('limit') ?? 1000);
        found.afters.push(after);
        // As the real route does: the status is read before the lines.
        const status = found.run.status;
        const lines = found.lines.filter((entry) => entry.id > after).slice(0, Math.min(limit, found.pageSize));
        return send(response, 200, runOutputSchema, { lines, next: lines.at(-1)?.id ?? after, status });
      }
      if (action === 'stream' && request.method === 'GET')
        return stream(found, request.headers['last-event-id'], response);
      if (action === 'cancel' && request.method === 'POST') {
        if (found.run.status === 'queued' || found.run.status === 'running') {
          found.run = runSchema.parse({ ...found.run, status: 'canceled', reason: 'canceled by dana' });
        }
        return send(response, 200, runSchema, found.run);
      }
      return notFound(response, 'no such route');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function testIo(color: boolean): CliIo & { out: string; err: string; code: number } {
  const home = dirs.make('home');
  const io = {
    cwd: home,
    env: { HOME: home, XDG_CONFIG_HOME: `${home}/config` },
    out: '',
    err: '',
    code: 0,
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
    color,
    // A real clock: `logs --follow` measures how long a run has been quiet.
    now: () => new Date(),
    setExitCode: (code: number) => {
      io.code = code;
    },
  };
  return io;
}

async function cli(fake: Fake, args: string[], options: { color?: boolean } = {}) {
  const io = testIo(options.color ?? false);
  const code = await main(['node', 'trunkflow', ...args, '--server', fake.url, '--token', 'tf_test'], io);
  return { code, out: io.out, err: io.err };
}

/** Ends the run once `after` requests have been answered, with `lines` written just before. */
function endAfter(requests: number, status: RunStatus, lines: OutputLine[] = []): Scenario['tick'] {
  return (current, count) => {
    if (count !== requests) return;
    current.lines.push(...lines);
    current.run = runSchema.parse({ ...current.run, status, finishedAt: '2026-03-10T12:09:00.000Z' });
  };
}

const ESC = '\u001b[';

describe('trunkflow runs list', () => {
  it('prints the API runs as a bare array with --format json', async () => {
    const fake = await fakeServer();
    fake.list = [run({ id: STAGING_ID }), failedProduction()];
    const result = await cli(fake, ['runs', 'list', '--project', PROJECT, '--format', 'json']);
    expect(result.code, result.err).toBe(0);
    const printed = JSON.parse(result.out);
    expect(printed).toEqual(fake.list);
    for (const entry of printed) {
      expect(Object.keys(entry)).toEqual(
        expect.arrayContaining(['id', 'environment', 'sha', 'status', 'trigger', 'steps']),
      );
    }
    expect(fake.requests.map((request) => request.url)).toEqual([`/api/projects/${PROJECT}/runs`]);
  });

  it('prints a table with a step summary, plain off a terminal', async () => {
    const fake = await fakeServer();
    fake.list = [run({ id: STAGING_ID }), failedProduction()];
    const result = await cli(fake, ['runs', 'list', '--project', PROJECT, '--limit', '2']);
    expect(result.code, result.err).toBe(0);
    expect(fake.requests[0]?.url).toBe(`/api/projects/${PROJECT}/runs?limit=2`);
    const [header, staging, production] = result.out.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+ENV\s+KIND\s+STATUS\s+SHA\s+VERSION\s+STARTED\s+STEPS$/);
    expect(staging).toMatch(
      new RegExp(`^${STAGING_ID}\\s+staging\\s+deploy\\s+running\\s+c0ffee1\\s+-\\s+2026-03-10T12:00:01.000Z\\s+`),
    );
    expect(staging).toMatch(/ {2}checkout ✓ install ✓ build … deploy$/);
    expect(production).toMatch(/production\s+rollback\s+failed\s+c0ffee1\s+v0\.0\.2\s+.*deploy ✗ monitor -$/);
    expect(result.out).not.toContain(ESC);
  });

  it('colours the header and the step marks on a terminal', async () => {
    const fake = await fakeServer();
    fake.list = [failedProduction()];
    const result = await cli(fake, ['runs', 'list', '--project', PROJECT], { color: true });
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain(`${ESC}31m✗`);
    expect(result.out).toContain(`${ESC}2mID`);
  });

  it('says when there is no run yet', async () => {
    const fake = await fakeServer();
    const result = await cli(fake, ['runs', 'list', '--project', PROJECT]);
    expect(result).toMatchObject({ code: 0, out: `no runs in ${PROJECT} yet\n` });
  });

  it.each([['0'], ['501'], ['abc'], ['1.5'], ['-3']])('refuses --limit %s before asking the server', async (limit) => {
    const fake = await fakeServer();
    const result = await cli(fake, ['runs', 'list', '--project', PROJECT, '--limit', limit]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`--limit "${limit}" must be a whole number from 1 to 500`);
    expect(fake.requests).toEqual([]);
  });
});

describe('trunkflow runs view', () => {
  it('shows every step with its status, attempts and reason', async () => {
    const fake = await fakeServer();
    fake.runs.set(PROD_ID, scenario(failedProduction(), []));
    const result = await cli(fake, ['runs', 'view', PROD_ID, '--project', PROJECT]);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain(`run ${PROD_ID}: rollback production · failed`);
    expect(result.out).toContain(`sha ${SHA} · version v0.0.2 · trigger monitor by dana`);
    expect(result.out).toContain('reason: the deploy step failed');
    expect(result.out).toMatch(/#\s+STEP\s+STATUS\s+ATTEMPTS\s+REASON/);
    expect(result.out).toMatch(/1\s+deploy\s+failed\s+2\s+health check at \/healthz answered 500/);
    expect(result.out).toMatch(/2\s+monitor\s+skipped\s+0\s+the run failed first/);
    expect(result.out).toContain(`trunkflow runs logs ${PROD_ID} --project ${PROJECT}`);
  });

  it('prints the API run with --format json', async () => {
    const fake = await fakeServer();
    fake.runs.set(PROD_ID, scenario(failedProduction(), []));
    const result = await cli(fake, ['runs', 'view', PROD_ID, '--project', PROJECT, '--format', 'json']);
    expect(result.code, result.err).toBe(0);
    expect(JSON.parse(result.out)).toEqual(failedProduction());
  });

  it("passes the server's 404 message through, exit 1", async () => {
    const fake = await fakeServer();
    const result = await cli(fake, ['runs', 'view', 'no-such-run', '--project', PROJECT]);
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      `trunkflow: no run no-such-run in ${PROJECT}: list them with \`trunkflow runs list --project ${PROJECT}\`\n`,
    );
  });

  it('refuses an id that cannot be one before asking the server', async () => {
    const fake = await fakeServer();
    const result = await cli(fake, ['runs', 'view', 'a b/c', '--project', PROJECT]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('run id "a b/c" is not valid: use an id from `trunkflow runs list --project shop`');
    expect(fake.requests).toEqual([]);
  });
});

describe('trunkflow runs logs', () => {
  const staged = () => [
    line(1, 0, 'checked out c0ffee1', 'system'),
    line(2, 1, 'added 112 packages'),
    line(3, 1, 'npm warn deprecated glob@7', 'stderr'),
    line(4, 2, `${ESC}32mbuilt${ESC}0m in 2s\u0007`),
    line(5, 2, 'dist/index.js\t12 kB'),
  ];

  it('prints what exists across several pages and exits 0, without --follow', async () => {
    const fake = await fakeServer();
    const current = scenario(run({ id: STAGING_ID }), staged());
    fake.runs.set(STAGING_ID, current);
    const result = await cli(fake, ['runs', 'logs', STAGING_ID, '--project', PROJECT]);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toBe(
      [
        '[1 checkout trunkflow] checked out c0ffee1',
        '[2 install] added 112 packages',
        '[2 install stderr] npm warn deprecated glob@7',
        '[3 build] built in 2s',
        '[3 build] dist/index.js\t12 kB',
        '',
      ].join('\n'),
    );
    // Pages of two: each request starts from the previous answer's `next`, until one brings nothing.
    expect(current.afters).toEqual([0, 2, 4, 5]);
    expect(result.err).toBe('');
  });

  it('prefixes the time with --timestamps, and prints JSON Lines with --format json', async () => {
    const fake = await fakeServer();
    fake.runs.set(STAGING_ID, scenario(run({ id: STAGING_ID }), staged()));
    const stamped = await cli(fake, ['runs', 'logs', STAGING_ID, '--project', PROJECT, '--timestamps']);
    expect(stamped.out.split('\n')[1]).toBe('2026-03-10T12:00:02.000Z [2 install] added 112 packages');
    const json = await cli(fake, ['runs', 'logs', STAGING_ID, '--project', PROJECT, '--format', 'json']);
    expect(json.code, json.err).toBe(0);
    expect(
      json.out
        .trimEnd()
        .split('\n')
        .map((text) => JSON.parse(text)),
    ).toEqual(staged());
  });

  it('--follow prints lines as they come and exits 0 once the run succeeded and the rest is out', async () => {
    const fake = await fakeServer();
    const current = scenario(run({ id: STAGING_ID }), staged().slice(0, 2), {
      tick: (state, count) => {
        if (count === 3) state.lines.push(line(3, 2, 'compiling'));
        endAfter(5, 'succeeded', [line(4, 3, 'healthy at http://staging.shop.localhost:4400', 'system')])?.(
          state,
          count,
        );
      },
    });
    fake.runs.set(STAGING_ID, current);
    const result = await cli(fake, ['runs', 'logs', STAGING_ID, '--project', PROJECT, '--follow']);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toBe(
      [
        '[1 checkout trunkflow] checked out c0ffee1',
        '[2 install] added 112 packages',
        '[3 build] compiling',
        '[4 deploy trunkflow] healthy at http://staging.shop.localhost:4400',
        '',
      ].join('\n'),
    );
    // One stream, from the start; no polling of the output route.
    expect(current.streamResumes).toEqual([undefined]);
    expect(current.afters).toEqual([]);
    expect(result.err).toBe('');
  });

  it.each([
    ['failed', 'the build step failed'],
    ['canceled', 'canceled by dana'],
  ] as const)('--follow exits 1 when the run %s, saying why on stderr', async (status, reason) => {
    const fake = await fakeServer();
    const current = scenario(run({ id: STAGING_ID }), staged().slice(0, 1), {
      tick: (state, count) => {
        if (count !== 2) return;
        state.lines.push(line(2, 2, 'error TS2322', 'stderr'));
        state.run = runSchema.parse({ ...state.run, status, reason });
      },
    });
    fake.runs.set(STAGING_ID, current);
    const result = await cli(fake, ['runs', 'logs', STAGING_ID, '--project', PROJECT, '--follow']);
    expect(result.code).toBe(1);
    expect(result.out).toBe('[1 checkout trunkflow] checked out c0ffee1\n[3 build stderr] error TS2322\n');
    expect(result.err).toBe(`run ${STAGING_ID} ${status}: ${reason}\n`);
  });

  it('--follow on a terminal notes each step as it moves on stderr; off a terminal it says nothing', async () => {
    for (const color of [true, false]) {
      const fake = await fakeServer();
      const current = scenario(run({ id: STAGING_ID }), staged().slice(0, 1), {
        tick: (state, count) => {
          if (count === 2) {
            state.transitions.push(
              {
                step: 2,
                kind: 'build',
                from: 'running',
                to: 'succeeded',
                attempts: 1,
                reason: null,
                at: '2026-03-10T12:00:09.000Z',
              },
              {
                step: 3,
                kind: 'deploy',
                from: 'pending',
                to: 'running',
                attempts: 1,
                reason: null,
                at: '2026-03-10T12:00:09.000Z',
              },
            );
          }
          if (count === 4) state.run = runSchema.parse({ ...state.run, status: 'succeeded' });
        },
      });
      fake.runs.set(STAGING_ID, current);
      const result = await cli(fake, ['runs', 'logs', STAGING_ID, '--project', PROJECT, '--follow'], { color });
      expect(result.code, result.err).toBe(0);
      if (color) {
        expect(result.err).toContain('… step 3 build succeeded');
        expect(result.err).toContain('… step 4 deploy running');
      } else expect(result.err).toBe('');
    }
  });

  it('--follow resumes a dropped stream from the last event it got, printing every line once', async () => {
    const fake = await fakeServer();
    const current = scenario(run({ id: STAGING_ID }), staged(), {
      dropAfter: 2,
      tick: (state, count) => {
        if (count >= 3) state.run = runSchema.parse({ ...state.run, status: 'succeeded' });
      },
    });
    fake.runs.set(STAGING_ID, current);
    const result = await cli(fake, ['runs', 'logs', STAGING_ID, '--project', PROJECT, '--follow']);
    expect(result.code, result.err).toBe(0);
    expect(current.streamResumes).toEqual([undefined, '0-2']);
    expect(result.out.trimEnd().split('\n')).toHaveLength(5);
    expect(result.out).toContain('[3 build] dist/index.js\t12 kB');
  });

  it('--follow gives up with exit 2 once the stream has dropped too often in a row', async () => {
    const fake = await fakeServer();
    const current = scenario(run({ id: STAGING_ID }), staged(), { dropAlways: true });
    fake.runs.set(STAGING_ID, current);
    const result = await cli(fake, ['runs', 'logs', STAGING_ID, '--project', PROJECT, '--follow']);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`lost the stream of run ${STAGING_ID} 5 times in a row`);
    // The first try and five more, each from the start since no event ever came.
    expect(current.streamResumes).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it("passes the server's 404 message through before reading any output", async () => {
    const fake = await fakeServer();
    const result = await cli(fake, ['runs', 'logs', 'gone', '--project', PROJECT, '--follow']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('trunkflow: no run gone in shop: list them with');
    expect(fake.requests.map((request) => request.url)).toEqual([`/api/projects/${PROJECT}/runs/gone`]);
  });

  it('stops following on Ctrl-C with exit 130, in the built CLI', async () => {
    const fake = await fakeServer();
    // Never ends: only the interrupt stops the command.
    fake.runs.set(STAGING_ID, scenario(run({ id: STAGING_ID }), staged().slice(0, 2)));
    const child = spawn(
      process.execPath,
      [CLI_BIN, 'runs', 'logs', STAGING_ID, '--project', PROJECT, '--follow', '--server', fake.url, '--token', 't'],
      { env: baseEnv(dirs.make('home')), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const printed = new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('added 112 packages')) resolve();
      });
    });
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    await printed;
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(stdout).toBe('[1 checkout trunkflow] checked out c0ffee1\n[2 install] added 112 packages\n');
    expect(stderr).toBe(
      `stopped following run ${STAGING_ID}; it goes on: \`trunkflow runs view ${STAGING_ID} --project ${PROJECT}\`\n`,
    );
  });
});

describe('trunkflow runs cancel', () => {
  it('posts an empty body and prints the canceled run', async () => {
    const fake = await fakeServer();
    fake.runs.set(STAGING_ID, scenario(run({ id: STAGING_ID }), []));
    const result = await cli(fake, ['runs', 'cancel', STAGING_ID, '--project', PROJECT]);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toBe(`canceled run ${STAGING_ID} (deploy staging)\n`);
    expect(fake.requests).toEqual([
      { method: 'POST', url: `/api/projects/${PROJECT}/runs/${STAGING_ID}/cancel`, body: '{}' },
    ]);
  });

  it('says when the run had already finished, and prints the run with --format json', async () => {
    const fake = await fakeServer();
    fake.runs.set(PROD_ID, scenario(failedProduction(), []));
    const text = await cli(fake, ['runs', 'cancel', PROD_ID, '--project', PROJECT]);
    expect(text).toMatchObject({
      code: 0,
      out: `run ${PROD_ID} (rollback production) had already failed: nothing to cancel\n`,
    });
    const json = await cli(fake, ['runs', 'cancel', PROD_ID, '--project', PROJECT, '--format', 'json']);
    expect(JSON.parse(json.out)).toEqual(failedProduction());
  });

  it("passes the server's 404 message through", async () => {
    const fake = await fakeServer();
    const result = await cli(fake, ['runs', 'cancel', 'nope', '--project', PROJECT]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('trunkflow: no run nope in shop');
  });
});

describe('trunkflow envs', () => {
  const environments = (): Environment[] =>
    environmentListSchema.parse({
      environments: [
        {
          name: 'pr-3',
          kind: 'preview',
          url: 'http://pr-3.shop.localhost:4400',
          status: 'live',
          sha: SHA,
          version: null,
        },
        { name: 'staging', kind: 'staging', url: null, status: 'deploying', sha: null, version: null },
        {
          name: 'production',
          kind: 'production',
          url: 'http://shop.localhost:4400',
          status: 'live',
          sha: SHA,
          version: 'v0.0.1',
        },
      ],
    }).environments;

  it('prints the API environments as a bare array with --format json', async () => {
    const fake = await fakeServer();
    fake.environments = environments();
    const result = await cli(fake, ['envs', '--project', PROJECT, '--format', 'json']);
    expect(result.code, result.err).toBe(0);
    const printed = JSON.parse(result.out);
    expect(printed).toEqual(environments());
    for (const entry of printed)
      expect(Object.keys(entry).sort()).toEqual(['kind', 'name', 'sha', 'status', 'url', 'version']);
  });

  it('prints a table', async () => {
    const fake = await fakeServer();
    fake.environments = environments();
    const result = await cli(fake, ['envs', '--project', PROJECT]);
    expect(result.code, result.err).toBe(0);
    const rows = result.out.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+KIND\s+STATUS\s+SHA\s+VERSION\s+URL$/);
    expect(rows[1]).toMatch(/^pr-3\s+preview\s+live\s+c0ffee1\s+-\s+http:\/\/pr-3\.shop\.localhost:4400$/);
    expect(rows[2]).toMatch(/^staging\s+staging\s+deploying\s+-\s+-\s+-$/);
    expect(rows[3]).toMatch(/^production\s+production\s+live\s+c0ffee1\s+v0\.0\.1\s+http:\/\/shop\.localhost:4400$/);
  });

  it('says when there is no environment yet', async () => {
    const fake = await fakeServer();
    const result = await cli(fake, ['envs', '--project', PROJECT]);
    expect(result).toMatchObject({
      code: 0,
      out: `no environments in ${PROJECT} yet: the first deploy creates one\n`,
    });
  });
});
