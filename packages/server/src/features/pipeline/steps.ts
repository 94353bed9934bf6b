// The I/O of each step: a checkout and the install, build and test commands in it; deploy and destroy through a deployer.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { assertNever, type CommandArgs, type EnvironmentConfig } from '@trunkflow/core';
import type { Logger } from 'pino';
import { type BaseEnv, childEnv } from '../../deployers/child-env.js';
import type { EnvironmentRef } from '../../deployers/environment.js';
import type { Deployers } from '../../deployers/index.js';
import { maskedSink, SecretMask } from '../../deployers/output-lines.js';
import { describeOutcome, runCommand } from '../../deployers/run-command.js';
import { DeployError } from '../../deployers/types.js';
import { addWorktree, pruneWorktrees, removeWorktree } from '../../deployers/worktree.js';
import type { Clock } from '../../platform/clock.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { Project } from '../projects/service.js';
import type { ShaConfigs } from './definitions.js';
import type { StepContext, StepExecutor, StepResult } from './engine.js';
import type { PipelineRun } from './model.js';
import type { ReleaseSteps } from './steps-release.js';
import type { PipelineStore } from './store.js';

export interface PipelineStepsDependencies {
  repositories: Repositories;
  configs: ShaConfigs;
  store: PipelineStore;
  deployers: Deployers;
  release: ReleaseSteps;
  /** An environment's secrets, decrypted for one step; never stored with the run. */
  secrets: (project: Project, environment: PipelineRun['environment']) => Promise<Record<string, string>>;
  dataDir: string;
  baseEnv: BaseEnv;
  clock: Clock;
  logger: Logger;
}

/** How long a command's process group gets between SIGTERM and SIGKILL. */
const GRACE_MS = 5000;

export function environmentRef(project: Project, run: Pick<PipelineRun, 'environment' | 'prNumber'>): EnvironmentRef {
  if (run.environment === 'preview') {
    if (run.prNumber === null) throw new Error('a preview run has no pull request number');
    return { project: project.name, environment: 'preview', pr: run.prNumber };
  }
  return { project: project.name, environment: run.environment };
}

export class PipelineSteps implements StepExecutor {
  constructor(private readonly deps: PipelineStepsDependencies) {}

  /** The run's checked-out tree: one per run, so a retried checkout starts over in the same place. */
  treeOf(project: Project, run: PipelineRun): string {
    return join(this.deps.dataDir, 'builds', project.name, run.envKey, run.id);
  }

  async execute(context: StepContext): Promise<StepResult> {
    const { project, run, step } = context;
    const config = await this.deps.configs.environmentOf(project, run);
    switch (step.kind) {
      case 'checkout':
        return (await this.missingSecrets(context, config)) ?? this.checkout(context);
      case 'install':
        return this.command(context, 'install', config.install === false ? null : config.install, config);
      case 'build':
        return this.command(context, 'build', await this.buildCommand(project, run, config), config);
      case 'deploy':
        return run.kind === 'rollback' ? this.deps.release.rollbackDeploy(context) : this.deploy(context, config);
      case 'test': {
        const test = 'test' in config && config.test !== false ? config.test : null;
        return this.command(context, 'test', test, config, { TRUNKFLOW_URL: await this.reachableUrl(project, run) });
      }
      case 'tag':
        return this.deps.release.tag(context);
      case 'monitor': {
        const url = (await this.reachableUrl(project, run)) ?? '';
        return this.deps.release.monitor(context, config, url, (argv, extra) =>
          this.checkCommand(context, config, argv, { ...extra, TRUNKFLOW_URL: url }),
        );
      }
      case 'rollback':
        return this.deps.release.recordRollback(context);
      case 'destroy':
        return this.destroy(context, config);
      default:
        return assertNever(step.kind, 'step kind');
    }
  }

  /** A run whose `secrets:` list names one with no value fails before anything runs, saying how to set it. */
  private async missingSecrets(context: StepContext, config: EnvironmentConfig): Promise<StepResult | null> {
    const { project, run } = context;
    if (config.secrets.length === 0) return null;
    const set = await this.deps.secrets(project, run.environment);
    const missing = config.secrets.filter((name) => !Object.hasOwn(set, name));
    if (missing.length === 0) return null;
    const first = missing[0] as string;
    return {
      outcome: 'failed',
      reason: `environments.${run.environment}.secrets in trunkflow.yml names ${missing.join(', ')}, with no value on the server: set ${missing.length === 1 ? 'it' : 'each'} with \`trunkflow env secret set ${run.environment} ${first} --project ${project.name}\` (the value on standard input)`,
    };
  }

  private async checkout(context: StepContext): Promise<StepResult> {
    const { project, run } = context;
    const repo = this.deps.repositories.pathOf(project.name);
    const tree = this.treeOf(project, run);
    // A retry after a crash starts over: whatever the first attempt left is removed.
    await removeWorktree(repo, tree);
    context.log('system', `checking out ${run.sha} into ${tree}`);
    try {
      await addWorktree(repo, tree, run.sha);
    } catch (error) {
      return { outcome: 'failed', reason: `could not check out ${run.sha.slice(0, 7)}: ${(error as Error).message}` };
    }
    return { outcome: 'succeeded', reason: `${run.sha.slice(0, 7)} checked out` };
  }

  /**
   * Where this machine reaches the environment: the app's own loopback port for the `process`
   * deployer (its public `*.localhost` name resolves in browsers, not in every program), else
   * the URL the deploy reported.
   */
  async reachableUrl(project: Project, run: PipelineRun): Promise<string | null> {
    const status = await this.deps.deployers.process.status(environmentRef(project, run));
    if (status?.port !== undefined) return `http://127.0.0.1:${status.port}`;
    return (await this.deps.store.environment(run.projectId, run.envKey))?.url ?? null;
  }

  /** `build: auto` runs `npm run build` only when package.json has a build script. */
  private async buildCommand(
    project: Project,
    run: PipelineRun,
    config: EnvironmentConfig,
  ): Promise<CommandArgs | null> {
    if (config.build === false) return null;
    if (config.build !== 'auto') return config.build;
    try {
      const manifest = JSON.parse(await readFile(join(this.treeOf(project, run), 'package.json'), 'utf8')) as {
        scripts?: Record<string, unknown>;
      };
      return typeof manifest.scripts?.build === 'string' ? ['npm', 'run', 'build'] : null;
    } catch {
      return null;
    }
  }

  private async command(
    context: StepContext,
    label: 'install' | 'build' | 'test',
    argv: CommandArgs | null,
    config: EnvironmentConfig,
    extra: Record<string, string | null> = {},
  ): Promise<StepResult> {
    const { project, run } = context;
    if (argv === null) return { outcome: 'succeeded', reason: `no ${label} command for this tree` };
    const secrets = await this.deps.secrets(project, run.environment);
    context.log('system', `${label}: ${argv.join(' ')}`);
    const outcome = await runCommand({
      argv,
      cwd: this.treeOf(project, run),
      env: childEnv(this.deps.baseEnv, config.variables, secrets, { ...this.facts(run), ...extra }),
      timeoutMs: config.timeout,
      signal: context.signal,
      sink: maskedSink((stream, line) => context.log(stream, line), new SecretMask(secrets)),
      clock: this.deps.clock,
      graceMs: GRACE_MS,
    });
    if (outcome.kind === 'exited' && outcome.code === 0) return { outcome: 'succeeded', reason: `${label} passed` };
    return { outcome: 'failed', reason: describeOutcome(label, outcome, config.timeout) };
  }

  /** A `command` monitor check, in the release's tree, bounded by one interval; its output is kept for the match. */
  private async checkCommand(
    context: StepContext,
    config: EnvironmentConfig,
    argv: readonly string[],
    extra: Record<string, string>,
  ): Promise<{ code: number | null; output: string }> {
    const { project, run } = context;
    const lines: string[] = [];
    const timeoutMs = 'monitor' in config ? config.monitor.interval : config.timeout;
    const outcome = await runCommand({
      argv,
      cwd: this.treeOf(project, run),
      env: childEnv(this.deps.baseEnv, config.variables, {}, { ...this.facts(run), ...extra }),
      timeoutMs,
      signal: context.signal,
      sink: (_stream, line) => {
        if (lines.length < 200) lines.push(line);
      },
      clock: this.deps.clock,
      graceMs: GRACE_MS,
    });
    return { code: outcome.kind === 'exited' ? outcome.code : null, output: lines.join('\n') };
  }

  private facts(run: PipelineRun): Record<string, string | null> {
    return {
      TRUNKFLOW_ENV: run.environment,
      TRUNKFLOW_SHA: run.sha,
      TRUNKFLOW_VERSION: run.version,
      TRUNKFLOW_PR: run.prNumber === null ? null : String(run.prNumber),
    };
  }

  private async deploy(context: StepContext, config: EnvironmentConfig): Promise<StepResult> {
    const { project, run } = context;
    const deployer = this.deps.deployers.get(config.deployer);
    const secrets = await this.deps.secrets(project, run.environment);
    const { proxyMode } = await this.deps.configs.at(project, run.sha);
    try {
      const result = await deployer.deploy({
        proxyMode,
        environment: environmentRef(project, run),
        repoPath: this.deps.repositories.pathOf(project.name),
        prepared: { tree: this.treeOf(project, run) },
        sha: run.sha,
        ref: null,
        version: run.version,
        commands: {
          install: null,
          build: null,
          start: config.deployer === 'process' ? config.start : null,
          deploy: config.deployer === 'command' ? (config.deploy ?? null) : null,
        },
        variables: config.variables,
        secrets,
        healthPath: config.healthPath,
        timeouts: { commandMs: config.timeout, healthMs: config.healthTimeout },
        signal: context.signal,
        log: (stream, line) => context.log(stream, line),
      });
      return {
        outcome: 'succeeded',
        reason: `live at ${result.url}`,
        environment: { status: 'live', url: result.url, sha: run.sha, version: run.version },
        record: (tx) => this.deps.release.deployed(tx, project, run, result.url),
      };
    } catch (error) {
      if (!(error instanceof DeployError)) throw error;
      return {
        outcome: 'failed',
        reason: error.message.split('\n')[0] ?? error.message,
        environment: { status: 'failed' },
        record: (tx) => this.deps.release.deployFailed(tx, project, run, error.message.split('\n')[0] ?? ''),
      };
    }
  }

  private async destroy(context: StepContext, config: EnvironmentConfig): Promise<StepResult> {
    const { project, run } = context;
    const deployer = this.deps.deployers.get(config.deployer);
    await deployer.destroy(environmentRef(project, run), {
      log: (stream, line) => context.log(stream, line),
      signal: context.signal,
      command: config.deployer === 'command' ? (config.destroy ?? null) : null,
      variables: config.variables,
      secrets: await this.deps.secrets(project, run.environment),
      timeoutMs: config.timeout,
    });
    // The runs' own trees of this environment go too.
    const trees = join(this.deps.dataDir, 'builds', project.name, run.envKey);
    await rm(trees, { recursive: true, force: true });
    await pruneWorktrees(this.deps.repositories.pathOf(project.name));
    return { outcome: 'succeeded', reason: 'destroyed', environment: { status: 'destroyed', url: null } };
  }
}
