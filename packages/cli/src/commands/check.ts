// `trunkflow check`: runs the PR rules on a change in any repository or CI, with no server.
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startPatch } from '@trunkflow/git';
import { type Command, Option } from 'commander';
import { readBodyFile } from '../body-file.js';
import { formatGithub } from '../check/format-github.js';
import { formatText } from '../check/format-text.js';
import { readPullRequestEvent } from '../check/github-event.js';
import { CONFIG_FILE } from '../config-name.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

interface CheckOptions {
  base?: string;
  head?: string;
  title?: string;
  bodyFile?: string;
  coverage?: string[];
  baseline?: string;
  config?: string;
  format: 'text' | 'json' | 'github';
  now?: string;
}

function parseNow(value: string | undefined, io: CliIo): string {
  if (value === undefined) return io.now().toISOString();
  const time = Date.parse(value);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new UsageError(`--now "${value}" is not an ISO-8601 time: use a form like 2026-03-14T09:30:00+01:00`);
  }
  return new Date(time).toISOString();
}

export function registerCheck(program: Command, io: CliIo): void {
  program
    .command('check')
    .description('Check a change against the PR rules in trunkflow.yml (exit 0 pass, 1 a rule failed, 2 bad usage)')
    .option('--base <ref>', 'trunk ref to compare with (default: the PR event base, else trunk or origin/<trunk>)')
    .option('--head <ref>', 'ref of the change (default: HEAD)')
    .option('--title <title>', "PR title (default: the PR event's, else the head commit's subject)")
    .option('--body-file <path>', "file holding the PR body (default: the PR event's, else the head commit's body)")
    .option('--coverage <path...>', 'coverage reports: lcov, Cobertura XML, Istanbul JSON')
    .option('--baseline <path>', 'coverage baseline JSON or a trunk coverage report (default: rules.coverage.baseline)')
    .option('--config <path>', `config file (default: ${CONFIG_FILE} at the repository root)`)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .option('--now <iso>', 'the time to check at, ISO-8601 (default: now)')
    .addHelpText(
      'after',
      `
Facts come from git: the merge base with the base ref, git diff (a patch with one line of context,
whose line counts equal git diff --numstat's, or --numstat alone when no rule needs the patch), the
log and .gitattributes. In text output the first line names the config used, or says the defaults
apply; --format json prints { ok, config, findings, facts }, config null for the defaults.
With GITHUB_EVENT_PATH set to a pull_request event, the title, body, base and head come from it.
Fetch full history in CI (actions/checkout with fetch-depth: 0) so the merge base can be found.

Examples:
  trunkflow check --base origin/main --title "feat: add export (TF-12)" --body-file pr.md
  trunkflow check --coverage coverage/lcov.info --format json`,
    )
    .action(async (options: CheckOptions) => {
      const now = parseNow(options.now, io);
      const eventPath = io.env.GITHUB_EVENT_PATH;
      const event = eventPath ? await readPullRequestEvent(eventPath) : null;
      const base = options.base ?? event?.baseSha ?? undefined;
      const head = options.head ?? event?.headSha ?? undefined;
      // git's slowest command starts before the policy engine is loaded, so the two overlap.
      const patch = base === undefined ? undefined : startPatch(io.cwd, base, head ?? 'HEAD');
      const { runCheck } = await import('../check/run-check.js');
      const result = await runCheck({
        cwd: io.cwd,
        configPath: options.config,
        now,
        base: options.base,
        head: options.head,
        title: options.title,
        body: options.bodyFile === undefined ? undefined : await readBodyFile(io.cwd, options.bodyFile),
        coverage: (options.coverage ?? []).map((path) => resolve(io.cwd, path)),
        baseline: options.baseline === undefined ? undefined : resolve(io.cwd, options.baseline),
        event,
        patch,
      });
      switch (options.format) {
        case 'json':
          io.stdout(`${JSON.stringify(result, null, 2)}\n`);
          break;
        case 'github': {
          const { annotations, summary } = formatGithub(result.findings, result.ok);
          io.stdout(annotations);
          const summaryPath = io.env.GITHUB_STEP_SUMMARY;
          if (summaryPath) await appendFile(summaryPath, summary);
          else io.stdout(summary);
          break;
        }
        case 'text':
          // Which rules ran depends on the config, so say which one that was, or that there was none.
          io.stdout(
            result.config === null
              ? `config: the defaults (no ${CONFIG_FILE} at the repository root; \`trunkflow init\` writes one)\n\n`
              : `config: ${result.config}\n\n`,
          );
          io.stdout(formatText(result.findings, result.ok, io.color));
          break;
      }
      io.setExitCode(result.ok ? 0 : 1);
    });
}
