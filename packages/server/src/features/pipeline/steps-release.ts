// Release steps: the tag, the production monitoring window, the rollback, and what each records and notifies.
import { type AnalysisLimits, analyzeWindow, type EnvironmentConfig, type Measurement } from '@trunkflow/core';
import type { Deployers } from '../../deployers/index.js';
import { DeployError } from '../../deployers/types.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { NotificationEventType } from '../notifications/event-types.js';
import type { Project } from '../projects/service.js';
import type { PipelineTransaction, StepContext, StepResult } from './engine.js';
import { checkName, measure } from './measure.js';
import type { PipelineRun, ReleaseRecord } from './model.js';
import { tagRelease } from './release-tagger.js';
import { environmentRef } from './steps.js';
import type { PipelineStore } from './store.js';

export interface ReleaseNotice {
  type: NotificationEventType;
  project: Project;
  run: PipelineRun;
  url: string | null;
  summary: string;
  authors: readonly string[];
  pullRequests: readonly number[];
}

export interface ReleaseStepsDependencies {
  repositories: Repositories;
  store: PipelineStore;
  deployers: Deployers;
  secrets: (project: Project, environment: PipelineRun['environment']) => Promise<Record<string, string>>;
  /** The authors of these PRs: the people on watch. */
  pullAuthors: (projectId: string, numbers: readonly number[]) => Promise<string[]>;
  /** Where PR links in release notes point. */
  pullUrl: (project: Project, number: number) => string;
  /** Sends an outcome to the project's notification targets, in `tx`. */
  notify: (tx: PipelineTransaction, notice: ReleaseNotice) => Promise<void>;
  clock: Clock;
  ids: IdGenerator;
}

export class ReleaseSteps {
  constructor(private readonly deps: ReleaseStepsDependencies) {}

  /** Staging's last step: tags the release when its commits call for one. */
  async tag(context: StepContext): Promise<StepResult> {
    const { project, run } = context;
    const outcome = await tagRelease({
      repo: this.deps.repositories.pathOf(project.name),
      sha: run.sha,
      prUrl: (number) => this.deps.pullUrl(project, number),
      at: this.deps.clock.now(),
    });
    context.log('system', outcome.reason);
    if (outcome.tag === null) return { outcome: 'succeeded', reason: `no tag: ${outcome.reason}` };
    const tag = outcome.tag;
    // A tag an earlier run already recorded (staging deployed again by hand) is no new tag: carrying
    // it as this run's version would deploy that release to production a second time. A tag with no
    // record yet is this run's own (made before a crash cut the step short) or one pushed by a person,
    // and goes on to production.
    if (await this.deps.store.release(project.id, tag)) {
      return {
        outcome: 'succeeded',
        reason: `no new tag: ${outcome.reason}, released by an earlier run (to deploy it again: trunkflow deploy production --ref ${tag})`,
      };
    }
    const authors = await this.deps.pullAuthors(project.id, outcome.prs);
    const now = this.deps.clock.now().toISOString();
    return {
      outcome: 'succeeded',
      reason: `tagged ${tag}`,
      version: tag,
      record: async (tx) => {
        // Staging serves the tagged sha: its environment shows the version from now on.
        const staging = await tx.pipeline.environment(run.projectId, run.envKey);
        if (staging?.sha === run.sha) await tx.pipeline.saveEnvironment({ ...staging, version: tag, updatedAt: now });
        if (await tx.pipeline.release(project.id, tag)) return;
        await tx.pipeline.saveRelease({
          projectId: project.id,
          tag,
          sha: run.sha,
          status: 'tagged',
          prs: outcome.prs,
          authors,
          runId: null,
          incidentId: null,
          createdAt: now,
          updatedAt: now,
        });
      },
    };
  }

  /** After a deploy answers: a production release is now watched; a preview's URL goes out. */
  async deployed(tx: PipelineTransaction, project: Project, run: PipelineRun, url: string): Promise<void> {
    const release = run.version ? await tx.pipeline.release(project.id, run.version) : null;
    if (run.environment === 'production' && run.kind === 'deploy' && release) {
      await this.setRelease(tx, release, { status: 'watching', runId: run.id });
    }
    await this.deps.notify(tx, {
      type: run.environment === 'preview' ? 'preview.ready' : 'deploy.succeeded',
      project,
      run,
      url,
      summary: `${run.environment === 'preview' ? `preview of PR ${run.prNumber}` : run.environment} serves ${run.version ?? run.sha.slice(0, 7)}`,
      authors: release?.authors ?? [],
      pullRequests: release?.prs ?? (run.prNumber ? [run.prNumber] : []),
    });
  }

  async deployFailed(tx: PipelineTransaction, project: Project, run: PipelineRun, why: string): Promise<void> {
    await this.deps.notify(tx, {
      type: 'deploy.failed',
      project,
      run,
      url: null,
      summary: why,
      authors: [],
      pullRequests: run.prNumber ? [run.prNumber] : [],
    });
  }

  /**
   * One tick of production's window: takes the measurements that are due, then analyses every
   * check with core/pipeline. The window opened when the step started (the deploy was live).
   */
  async monitor(
    context: StepContext,
    config: EnvironmentConfig,
    reachableUrl: string,
    runCommand: (
      argv: readonly string[],
      env: Record<string, string>,
    ) => Promise<{ code: number | null; output: string }>,
  ): Promise<StepResult> {
    const { project, run, step } = context;
    if (!('monitor' in config)) return { outcome: 'succeeded', reason: 'no monitoring window is configured' };
    const monitor = config.monitor;
    const limits: AnalysisLimits = {
      durationMs: monitor.duration,
      intervalMs: monitor.interval,
      failureLimit: monitor.failureLimit,
      inconclusiveLimit: monitor.inconclusiveLimit,
      consecutiveErrorLimit: monitor.consecutiveErrorLimit,
    };
    const startedAt = await this.stepStartedAt(run, step.index);
    const environment = await this.deps.store.environment(run.projectId, run.envKey);
    const names = monitor.checks.map((check, index) => checkName(check, index));
    const analyse = async () => {
      const taken = await this.deps.store.measurements(run.id);
      return analyzeWindow({
        startedAt,
        now: this.deps.clock.now().getTime(),
        limits,
        checks: names.map((name) => ({
          name,
          measurements: taken
            .filter((measurement) => measurement.check === name)
            .map(
              (measurement): Measurement => ({
                outcome: measurement.outcome,
                at: Date.parse(measurement.at),
                message: measurement.detail,
              }),
            ),
        })),
      });
    };
    const now = this.deps.clock.now().getTime();
    const before = await analyse();
    for (const [index, check] of monitor.checks.entries()) {
      const state = before.checks[index];
      const due = state?.status === 'running' && (state.nextMeasurementAt === null || state.nextMeasurementAt <= now);
      if (!due || now >= before.endsAt) continue;
      const taken = await measure(check, {
        url: reachableUrl,
        healthPath: config.healthPath,
        runCommand,
        logs: {
          now,
          since: startedAt,
          lines: (since) => this.deps.deployers.recentOutput(environmentRef(project, run), since),
        },
        timeoutMs: Math.min(10_000, monitor.interval),
      });
      const name = names[index] ?? `${index + 1}`;
      context.log('system', `${name}: ${taken.outcome}: ${taken.detail}`);
      await this.deps.store.appendMeasurement(run.id, { check: name, ...taken, at: new Date(now).toISOString() });
    }
    const after = await analyse();
    const release = run.version ? await this.deps.store.release(project.id, run.version) : null;
    const notice = (type: NotificationEventType) => (tx: PipelineTransaction) =>
      this.deps.notify(tx, {
        type,
        project,
        run,
        url: environment?.url ?? null,
        summary: after.reason,
        authors: release?.authors ?? [],
        pullRequests: release?.prs ?? [],
      });
    switch (after.status) {
      case 'running':
        return { outcome: 'measure-again', at: new Date(after.wakeAt ?? now + limits.intervalMs) };
      case 'passed':
        return {
          outcome: 'succeeded',
          reason: after.reason,
          record: async (tx) => {
            if (release) await this.setRelease(tx, release, { status: 'passed' });
            await notice('release.passed')(tx);
          },
        };
      case 'failed':
        return {
          outcome: 'failed',
          reason: after.reason,
          record: async (tx) => {
            if (release) await this.setRelease(tx, release, { status: 'failed' });
            await notice('release.failed')(tx);
          },
        };
      case 'inconclusive':
        return {
          outcome: 'hold',
          reason: `${after.reason}: promote or roll back (trunkflow promote / trunkflow rollback)`,
          record: async (tx) => {
            if (release) await this.setRelease(tx, release, { status: 'inconclusive' });
            await notice('release.inconclusive')(tx);
          },
        };
    }
  }

  /** A rollback run's deploy: the kept build of the last good release starts again, with no install or build. */
  async rollbackDeploy(context: StepContext): Promise<StepResult> {
    const { project, run } = context;
    try {
      const result = await this.deps.deployers.process.rollback(environmentRef(project, run), {
        log: (stream, line) => context.log(stream, line),
        secrets: await this.deps.secrets(project, run.environment),
        signal: context.signal,
      });
      return {
        outcome: 'succeeded',
        reason: `serving ${result.version ?? result.sha.slice(0, 7)} again`,
        environment: { status: 'live', url: result.url, sha: result.sha, version: result.version },
      };
    } catch (error) {
      if (!(error instanceof DeployError)) throw error;
      return { outcome: 'failed', reason: error.message.split('\n')[0] ?? error.message };
    }
  }

  /** A rollback run's last step: the failed deployment and its incident, once per run. */
  async recordRollback(context: StepContext): Promise<StepResult> {
    const { project, run } = context;
    const tag = run.version ?? run.sha.slice(0, 7);
    const now = this.deps.clock.now().toISOString();
    // A rollback by hand is no failed window: the incident says who undid the release.
    const reason =
      run.trigger === 'monitor'
        ? `the monitoring window of ${tag} failed; rolled back`
        : `${tag} rolled back by ${run.actor ?? 'hand'}`;
    return {
      outcome: 'succeeded',
      reason,
      record: async (tx) => {
        const id = this.deps.ids.next();
        const inserted = await tx.pipeline.insertIncident({
          id,
          projectId: project.id,
          tag,
          runId: run.id,
          reason,
          createdAt: now,
          resolvedAt: null,
        });
        const release = run.version ? await tx.pipeline.release(project.id, run.version) : null;
        if (release && inserted) await this.setRelease(tx, release, { status: 'rolled-back', incidentId: id });
        if (inserted) {
          await this.deps.notify(tx, {
            type: 'release.rolled_back',
            project,
            run,
            url: (await tx.pipeline.environment(run.projectId, run.envKey))?.url ?? null,
            summary: reason,
            authors: release?.authors ?? [],
            pullRequests: release?.prs ?? [],
          });
        }
      },
    };
  }

  private async setRelease(tx: PipelineTransaction, release: ReleaseRecord, change: Partial<ReleaseRecord>) {
    await tx.pipeline.saveRelease({ ...release, ...change, updatedAt: this.deps.clock.now().toISOString() });
  }

  /** When the step first started, from the run's log: the window's start survives restarts. */
  private async stepStartedAt(run: PipelineRun, index: number): Promise<number> {
    const log = await this.deps.store.log(run.id);
    const started = log.find(
      (entry) => entry.record.subject === 'step' && entry.record.step === index && entry.record.to === 'running',
    );
    return started ? Date.parse(started.at) : this.deps.clock.now().getTime();
  }
}
