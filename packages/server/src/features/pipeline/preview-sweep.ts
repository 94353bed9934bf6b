// The preview TTL sweep: forgotten previews (no deploy for longer than their `ttl`) are destroyed by a `ttl` destroy run.
import { DEFAULT_PREVIEW_TTL_MS, expiredPreviews, type PreviewFacts } from '@trunkflow/core';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import { defineJob } from '../../platform/jobs/catalog.js';
import type { Project } from '../projects/service.js';
import type { ShaConfigs } from './definitions.js';
import type { PipelineEngine, PipelineTransaction } from './engine.js';
import type { EnvironmentRecord } from './model.js';
import type { PipelineStore } from './store.js';

export const SWEEP_PREVIEWS_JOB = 'pipeline.sweep-previews';
/** Every 15 minutes: a TTL is at least a minute and usually days, so a forgotten preview goes soon after it expires. */
export const SWEEP_PREVIEWS_CRON = '*/15 * * * *';

export interface PreviewSweepDependencies {
  store: PipelineStore;
  uow: UnitOfWork<PipelineTransaction>;
  engine: PipelineEngine;
  configs: ShaConfigs;
  projects: { byId(id: string): Promise<Project | null> };
  clock: Clock;
  logger: Logger;
}

export interface SweepOutcome {
  /** `<project>/pr-<n>` of each preview a destroy run was queued for. */
  destroying: string[];
  /** How many standing previews were looked at. */
  seen: number;
}

type Candidate = PreviewFacts & { project: Project; environment: EnvironmentRecord; sha: string };

export class PreviewSweep {
  constructor(private readonly deps: PreviewSweepDependencies) {}

  /** Reads every standing preview, decides with core's `expiredPreviews`, and queues a destroy run for each expired one. */
  async sweep(): Promise<SweepOutcome> {
    const standing = await this.deps.store.standingPreviews();
    const candidates: Candidate[] = [];
    for (const environment of standing) {
      const candidate = await this.candidate(environment);
      if (candidate) candidates.push(candidate);
    }
    const destroying: string[] = [];
    for (const { preview, reason } of expiredPreviews(candidates, this.deps.clock.now().getTime())) {
      if (await this.destroy(preview, reason)) destroying.push(`${preview.project.name}/${preview.envKey}`);
    }
    return { destroying, seen: standing.length };
  }

  private async candidate(environment: EnvironmentRecord): Promise<Candidate | null> {
    const project = await this.deps.projects.byId(environment.projectId);
    if (!project || environment.prNumber === null) return null;
    // A preview whose deploy failed before it had a sha is destroyed at the sha its run tried.
    const sha =
      environment.sha ?? (environment.runId ? ((await this.deps.store.run(environment.runId))?.sha ?? null) : null);
    if (sha === null) {
      this.deps.logger.warn({ project: project.name, env: environment.envKey }, 'a preview with no sha: not swept');
      return null;
    }
    const open = await this.deps.store.openRuns(project.id, environment.envKey);
    return {
      project,
      environment,
      sha,
      envKey: environment.envKey,
      prNumber: environment.prNumber,
      destroyed: environment.status === 'destroyed',
      busy: environment.status === 'deploying' || open.length > 0,
      lastDeployAt: Date.parse(environment.updatedAt),
      ttlMs: await this.ttlOf(project, sha),
    };
  }

  /** The ttl of the trunkflow.yml the preview was deployed with; the default when that file cannot say. */
  private async ttlOf(project: Project, sha: string): Promise<number> {
    try {
      const config = await this.deps.configs.at(project, sha);
      return config.environments.preview?.ttl ?? DEFAULT_PREVIEW_TTL_MS;
    } catch {
      // The sha is gone from the repository (a force push, a gc): a forgotten preview still goes, after the default.
      return DEFAULT_PREVIEW_TTL_MS;
    }
  }

  /**
   * Queues the destroy, unless the preview changed since it was read (a push deployed it again, its
   * PR closed): the check and the request share one transaction. The source names the change the
   * sweep saw, so a second sweep of the same forgotten preview returns the first run.
   */
  private async destroy(preview: Candidate, reason: string): Promise<boolean> {
    const { project, environment } = preview;
    return this.deps.uow.run(async (tx) => {
      const now = await tx.pipeline.environment(project.id, environment.envKey);
      const open = await tx.pipeline.openRuns(project.id, environment.envKey);
      if (!now || now.updatedAt !== environment.updatedAt || now.status === 'destroyed' || open.length > 0) {
        return false;
      }
      const run = await this.deps.engine.request(tx, {
        project,
        environment: 'preview',
        prNumber: preview.prNumber,
        sha: preview.sha,
        version: null,
        kind: 'destroy',
        trigger: 'ttl',
        actor: null,
        source: `ttl:${project.id}:${environment.envKey}:${environment.updatedAt}`,
      });
      this.deps.logger.info(
        { project: project.name, env: environment.envKey, run: run.id, reason },
        'preview past its ttl: destroying it',
      );
      return true;
    });
  }
}

/** The recurring `pipeline.sweep-previews` job; bound late to the pipeline feature, built after the queue. */
export function sweepPreviewsJob(sweep: () => PreviewSweep | undefined) {
  return defineJob({
    description:
      'Destroys forgotten previews: each one with no deploy for longer than its `environments.preview.ttl` (default 14d) gets a destroy run with trigger `ttl`',
    onSecondRun:
      'Reads the previews again: one already destroyed, or with a run queued, is skipped, and a destroy run’s source (the preview’s last change) makes a second request return the first run',
    payload: z.strictObject({}),
    maxAttempts: 3,
    async run(_payload, context) {
      const service = sweep();
      if (service === undefined) throw new Error('the pipeline is not built in this process yet');
      const outcome = await service.sweep();
      context.logger.info(outcome, `${SWEEP_PREVIEWS_JOB} finished`);
    },
  });
}
