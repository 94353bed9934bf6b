#!/usr/bin/env node
import { spawn } from 'node:child_process';
// @ts-check
// Benchmark: the delivery pipeline's own overhead, on a real server deploying the demo app
// (examples/demo-app) with the embedded `process` deployer. Everything runs on loopback, in
// bounded loops that stop by themselves.
//
//   npm run bench:pipeline -- [--rounds 4] [--write]
//
// Each round pushes a branch, opens a PR, approves and merges it, and follows the merge to
// production. Even rounds add the demo's BROKEN file, so production's window fails and rolls back;
// odd rounds remove it again. Three figures, each next to what it is measured against:
// 1. PR open → the preview answering, against the app's own install, build and start run by hand
//    in the same round (a fresh checkout of the same commit, the same commands): the difference is
//    Trunkflow's own overhead.
// 2. The merge answered → the staging run started (the run's `startedAt`), on the same clock.
// 3. The failing measurement (its line in the monitor step's output) → production answering
//    /version with the previous tag, polled every 20 ms; against the old build's own start by hand.
//
// `--write` replaces the "## pipeline" section of bench/README.md.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { api, mustRun, startTrunkflow } from './lib/server.mjs';
import { formatMs, markdownTable, median, replaceSection } from './lib/stats.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = resolve(benchDir, '..');
const readmePath = join(benchDir, 'README.md');
const SECTION = 'pipeline';
const PROJECT = 'shop';
const CHECKLIST = '## What\n\nA bench round.\n\n## User flows tested\n\n- [x] opened the home page\n';

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    write: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (options.help) {
  process.stdout.write(`Usage: npm run bench:pipeline -- [options]

  --rounds <n>   PRs taken from open to production (default 4, at least 2); every second one
                 adds the demo app's BROKEN file, so its window fails and production rolls back
  --write        write the figures into the "## ${SECTION}" section of bench/README.md

Build first (npm run build). The server runs as a child process (\`trunkflow serve\`) on SQLite;
the demo app is installed from the npm registry (npm ci) by the pipeline and by the baseline.
A run takes about a minute per round on a 2-core machine.
`);
  process.exit(0);
}
const rounds = Number(options.rounds);
if (!Number.isInteger(rounds) || rounds < 2) {
  process.stderr.write(
    `--rounds must be a whole number of at least 2 (one good release, then a broken one), not ${options.rounds}\n`,
  );
  process.exit(2);
}

const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
const sleep = (/** @type {number} */ ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Polls `read` until `done` holds, every `everyMs`, for at most `timeoutMs`.
 * @template T @param {string} what @param {() => Promise<T>} read @param {(value: T) => boolean} done
 */
async function until(what, read, done, timeoutMs = 300_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(everyMs);
  }
}

/** GET a URL; 0 when nothing answers. @param {string} url */
async function probe(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** A free loopback port. */
function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'trunkflow-bench-pipeline-'));
const home = join(work, 'home');
const gitEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: home,
  LANG: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};
const repo = join(work, 'app');
const git = (/** @type {string[]} */ ...args) => mustRun('git', args, { cwd: repo, env: gitEnv });

/** @type {(() => Promise<void>)[]} */
const cleanups = [];
async function cleanUp() {
  for (const step of cleanups.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      log(`! clean-up: ${/** @type {Error} */ (error).message}`);
    }
  }
}
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
cleanups.push(async () => rmSync(work, { recursive: true, force: true }));

/**
 * The demo app's own cost, by hand: a fresh checkout of HEAD, `npm ci`, `npm run build`, then
 * `npm start` until /healthz answers 200. Returns the times of the install+build and of the start.
 */
async function byHand() {
  const dir = join(work, `by-hand-${randomBytes(3).toString('hex')}`);
  await mustRun('git', ['clone', '--quiet', repo, dir], { env: gitEnv });
  const started = performance.now();
  await mustRun('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  await mustRun('npm', ['run', 'build', '--silent'], { cwd: dir });
  const built = performance.now();
  const port = await freePort();
  const app = spawn('npm', ['start', '--silent'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), TRUNKFLOW_ENV: 'production' },
    stdio: 'ignore',
    detached: true,
  });
  try {
    await until(
      'the app started by hand',
      () => probe(`http://127.0.0.1:${port}/healthz`),
      (a) => a.status === 200,
      60_000,
      20,
    );
    const healthy = performance.now();
    return { buildMs: built - started, startMs: healthy - built };
  } finally {
    try {
      process.kill(-(/** @type {number} */ (app.pid)), 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const adminToken = `tf_bench_${randomBytes(16).toString('hex')}`;
const loadBefore = loadavg()[0] ?? 0;
const runStarted = performance.now();
const dataDir = join(work, 'data');
const trunkflow = await startTrunkflow({ rootDir, dataDir, adminToken });
cleanups.push(trunkflow.stop);
// Deployed apps outlive the server on purpose (the next start adopts them): stop them at the end.
cleanups.push(async () => {
  const root = join(dataDir, 'deploys', PROJECT);
  for (const environment of ['staging', 'production', ...Array.from({ length: rounds }, (_, i) => `pr-${i + 1}`)]) {
    let text = '';
    try {
      text = readFileSync(join(root, environment, 'state.json'), 'utf8');
    } catch {
      continue;
    }
    const state = JSON.parse(text).state ?? {};
    for (const release of [state.current, state.previous, state.pending]) {
      if (typeof release?.pid !== 'number') continue;
      try {
        process.kill(-release.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
});
const base = trunkflow.url;
log(`Trunkflow (SQLite) started with ${trunkflow.how} at ${base}; work folder ${work}`);

/** @type {{ previewMs: number, ownMs: number, stagingStartMs: number, rollbackMs?: number, ownStartMs: number }[]} */
const samples = [];
try {
  const user = async (/** @type {string} */ name) =>
    (await api(base, 'POST', '/api/admin/users', { token: adminToken, body: { name, role: 'developer' }, expect: 201 }))
      .body.token;
  const dana = await user('dana');
  const bob = await user('bob');
  await api(base, 'POST', '/api/projects', { token: dana, body: { name: PROJECT }, expect: 201 });
  const remote = new URL(`${base}/git/${PROJECT}.git`);
  remote.username = 'git';
  remote.password = dana;

  cpSync(join(rootDir, 'examples/demo-app'), repo, {
    recursive: true,
    filter: (path) => !/\/(node_modules|dist|coverage)(\/|$)/.test(path),
  });
  // The demo's environments with a short window; staging's tests are left out (they are not what is measured).
  const config = readFileSync(join(repo, 'trunkflow.yml'), 'utf8')
    .replace(/\n {4}test: npm test\n/, '\n')
    .replace(/DEMO_BREAK_AFTER_MS: "\d+"/, 'DEMO_BREAK_AFTER_MS: "1000"')
    .replace(/duration: 30m/, 'duration: 8s')
    .replace(/interval: 1m/, 'interval: 1s')
    .replace(/\n {8}- provider: prometheus[\s\S]*$/, '\n');
  writeFileSync(
    join(repo, 'trunkflow.yml'),
    `proxy:\n  mode: port\nrules:\n  daily-pr-limit:\n    enabled: false\n${config}`,
  );
  // A config the server would refuse would only show as a preview that never comes: check it first.
  await mustRun(
    process.execPath,
    [join(rootDir, 'packages/cli/bin/trunkflow.js'), 'config', 'validate', 'trunkflow.yml'],
    {
      cwd: repo,
    },
  );
  await mustRun('git', ['init', '--quiet', '-b', 'main', repo], { env: gitEnv });
  const commit = async (/** @type {string} */ message) => {
    await git('add', '-A');
    await git('-c', 'user.name=Dana', '-c', 'user.email=dana@example.com', 'commit', '--quiet', '-m', message);
  };
  await commit('chore: initial commit');
  await git('push', '--quiet', remote.href, 'HEAD:main');

  const runs = async () =>
    (await api(base, 'GET', `/api/projects/${PROJECT}/runs?limit=200`, { token: dana, expect: 200 })).body.runs;
  const release = async (/** @type {string} */ tag) =>
    (await api(base, 'GET', `/api/projects/${PROJECT}/releases`, { token: dana, expect: 200 })).body.releases.find(
      (/** @type {{ tag: string }} */ r) => r.tag === tag,
    );
  let lastGood = /** @type {string | null} */ (null);
  // One install by hand first, so that npm's cache is as warm for the first baseline as for the pipeline.
  await byHand();

  for (let round = 1; round <= rounds; round++) {
    const broken = round % 2 === 0;
    const branch = `bench/round-${round}`;
    await git('switch', '--quiet', '-C', branch, 'main');
    writeFileSync(join(repo, 'NOTES.md'), `Round ${round}.\n`);
    if (broken) writeFileSync(join(repo, 'BROKEN'), '');
    else rmSync(join(repo, 'BROKEN'), { force: true });
    await commit(`fix: bench round ${round}${broken ? ', broken on purpose' : ''} (TF-${round})`);
    await git('push', '--quiet', remote.href, `HEAD:${branch}`);

    const own = await byHand();

    // 1. PR open → preview answering.
    const opened = performance.now();
    const number = (
      await api(base, 'POST', `/api/projects/${PROJECT}/pulls`, {
        token: dana,
        body: { head: branch, title: `fix: bench round ${round} (TF-${round})`, body: CHECKLIST },
        expect: 201,
      })
    ).body.number;
    const preview = await until(
      `PR #${number}'s preview`,
      async () => (await api(base, 'GET', `/api/projects/${PROJECT}/pulls/${number}`, { token: dana })).body.preview,
      (p) => p?.status === 'live' || p?.status === 'failed',
      300_000,
      25,
    );
    if (preview.status !== 'live') throw new Error(`PR #${number}'s preview failed to deploy`);
    await until(
      'the preview to answer',
      () => probe(`${preview.url}/healthz`),
      (a) => a.status === 200,
      30_000,
      10,
    );
    const previewMs = performance.now() - opened;

    await until(
      `PR #${number}'s checks`,
      async () =>
        (await api(base, 'GET', `/api/projects/${PROJECT}/pulls/${number}/checks`, { token: dana })).body.status,
      (status) => status !== 'pending',
    );
    await api(base, 'POST', `/api/projects/${PROJECT}/pulls/${number}/reviews`, {
      token: bob,
      body: { verdict: 'approve' },
      expect: 201,
    });

    // 2. Merge answered → staging run started.
    const merged = await api(base, 'POST', `/api/projects/${PROJECT}/pulls/${number}/merge`, {
      token: dana,
      body: {},
      expect: 200,
    });
    const mergedAt = Date.now();
    const staging = await until(
      'the staging run',
      async () =>
        (await runs()).find(
          (/** @type {any} */ r) => r.environment === 'staging' && r.sha === merged.body.sha && r.startedAt,
        ),
      (r) => r !== undefined,
      60_000,
      20,
    );
    const stagingStartMs = Date.parse(staging.startedAt) - mergedAt;
    await git('switch', '--quiet', 'main');
    await git('pull', '--quiet', remote.href, 'main');

    // 3. Production, then its window.
    const tag = `v0.0.${round}`;
    const environments = async () =>
      (await api(base, 'GET', `/api/projects/${PROJECT}/environments`, { token: dana, expect: 200 })).body.environments;
    const production = await until(
      `production on ${tag}`,
      async () => (await environments()).find((/** @type {any} */ e) => e.name === 'production'),
      (e) => e?.version === tag && e.status === 'live',
    );
    /** @type {number | undefined} */
    let rollbackMs;
    if (broken) {
      // Poll /version from now on; the first answer with the last good tag is the rollback served.
      let servedBackAt = 0;
      await until(
        `production back on ${lastGood}`,
        async () => {
          const answer = await probe(`${production.url}/version`);
          if (answer.status === 200 && JSON.parse(answer.body).version === lastGood) servedBackAt = Date.now();
          return servedBackAt;
        },
        (at) => at > 0,
        120_000,
        20,
      );
      const deploy = (await runs()).find(
        (/** @type {any} */ r) => r.environment === 'production' && r.kind === 'deploy' && r.version === tag,
      );
      const output = (
        await api(base, 'GET', `/api/projects/${PROJECT}/runs/${deploy.id}/output?limit=5000`, {
          token: dana,
          expect: 200,
        })
      ).body.lines;
      const failing = output
        .filter((/** @type {any} */ l) => l.stream === 'system' && /: failed: /.test(l.line))
        .at(-1);
      if (!failing) throw new Error(`no failing measurement in ${tag}'s monitor output`);
      rollbackMs = servedBackAt - Date.parse(failing.at);
      await until(
        `${tag} rolled back`,
        () => release(tag),
        (r) => r?.status === 'rolled-back',
        60_000,
      );
    } else {
      await until(
        `${tag}'s window`,
        () => release(tag),
        (r) => r?.status === 'passed',
        120_000,
      );
      lastGood = tag;
    }
    const own_ = own.buildMs + own.startMs;
    samples.push({ previewMs, ownMs: own_, stagingStartMs, rollbackMs, ownStartMs: own.startMs });
    log(
      `round ${round}: preview ${formatMs(previewMs)} (app by hand ${formatMs(own_)}), staging started ${formatMs(stagingStartMs)} after the merge` +
        (rollbackMs === undefined
          ? ''
          : `, ${lastGood} served again ${formatMs(rollbackMs)} after the failing measurement`),
    );
  }
} catch (error) {
  log(`\n${/** @type {Error} */ (error).stack}\n\nserver log (last lines):\n${trunkflow.logTail()}`);
  await cleanUp();
  process.exit(1);
}
const totalSeconds = (performance.now() - runStarted) / 1000;
await cleanUp();

const med = (/** @type {(s: typeof samples[number]) => number | undefined} */ pick) =>
  median(samples.map(pick).filter((v) => v !== undefined));
const max = (/** @type {(s: typeof samples[number]) => number | undefined} */ pick) =>
  Math.max(...samples.map(pick).filter((v) => v !== undefined));
const overhead = (/** @type {typeof samples[number]} */ s) => s.previewMs - s.ownMs;
const rollbacks = samples.filter((s) => s.rollbackMs !== undefined).length;
const verdict = (/** @type {boolean} */ met) => (met ? '**met**' : '**missed**');
const goals = {
  staging: max((s) => s.stagingStartMs) < 1000,
  preview: max(overhead) < 5000,
  rollback: max((s) => s.rollbackMs) < 2000,
};
const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.split(' ')[0] ?? 'cpu'}, Node ${process.version}, linux; 1-minute load average ${loadBefore.toFixed(2)} when the run began. ${rounds} rounds (${rounds - rollbacks} good releases, ${rollbacks} broken ones rolled back) in ${totalSeconds.toFixed(0)} s.`,
  '',
  markdownTable(
    ['figure', 'median', 'worst', 'against'],
    [
      [
        'PR open → preview answering /healthz',
        formatMs(med((s) => s.previewMs)),
        formatMs(max((s) => s.previewMs)),
        `app by hand (npm ci, build, start): ${formatMs(med((s) => s.ownMs))}`,
      ],
      [
        "Trunkflow's own share of the preview (the difference)",
        formatMs(med(overhead)),
        formatMs(max(overhead)),
        'goal: under 5 s',
      ],
      [
        'merge answered → staging run started',
        formatMs(med((s) => s.stagingStartMs)),
        formatMs(max((s) => s.stagingStartMs)),
        'goal: under 1 s',
      ],
      [
        'failing measurement → production serving the previous tag',
        formatMs(med((s) => s.rollbackMs)),
        formatMs(max((s) => s.rollbackMs)),
        `the old build started by hand: ${formatMs(med((s) => s.ownStartMs))}; goal: under 2 s`,
      ],
    ],
  ),
  '',
  `Goals, on the worst round: staging starts within 1 s of the merge ${verdict(goals.staging)}; the preview's overhead under 5 s ${verdict(goals.preview)}; the rollback served within 2 s of the verdict ${verdict(goals.rollback)}.`,
].join('\n');
process.stdout.write(`${section}\n`);
if (options.write) {
  writeFileSync(readmePath, replaceSection(readFileSync(readmePath, 'utf8'), SECTION, section));
  log(`wrote the "## ${SECTION}" section of ${readmePath}`);
}
