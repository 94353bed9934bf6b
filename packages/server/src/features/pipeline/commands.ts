// What people ask of the pipeline by hand: deploy a ref, roll an environment back, promote or abort a held window.
import { type EnvironmentKind, isStepActive, manualEvent } from '@trunkflow/core';
import { runGit } from '@trunkflow/git';
import type { Actor } from '../../platform/auth/roles.js';
import type { Clock } from '../../platform/clock.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import { ConflictError, ValidationError } from '../../platform/errors.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { Project } from '../projects/service.js';
import type { ShaConfigs } from './definitions.js';
import type { PipelineEngine, PipelineTransaction } from './engine.js';
import type { PipelineRun } from './model.js';
import type { PipelineStore } from './store.js';

export interface PipelineCommandsDependencies {
  engine: PipelineEngine;
  store: PipelineStore;
  uow: UnitOfWork<PipelineTransaction>;
  repositories: Repositories;
  configs: ShaConfigs;
  clock: Clock;
}

export class PipelineCommands {
  constructor(private readonly deps: PipelineCommandsDependencies) {}

  /** `trunkflow deploy <env> [--ref]`: a run of `ref` (default trunk) in staging or production. */
  async deploy(project: Project, actor: Actor, environment: EnvironmentKind, ref?: string): Promise<PipelineRun> {
    if (environment === 'preview') {
      throw new ValidationError('a preview deploys its pull request by itself: push to the PR instead');
    }
    const repo = this.deps.repositories.pathOf(project.name);
    const wanted = ref ?? project.trunk;
    if (wanted.startsWith('-')) throw new ValidationError(`ref "${wanted}" is not a branch, tag or sha`);
    const sha = (
      await runGit(['rev-parse', '--verify', '--quiet', `${wanted}^{commit}`], { cwd: repo, okExitCodes: [1] })
    ).trim();
    if (!/^[0-9a-f]{40}$/.test(sha)) {
      throw new ValidationError(`ref "${wanted}" is not in ${project.name}: give a branch, tag or sha that was pushed`);
    }
    const config = await this.deps.configs.at(project, sha);
    if (config.issues.length > 0) {
      throw new ValidationError(`trunkflow.yml at ${sha.slice(0, 7)} has problems: ${config.issues.join('; ')}`);
    }
    if (config.environments[environment] === undefined) {
      throw new ValidationError(
        `trunkflow.yml at ${sha.slice(0, 7)} has no environments.${environment}: add it to deploy there`,
      );
    }
    const tags = (await runGit(['tag', '--points-at', sha], { cwd: repo })).split('\n').filter((tag) => tag !== '');
    const version = environment === 'production' ? (tags.find((tag) => /^v\d/.test(tag)) ?? null) : null;
    return this.deps.uow.run((tx) =>
      this.deps.engine.request(tx, {
        project,
        environment,
        prNumber: null,
        sha,
        version,
        kind: 'deploy',
        trigger: 'manual',
        actor: actor.name,
      }),
    );
  }

  /** `trunkflow rollback <env>`: back to the build kept from before the current release. */
  async rollback(project: Project, actor: Actor, environment: EnvironmentKind): Promise<PipelineRun> {
    const current = await this.deps.store.environment(project.id, environment);
    if (!current || current.status === 'destroyed' || current.sha === null) {
      throw new ConflictError(`${environment} of ${project.name} runs nothing: there is nothing to roll back`);
    }
    const sha = current.sha;
    return this.deps.uow.run((tx) =>
      this.deps.engine.request(tx, {
        project,
        environment,
        prNumber: null,
        sha,
        version: current.version,
        kind: 'rollback',
        trigger: 'manual',
        actor: actor.name,
      }),
    );
  }

  /** `trunkflow promote <env>` passes the open window now; `abort` fails it, so a rollback follows. */
  async decide(project: Project, actor: Actor, environment: EnvironmentKind, action: 'promote' | 'abort') {
    const open = await this.deps.store.openRuns(project.id, environment);
    const run = open.find((candidate) =>
      candidate.state.steps.some((step) => step.kind === 'monitor' && isStepActive(step.status)),
    );
    if (!run) {
      throw new ConflictError(
        `${environment} of ${project.name} has no monitoring window open: nothing to ${action} (see \`trunkflow runs list --project ${project.name}\`)`,
      );
    }
    const decision = manualEvent(run.state, action, actor.name);
    if (!decision.ok) throw new ConflictError(decision.message);
    return this.deps.engine.applyManual(run, decision.event, async (tx) => {
      const release = run.version ? await tx.pipeline.release(project.id, run.version) : null;
      if (!release) return;
      await tx.pipeline.saveRelease({
        ...release,
        status: action === 'promote' ? 'passed' : 'failed',
        updatedAt: this.deps.clock.now().toISOString(),
      });
    });
  }
}
