// `trunkflow runs`: list pipeline runs, show one with its steps, print or follow its output, cancel it.
import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { assertNever, isRunTerminal } from '@trunkflow/core';
import type { Command } from 'commander';
import pc from 'picocolors';
import { connect } from '../client/connection.js';
import type { TrunkflowClient } from '../client/http-client.js';
import {
  cancelRun,
  getRun,
  listRuns,
  type Run,
  type RunOutputLine,
  type RunStep,
  runOutput,
} from '../client/pipeline-client.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson, shortSha, table } from '../output.js';

interface ProjectOptions extends FormatOptions {
  project: string;
}

/** The server's cap on `GET …/runs?limit`. */
export const MAX_LIST_LIMIT = 500;
/** How often `logs --follow` asks again once it has printed everything there is. */
const FOLLOW_POLL_MS = 500;
/** Lines per output request; the server's own default. */
const OUTPUT_PAGE = 1000;
/** After this long without a new line, a person at a terminal is told what the run is waiting on. */
const QUIET_MS = 1000;
/** While quiet, how often the run is read again for that step line. */
const STEP_REFRESH_MS = 2000;
/** A shell's convention for a command ended by Ctrl-C. */
const INTERRUPTED_EXIT = 130;

/** `--limit` of `runs list` and `releases list`, whose routes share the cap. */
export function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^[1-9][0-9]{0,3}$/.test(value.trim()) || limit > MAX_LIST_LIMIT) {
    throw new UsageError(`--limit "${value}" must be a whole number from 1 to ${MAX_LIST_LIMIT}, e.g. --limit 20`);
  }
  return limit;
}

/** Run ids are the server's (UUIDs); a typo or a stray space is refused before a request is sent. */
function checkRunId(value: string, project: string): string {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(value)) {
    throw new UsageError(`run id "${value}" is not valid: use an id from \`trunkflow runs list --project ${project}\``);
  }
  return value;
}

/** One mark per step status, so a row reads like `checkout ✓ install ✓ build … deploy`. */
function stepMark(step: RunStep, colors: ReturnType<typeof pc.createColors>): string {
  switch (step.status) {
    case 'pending':
      return '';
    case 'running':
      return colors.yellow('…');
    case 'waiting':
      return colors.yellow('?');
    case 'succeeded':
      return colors.green('✓');
    case 'failed':
      return colors.red('✗');
    case 'skipped':
      return colors.dim('-');
    case 'canceled':
      return colors.dim('⊘');
    default:
      return assertNever(step.status, 'step status');
  }
}

export function stepSummary(steps: readonly RunStep[], color: boolean): string {
  const colors = pc.createColors(color);
  return steps
    .map((step) => {
      const mark = stepMark(step, colors);
      return mark === '' ? step.kind : `${step.kind} ${mark}`;
    })
    .join(' ');
}

/** Steps are shown numbered from 1, as people count; the JSON keeps the API's `index`, from 0. */
const stepLabel = (index: number, kind: string) => `${index + 1} ${kind}`;

function describeRun(io: CliIo, project: string, run: Run): string {
  const colors = pc.createColors(io.color);
  const pr = run.pr === null ? '' : ` (PR #${run.pr})`;
  const out = [
    colors.bold(`run ${run.id}: ${run.kind} ${run.name}${pr} · ${run.status}`),
    `sha ${run.sha} · version ${run.version ?? '-'} · trigger ${run.trigger}${run.actor ? ` by ${run.actor}` : ''}`,
    `created ${run.createdAt} · started ${run.startedAt ?? '-'} · finished ${run.finishedAt ?? '-'}`,
  ];
  if (run.reason) out.push(`reason: ${run.reason}`);
  out.push('');
  const rows = run.steps.map((step) => [
    String(step.index + 1),
    step.kind,
    step.status,
    String(step.attempts),
    step.reason ?? '-',
  ]);
  const steps = rows.length === 0 ? 'no steps\n' : table(io, ['#', 'STEP', 'STATUS', 'ATTEMPTS', 'REASON'], rows);
  return `${out.join('\n')}\n${steps}\noutput: trunkflow runs logs ${run.id} --project ${project}\n`;
}

/** What a quiet run waits on, for the step line on a terminal. */
function waitingOn(run: Run): string {
  if (run.status === 'queued') return `run is queued: it starts when no earlier run on ${run.name} is under way`;
  const step = run.steps.find((candidate) => candidate.status === 'running' || candidate.status === 'waiting');
  if (step === undefined) return `run is ${run.status}`;
  if (step.status === 'waiting') {
    return `step ${stepLabel(step.index, step.kind)} is waiting for a person: ${step.reason ?? 'promote or abort it'}`;
  }
  return `step ${stepLabel(step.index, step.kind)} is running`;
}

/** Build tools colour and redraw their output: keep the text, never a terminal escape from the server. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return stripVTControlCharacters(text).replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, '');
}

export interface LogOptions {
  format: 'text' | 'json';
  timestamps: boolean;
}

function formatLine(io: CliIo, run: Run, line: RunOutputLine, options: LogOptions): string {
  if (options.format === 'json') return `${JSON.stringify(line)}\n`;
  const colors = pc.createColors(io.color);
  const kind = run.steps.find((step) => step.index === line.step)?.kind ?? 'step';
  const tag = line.stream === 'stdout' ? '' : line.stream === 'stderr' ? ' stderr' : ' trunkflow';
  const prefix = `[${stepLabel(line.step, kind)}${tag}]`;
  const painted = line.stream === 'stderr' ? colors.yellow(prefix) : colors.dim(prefix);
  const time = options.timestamps ? `${line.at} ` : '';
  return `${time}${painted} ${printable(line.line)}\n`;
}

/**
 * Prints the run's output from the start; with `follow`, keeps asking until the run has a final
 * status and every line is out. Returns the last status the server gave, or null when interrupted.
 */
async function printOutput(
  io: CliIo,
  client: TrunkflowClient,
  project: string,
  first: Run,
  options: LogOptions & { follow: boolean },
  stop: AbortSignal,
): Promise<Run['status'] | null> {
  const stopped = new Promise<null>((resolve) => stop.addEventListener('abort', () => resolve(null), { once: true }));
  let run = first;
  let after = 0;
  let lastLineAt = io.now().getTime();
  let lastRefresh = 0;
  let saidWaiting = '';
  for (;;) {
    const page = await Promise.race([runOutput(client, project, run.id, after, OUTPUT_PAGE), stopped]);
    if (page === null) return null;
    // A step that started after the run was first read is named from a fresh read.
    if (page.lines.some((line) => !run.steps.some((step) => step.index === line.step))) {
      const fresh = await Promise.race([getRun(client, project, run.id), stopped]);
      if (fresh === null) return null;
      run = fresh;
    }
    for (const line of page.lines) io.stdout(formatLine(io, run, line, options));
    const final = isRunTerminal(page.status);
    if (page.lines.length > 0) {
      after = page.next;
      lastLineAt = io.now().getTime();
      saidWaiting = '';
      // Read on at once while there is more to print; a server paging below our limit loses nothing.
      if (!options.follow || final || page.lines.length >= OUTPUT_PAGE) continue;
    } else {
      // The status is read before the lines: a final status with no new line means the output is complete.
      if (!options.follow || final) return page.status;
      const now = io.now().getTime();
      if (io.color && now - lastLineAt >= QUIET_MS && now - lastRefresh >= STEP_REFRESH_MS) {
        lastRefresh = now;
        const fresh = await Promise.race([getRun(client, project, run.id), stopped]);
        if (fresh === null) return null;
        run = fresh;
        const waiting = waitingOn(run);
        if (waiting !== saidWaiting) io.stderr(`${pc.createColors(io.color).dim(`… ${waiting}`)}\n`);
        saidWaiting = waiting;
      }
    }
    try {
      await sleep(FOLLOW_POLL_MS, undefined, { signal: stop });
    } catch {
      return null;
    }
  }
}

/**
 * `runs logs`, and `deploy`/`rollback --follow`: prints the run's output; with `follow`, until the run
 * ends, then sets the exit code by its outcome (0 succeeded, 1 failed or canceled, 130 on Ctrl-C).
 */
export async function printRunOutput(
  io: CliIo,
  client: TrunkflowClient,
  project: string,
  run: Run,
  options: LogOptions & { follow: boolean },
): Promise<void> {
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    const status = await printOutput(io, client, project, run, options, interrupt.signal);
    if (status === null) {
      io.stderr(
        `stopped following run ${run.id}; it goes on: \`trunkflow runs view ${run.id} --project ${project}\`\n`,
      );
      return io.setExitCode(INTERRUPTED_EXIT);
    }
    if (options.follow) {
      // A script waits on the exit code, as it does on `pr checks`.
      if (status !== 'succeeded' && options.format === 'text') {
        const ended = await getRun(client, project, run.id);
        io.stderr(`run ${run.id} ${ended.status}${ended.reason ? `: ${ended.reason}` : ''}\n`);
      }
      io.setExitCode(status === 'succeeded' ? 0 : 1);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function registerRuns(program: Command, io: CliIo): void {
  const runs = program
    .command('runs')
    .description('See pipeline runs (previews, staging, production), their steps and output; cancel one')
    .addHelpText(
      'after',
      `
A run is one deploy, rollback or destroy of one environment; its steps (checkout, install, build,
deploy, test, tag, monitor, …) run one at a time. A run's status is queued, running, succeeded,
failed or canceled.

Exit codes: 0 done, 1 the server refused (e.g. no such run) or \`runs logs --follow\` saw the run fail
or be canceled, 2 bad usage, a bad token or an unreachable server, 130 interrupted with Ctrl-C.`,
    );

  const runsCommand = (name: string, description: string) =>
    runs.command(name).description(description).requiredOption('--project <name>', 'project name');

  runsCommand('list', 'List runs, newest first')
    .option('--limit <n>', `at most this many runs, 1 to ${MAX_LIST_LIMIT} (default: 50)`, parseLimit)
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
STEPS marks each step: ✓ succeeded, ✗ failed, … running, ? waiting for a person (promote or abort),
- skipped, ⊘ canceled; a step with no mark has not started.

With --format json it prints an array of runs:
  [{"id", "environment", "name", "pr", "sha", "version", "kind", "status", "trigger", "actor", "reason",
    "steps": [{"index", "kind", "status", "attempts", "reason"}], "createdAt", "startedAt", "finishedAt"}]
"environment" is preview, staging or production; "name" the instance (pr-<n>, staging, production);
"status" is queued, running, succeeded, failed or canceled; step "index" counts from 0.

Example:
  trunkflow runs list --project shop --limit 10 --format json`,
    )
    .action(async (options: ProjectOptions & { limit?: number }, command: Command) => {
      const listed = await listRuns(await connect(io, command), options.project, options.limit);
      if (options.format === 'json') return printJson(io, listed);
      if (listed.length === 0) return io.stdout(`no runs in ${options.project} yet\n`);
      const rows = listed.map((run) => [
        run.id,
        run.name,
        run.kind,
        run.status,
        shortSha(run.sha),
        run.version ?? '-',
        run.startedAt ?? '-',
        stepSummary(run.steps, io.color),
      ]);
      io.stdout(table(io, ['ID', 'ENV', 'KIND', 'STATUS', 'SHA', 'VERSION', 'STARTED', 'STEPS'], rows));
    });

  runsCommand('view', 'Show a run with every step: status, attempts and reason')
    .argument('<id>', 'run id (from `trunkflow runs list`)')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
Steps are numbered from 1 here; with --format json it prints the run as \`runs list\` shows each one,
where step "index" counts from 0.

Example:
  trunkflow runs view 0b7e9c2e-1f4a-4c55-9d6e-3a2f1c8b7d10 --project shop`,
    )
    .action(async (id: string, options: ProjectOptions, command: Command) => {
      const run = await getRun(await connect(io, command), options.project, checkRunId(id, options.project));
      if (options.format === 'json') return printJson(io, run);
      io.stdout(describeRun(io, options.project, run));
    });

  runsCommand('logs', "Print a run's output; --follow keeps printing until the run ends")
    .argument('<id>', 'run id (from `trunkflow runs list`)')
    .option('--follow', 'keep printing new lines until the run has finished; exit 0 if it succeeded, 1 if not')
    .option('--timestamps', 'start each line with the time it was written (ISO 8601, UTC)')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
Each line is printed as \`[<step number> <step kind>] <text>\`, steps numbered from 1, e.g.
  [2 install] added 112 packages in 3s
  [3 build stderr] warning: unused variable
  [4 deploy trunkflow] healthy at http://staging.shop.localhost:4400
"stderr" marks the step's standard error and "trunkflow" what Trunkflow itself did; terminal escapes
are removed. With --format json it prints one JSON object per line of output (JSON Lines):
  {"id", "step", "stream", "line", "at"}, "stream" being stdout, stderr or system, "step" from 0.

Without --follow it prints the output there is so far and exits 0. With --follow it asks again every
${FOLLOW_POLL_MS} ms until the run succeeded, failed or was canceled and its last line is out, then exits 0 if
it succeeded and 1 if it failed or was canceled; on a terminal, a line on stderr says what a quiet
run is waiting for. Ctrl-C stops following (exit ${INTERRUPTED_EXIT}); the run goes on.

Example:
  trunkflow runs logs 0b7e9c2e-1f4a-4c55-9d6e-3a2f1c8b7d10 --project shop --follow`,
    )
    .action(
      async (id: string, options: ProjectOptions & { follow?: boolean; timestamps?: boolean }, command: Command) => {
        const runId = checkRunId(id, options.project);
        const client = await connect(io, command);
        // Read first: a wrong id fails at once, and the steps name the lines.
        const run = await getRun(client, options.project, runId);
        await printRunOutput(io, client, options.project, run, {
          format: options.format,
          timestamps: options.timestamps === true,
          follow: options.follow === true,
        });
      },
    );

  runsCommand('cancel', 'Cancel a queued or running run; a step already running finishes and its result is dropped')
    .argument('<id>', 'run id (from `trunkflow runs list`)')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
Cancelling a run that has already finished changes nothing and says so (exit 0).
With --format json it prints the run, as \`runs view\` does.

Example:
  trunkflow runs cancel 0b7e9c2e-1f4a-4c55-9d6e-3a2f1c8b7d10 --project shop`,
    )
    .action(async (id: string, options: ProjectOptions, command: Command) => {
      const run = await cancelRun(await connect(io, command), options.project, checkRunId(id, options.project));
      if (options.format === 'json') return printJson(io, run);
      if (run.status === 'canceled') io.stdout(`canceled run ${run.id} (${run.kind} ${run.name})\n`);
      else io.stdout(`run ${run.id} (${run.kind} ${run.name}) had already ${run.status}: nothing to cancel\n`);
    });
}
