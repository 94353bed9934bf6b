// `trunkflow runs`: list pipeline runs, show one with its steps, print or follow its output, cancel or retry it.
import type { Command } from 'commander';
import pc from 'picocolors';
import { connect } from '../client/connection.js';
import type { TrunkflowClient } from '../client/http-client.js';
import { cancelRun, getRun, listRuns, type Run, type RunStep, retryRun, runOutput } from '../client/pipeline-client.js';
import { MAX_RECONNECTS } from '../client/run-stream.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson, shortSha, table } from '../output.js';
import { followRun, formatLine, type LogOptions, stepMark } from './run-follow.js';

interface ProjectOptions extends FormatOptions {
  project: string;
}

/** The server's cap on `GET …/runs?limit`. */
export const MAX_LIST_LIMIT = 500;
/** Lines per output request; the server's own default. */
const OUTPUT_PAGE = 1000;
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

export function stepSummary(steps: readonly RunStep[], color: boolean): string {
  const colors = pc.createColors(color);
  return steps
    .map((step) => {
      const mark = stepMark(step, colors);
      return mark === '' ? step.kind : `${step.kind} ${mark}`;
    })
    .join(' ');
}

/** The run's first lines: what it deploys where, why, and when. */
function describeHeader(io: CliIo, run: Run): string {
  const colors = pc.createColors(io.color);
  const pr = run.pr === null ? '' : ` (PR #${run.pr})`;
  return `${colors.bold(`run ${run.id}: ${run.kind} ${run.name}${pr}`)}\nsha ${run.sha} · trigger ${run.trigger}${run.actor ? ` by ${run.actor}` : ''}\n`;
}

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

/** Prints the run's output there is so far, page by page. */
async function printOutput(
  io: CliIo,
  client: TrunkflowClient,
  project: string,
  first: Run,
  options: LogOptions,
): Promise<void> {
  let run = first;
  let after = 0;
  for (;;) {
    const page = await runOutput(client, project, run.id, after, OUTPUT_PAGE);
    // A step that started after the run was first read is named from a fresh read.
    if (page.lines.some((line) => !run.steps.some((step) => step.index === line.step))) {
      run = await getRun(client, project, run.id);
    }
    for (const line of page.lines) io.stdout(formatLine(io, run.steps, line, options));
    if (page.lines.length === 0) return;
    after = page.next;
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
  options: LogOptions & { follow: boolean; show?: 'logs' | 'steps' },
): Promise<void> {
  if (!options.follow) return printOutput(io, client, project, run, options);
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    const end = await followRun(
      io,
      client,
      project,
      run,
      { ...options, show: options.show ?? 'logs' },
      interrupt.signal,
    );
    if (end === null) {
      io.stderr(
        `stopped following run ${run.id}; it goes on: \`trunkflow runs view ${run.id} --project ${project}\`\n`,
      );
      return io.setExitCode(INTERRUPTED_EXIT);
    }
    // A script waits on the exit code, as it does on `pr checks`.
    if (end.status !== 'succeeded' && options.format === 'text') {
      io.stderr(`run ${run.id} ${end.status}${end.reason ? `: ${end.reason}` : ''}\n`);
    }
    io.setExitCode(exitCodeOf(end.status));
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** What `--follow` exits with: 0 succeeded, 1 failed or canceled (the same as `deploy --follow`). */
export function exitCodeOf(status: Run['status']): number {
  return status === 'succeeded' ? 0 : 1;
}

export function registerRuns(program: Command, io: CliIo): void {
  const runs = program
    .command('runs')
    .description('See pipeline runs (previews, staging, production), their steps and output; cancel or retry one')
    .addHelpText(
      'after',
      `
A run is one deploy, rollback or destroy of one environment; its steps (checkout, install, build,
deploy, test, tag, monitor, …) run one at a time. A run's status is queued, running, succeeded,
failed or canceled.

Exit codes: 0 done, 1 the server refused (e.g. no such run) or a followed run (\`--follow\` of logs,
view and retry) failed or was canceled, 2 bad usage, a bad token, an unreachable server or a lost
stream, 130 interrupted with Ctrl-C.`,
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

  runsCommand('view', 'Show a run with every step: status, attempts and reason; --follow watches it to the end')
    .argument('<id>', 'run id (from `trunkflow runs list`)')
    .option('--follow', 'then watch its steps until the run has finished; exit 0 if it succeeded, 1 if not')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
Steps are numbered from 1 here; with --format json it prints the run as \`runs list\` shows each one,
where step "index" counts from 0.

With --follow it shows the run, then its steps as they move, from the run's live stream: on a
terminal a step list redrawn in place (a spinner on the running step); off a terminal one line per
change (\`step 3 build succeeded\`, then \`run succeeded\`); with --format json the run, then one JSON
object per change (JSON Lines): {"event": "step", "step", "kind", "from", "to", "attempts", "reason",
"at"} or {"event": "run", "from", "to", "reason", "at"}. Exit codes as \`runs logs --follow\`: 0 the run
succeeded, 1 it failed or was canceled, 2 bad usage or a lost server, ${INTERRUPTED_EXIT} Ctrl-C.

Example:
  trunkflow runs view 0b7e9c2e-1f4a-4c55-9d6e-3a2f1c8b7d10 --project shop`,
    )
    .action(async (id: string, options: ProjectOptions & { follow?: boolean }, command: Command) => {
      const client = await connect(io, command);
      const run = await getRun(client, options.project, checkRunId(id, options.project));
      if (options.format === 'json') {
        if (!options.follow) return printJson(io, run);
        io.stdout(`${JSON.stringify(run)}\n`);
      } else if (!options.follow) {
        return io.stdout(describeRun(io, options.project, run));
      } else {
        io.stdout(describeHeader(io, run));
      }
      await printRunOutput(io, client, options.project, run, {
        format: options.format,
        timestamps: false,
        follow: true,
        show: 'steps',
      });
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

Without --follow it prints the output there is so far and exits 0. With --follow it reads the run's
live stream (GET /api/projects/<p>/runs/<id>/stream): every line from the start, then each new line
as it is stored, until the run has finished and its last line is out. A dropped connection is
resumed where it stopped (Last-Event-ID), up to ${MAX_RECONNECTS} times in a row. On a terminal, a line on
stderr notes each step as it starts and ends (a waiting step says what it waits for).

Exit codes with --follow: 0 the run succeeded, 1 it failed or was canceled (the reason goes to
stderr) or the server refused, 2 bad usage, a bad token, an unreachable server or a stream lost
${MAX_RECONNECTS + 1} times in a row, ${INTERRUPTED_EXIT} Ctrl-C (the run goes on).

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

  runsCommand('retry', 'Run a failed or canceled run again, as a new run of the same environment, sha and PR')
    .argument('<id>', 'run id (from `trunkflow runs list`)')
    .option('--follow', "then print the new run's output until it ends; exit 0 if it succeeded, 1 if not")
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
The new run has trigger "retry"; the old one stays as it ended. A queued, running or succeeded run
is refused (exit 1), and so is a preview whose PR was closed or merged, or has moved on to a newer
push. It needs the maintainer or developer role, as \`deploy\` and \`runs cancel\` do.

It prints "queued run <id>: …" (with --format json, the new run, as \`runs view\` does). With --follow
that line goes to stderr and the new run's output follows, with the exit codes of \`runs logs
--follow\`: 0 it succeeded, 1 it failed or was canceled, 2 bad usage or a lost server, ${INTERRUPTED_EXIT} Ctrl-C.

Example:
  trunkflow runs retry 0b7e9c2e-1f4a-4c55-9d6e-3a2f1c8b7d10 --project shop --follow`,
    )
    .action(async (id: string, options: ProjectOptions & { follow?: boolean }, command: Command) => {
      const client = await connect(io, command);
      const run = await retryRun(client, options.project, checkRunId(id, options.project));
      const said = `queued run ${run.id}: ${run.kind} ${run.name} at ${shortSha(run.sha)} (retry of ${id})\n`;
      if (!options.follow) return options.format === 'json' ? printJson(io, run) : io.stdout(said);
      if (options.format === 'text') io.stderr(said);
      await printRunOutput(io, client, options.project, run, {
        format: options.format,
        timestamps: false,
        follow: true,
      });
    });

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
