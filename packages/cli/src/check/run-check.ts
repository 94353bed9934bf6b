// `trunkflow check`: gather facts from git, evaluate the rules, return findings and facts.
import { relative, resolve } from 'node:path';
import { evaluate, type Finding, isPassing, neededFacts, type PolicyFacts } from '@trunkflow/core';
import { type EarlyPatch, GitError, gatherChangeFacts, RefNotFoundError, runGit } from '@trunkflow/git';
import { loadConfig } from '../config-file.js';
import { CONFIG_FILE } from '../config-name.js';
import { UsageError } from '../errors.js';
import { readBaseline, readCoverageReports } from './coverage-input.js';
import type { PullRequestEvent } from './github-event.js';
import { missingRefHint } from './ref-hint.js';

export interface CheckInput {
  /** Where the command runs: inside the work tree to check. */
  cwd: string;
  /** --config, relative to cwd; default: trunkflow.yml at the work tree's root. */
  configPath?: string;
  now: string;
  base?: string;
  head?: string;
  title?: string;
  body?: string | null;
  coverage: readonly string[];
  baseline?: string;
  event: PullRequestEvent | null;
  /** The patch, if the caller started it early (`startPatch`). */
  patch?: Promise<EarlyPatch | null>;
}

export interface CheckResult {
  ok: boolean;
  /** The config file read, relative to where the command ran; null when none exists and the defaults apply. */
  config: string | null;
  findings: Finding[];
  facts: Record<string, unknown>;
}

const TWO_DAYS_MS = 2 * 86_400_000;

/** Finds the work tree's root, or explains that a git repository is needed. */
export async function findRepoRoot(cwd: string): Promise<string> {
  try {
    return (await runGit(['rev-parse', '--show-toplevel'], { cwd })).trim();
  } catch (error) {
    if (error instanceof GitError && error.exitCode !== null) {
      throw new UsageError(`${cwd} is not inside a git work tree: run trunkflow check from a clone of your repository`);
    }
    throw error;
  }
}

async function currentBranch(repoRoot: string): Promise<string | null> {
  const name = (await runGit(['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: repoRoot, okExitCodes: [128] })).trim();
  return name === '' || name === 'HEAD' ? null : name;
}

/** The trunk to compare with: the local branch when it exists, else its remote-tracking copy. */
async function defaultBase(repoRoot: string, trunk: string): Promise<string> {
  const local = await runGit(['rev-parse', '--verify', '--quiet', `refs/heads/${trunk}`], {
    cwd: repoRoot,
    okExitCodes: [1],
  });
  return local.trim() !== '' ? trunk : `origin/${trunk}`;
}

export async function runCheck(input: CheckInput): Promise<CheckResult> {
  const { event } = input;
  const repoRoot = await findRepoRoot(input.cwd);
  const configPath =
    input.configPath === undefined ? resolve(repoRoot, CONFIG_FILE) : resolve(input.cwd, input.configPath);
  const { config, path: configRead } = await loadConfig(configPath, input.configPath !== undefined);
  const base = input.base ?? event?.baseSha ?? (await defaultBase(repoRoot, config.trunk));
  const head = input.head ?? event?.headSha ?? 'HEAD';
  const needs = neededFacts(config);
  const coverageEnabled = needs.has('coverage');
  const reportPaths =
    input.coverage.length > 0 ? input.coverage : config.rules.coverage.reports.map((p) => resolve(repoRoot, p));
  if (reportPaths.length === 0) needs.delete('coverage');

  let gathered: Awaited<ReturnType<typeof gatherChangeFacts>>;
  try {
    gathered = await gatherChangeFacts({
      repo: repoRoot,
      base,
      head,
      needs,
      flagRegistryPath: config.rules['feature-flag'].registry,
      authorCommitsSince: new Date(Date.parse(input.now) - TWO_DAYS_MS).toISOString(),
      patch: input.patch,
    });
  } catch (error) {
    if (error instanceof RefNotFoundError) {
      const hint = await missingRefHint(repoRoot, error.ref, error.role === 'base' ? '--base' : '--head');
      const given = error.role === 'base' ? input.base : input.head;
      const source =
        given !== undefined
          ? ''
          : event
            ? ' (from the pull_request event)'
            : error.role === 'base'
              ? ` (the default for trunk ${config.trunk}; set trunk in ${CONFIG_FILE} if yours differs)`
              : '';
      throw new UsageError(`${error.message}${source}: ${hint}`);
    }
    if (error instanceof GitError) throw new UsageError(error.message);
    throw error;
  }

  const { headCommit } = gathered;
  const branch = event?.headRef ?? (input.head === undefined ? await currentBranch(repoRoot) : input.head);
  const facts: PolicyFacts = {
    now: input.now,
    pr: {
      title: input.title ?? event?.title ?? headCommit.subject,
      body: input.body !== undefined ? input.body : event ? event.body : headCommit.body,
      branch,
      author: { name: headCommit.authorName, email: headCommit.authorEmail },
    },
    ...gathered.facts,
  };
  if (coverageEnabled) {
    const packages = facts.coverage?.packages ?? [];
    const current = reportPaths.length > 0 ? await readCoverageReports(reportPaths, repoRoot) : null;
    const baselinePath = input.baseline ?? resolve(repoRoot, config.rules.coverage.baseline);
    const baseline =
      current === null ? null : await readBaseline(baselinePath, input.baseline !== undefined, repoRoot, packages);
    facts.coverage = { current, baseline, packages };
  }

  const findings = evaluate(facts, config);
  const { patches: _patches, coverage, ...shownFacts } = facts;
  return {
    ok: isPassing(findings),
    config: configRead === null ? null : relative(input.cwd, configRead) || configRead,
    findings,
    facts: {
      ...shownFacts,
      base,
      head,
      baseSha: gathered.baseSha,
      headSha: gathered.headSha,
      mergeBase: gathered.mergeBase,
      coverage: coverage && {
        packages: coverage.packages,
        hasReport: coverage.current !== null,
        hasBaseline: coverage.baseline !== null,
      },
    },
  };
}
