// `trunkflow pr`: open, read, review, merge and close pull requests on a Trunkflow server.
import { assertNever, checkRefFormat } from '@trunkflow/core';
import { type Command, Option } from 'commander';
import pc from 'picocolors';
import { readBodyFile } from '../body-file.js';
import { formatText } from '../check/format-text.js';
import { connect } from '../client/connection.js';
import type { Checks, NewPull, Pull, PullDetail, PullEdit, PullState, Review, Verdict } from '../client/http-client.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson, shortSha, table } from '../output.js';

interface ProjectOptions extends FormatOptions {
  project: string;
}

/** `12` or `#12`; anything else is refused before a request is sent. */
export function parsePullNumber(value: string): number {
  const match = /^#?([1-9]\d{0,8})$/.exec(value.trim());
  if (!match?.[1]) throw new UsageError(`PR number "${value}" is not valid: use a positive whole number, e.g. 12`);
  return Number(match[1]);
}

/** How long `pr checks` waits for checks still running on the server, by default. */
const CHECKS_WAIT_SECONDS = 120;
/** How often it asks again while they are pending. */
const CHECKS_POLL_MS = 500;

function parseWaitSeconds(value: string): number {
  const match = /^(\d{1,4})$/.exec(value.trim());
  if (!match?.[1]) {
    throw new UsageError(
      `--wait "${value}" is not valid: give whole seconds from 0 (do not wait) to 9999, e.g. --wait 60`,
    );
  }
  return Number(match[1]);
}

/** The server runs checks as a job after an open or a push; until it is done they read `pending`. */
function isPending(checks: Checks): boolean {
  return checks.status === 'pending';
}

function checkBranch(option: string, value: string): string {
  const problem = checkRefFormat(value);
  if (problem !== null) throw new UsageError(`${option} "${value}" ${problem}`);
  return value;
}

function stateOf(pull: Pull): string {
  return pull.state === 'open' && pull.draft ? 'draft' : pull.state;
}

function describePull(io: CliIo, project: string, pull: PullDetail): string {
  const colors = pc.createColors(io.color);
  const out = [
    colors.bold(`#${pull.number} ${pull.title}`),
    `${stateOf(pull)} · ${pull.author} wants to merge ${pull.head} (${shortSha(pull.headSha)}) into ${pull.base}`,
  ];
  if (pull.taskKey) out.push(`task: ${pull.taskKey}`);
  if (pull.mergeSha) out.push(`merged as ${pull.mergeSha}`);
  if (pull.url) out.push(`url: ${pull.url}`);
  if (pull.preview) {
    const at = pull.preview.sha ? ` at ${shortSha(pull.preview.sha)}` : '';
    out.push(`preview: ${pull.preview.status}${at}${pull.preview.url ? ` ${pull.preview.url}` : ''}`);
  }
  const body = pull.body?.trim();
  out.push('', body ? body : colors.dim('(no description)'), '');
  if (pull.reviews.length === 0) out.push('reviews: none yet');
  else {
    out.push('reviews:');
    for (const review of pull.reviews) out.push(`  ${describeReview(review)}`);
  }
  if (!pull.checks) out.push('checks: not run yet');
  else if ((pull.checks as { status?: unknown }).status === 'pending') {
    out.push(
      `checks: pending at ${shortSha(pull.checks.sha)} — \`trunkflow pr checks ${pull.number} --project ${project}\` waits for them`,
    );
  } else {
    const { failing } = pull.checks;
    const summary = pull.checks.ok ? 'passed' : failing.length > 0 ? `failed: ${failing.join(', ')}` : 'failed';
    out.push(
      `checks: ${summary} at ${shortSha(pull.checks.sha)} — \`trunkflow pr checks ${pull.number} --project ${project}\` for details`,
    );
  }
  return `${out.join('\n')}\n`;
}

const VERDICT_TEXT: Record<string, string> = {
  approve: 'approved',
  request_changes: 'requested changes',
  comment: 'commented',
};

function describeReview(review: Review): string {
  const who = review.reviewer;
  const verdict = VERDICT_TEXT[review.verdict] ?? review.verdict;
  const dismissed = review.dismissed ? ' (dismissed)' : '';
  const body = review.body?.trim() ? `: ${review.body.trim().split('\n')[0]}` : '';
  return `${who} ${verdict}${dismissed}${body}`;
}

function describeChecks(io: CliIo, number: number, checks: Checks): string {
  const configError = !checks.configError
    ? ''
    : checks.findings.length === 0
      ? `the rules did not run at this commit: ${checks.configError}\n\n`
      : `trunkflow.yml is invalid at this commit, so the rules ran with the defaults: ${checks.configError}\n\n`;
  return `checks of #${number} at ${shortSha(checks.sha)}\n\n${configError}${formatText(checks.findings, checks.ok, io.color)}`;
}

export function registerPr(program: Command, io: CliIo): void {
  const pr = program
    .command('pr')
    .description('Open, review, merge and close pull requests')
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 1 the server refused (e.g. a self-approval, or a merge the gate blocks; the reasons
are printed) or \`pr checks\` found a failed check, 2 bad usage, a bad token or an unreachable server.`,
    );

  /** Every PR command names its project first. */
  const prCommand = (name: string, description: string) =>
    pr.command(name).description(description).requiredOption('--project <name>', 'project name');

  prCommand('open', 'Open a pull request from a branch pushed to the project repository')
    .requiredOption('--head <branch>', 'the pushed branch to merge')
    .requiredOption('--title <title>', 'PR title, e.g. "feat: add export (TF-12)"')
    .option(
      '--body-file <path>',
      "file holding the PR body in markdown (default: the branch's .github/pull_request_template.md)",
    )
    .option('--base <branch>', "branch to merge into (default: the project's trunk)")
    .option('--draft', 'open it as a draft, which cannot merge')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
With --format json it prints the PR, including "number".

Example:
  trunkflow pr open --project shop --head feature/TF-12-export --title "feat: add export (TF-12)" --body-file pr.md`,
    )
    .action(
      async (
        options: ProjectOptions & { head: string; title: string; bodyFile?: string; base?: string; draft?: boolean },
        command: Command,
      ) => {
        const input: NewPull = { head: checkBranch('--head', options.head), title: options.title };
        if (options.title.trim() === '') throw new UsageError('--title is empty: give the PR a title');
        if (options.base !== undefined) input.base = checkBranch('--base', options.base);
        if (options.bodyFile !== undefined) input.body = await readBodyFile(io.cwd, options.bodyFile);
        if (options.draft) input.draft = true;
        const pull = await (await connect(io, command)).openPull(options.project, input);
        if (options.format === 'json') return printJson(io, pull);
        io.stdout(`opened #${pull.number} ${pull.title}${pull.draft ? ' (draft)' : ''}\n`);
        if (pull.url) io.stdout(`  ${pull.url}\n`);
      },
    );

  prCommand('edit', "Change a pull request's title and/or body (the author or a maintainer)")
    .argument('<number>', 'PR number')
    .option('--title <title>', "the new title; it becomes the squash commit's subject")
    .option('--body-file <path>', 'file holding the new body in markdown')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
The checks run again, since rules read the title and body. A merged PR cannot be edited: its title
is already trunk's commit message. With --format json it prints the PR.

Example:
  trunkflow pr edit 12 --project shop --title "fix: keep the cart (TF-12)" --body-file pr.md`,
    )
    .action(
      async (number: string, options: ProjectOptions & { title?: string; bodyFile?: string }, command: Command) => {
        const n = parsePullNumber(number);
        const edit: PullEdit = {};
        if (options.title !== undefined) {
          if (options.title.trim() === '') throw new UsageError('--title is empty: give the PR a title');
          edit.title = options.title;
        }
        if (options.bodyFile !== undefined) edit.body = await readBodyFile(io.cwd, options.bodyFile);
        if (edit.title === undefined && edit.body === undefined) {
          throw new UsageError('nothing to change: give --title, --body-file or both');
        }
        const pull = await (await connect(io, command)).editPull(options.project, n, edit);
        if (options.format === 'json') return printJson(io, pull);
        io.stdout(`edited #${pull.number} ${pull.title}\n`);
      },
    );

  prCommand('list', 'List pull requests')
    .addOption(
      new Option('--state <state>', 'which pull requests').choices(['open', 'closed', 'merged', 'all']).default('open'),
    )
    .addOption(formatOption())
    .action(async (options: ProjectOptions & { state: PullState }, command: Command) => {
      const pulls = await (await connect(io, command)).listPulls(options.project, options.state);
      if (options.format === 'json') return printJson(io, { pulls });
      if (pulls.length === 0)
        return io.stdout(`no ${options.state === 'all' ? '' : `${options.state} `}pull requests\n`);
      const rows = pulls.map((pull) => [
        `#${pull.number}`,
        stateOf(pull),
        pull.author,
        `${pull.head} → ${pull.base}`,
        pull.title,
      ]);
      io.stdout(table(io, ['#', 'STATE', 'AUTHOR', 'BRANCH', 'TITLE'], rows));
    });

  prCommand('view', 'Show a pull request with its reviews and checks')
    .argument('<number>', 'PR number')
    .addOption(formatOption())
    .action(async (number: string, options: ProjectOptions, command: Command) => {
      const n = parsePullNumber(number);
      const pull = await (await connect(io, command)).getPull(options.project, n);
      if (options.format === 'json') return printJson(io, pull);
      io.stdout(describePull(io, options.project, pull));
    });

  prCommand('checks', "Show the checks of a pull request's head commit")
    .argument('<number>', 'PR number')
    .addOption(formatOption())
    .option(
      '--wait <seconds>',
      'how long to wait for checks still running on the server (0: answer at once)',
      parseWaitSeconds,
      CHECKS_WAIT_SECONDS,
    )
    .addHelpText(
      'after',
      `
The server runs the checks as a job after each open, push or edit, so right after one they may be
pending: this waits for them (up to --wait seconds, ${CHECKS_WAIT_SECONDS} by default), with a step line on a terminal.
With --format json it prints {"status", "sha", "ok", "findings": [{"id", "status", "message", "details"}], ...};
"status" is "completed", or "pending" when they were still running when the wait ended.
Exits 0 when the checks passed and 1 when one failed or they were still pending, as \`trunkflow check\`
does, in either format.`,
    )
    .action(async (number: string, options: ProjectOptions & { wait: number }, command: Command) => {
      const n = parsePullNumber(number);
      const client = await connect(io, command);
      let checks = await client.getChecks(options.project, n);
      const deadline = io.now().getTime() + options.wait * 1000;
      // A step line for a person at a terminal; scripts get only the answer.
      if (isPending(checks) && options.wait > 0 && io.color) {
        io.stderr(`waiting for the checks of #${n} at ${shortSha(checks.sha)} to finish…\n`);
      }
      while (isPending(checks) && io.now().getTime() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, CHECKS_POLL_MS));
        checks = await client.getChecks(options.project, n);
      }
      if (options.format === 'json') printJson(io, checks);
      else if (isPending(checks)) {
        io.stdout(
          `checks of #${n} at ${shortSha(checks.sha)}: still pending after ${options.wait} s; they run as a server job: ask again with \`trunkflow pr checks ${n} --project ${options.project}\`, or see \`trunkflow admin jobs list\`\n`,
        );
      } else io.stdout(describeChecks(io, n, checks));
      // A script or CI job gates on the exit code, as it does on `trunkflow check`'s.
      io.setExitCode(checks.ok && !isPending(checks) ? 0 : 1);
    });

  const reviewCommand = (name: string, verdict: Verdict, description: string, bodyRequired: boolean) => {
    const command = prCommand(name, description).argument('<number>', 'PR number');
    if (bodyRequired) command.requiredOption('--body <text>', 'what the author should know');
    else command.option('--body <text>', 'an optional note');
    command
      .addOption(formatOption())
      .action(async (number: string, options: ProjectOptions & { body?: string }, cmd: Command) => {
        const n = parsePullNumber(number);
        if (bodyRequired && options.body?.trim() === '')
          throw new UsageError('--body is empty: say what needs to change');
        const review = await (await connect(io, cmd)).review(options.project, n, verdict, options.body);
        if (options.format === 'json') return printJson(io, review);
        const done = {
          approve: `approved #${n}`,
          request_changes: `requested changes on #${n}`,
          comment: `commented on #${n}`,
        };
        io.stdout(`${done[verdict]}\n`);
      });
  };
  reviewCommand(
    'approve',
    'approve',
    'Approve a pull request (an approval counts only from someone who is not its author and pushed nothing to it)',
    false,
  );
  reviewCommand('request-changes', 'request_changes', 'Request changes on a pull request', true);
  reviewCommand('comment', 'comment', 'Comment on a pull request without a verdict', true);

  prCommand('merge', 'Squash-merge a pull request into trunk once the merge gate allows it')
    .argument('<number>', 'PR number')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
The gate needs passing required checks, enough approvals from people who neither wrote nor pushed
to the PR, no draft, a title and body git can store, and no conflict with trunk.
When it refuses, the command exits 1 and prints each reason. With --format json it prints
{"merged": true, "sha": "...", "number": n}.`,
    )
    .action(async (number: string, options: ProjectOptions, command: Command) => {
      const n = parsePullNumber(number);
      const result = await (await connect(io, command)).merge(options.project, n);
      if (options.format === 'json') return printJson(io, result);
      io.stdout(`merged #${result.number} as ${shortSha(result.sha)}\n`);
    });

  const stateCommand = (name: 'close' | 'reopen' | 'ready', description: string) => {
    prCommand(name, description)
      .argument('<number>', 'PR number')
      .addOption(formatOption())
      .action(async (number: string, options: ProjectOptions, command: Command) => {
        const n = parsePullNumber(number);
        const client = await connect(io, command);
        const change = async () => {
          switch (name) {
            case 'close':
              return { pull: await client.close(options.project, n), done: 'closed' };
            case 'reopen':
              return { pull: await client.reopen(options.project, n), done: 'reopened' };
            case 'ready':
              return { pull: await client.ready(options.project, n), done: 'marked ready for review:' };
            default:
              return assertNever(name, 'pull request command');
          }
        };
        const { pull, done } = await change();
        if (options.format === 'json') return printJson(io, pull);
        io.stdout(`${done} #${pull.number} ${pull.title}\n`);
      });
  };
  stateCommand('close', 'Close a pull request without merging it');
  stateCommand('reopen', 'Reopen a closed pull request whose branch still exists');
  stateCommand('ready', 'Mark a draft pull request ready for review');
}
