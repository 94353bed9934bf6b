#!/usr/bin/env node
// @ts-check
// Benchmark: the server's event intake and fan-out, and API latency under load, each measured
// against a baseline in the same run, interleaved, and reported as a ratio (ARCHITECTURE.md,
// principle 11). Everything runs on loopback, in bounded loops that stop by themselves.
//
//   npm run bench:events -- [--postgres] [--write] [--pushes 50] [--events 200] [--requests 2000] [--opens 40] …
//
// 1. Event intake: git pushes of new branches to a Trunkflow project over smart HTTP, against the
//    same pushes to a plain bare repository over file:// (git's own cost).
// 2. SSE fan-out: 100 subscribers to /api/events/stream while projects are created, against a bare
//    node:http SSE broadcaster with as many subscribers.
// 3. API latency: reading a PR and its checks with concurrent keep-alive clients, against
//    GET /healthz under the same load.
// 4. PR open: opening PRs from freshly pushed branches, one at a time, against GET /healthz taken
//    just before each; and how long after each answer its checks job records the run.
//
// `--write` replaces the "## events" section of bench/README.md.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { api, createPostgresDatabase, mustRun, run, startSseBaseline, startTrunkflow } from './lib/server.mjs';
import { markdownTable, median, percentile, replaceSection } from './lib/stats.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = resolve(benchDir, '..');
const readmePath = join(benchDir, 'README.md');
const SECTION = 'events';
const PROJECT = 'bench-push';
const PR_BRANCH = 'feature/TF-1-bench';

const { values: options } = parseArgs({
  options: {
    postgres: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    pushes: { type: 'string', default: '50' },
    'push-concurrency': { type: 'string', default: '4' },
    subscribers: { type: 'string', default: '100' },
    events: { type: 'string', default: '200' },
    'event-rate': { type: 'string', default: '40' },
    'event-concurrency': { type: 'string', default: '4' },
    clients: { type: 'string', default: '16' },
    requests: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '4' },
    opens: { type: 'string', default: '40' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (options.help) {
  process.stdout.write(`Usage: npm run bench:events -- [options]

  --postgres                 run the server on a fresh PostgreSQL database on 127.0.0.1:5432
                             (created and dropped by the run) instead of SQLite
  --write                    write the figures into the "## ${SECTION}" section of bench/README.md
  --pushes <n>               branch pushes of each kind, one at a time and concurrently (default 50)
  --push-concurrency <n>     pushes in flight in the concurrent phase (default 4)
  --subscribers <n>          SSE subscribers on each side (default 100)
  --events <n>               events sent to the subscribers on each side in each phase (default 200)
  --event-rate <n>           events per second in the latency phase (default 40)
  --event-concurrency <n>    requests in flight in the throughput phase (default 4)
  --clients <n>              concurrent keep-alive API clients (default 16)
  --requests <n>             API requests per route measured (default 2000)
  --rounds <n>               interleaved rounds the events and requests are split into (default 4)
  --opens <n>                PRs opened, one at a time, each from a freshly pushed branch, with a
                             GET /healthz just before each as the baseline (default 40)

Build first (npm run build). The server runs as a child process: \`trunkflow serve\` when the CLI has it.
`);
  process.exit(0);
}

/** @param {string} name @param {string | undefined} text @param {number} min */
function count(name, text, min) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`bench/events.mjs: --${name} must be a whole number ≥ ${min}, got "${text}"\n`);
    process.exit(2);
  }
  return value;
}

const params = {
  pushes: count('pushes', options.pushes, 2),
  pushConcurrency: count('push-concurrency', options['push-concurrency'], 1),
  subscribers: count('subscribers', options.subscribers, 1),
  events: count('events', options.events, 1),
  eventRate: count('event-rate', options['event-rate'], 1),
  eventConcurrency: count('event-concurrency', options['event-concurrency'], 1),
  clients: count('clients', options.clients, 1),
  requests: count('requests', options.requests, 1),
  rounds: count('rounds', options.rounds, 1),
  opens: count('opens', options.opens, 1),
};

for (const built of ['packages/server/dist/index.js']) {
  if (!existsSync(join(rootDir, built))) {
    process.stderr.write(`bench/events.mjs: ${built} is missing: build first with \`npm run build\`\n`);
    process.exit(2);
  }
}

const log = (/** @type {string} */ line) => process.stderr.write(`› ${line}\n`);
/** Problems found along the way (failed requests, lost or duplicated events); reported, and the exit code is 1. */
/** @type {string[]} */
const problems = [];
const problem = (/** @type {string} */ text) => {
  problems.push(text);
  process.stderr.write(`! ${text}\n`);
};

// ---------------------------------------------------------------------------------------------
// Clocks and formatting

/** Wall-clock milliseconds with sub-millisecond steps: performance.now() pinned to a Date.now() tick. */
const epochOffset = (() => {
  const start = Date.now();
  let now = Date.now();
  while (now === start) now = Date.now();
  return now - performance.now();
})();
const wallNow = () => epochOffset + performance.now();

/** @param {number} ms */
const fmt = (ms) =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
/** @param {number} n */
const rate = (n) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1));
/** @param {number} x */
const times = (x) => `${x.toFixed(2)}×`;
/** @param {number} n */
const thousands = (n) => n.toLocaleString('en');
/** @param {number[]} values */
const p50 = (values) => median(values);
/** @param {number[]} values */
const p99 = (values) => percentile(values, 99);
/** @param {number[]} values */
const p95 = (values) => percentile(values, 95);
const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` holds, checking every few ms, for at most `timeoutMs`. @returns {Promise<boolean>} */
async function until(/** @type {() => boolean} */ done, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(2);
  }
  return true;
}

/**
 * Runs `total` tasks with `concurrency` in flight, each given its index.
 * @param {number} total @param {number} concurrency @param {(i: number) => Promise<void>} task
 */
async function pool(total, concurrency, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(total, concurrency) }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// HTTP and SSE clients

/**
 * @typedef {object} StreamEvent
 * @property {string} id
 * @property {string} type
 * @property {any} data     the parsed `data:` JSON
 */

/**
 * Opens a server-sent-events stream with fetch and calls `onEvent` for each event, with the time
 * its bytes were read.
 * @param {string} url @param {Record<string, string>} headers
 * @param {(event: StreamEvent, receivedAt: number) => void} onEvent
 */
async function openStream(url, headers, onEvent) {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { ...headers, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (response.status !== 200 || response.body === null) {
    throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  /** @type {() => void} */
  let markConnected = () => {};
  /** @type {Promise<void>} */
  const connected = new Promise((resolve) => {
    markConnected = resolve;
  });
  let ended = false;
  const done = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        const receivedAt = wallNow();
        buffer += value;
        for (let cut = buffer.indexOf('\n\n'); cut !== -1; cut = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (frame.startsWith(':')) {
            markConnected();
            continue;
          }
          /** @type {Record<string, string>} */
          const fields = {};
          for (const line of frame.split('\n')) {
            const colon = line.indexOf(':');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
          onEvent(
            { id: fields.id ?? '', type: fields.event ?? 'message', data: JSON.parse(fields.data ?? 'null') },
            receivedAt,
          );
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      ended = true;
    }
  })();
  return { connected, done, ended: () => ended, close: () => controller.abort() };
}

// ---------------------------------------------------------------------------------------------
// Set-up: a work folder, the servers, users, and a local repository with one branch per push

const work = mkdtempSync(join(tmpdir(), 'trunkflow-bench-events-'));
const home = join(work, 'home');
mkdirSync(home);
const gitEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: home,
  LANG: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};
const git = (/** @type {string[]} */ args, /** @type {string} */ cwd) => run('git', args, { cwd, env: gitEnv });
/** @param {string[]} args @param {string} cwd @param {string} [input] */
const mustGit = (args, cwd, input) => mustRun('git', args, { cwd, env: gitEnv, input });

/** @type {(() => Promise<void>)[]} */
const cleanups = [];
async function cleanUp() {
  for (const step of cleanups.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      process.stderr.write(`! clean-up: ${/** @type {Error} */ (error).message}\n`);
    }
  }
}
let interrupted = false;
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n! ${signal}: stopping the servers and removing ${work}\n`);
    void cleanUp().then(() => process.exit(130));
  });
}
cleanups.push(async () => rmSync(work, { recursive: true, force: true }));

const warmPushes = 2;
const warmOpens = 2;
const branch = (/** @type {string} */ kind, /** @type {number} */ i) => `bench/${kind}${i}`;
const branchNames = [
  ...Array.from({ length: warmPushes }, (_, i) => branch('warm', i)),
  ...Array.from({ length: params.pushes }, (_, i) => branch('seq', i)),
  ...Array.from({ length: params.pushes }, (_, i) => branch('par', i)),
  PR_BRANCH,
  ...Array.from({ length: warmOpens }, (_, i) => branch('open-warm', i)),
  ...Array.from({ length: params.opens }, (_, i) => branch('open', i)),
];

/**
 * The local repository the pushes come from: `main` with a few files, and one branch per push,
 * each one commit on `main` adding a small file. Written with one `git fast-import` stream.
 */
async function prepareLocalRepo() {
  const dir = join(work, 'local.git');
  await mustGit(['init', '--quiet', '--bare', '--initial-branch=main', dir], work);
  const parts = [];
  const data = (/** @type {string} */ text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const committer = (/** @type {number} */ n) =>
    `committer Bench <bench@example.com> ${1_767_268_800 + n * 60} +0000\n`;
  parts.push('commit refs/heads/main\nmark :1\n', committer(0), data('chore: initial commit'));
  parts.push('M 100644 inline README.md\n', data('# Bench\n\nA project for bench/events.mjs.\n'));
  parts.push('M 100644 inline src/index.ts\n', data('export const answer = 42;\n'));
  parts.push('M 100644 inline package.json\n', data('{ "name": "bench", "version": "1.0.0" }\n'));
  for (const [i, name] of branchNames.entries()) {
    const file = `src/${name.replace(/\//g, '-')}.ts`;
    parts.push(`commit refs/heads/${name}\n`, committer(i + 1), data(`feat: ${name} (TF-1)`), 'from :1\n');
    parts.push(`M 100644 inline ${file}\n`, data(`export const value = ${i};\n`.repeat(20)));
  }
  await mustGit(['fast-import', '--quiet'], dir, parts.join(''));
  return dir;
}

const adminToken = `tf_bench_${randomBytes(16).toString('hex')}`;
const loadBefore = loadavg()[0] ?? 0;
const runStarted = performance.now();

/** @type {{ url: string, version: string, drop: () => Promise<void> } | undefined} */
let database;
if (options.postgres) {
  database = await createPostgresDatabase();
  cleanups.push(() => /** @type {NonNullable<typeof database>} */ (database).drop());
  log(`PostgreSQL ${database.version}: fresh database ${database.url}`);
}
const trunkflow = await startTrunkflow({
  rootDir,
  dataDir: join(work, 'data'),
  adminToken,
  databaseUrl: database?.url,
});
cleanups.push(trunkflow.stop);
const sseBaseline = await startSseBaseline();
cleanups.push(sseBaseline.stop);
log(`Trunkflow (${database ? 'PostgreSQL' : 'SQLite'}) started with ${trunkflow.how} at ${trunkflow.url}`);

const base = trunkflow.url;
/** @type {Record<string, unknown>} */
let results = {};
try {
  const localRepo = await prepareLocalRepo();
  await api(base, 'POST', '/api/projects', { token: adminToken, body: { name: PROJECT }, expect: 201 });
  const developer = (
    await api(base, 'POST', '/api/admin/users', {
      token: adminToken,
      body: { name: 'bench-dev', role: 'developer' },
      expect: 201,
    })
  ).body.token;
  const reader = (
    await api(base, 'POST', '/api/admin/users', {
      token: adminToken,
      body: { name: 'bench-reader', role: 'viewer' },
      expect: 201,
    })
  ).body.token;

  /** The HTTP remote, with a token as the basic-auth password (as a user's credential helper gives it). */
  const httpRemote = (/** @type {string} */ token) => {
    const url = new URL(`${base}/git/${PROJECT}.git`);
    url.username = 'git';
    url.password = token;
    return url.toString();
  };
  // The baseline remote: a bare repository like the server's (same reflog setting), over file://.
  const baselineRepo = join(work, 'baseline.git');
  await mustGit(['init', '--quiet', '--bare', '--initial-branch=main', baselineRepo], work);
  await mustGit(['config', 'core.logAllRefUpdates', 'always'], baselineRepo);
  const fileRemote = pathToFileURL(baselineRepo).href;
  const push = (/** @type {string} */ remote, /** @type {string} */ ref) =>
    git(['push', '--quiet', remote, `refs/heads/${ref}:refs/heads/${ref}`], localRepo);
  // Trunk first (a maintainer's first push creates it), to both remotes.
  for (const remote of [httpRemote(adminToken), fileRemote]) {
    const result = await push(remote, 'main');
    if (result.status !== 0) throw new Error(`pushing main failed: ${result.stderr}`);
  }

  results = {
    intake: await measureIntake({ localRepo, fileRemote, httpRemote: httpRemote(developer), push, reader }),
    fanout: await measureFanout({ reader }),
    api: await measureApi({ developer, reader, push, httpRemote: httpRemote(developer) }),
    open: await measureOpen({ localRepo, developer, reader, push, httpRemote: httpRemote(developer) }),
  };
} catch (error) {
  process.stderr.write(`\n${/** @type {Error} */ (error).stack}\n\nserver log (last lines):\n${trunkflow.logTail()}\n`);
  await cleanUp();
  process.exit(1);
}
const totalSeconds = (performance.now() - runStarted) / 1000;
await cleanUp();

// ---------------------------------------------------------------------------------------------
// 1. Event intake

/**
 * @param {{ localRepo: string, fileRemote: string, httpRemote: string, reader: string,
 *   push: (remote: string, ref: string) => Promise<import('./lib/server.mjs').RunResult> }} context
 */
async function measureIntake({ fileRemote, httpRemote, push, reader }) {
  // One subscriber on the project's stream says when each push event became readable.
  /** @type {Map<string, number>} */
  const seen = new Map();
  /** @type {Map<string, number>} */
  const seenCount = new Map();
  const watcher = await openStream(
    `${base}/api/events/stream?project=${PROJECT}`,
    { authorization: `Bearer ${reader}` },
    (event, at) => {
      if (event.type !== 'push') return;
      const ref = String(event.data.payload.ref);
      seenCount.set(ref, (seenCount.get(ref) ?? 0) + 1);
      if (!seen.has(ref)) seen.set(ref, at);
    },
  );
  await watcher.connected;
  let cursor =
    (
      await api(base, 'GET', `/api/events?project=${PROJECT}&limit=1000`, { token: reader, expect: 200 })
    ).body.events.at(-1)?.id ?? 0;

  /** Pushes to both remotes; on the server also waits for its event and reads it back from GET /api/events. */
  const pushBoth = async (/** @type {string} */ ref, /** @type {boolean} */ serverFirst) => {
    /** @type {{ git: number, server: number, visible: number, found: boolean, node: number }} */
    const sample = { git: 0, server: 0, visible: 0, found: false, node: 0 };
    const toFile = async () => {
      const result = await push(fileRemote, ref);
      if (result.status !== 0) throw new Error(`git push to file:// failed: ${result.stderr}`);
      sample.git = result.ms;
    };
    const toServer = async () => {
      const started = wallNow();
      const result = await push(httpRemote, ref);
      if (result.status !== 0) throw new Error(`git push to Trunkflow failed: ${result.stderr}`);
      sample.server = result.ms;
      const full = `refs/heads/${ref}`;
      if (!(await until(() => seen.has(full), 10_000)))
        problem(`the push event of ${full} did not reach the event stream within 10 s`);
      sample.visible = (seen.get(full) ?? Number.NaN) - started;
      const page = await api(base, 'GET', `/api/events?project=${PROJECT}&after=${cursor}&limit=1000`, {
        token: reader,
        expect: 200,
      });
      const events = /** @type {{ id: number, type: string, payload: { ref: string } }[]} */ (page.body.events);
      sample.found = events.some((e) => e.type === 'push' && e.payload.ref === full);
      cursor = events.at(-1)?.id ?? cursor;
    };
    if (serverFirst) {
      await toServer();
      await toFile();
    } else {
      await toFile();
      await toServer();
    }
    // For context: the pre-receive hook is a Node process, so every push pays Node's start-up.
    sample.node = (await mustRun(process.execPath, ['-e', '0'])).ms;
    return sample;
  };

  log(
    `event intake: ${warmPushes} warm-up and ${params.pushes} measured branch pushes to each remote, one at a time, interleaved`,
  );
  for (let i = 0; i < warmPushes; i++) await pushBoth(branch('warm', i), i % 2 === 0);
  /** @type {Awaited<ReturnType<typeof pushBoth>>[]} */
  const samples = [];
  for (let i = 0; i < params.pushes; i++) samples.push(await pushBoth(branch('seq', i), i % 2 === 1));
  const notFound = samples.filter((s) => !s.found).length;
  if (notFound > 0)
    problem(`${notFound} of ${params.pushes} push events were not in GET /api/events when their push returned`);

  // Throughput: the same number of pushes with several in flight, in two halves per side, interleaved.
  log(`event intake: ${params.pushes} pushes to each remote, ${params.pushConcurrency} in flight`);
  const wall = { git: 0, server: 0 };
  const half = Math.ceil(params.pushes / 2);
  for (const [h, [from, to]] of [
    [0, half],
    [half, params.pushes],
  ].entries()) {
    for (const side of h === 0 ? /** @type {const} */ (['git', 'server']) : /** @type {const} */ (['server', 'git'])) {
      const started = performance.now();
      await pool(to - from, params.pushConcurrency, async (i) => {
        const result = await push(side === 'git' ? fileRemote : httpRemote, branch('par', from + i));
        if (result.status !== 0) throw new Error(`concurrent git push (${side}) failed: ${result.stderr}`);
      });
      wall[side] += performance.now() - started;
    }
  }
  const parallelRefs = Array.from({ length: params.pushes }, (_, i) => `refs/heads/${branch('par', i)}`);
  await until(() => parallelRefs.every((ref) => seen.has(ref)), 10_000);
  const all = [];
  for (let after = 0; ; ) {
    const page = (
      await api(base, 'GET', `/api/events?project=${PROJECT}&after=${after}&limit=1000`, { token: reader, expect: 200 })
    ).body.events;
    all.push(...page);
    if (page.length < 1000) break;
    after = page.at(-1).id;
  }
  const logged = new Map();
  for (const e of all) if (e.type === 'push') logged.set(e.payload.ref, (logged.get(e.payload.ref) ?? 0) + 1);
  const expectedRefs = [...samples.map((_, i) => `refs/heads/${branch('seq', i)}`), ...parallelRefs];
  const missing = expectedRefs.filter((ref) => logged.get(ref) !== 1);
  if (missing.length > 0)
    problem(`${missing.length} pushes do not have exactly one push event in the log (e.g. ${missing[0]})`);
  const streamMissing = expectedRefs.filter((ref) => seenCount.get(ref) !== 1);
  if (streamMissing.length > 0)
    problem(`${streamMissing.length} push events did not reach the project's stream exactly once`);
  watcher.close();

  const gitMs = samples.map((s) => s.git);
  const nodeMs = samples.map((s) => s.node);
  const serverMs = samples.map((s) => s.server);
  const visibleMs = samples.map((s) => s.visible);
  return {
    gitMs,
    serverMs,
    visibleMs,
    nodeMs,
    ratio: p50(serverMs) / p50(gitMs),
    rateGit: params.pushes / (wall.git / 1000),
    rateServer: params.pushes / (wall.server / 1000),
    found: samples.length - notFound,
    logged: expectedRefs.length - missing.length,
    expected: expectedRefs.length,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. SSE fan-out

/** @param {{ reader: string }} context */
async function measureFanout({ reader }) {
  const sides = /** @type {const} */ (['baseline', 'trunkflow']);
  /** @typedef {{ latency: number, at: number }} Receipt */
  /** @typedef {{ latencies: number[], wallMs: number, events: number }} PhaseSamples */
  /** Per side: every subscriber's receipts by event name, duplicates, and the samples of each phase. */
  const state = {
    baseline: {
      /** @type {Map<string, Receipt>[]} */
      received: Array.from({ length: params.subscribers }, () => new Map()),
      duplicates: 0,
      /** @type {Record<'paced' | 'burst', PhaseSamples>} */
      phases: { paced: { latencies: [], wallMs: 0, events: 0 }, burst: { latencies: [], wallMs: 0, events: 0 } },
      /** @type {Awaited<ReturnType<typeof openStream>>[]} */
      streams: [],
    },
    trunkflow: {
      /** @type {Map<string, Receipt>[]} */
      received: Array.from({ length: params.subscribers }, () => new Map()),
      duplicates: 0,
      /** @type {Record<'paced' | 'burst', PhaseSamples>} */
      phases: { paced: { latencies: [], wallMs: 0, events: 0 }, burst: { latencies: [], wallMs: 0, events: 0 } },
      /** @type {Awaited<ReturnType<typeof openStream>>[]} */
      streams: [],
    },
  };
  const wanted = { baseline: 'baseline', trunkflow: 'project.created' };
  log(`SSE fan-out: opening ${params.subscribers} subscribers on each side`);
  for (const side of sides) {
    const s = state[side];
    const url = side === 'trunkflow' ? `${base}/api/events/stream` : `${sseBaseline.url}/stream`;
    /** @type {Record<string, string>} */
    const headers = side === 'trunkflow' ? { authorization: `Bearer ${reader}` } : {};
    s.streams = await Promise.all(
      s.received.map((received) =>
        openStream(url, headers, (event, at) => {
          if (event.type !== wanted[side]) return;
          const name = String(event.data.payload.name);
          if (received.has(name)) s.duplicates++;
          else received.set(name, { latency: at - Date.parse(event.data.createdAt), at });
        }),
      ),
    );
    await Promise.all(s.streams.map((stream) => stream.connected));
  }

  const create = {
    trunkflow: (/** @type {string} */ name) =>
      api(base, 'POST', '/api/projects', { token: adminToken, body: { name }, expect: 201 }),
    baseline: (/** @type {string} */ name) =>
      api(sseBaseline.url, 'POST', '/emit', { body: { name, trunk: 'main' }, expect: 201 }),
  };
  /** Sends the events of one round: paced (one every 1/rate s, not waiting for answers) or with n in flight. */
  const send = async (
    /** @type {'baseline' | 'trunkflow'} */ side,
    /** @type {string[]} */ names,
    /** @type {'paced' | 'burst'} */ phase,
  ) => {
    if (phase === 'burst') {
      await pool(names.length, params.eventConcurrency, async (i) => {
        await create[side](/** @type {string} */ (names[i]));
      });
      return;
    }
    const started = performance.now();
    const pending = [];
    for (const [i, name] of names.entries()) {
      const wait = started + (i * 1000) / params.eventRate - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push(create[side](name));
    }
    await Promise.all(pending);
  };

  for (const phase of /** @type {const} */ (['paced', 'burst'])) {
    log(
      phase === 'paced'
        ? `SSE fan-out: ${params.events} events on each side at ${params.eventRate} events/s, in ${params.rounds} interleaved rounds`
        : `SSE fan-out: ${params.events} events on each side with ${params.eventConcurrency} requests in flight, in ${params.rounds} interleaved rounds`,
    );
    const perRound = Math.ceil(params.events / params.rounds);
    for (let round = 0, sent = 0; sent < params.events; round++) {
      const batch = Math.min(perRound, params.events - sent);
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const s = state[side];
        const names = Array.from({ length: batch }, (_, i) => `${phase}-${round}-${i}`);
        const started = wallNow();
        await send(side, names, phase);
        const all = await until(() => s.received.every((r) => names.every((n) => r.has(n))), 30_000);
        if (!all) {
          const lost = s.received.reduce((n, r) => n + names.filter((name) => !r.has(name)).length, 0);
          problem(
            `SSE fan-out (${side}): ${lost} of ${batch * params.subscribers} deliveries did not arrive within 30 s`,
          );
        }
        const samples = s.phases[phase];
        let last = started;
        for (const r of s.received) {
          for (const n of names) {
            const receipt = r.get(n);
            if (receipt === undefined) continue;
            samples.latencies.push(receipt.latency);
            last = Math.max(last, receipt.at);
          }
        }
        samples.wallMs += last - started;
        samples.events += batch;
      }
      sent += batch;
    }
  }
  await sleep(200); // anything late or duplicated shows up in the counts below
  const report = (/** @type {'baseline' | 'trunkflow'} */ side) => {
    const s = state[side];
    const expected = 2 * params.events * params.subscribers;
    const delivered = s.received.reduce((n, r) => n + r.size, 0);
    const closed = s.streams.filter((stream) => stream.ended()).length;
    if (expected !== delivered)
      problem(`SSE fan-out (${side}): ${expected - delivered} of ${expected} deliveries lost`);
    if (s.duplicates > 0) problem(`SSE fan-out (${side}): ${s.duplicates} duplicate deliveries`);
    if (closed > 0) problem(`SSE fan-out (${side}): ${closed} streams ended early`);
    for (const stream of s.streams) stream.close();
    const { paced, burst } = s.phases;
    return {
      paced: paced.latencies,
      burst: burst.latencies,
      deliveriesPerSecond: burst.latencies.length / (burst.wallMs / 1000),
      eventsPerSecond: burst.events / (burst.wallMs / 1000),
      delivered,
      expected,
      duplicates: s.duplicates,
    };
  };
  const baseline = report('baseline');
  const trunkflowSide = report('trunkflow');
  return { baseline, trunkflow: trunkflowSide, ratio: p50(trunkflowSide.paced) / p50(baseline.paced) };
}

// ---------------------------------------------------------------------------------------------
// 3. API latency under concurrent clients

/**
 * @param {{ developer: string, reader: string, httpRemote: string,
 *   push: (remote: string, ref: string) => Promise<import('./lib/server.mjs').RunResult> }} context
 */
async function measureApi({ developer, reader, push, httpRemote }) {
  const pushed = await push(httpRemote, PR_BRANCH);
  if (pushed.status !== 0) throw new Error(`pushing ${PR_BRANCH} failed: ${pushed.stderr}`);
  const opened = await api(base, 'POST', `/api/projects/${PROJECT}/pulls`, {
    token: developer,
    body: { head: PR_BRANCH, title: 'feat: bench (TF-1)', body: '## User flows tested\n\n- [x] read the PR\n' },
  });
  /** @type {{ name: string, path: string }[]} */
  let routes;
  let pullRoutes = false;
  if (opened.status === 404 && /^no route/.test(String(opened.body?.error?.message))) {
    log(
      'the PR routes are not served by this build (POST /api/projects/:p/pulls: no route): measuring GET /api/projects/:p instead',
    );
    routes = [{ name: `GET /api/projects/${PROJECT}`, path: `/api/projects/${PROJECT}` }];
  } else if (opened.status !== 201) {
    throw new Error(`opening the PR answered ${opened.status}: ${JSON.stringify(opened.body)}`);
  } else {
    pullRoutes = true;
    const n = opened.body.number;
    routes = [
      { name: `GET /api/projects/:p/pulls/:n`, path: `/api/projects/${PROJECT}/pulls/${n}` },
      { name: `GET /api/projects/:p/pulls/:n/checks`, path: `/api/projects/${PROJECT}/pulls/${n}/checks` },
    ];
    // Checks run as a job after the open answers: read the routes once the run is recorded, as a
    // reader would see them. A server without `status` ran them before answering.
    let checks = await api(base, 'GET', /** @type {string} */ (routes[1]?.path), { token: reader, expect: 200 });
    for (let tries = 0; checks.body.status === 'pending' && tries < 600; tries++) {
      await sleep(100);
      checks = await api(base, 'GET', /** @type {string} */ (routes[1]?.path), { token: reader, expect: 200 });
    }
    if (checks.body.status === 'pending') problem('the PR checks were still pending 60 s after it was opened');
    const detail = await api(base, 'GET', /** @type {string} */ (routes[0]?.path), { token: reader, expect: 200 });
    if (detail.body.checks === null) problem('the PR has no checks summary after it was opened');
    if (!Array.isArray(checks.body.findings) || checks.body.findings.length === 0)
      problem('the PR checks have no findings');
  }
  const targets = [{ name: 'GET /healthz (baseline)', path: '/healthz' }, ...routes];
  const headers = { authorization: `Bearer ${reader}` };

  /** @param {string} path @param {number} total */
  const load = async (path, total) => {
    /** @type {number[]} */
    const latencies = [];
    let errors = 0;
    /** @type {string | undefined} */
    let firstError;
    const started = performance.now();
    await pool(total, params.clients, async () => {
      const t0 = performance.now();
      try {
        const response = await fetch(`${base}${path}`, { headers });
        await response.arrayBuffer();
        if (response.status !== 200) {
          errors++;
          firstError ??= `status ${response.status}`;
        }
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
      latencies.push(performance.now() - t0);
    });
    return { latencies, errors, firstError, ms: performance.now() - started };
  };

  log(
    `API latency: ${params.clients} clients, ${params.requests} requests per route in ${params.rounds} interleaved rounds (after a warm-up)`,
  );
  for (const target of targets) await load(target.path, Math.min(200, params.requests));
  const samples = targets.map(() => ({
    latencies: /** @type {number[]} */ ([]),
    errors: 0,
    ms: 0,
    firstError: /** @type {string | undefined} */ (undefined),
  }));
  const perRound = Math.ceil(params.requests / params.rounds);
  for (let round = 0, done = 0; done < params.requests; round++) {
    const batch = Math.min(perRound, params.requests - done);
    for (let k = 0; k < targets.length; k++) {
      const t = (k + round) % targets.length;
      const result = await load(/** @type {{ path: string }} */ (targets[t]).path, batch);
      const sample = /** @type {(typeof samples)[number]} */ (samples[t]);
      sample.latencies.push(...result.latencies);
      sample.errors += result.errors;
      sample.ms += result.ms;
      sample.firstError ??= result.firstError;
    }
    done += batch;
  }
  for (const [t, sample] of samples.entries()) {
    if (sample.errors > 0)
      problem(`${targets[t]?.name}: ${sample.errors} failed requests (first: ${sample.firstError})`);
  }
  return { pullRoutes, targets: targets.map((target, t) => ({ ...target, ...samples[t] })) };
}

// ---------------------------------------------------------------------------------------------
// 4. PR open, and its checks recorded by the job after the answer

/**
 * @param {{ localRepo: string, developer: string, reader: string, httpRemote: string,
 *   push: (remote: string, ref: string) => Promise<import('./lib/server.mjs').RunResult> }} context
 */
async function measureOpen({ localRepo, developer, reader, push, httpRemote }) {
  const shas = new Map(
    (await mustGit(['for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads/bench/'], localRepo)).stdout
      .trim()
      .split('\n')
      .map((line) => /** @type {[string, string]} */ (line.split(' '))),
  );
  // One subscriber on the project's stream says when each push landed and each PR's run was recorded.
  /** @type {Map<string, number>} */
  const pushed = new Map();
  /** @type {Map<number, { at: number, createdAt: number, sha: string, count: number }>} */
  const completed = new Map();
  const watcher = await openStream(
    `${base}/api/events/stream?project=${PROJECT}`,
    { authorization: `Bearer ${reader}` },
    (event, at) => {
      if (event.type === 'push') {
        pushed.set(String(event.data.payload.ref), at);
      } else if (event.type === 'check.completed') {
        const number = Number(event.data.payload.number);
        const seen = completed.get(number);
        if (seen) seen.count++;
        else
          completed.set(number, {
            at,
            createdAt: Date.parse(event.data.createdAt),
            sha: String(event.data.payload.sha),
            count: 1,
          });
      }
    },
  );
  await watcher.connected;

  /** @type {{ healthz: number, open: number, checks: number, recordedAfterAnswer: boolean }[]} */
  const samples = [];
  /** @type {number[]} */
  const numbers = [];
  const openOne = async (/** @type {string} */ name, /** @type {boolean} */ measured) => {
    // Not timed: a fresh branch with one commit, and its push event, so the server is idle again.
    const result = await push(httpRemote, name);
    if (result.status !== 0) throw new Error(`pushing ${name} failed: ${result.stderr}`);
    if (!(await until(() => pushed.has(`refs/heads/${name}`), 10_000)))
      problem(`the push event of ${name} did not reach the event stream within 10 s`);

    const h0 = wallNow();
    await api(base, 'GET', '/healthz', { expect: 200 });
    const healthz = wallNow() - h0;

    const t0 = wallNow();
    const opened = await api(base, 'POST', `/api/projects/${PROJECT}/pulls`, {
      token: developer,
      body: { head: name, title: `feat: open ${name} (TF-1)`, body: '## User flows tested\n\n- [x] opened it\n' },
      expect: 201,
    });
    const answeredAt = wallNow();
    const pull = opened.body;
    if (pull.head !== name || pull.headSha !== shas.get(name) || pull.state !== 'open')
      problem(`opening ${name} answered a PR for ${pull.head} at ${pull.headSha} (${pull.state})`);
    // The 201 is the PR itself: a check run in it would mean the rules ran inside the request.
    if (pull.checks !== undefined && pull.checks?.status !== 'pending')
      problem(`opening ${name} answered with checks ${JSON.stringify(pull.checks)}, not pending`);
    if (Array.isArray(pull.findings)) problem(`opening ${name} answered with findings: the rules ran inside it`);

    const number = Number(pull.number);
    if (!(await until(() => completed.has(number), 60_000))) {
      problem(`PR #${number} (${name}): no check.completed on the event stream within 60 s of its answer`);
      return;
    }
    const run = /** @type {NonNullable<ReturnType<typeof completed.get>>} */ (completed.get(number));
    if (run.sha !== pull.headSha) problem(`PR #${number}: check.completed is for ${run.sha}, not its head`);
    numbers.push(number);
    if (!measured) return;
    samples.push({
      healthz,
      open: answeredAt - t0,
      checks: run.at - answeredAt,
      // The event's stamp has millisecond steps: a run recorded inside the request would carry a
      // stamp below the answer's arrival, rounded down.
      recordedAfterAnswer: run.createdAt >= Math.floor(answeredAt),
    });
  };

  log(
    `PR open: ${warmOpens} warm-up and ${params.opens} measured PR opens from fresh branches, one at a time, each after a GET /healthz`,
  );
  for (let i = 0; i < warmOpens; i++) await openOne(branch('open-warm', i), false);
  for (let i = 0; i < params.opens; i++) await openOne(branch('open', i), true);
  await sleep(200); // a second check.completed for any of these PRs would show up in the counts below
  watcher.close();

  // Read back once, after the timing: every PR's checks are a completed run of its head, with findings.
  let completedRuns = 0;
  for (const number of numbers) {
    const checks = await api(base, 'GET', `/api/projects/${PROJECT}/pulls/${number}/checks`, {
      token: reader,
      expect: 200,
    });
    const run = completed.get(number);
    if (
      checks.body.status === 'completed' &&
      checks.body.sha === run?.sha &&
      Array.isArray(checks.body.findings) &&
      checks.body.findings.length > 0
    )
      completedRuns++;
    else problem(`PR #${number}: GET …/checks after check.completed answered ${JSON.stringify(checks.body)}`);
  }
  const duplicates = numbers.filter((n) => (completed.get(n)?.count ?? 0) > 1).length;
  if (duplicates > 0) problem(`${duplicates} PRs had more than one check.completed event`);
  const recordedAfter = samples.filter((s) => s.recordedAfterAnswer).length;
  if (recordedAfter < samples.length)
    problem(
      `${samples.length - recordedAfter} of ${samples.length} check runs carry a stamp before their open's answer arrived`,
    );

  const healthzMs = samples.map((s) => s.healthz);
  const openMs = samples.map((s) => s.open);
  const checksMs = samples.map((s) => s.checks);
  const wholeMs = samples.map((s) => s.open + s.checks);
  return {
    healthzMs,
    openMs,
    checksMs,
    wholeMs,
    recordedAfter,
    completedRuns,
    opened: numbers.length,
    duplicates,
    ratio: p50(openMs) / p50(healthzMs),
    againstWhole: p50(openMs) / p50(wholeMs),
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const intake = /** @type {Awaited<ReturnType<typeof measureIntake>>} */ (results.intake);
const fanout = /** @type {Awaited<ReturnType<typeof measureFanout>>} */ (results.fanout);
const apiResult = /** @type {Awaited<ReturnType<typeof measureApi>>} */ (results.api);
const openResult = /** @type {Awaited<ReturnType<typeof measureOpen>>} */ (results.open);

const intakeTable = markdownTable(
  ['push of one new branch', 'p50', 'p99', `pushes/s, ${params.pushConcurrency} in flight`],
  [
    [
      '`git push` to a bare repository over file:// (baseline)',
      fmt(p50(intake.gitMs)),
      fmt(p99(intake.gitMs)),
      rate(intake.rateGit),
    ],
    [
      '`git push` to Trunkflow over smart HTTP, until git exits',
      fmt(p50(intake.serverMs)),
      fmt(p99(intake.serverMs)),
      rate(intake.rateServer),
    ],
    [
      '…from the start of that push until its `push` event is read off the event stream',
      fmt(p50(intake.visibleMs)),
      fmt(p99(intake.visibleMs)),
      '',
    ],
    [
      '`node -e 0` (Node start-up, paid by the pre-receive hook; for context)',
      fmt(p50(intake.nodeMs)),
      fmt(p99(intake.nodeMs)),
      '',
    ],
  ],
);
const fanoutRow = (/** @type {string} */ name, /** @type {typeof fanout.trunkflow} */ side) => [
  name,
  fmt(p50(side.paced)),
  fmt(p99(side.paced)),
  fmt(Math.max(...side.paced)),
  fmt(p50(side.burst)),
  fmt(p99(side.burst)),
  `${rate(side.deliveriesPerSecond)} (${rate(side.eventsPerSecond)} events/s)`,
  `${thousands(side.delivered)} / ${thousands(side.expected)}`,
];
const fanoutTable = markdownTable(
  [
    `event stream, ${params.subscribers} subscribers`,
    `p50 at ${params.eventRate}/s`,
    `p99 at ${params.eventRate}/s`,
    `max at ${params.eventRate}/s`,
    `p50, ${params.eventConcurrency} in flight`,
    `p99, ${params.eventConcurrency} in flight`,
    `deliveries/s, ${params.eventConcurrency} in flight`,
    'delivered',
  ],
  [
    fanoutRow('node:http broadcaster, `POST /emit` (baseline)', fanout.baseline),
    fanoutRow('Trunkflow `GET /api/events/stream`, `POST /api/projects`', fanout.trunkflow),
  ],
);
const healthz = /** @type {(typeof apiResult.targets)[number]} */ (apiResult.targets[0]);
const apiTable = markdownTable(
  [`route, ${params.clients} keep-alive clients`, 'p50', 'p99', 'req/s', 'p50 × baseline', 'failed'],
  apiResult.targets.map((target) => [
    target.name.startsWith('GET /healthz')
      ? target.name.replace('GET /healthz', '`GET /healthz`')
      : `\`${target.name}\``,
    fmt(p50(target.latencies)),
    fmt(p99(target.latencies)),
    rate(target.latencies.length / (target.ms / 1000)),
    target === healthz ? '1.00×' : times(p50(target.latencies) / p50(healthz.latencies)),
    String(target.errors),
  ]),
);

const openBaseline = p50(openResult.healthzMs);
const openRow = (/** @type {string} */ name, /** @type {number[]} */ values, /** @type {boolean} */ ratio) => [
  name,
  fmt(p50(values)),
  fmt(p95(values)),
  ratio ? times(p50(values) / openBaseline) : '',
];
const openTable = markdownTable(
  ['one PR at a time', 'p50', 'p95', 'p50 × baseline'],
  [
    openRow('`GET /healthz`, just before each open (baseline)', openResult.healthzMs, true),
    openRow('`POST /api/projects/:p/pulls`, until its answer', openResult.openMs, true),
    openRow(
      "…from that answer until its `check.completed` is read off the project's event stream",
      openResult.checksMs,
      false,
    ),
    openRow('the two together, per PR: the old in-request cost, reconstructed (see below)', openResult.wholeMs, true),
  ],
);

const gitVersion = (await run('git', ['--version'])).stdout.trim().replace(/^git version /, '');
const machine = `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (nproc ${availableParallelism()}), Node ${process.version}, git ${gitVersion}, ${process.platform}`;
const shownArgs = process.argv.slice(2).join(' ');
const command =
  process.env.npm_lifecycle_event === 'bench:events'
    ? `npm run bench:events${shownArgs ? ` -- ${shownArgs}` : ''}`
    : `node ${relative(rootDir, fileURLToPath(import.meta.url))}${shownArgs ? ` ${shownArgs}` : ''}`;
const databaseName = database
  ? `PostgreSQL ${database.version} (a fresh database on 127.0.0.1, dropped after the run)`
  : 'SQLite (WAL) in a fresh data directory';
const section = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}; 1-minute load average ${loadBefore.toFixed(2)} when the run began; the whole run took ${totalSeconds.toFixed(0)} s. The server ran as a child process (${trunkflow.how}, log level info, as it ships) on ${databaseName}; the clients ran in the benchmark's own process, on the same 2 cores, over loopback.

\`\`\`sh
npm run build
npm run bench:events                 # SQLite; add -- --postgres for PostgreSQL, -- --write to update this section
npm run bench:events -- --help       # the size of each part (--pushes, --events, --requests, --opens, …)
\`\`\`

**Event intake.** ${params.pushes} pushes of a new branch (one commit, one small file) from a local repository, one at a time, each to Trunkflow over smart HTTP (as a developer, token as the basic-auth password) and to a bare repository over file:// (git's own cost, the baseline), interleaved, after ${warmPushes} warm-ups${params.pushes <= 100 ? ' (with this few, p99 is the slowest push)' : ''}. A Trunkflow push runs \`git http-backend\` for each request and the pre-receive hook (a Node process) that asks the server to check the push and record the \`push\` event before the push is acknowledged. The event's time is when a subscriber to the project's event stream read it (the stream reads the same log as \`GET /api/events\`); after each push returned, \`GET /api/events\` held its event ${intake.found} times out of ${params.pushes}. Then ${params.pushes} more pushes to each remote with ${params.pushConcurrency} in flight, for throughput. In all, ${intake.logged} of ${intake.expected} measured pushes have exactly one \`push\` event in the log.

${intakeTable}

Ratio Trunkflow / git (p50, one at a time): **${times(intake.ratio)}**; pushes/s ratio Trunkflow / git, ${params.pushConcurrency} in flight: **${times(intake.rateServer / intake.rateGit)}**.

**SSE fan-out.** ${params.subscribers} subscribers (fetch streams) on each side, then ${params.events} events per side sent at a steady ${params.eventRate} events/s (for latency), then ${params.events} more with ${params.eventConcurrency} requests in flight (for throughput), each in ${params.rounds} rounds interleaved between the sides. On Trunkflow each event is a project creation (the cheapest request that records an event; it also creates a bare repository); the baseline is a bare node:http server (\`bench/lib/server.mjs\`) that writes each posted event to every open stream at once. Latency runs from the event's \`createdAt\` (stamped when it is appended; millisecond resolution, so figures read up to 1 ms high) to the moment each subscriber read it, over every delivery; the subscribers all run in one process, so the last of 100 copies also waits for the client to read the 99 before it. Deliveries/s count every subscriber's copy, from the first request of a round to the last copy read; on Trunkflow they are bound by how fast projects are created, not by the stream.

${fanoutTable}

Ratio Trunkflow / baseline (p50 delivery latency at ${params.eventRate} events/s): **${times(fanout.ratio)}**. Delivered: ${thousands(fanout.trunkflow.delivered)} of ${thousands(fanout.trunkflow.expected)} on Trunkflow and ${thousands(fanout.baseline.delivered)} of ${thousands(fanout.baseline.expected)} on the baseline (every subscriber got every event: ${fanout.trunkflow.delivered === fanout.trunkflow.expected && fanout.trunkflow.duplicates === 0 ? '**yes**' : '**no**'}); duplicates: ${fanout.trunkflow.duplicates} and ${fanout.baseline.duplicates}.

**API latency.** ${apiResult.pullRoutes ? `One PR opened from a pushed branch (measured once its checks job has recorded the run); ` : `**The PR routes were not served by this build, so the figures are for \`GET /api/projects/:p\` instead of reading a PR and its checks.** `}${params.clients} concurrent clients (fetch, keep-alive, a viewer's bearer token) send ${thousands(params.requests)} requests per route, in ${params.rounds} interleaved rounds after a warm-up of ${Math.min(200, params.requests)}; \`GET /healthz\` (no auth, no database) under the same load is the baseline.

${apiTable}

**PR open.** ${thousands(params.opens)} PRs opened one at a time by a developer, after ${warmOpens} warm-ups, each from a branch just pushed with one commit adding a small file (the push is not timed; the open waits until its \`push\` event is on the project's stream). Just before each open, one \`GET /healthz\` from the same client is the baseline, so the two alternate through the run. The open is timed until its \`201\` answer is read: the answer is the PR itself and carries no check run, because opening now only enqueues a \`checks.run\` job in its transaction (the PR's checks read \`pending\` until the job records the run). Then the time from that answer until the project's event stream delivers the PR's \`check.completed\` event (appended with the run, in the job). The event's stamp (ms steps) was no earlier than the answer's arrival for ${openResult.recordedAfter} of ${thousands(params.opens)} runs: a run recorded inside the request would be stamped before it. Afterwards \`GET …/pulls/:n/checks\` read a completed run of the head sha, with findings, for ${openResult.completedRuns} of ${openResult.opened} PRs (warm-ups included); PRs with more than one \`check.completed\`: ${openResult.duplicates}.

${openTable}

Ratio open / \`GET /healthz\` (p50): **${times(openResult.ratio)}**. Ratio open / (open + checks recorded after it) (p50 of each PR's sum): **${times(openResult.againstWhole)}**: what an open costs now against what it cost when the rules ran inside it. That second baseline is a same-run reconstruction, not a measurement of the old server: the \`checks.run\` job does the work the open request used to do inline after inserting the PR and before answering (read trunk's files and the author's recent PRs, run the rules, record the run with its \`check.completed\` in one transaction), so the time from the answer until the run is recorded stands in for the part of the old request that is gone. It holds a little more than that work: the runner's pick-up of the job, the job's look-ups of the project and the PR, and the event's delivery to the stream. So the reconstructed old cost reads somewhat high, and this ratio somewhat lower (more flattering) than a measurement of the old server would give.
${problems.length === 0 ? '' : `\n**Problems in this run:**\n\n${problems.map((p) => `- ${p}`).join('\n')}\n`}
Command: \`${command}\`.`;

process.stdout.write(`## ${SECTION}\n\n${section}\n`);
if (options.write) {
  const current = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '# Benchmarks\n';
  writeFileSync(readmePath, replaceSection(current, SECTION, section));
  log(`wrote the "## ${SECTION}" section of ${relative(rootDir, readmePath)}`);
}
if (problems.length > 0) process.exitCode = 1;
