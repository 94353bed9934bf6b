// Checks for one head sha: facts from the hosted repository and the database, then the core policy engine.
import {
  type AuthorPullRequest,
  type Finding,
  isPassing,
  neededFacts,
  type PolicyFacts,
  type TrunkflowConfig,
} from '@trunkflow/core';
import { configIssueLocation, formatConfigIssue, parseConfigFile } from '@trunkflow/core/config-file';
import { gatherChangeFacts, type Identity, readFilesAt } from '@trunkflow/git';
import { type RuleRunner, RulesTimeoutError } from './rule-runner.js';

export const CONFIG_PATH = 'trunkflow.yml';

/** PR templates, most conventional first. */
export const TEMPLATE_PATHS = ['.github/pull_request_template.md', '.github/PULL_REQUEST_TEMPLATE.md'] as const;

/** How far back the author's other PRs are read; the rule itself narrows to the calendar day. */
export const AUTHOR_WINDOW_MS = 48 * 3_600_000;

export interface RepositoryConfig {
  config: TrunkflowConfig;
  /** Why the file could not be used (the defaults apply then); null when it was absent or valid. */
  error: string | null;
}

/** Parses trunkflow.yml text; any problem becomes one message and the defaults apply. */
export function parseRepositoryConfig(text: string | null): RepositoryConfig {
  const { config, issues } = parseConfigFile(text);
  const [first] = issues;
  if (first === undefined) return { config, error: null };
  return { config, error: `${CONFIG_PATH}${configIssueLocation(first)}: ${issues.map(formatConfigIssue).join('; ')}` };
}

export interface CheckSubject {
  /** The bare repository. */
  repo: string;
  trunk: string;
  sha: string;
  now: Date;
  pr: { title: string; body: string; head: string; author: Identity; openedAt: string };
  /** The author's other PRs that count against the daily limit, from the database. */
  authorPullRequests: AuthorPullRequest[];
  repositoryConfig: RepositoryConfig;
  /** Runs the rules off the event loop, with a time limit. */
  rules: RuleRunner;
}

export interface CheckOutcome {
  ok: boolean;
  findings: Finding[];
  configError: string | null;
}

/**
 * Runs the policy for one sha. Differences from `trunkflow check` in CI: the daily PR count comes
 * from the database rather than the trunk log, and no coverage report exists on the server, so
 * the coverage rule skips with its reason.
 */
export async function runChecks(subject: CheckSubject): Promise<CheckOutcome> {
  const { config: repoConfig, error: configError } = subject.repositoryConfig;
  // Trunk is the project's, whatever the file says: it is what PRs merge into.
  const config: TrunkflowConfig = { ...repoConfig, trunk: subject.trunk };
  const needs = neededFacts(config);
  const wantsAuthorPullRequests = needs.delete('authorPullRequests');
  const wantsCoverage = needs.delete('coverage');
  const gathered = await gatherChangeFacts({
    repo: subject.repo,
    base: `refs/heads/${subject.trunk}`,
    head: subject.sha,
    needs,
    flagRegistryPath: config.rules['feature-flag'].registry,
    authorCommitsSince: new Date(subject.now.getTime() - AUTHOR_WINDOW_MS).toISOString(),
  });
  const facts: PolicyFacts = {
    now: subject.now.toISOString(),
    pr: {
      title: subject.pr.title,
      body: subject.pr.body,
      branch: subject.pr.head,
      author: subject.pr.author,
      openedAt: subject.pr.openedAt,
    },
    ...gathered.facts,
  };
  if (wantsAuthorPullRequests) facts.authorPullRequests = subject.authorPullRequests;
  if (wantsCoverage) facts.coverage = { current: null, baseline: null, packages: [] };
  let findings: Finding[];
  try {
    findings = await subject.rules.evaluate(facts, config);
  } catch (error) {
    // Stored like a config error: the same sha and config would time out again. A new push reruns it.
    if (error instanceof RulesTimeoutError) return { ok: false, findings: [], configError: error.message };
    throw error;
  }
  return { ok: isPassing(findings) && configError === null, findings, configError };
}

/** Reads trunkflow.yml and the PR template at a commit. */
export async function readHeadFiles(
  repo: string,
  sha: string,
): Promise<{ config: RepositoryConfig; template: string | null }> {
  const [configText, ...templates] = await readFilesAt(repo, sha, [CONFIG_PATH, ...TEMPLATE_PATHS]);
  return {
    config: parseRepositoryConfig(configText ?? null),
    template: templates.find((text) => text !== null && text !== undefined) ?? null,
  };
}
