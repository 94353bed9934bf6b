#!/usr/bin/env node
// @ts-check
// Benchmark: `trunkflow check` on a large repository against the raw git work the check needs,
// measured in the same run, interleaved, and reported as a ratio (ARCHITECTURE.md, principle 11).
//
//   npm run bench:check -- [--runs 10] [--warmup 2] [--write] [--regenerate]
//
// The repository is generated once into bench/.work/check-repo and reused while its parameters
// stay the same. `--write` replaces the "## trunkflow check" section of bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureRepo } from './lib/repo.mjs';
import { formatMs, markdownTable, median, percentile, replaceSection } from './lib/stats.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = resolve(benchDir, '..');
const workDir = join(benchDir, '.work');
const cliBin = join(rootDir, 'packages/cli/bin/trunkflow.js');
const readmePath = join(benchDir, 'README.md');
const SECTION = 'trunkflow check';
/** The goal from the issue: at most this multiple of git's own cost, and under this many ms. */
const GOAL_RATIO = 1.5;
const GOAL_MS = 1000;

const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    write: { type: 'boolean', default: false },
    regenerate: { type: 'boolean', default: false },
    files: { type: 'string', default: '20000' },
    commits: { type: 'string', default: '5000' },
    'change-files': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    anchor: { type: 'string', default: '2026-01-15T12:00:00.000Z' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (options.help) {
  process.stdout.write(`Usage: npm run bench:check -- [options]

  --runs <n>           measured runs of each command (default 10)
  --warmup <n>         warm-up runs before measuring (default 2)
  --write              write the figures into the "## ${SECTION}" section of bench/README.md
  --regenerate         rebuild the repository even when a cached one matches
  --files <n>          files on trunk (default 20000)
  --commits <n>        commits on trunk (default 5000)
  --change-files <n>   files changed by the feature branch (default 1000)
  --seed <n>           seed of the generated content (default 1)
  --anchor <iso>       time the history ends at; the check runs with --now set to it
`);
  process.exit(0);
}

/** @param {string} name @param {string | undefined} text @param {number} min */
function count(name, text, min) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`bench/check.mjs: --${name} must be a whole number ≥ ${min}, got "${text}"\n`);
    process.exit(2);
  }
  return value;
}

const runs = count('runs', options.runs, 1);
const warmup = count('warmup', options.warmup, 0);
const anchorMs = Date.parse(options.anchor ?? '');
if (Number.isNaN(anchorMs)) {
  process.stderr.write(`bench/check.mjs: --anchor must be an ISO-8601 time, got "${options.anchor}"\n`);
  process.exit(2);
}
const params = {
  files: count('files', options.files, 100),
  commits: count('commits', options.commits, 40),
  changeFiles: count('change-files', options['change-files'], 0),
  seed: count('seed', options.seed, 0),
  anchor: new Date(anchorMs).toISOString(),
};

if (!existsSync(join(rootDir, 'packages/cli/dist/main.js'))) {
  process.stderr.write('bench/check.mjs: packages/cli/dist is missing: build first with `npx tsc -b`\n');
  process.exit(2);
}

const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
const repo = await ensureRepo(workDir, params, { force: options.regenerate, log });
const since = new Date(anchorMs - 2 * 86_400_000).toISOString();
const bodyFile = join(workDir, 'check-body.md');
mkdirSync(workDir, { recursive: true });
writeFileSync(
  bodyFile,
  '# Big export\n\nExports everything, behind the `big-export` flag.\n\n## User flows tested\n\n- [x] exported a workspace\n- [x] opened the export\n',
);

/** Runs a command to completion, its output collected in memory, and times it. */
function timed(/** @type {string} */ command, /** @type {string[]} */ args, /** @type {string} */ cwd) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  return { ms, status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}

/** @param {ReturnType<typeof timed>} result @param {string} what */
function mustSucceed(result, what) {
  if (result.status !== 0) throw new Error(`${what} exited ${result.status}: ${result.stderr}`);
  return result;
}

const GIT_STEPS = ['merge-base', 'diff --numstat', 'diff -U0', 'log (branch)', 'log (trunk, 2 days)'];

/** The baseline: the git commands the check needs, one after another, as a shell script would. */
function baseline() {
  const { dir, trunk, branch } = repo;
  /** @type {number[]} */
  const steps = [];
  const run = (/** @type {string[]} */ args) => {
    const result = mustSucceed(timed('git', args, dir), `git ${args.join(' ')}`);
    steps.push(result.ms);
    return result.stdout;
  };
  const started = performance.now();
  const mergeBase = run(['merge-base', trunk, branch]).toString('utf8').trim();
  run(['diff', '--numstat', '-z', '-M', mergeBase, branch]);
  run(['diff', '-U0', '-M', mergeBase, branch]);
  run(['log', '--format=%H%x09%aI', `${mergeBase}..${branch}`]);
  run(['log', '--first-parent', '--no-merges', `--since=${since}`, '--format=%H%x09%ae%x09%cI', trunk]);
  return { ms: performance.now() - started, steps, mergeBase };
}

const cliArgs = [
  'check',
  '--base',
  repo.trunk,
  '--head',
  repo.branch,
  '--title',
  repo.title,
  '--body-file',
  bodyFile,
  '--format',
  'json',
  '--now',
  params.anchor,
];

/** The whole CLI process. Exit 1 (a rule failed) is expected for a change this large. */
function trunkflow() {
  const result = timed(process.execPath, [cliBin, ...cliArgs], repo.dir);
  if ((result.status !== 0 && result.status !== 1) || result.stderr !== '') {
    throw new Error(`trunkflow check exited ${result.status}: ${result.stderr}`);
  }
  return result;
}

const nodeStartup = () => mustSucceed(timed(process.execPath, ['-e', '0'], repo.dir), 'node -e 0');

// A first run of each checks that both sides see the same change.
const first = baseline();
const report = JSON.parse(trunkflow().stdout.toString('utf8'));
const changed = /** @type {unknown[]} */ (report.facts?.changedFiles ?? []).length;
if (report.facts?.mergeBase !== first.mergeBase) {
  throw new Error(`trunkflow found merge base ${report.facts?.mergeBase}, git ${first.mergeBase}`);
}
const outcome = /** @type {{ id: string, status: string }[]} */ (report.findings ?? [])
  .map((f) => `${f.id}=${f.status}`)
  .join(', ');
log(`› check sees ${changed} changed files, ${report.facts?.branchCommits?.length} branch commits; ${outcome}`);

/** @type {{ git: number[], trunkflow: number[], node: number[], steps: number[][] }} */
const samples = { git: [], trunkflow: [], node: [], steps: GIT_STEPS.map(() => []) };
const total = warmup + runs;
const loadBefore = loadavg()[0] ?? 0;
const tty = process.stderr.isTTY === true;
for (let round = 0; round < total; round++) {
  const measured = round >= warmup;
  const label = measured ? `run ${round - warmup + 1}/${runs}` : `warm-up ${round + 1}/${warmup}`;
  if (tty) process.stderr.write(`\r› ${label} (git, trunkflow, node)   `);
  else if (round === 0 || round === warmup)
    process.stderr.write(
      `› ${measured ? `${runs} measured run${runs === 1 ? '' : 's'}` : `${warmup} warm-up run${warmup === 1 ? '' : 's'}`}…\n`,
    );
  const g = baseline();
  const t = trunkflow();
  const n = nodeStartup();
  if (!measured) continue;
  samples.git.push(g.ms);
  samples.trunkflow.push(t.ms);
  samples.node.push(n.ms);
  for (const [i, ms] of g.steps.entries()) samples.steps[i]?.push(ms);
}
if (tty) process.stderr.write('\n');

const gitMedian = median(samples.git);
const tfMedian = median(samples.trunkflow);
const ratio = tfMedian / gitMedian;
const ratioMet = ratio <= GOAL_RATIO;
const timeMet = tfMedian < GOAL_MS;
const row = (/** @type {string} */ name, /** @type {number[]} */ values) => [
  name,
  formatMs(median(values)),
  formatMs(percentile(values, 90)),
  formatMs(Math.min(...values)),
];
const table = markdownTable(
  ['command', 'median', 'p90', 'min'],
  [
    row('git alone: the 5 git commands, sequential (baseline)', samples.git),
    row('`trunkflow check` (whole CLI process)', samples.trunkflow),
    row('`node -e 0` (Node startup, for context)', samples.node),
  ],
);
const stepTable = markdownTable(
  ['git command (baseline)', 'median'],
  GIT_STEPS.map((name, i) => [`\`git ${name}\``, formatMs(median(samples.steps[i] ?? []))]),
);
const gitVersion = spawnSync('git', ['--version'], { encoding: 'utf8' })
  .stdout.trim()
  .replace(/^git version /, '');
const machine = `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, git ${gitVersion}, ${process.platform}`;
const shownArgs = process.argv.slice(2).join(' ');
const command =
  process.env.npm_lifecycle_event === 'bench:check'
    ? `npm run bench:check${shownArgs ? ` -- ${shownArgs}` : ''}`
    : `node ${relative(rootDir, fileURLToPath(import.meta.url))}${shownArgs ? ` ${shownArgs}` : ''}`;
const verdict = (/** @type {boolean} */ met) => (met ? '**met**' : '**not met**');
const section = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}; 1-minute load average ${loadBefore.toFixed(2)} when the runs began.

Repository: ${repo.stats.files.toLocaleString('en')} files and ${repo.stats.commits.toLocaleString('en')} commits on \`${repo.trunk}\`; \`${repo.branch}\` has ${repo.stats.branchCommits} commits changing ${changed.toLocaleString('en')} files (${Object.entries(
  repo.stats.changed,
)
  .map(([kind, n]) => `${n} ${kind}`)
  .join(
    ', ',
  )}, plus package-lock.json, .gitattributes, flags.json and a package.json). ${runs} runs each after ${warmup} warm-up${warmup === 1 ? '' : 's'}, interleaved.

${table}

Ratio trunkflow / git (medians): **${ratio.toFixed(2)}×**. Goal: at most ${GOAL_RATIO}× (${verdict(ratioMet)}) and under ${formatMs(GOAL_MS)} (${verdict(timeMet)}).

${stepTable}

Command: \`${command}\`. The check ran as \`trunkflow ${cliArgs.map((a) => (a === bodyFile ? relative(repo.dir, a) : /\s/.test(a) ? `"${a}"` : a)).join(' ')}\` in \`bench/.work/check-repo\`.`;

process.stdout.write(`## ${SECTION}\n\n${section}\n`);
if (options.write) {
  const current = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '# Benchmarks\n';
  writeFileSync(readmePath, replaceSection(current, SECTION, section));
  log(`› wrote the "## ${SECTION}" section of ${relative(rootDir, readmePath)}`);
}
