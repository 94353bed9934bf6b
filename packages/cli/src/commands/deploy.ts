// `trunkflow deploy|rollback|promote|abort <env>`: drive staging and production by hand, next to the pipeline's own runs.
import { ENVIRONMENT_KINDS, type EnvironmentKind } from '@trunkflow/core';
import type { Command } from 'commander';
import { connect } from '../client/connection.js';
import type { TrunkflowClient } from '../client/http-client.js';
import { decideWindow, deployEnvironment, type Run, rollbackEnvironment } from '../client/pipeline-client.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { type FormatOptions, formatOption, printJson, shortSha } from '../output.js';
import { printRunOutput } from './runs.js';

type Action = 'deploy' | 'rollback' | 'promote' | 'abort';

interface ActionOptions extends FormatOptions {
  project: string;
}

/** Why each action leaves previews alone: a preview belongs to its pull request. */
const PREVIEW_REFUSAL: Record<Action, string> = {
  deploy: 'a preview deploys its pull request by itself: push to the PR (or open one) instead',
  rollback: 'a preview is not rolled back: push the fix to its pull request, or close the PR to remove it',
  promote: 'a preview has no monitoring window: only production is watched',
  abort: 'a preview has no monitoring window: only production is watched',
};

/** `<env>`, checked before any request: a typo or a preview gets its answer here, not from the server. */
function environmentArgument(action: Action): (value: string) => EnvironmentKind {
  return (value) => {
    if (!(ENVIRONMENT_KINDS as readonly string[]).includes(value)) {
      throw new UsageError(
        `environment "${value}" is not one of ${ENVIRONMENT_KINDS.join(', ')}: use staging or production, e.g. \`trunkflow ${action} production --project shop\``,
      );
    }
    if (value === 'preview') throw new UsageError(`cannot ${action} preview: ${PREVIEW_REFUSAL[action]}`);
    return value as EnvironmentKind;
  };
}

const what = (run: Run) => (run.version === null ? shortSha(run.sha) : `${run.version} (${shortSha(run.sha)})`);

/**
 * A queued run: its id, and with `--follow` its output until it ends (the exit code is its outcome).
 * Following, the "queued" line goes to stderr, so stdout is exactly what `runs logs --follow` prints.
 */
async function queued(
  io: CliIo,
  client: TrunkflowClient,
  project: string,
  run: Run,
  summary: string,
  options: FormatOptions & { follow?: boolean },
): Promise<void> {
  if (options.follow) {
    io.stderr(`queued run ${run.id}: ${summary}\n`);
    return printRunOutput(io, client, project, run, { format: options.format, timestamps: false, follow: true });
  }
  if (options.format === 'json') return printJson(io, run);
  io.stdout(
    `queued run ${run.id}: ${summary}\n  follow it: trunkflow runs logs ${run.id} --project ${project} --follow\n`,
  );
}

const FOLLOW_HELP = `With --follow it prints the run's output as \`trunkflow runs logs <id> --follow\` does (the
"queued run <id>" line goes to stderr) until the run ends, then exits 0 if it succeeded and 1 if it
failed or was canceled; with --format json as well, the output is JSON Lines:
  {"id", "step", "stream", "line", "at"}
Ctrl-C stops following (exit 130); the run goes on.`;

const RUN_JSON_HELP = `With --format json (and no --follow) it prints the queued run, as \`trunkflow runs view\` does:
  {"id", "environment", "name", "sha", "version", "kind", "status", "trigger", "actor", "reason",
   "steps": [{"index", "kind", "status", "attempts", "reason"}], …}`;

export function registerDeploy(program: Command, io: CliIo): void {
  program
    .command('deploy')
    .description('Deploy a ref (default: trunk) to staging or production by hand; prints the run id')
    .argument('<env>', 'staging or production', environmentArgument('deploy'))
    .requiredOption('--project <name>', 'project name')
    .option('--ref <ref>', 'a branch, tag or sha that was pushed (default: the trunk branch)')
    .option('--follow', "print the run's output until it ends; exit 0 if it succeeded, 1 if not")
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
The run queues behind any run already under way on that environment, then goes through the same
steps as one the pipeline starts: staging checks out, installs, builds, deploys, tests and tags;
production deploys and opens its monitoring window. Deploying a sha that carries a version tag to
production deploys that release. A preview is deployed by its pull request, never by hand.

${RUN_JSON_HELP}

${FOLLOW_HELP}

Exit codes: 0 done; 1 the server refused, or the followed run failed or was canceled; 2 bad usage
(a ref that is not in the repository included), a bad token or an unreachable server; 130 Ctrl-C.

Examples:
  trunkflow deploy staging --project shop --follow
  trunkflow deploy production --project shop --ref v1.4.0
  trunkflow deploy staging --project shop --ref feature/TF-12-export --format json`,
    )
    .action(
      async (
        environment: EnvironmentKind,
        options: ActionOptions & { ref?: string; follow?: boolean },
        command: Command,
      ) => {
        if (options.ref !== undefined && options.ref.trim() === '') {
          throw new UsageError('--ref is empty: give a branch, tag or sha, or leave it out to deploy trunk');
        }
        const client = await connect(io, command);
        const run = await deployEnvironment(client, options.project, environment, options.ref);
        await queued(io, client, options.project, run, `deploy of ${what(run)} to ${run.name}`, options);
      },
    );
}

export function registerRollback(program: Command, io: CliIo): void {
  program
    .command('rollback')
    .description('Roll staging or production back to the build kept from before its current release')
    .argument('<env>', 'staging or production', environmentArgument('rollback'))
    .requiredOption('--project <name>', 'project name')
    .option('--follow', "print the run's output until it ends; exit 0 if it succeeded, 1 if not")
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
A rollback starts the build kept from before the current release again, with no install and no
build, and switches to it once it answers its health path. It records an incident, and the release
rolled back from becomes "rolled-back" (see \`trunkflow releases list\`). That release's build is
kept in turn, so a second rollback undoes the first. Production keeps a build; an environment that
kept none fails the run with the reason. A failed monitoring window rolls back by itself.

${RUN_JSON_HELP}

${FOLLOW_HELP}

Exit codes: 0 done; 1 the server refused (the environment runs nothing), or the followed run failed
or was canceled; 2 bad usage, a bad token or an unreachable server; 130 Ctrl-C.

Examples:
  trunkflow rollback production --project shop --follow
  trunkflow rollback production --project shop --format json`,
    )
    .action(async (environment: EnvironmentKind, options: ActionOptions & { follow?: boolean }, command: Command) => {
      const client = await connect(io, command);
      const run = await rollbackEnvironment(client, options.project, environment);
      await queued(
        io,
        client,
        options.project,
        run,
        `rollback of ${run.name} from ${what(run)} to the build kept before it`,
        options,
      );
    });
}

function registerDecision(program: Command, io: CliIo, action: 'promote' | 'abort'): void {
  const promote = action === 'promote';
  program
    .command(action)
    .description(
      promote
        ? "Pass the environment's open monitoring window now: the release is kept"
        : "Fail the environment's open monitoring window now, so a rollback follows",
    )
    .argument('<env>', 'production (the environment with a monitoring window)', environmentArgument(action))
    .requiredOption('--project <name>', 'project name')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
${
  promote
    ? `The window's checks stop and the release becomes "passed". This is how a window held as
inconclusive (no data, or checks that could not be taken) is released by a person; the other way
is \`trunkflow abort\` or \`trunkflow rollback\`.`
    : `The window's checks stop, the release becomes "failed", and the rollback to the build kept
from before it is queued, as when the checks themselves fail: it records an incident and the
release becomes "rolled-back". Follow it with \`trunkflow runs list --project <p>\`.`
}
With no window open (nothing deployed is being watched) it exits 1 and says so.

With --format json it prints the watched run, as \`trunkflow runs view\` does:
  {"id", "environment", "name", "sha", "version", "kind", "status", "trigger", "steps": […], …}

Exit codes: 0 done, 1 the server refused (no window open), 2 bad usage, a bad token or an
unreachable server.

Example:
  trunkflow ${action} production --project shop`,
    )
    .action(async (environment: EnvironmentKind, options: ActionOptions, command: Command) => {
      const run = await decideWindow(await connect(io, command), options.project, environment, action);
      if (options.format === 'json') return printJson(io, run);
      io.stdout(
        promote
          ? `promoted ${what(run)} on ${run.name}: its monitoring window passed (run ${run.id})\n`
          : `aborted the monitoring window of ${what(run)} on ${run.name}: a rollback follows (run ${run.id}; see \`trunkflow runs list --project ${options.project}\`)\n`,
      );
    });
}

export function registerPromote(program: Command, io: CliIo): void {
  registerDecision(program, io, 'promote');
}

export function registerAbort(program: Command, io: CliIo): void {
  registerDecision(program, io, 'abort');
}
