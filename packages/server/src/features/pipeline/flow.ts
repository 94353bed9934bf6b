// The flow, driven by events: a PR's preview, trunk to staging, a staging tag to production, a failed window to its rollback.
import type { EnvironmentKind, FollowUp } from '@trunkflow/core';
import type { Logger } from 'pino';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import type { EventCatalog, TypedEvent } from '../../platform/events/catalog.js';
import type { EventConsumers } from '../../platform/events/consumers.js';
import type { GitEvents } from '../git/events.js';
import type { Project } from '../projects/service.js';
import type { PullEvents } from '../pulls/events.js';
import type { ShaConfigs } from './definitions.js';
import type { PipelineEngine, PipelineTransaction, RunRequest } from './engine.js';
import { envKeyOf, type PipelineRun } from './model.js';
import type { PipelineStore } from './store.js';

/** What the flow asks of pull requests: whether one is a draft, and its head. */
export type PullLookup = (
  projectId: string,
  number: number,
) => Promise<{ state: 'open' | 'closed' | 'merged'; draft: boolean; headSha: string } | null>;

export interface PipelineFlowDependencies {
  engine: PipelineEngine;
  store: PipelineStore;
  uow: UnitOfWork<PipelineTransaction>;
  configs: ShaConfigs;
  projects: { byId(id: string): Promise<Project | null> };
  pulls: PullLookup;
  logger: Logger;
}

type FlowEvents = PullEvents & GitEvents;

export class PipelineFlow {
  constructor(private readonly deps: PipelineFlowDependencies) {}

  /** The flow's consumers; app.ts subscribes them at composition time. */
  subscribe(consumers: EventConsumers<FlowEvents & EventCatalog>): void {
    const preview = (
      event: TypedEvent<
        FlowEvents,
        'pull_request.opened' | 'pull_request.synchronized' | 'pull_request.ready_for_review'
      >,
    ) => this.deployPreview(event.id, event.projectId, event.payload.number);
    consumers.subscribe('pull_request.opened', { name: 'pipeline.preview', handle: preview });
    consumers.subscribe('pull_request.synchronized', { name: 'pipeline.preview', handle: preview });
    consumers.subscribe('pull_request.ready_for_review', { name: 'pipeline.preview', handle: preview });
    const destroy = (event: TypedEvent<FlowEvents, 'pull_request.closed' | 'pull_request.merged'>) =>
      this.destroyPreview(event.id, event.projectId, event.payload.number);
    consumers.subscribe('pull_request.closed', { name: 'pipeline.preview-destroy', handle: destroy });
    consumers.subscribe('pull_request.merged', { name: 'pipeline.preview-destroy', handle: destroy });
    consumers.subscribe('trunk.updated', {
      name: 'pipeline.staging',
      handle: (event) => this.deployTrunk(event.id, event.projectId, event.payload.after),
    });
  }

  /** A PR opened or pushed to: its preview deploys the head, unless it is a draft and drafts are not deployed. */
  private async deployPreview(eventId: number, projectId: string | null, number: number): Promise<void> {
    const project = projectId ? await this.deps.projects.byId(projectId) : null;
    const pull = project ? await this.deps.pulls(project.id, number) : null;
    if (!project || !pull || pull.state !== 'open') return;
    const section = await this.section(project, pull.headSha, 'preview');
    if (section === null) return;
    if (pull.draft && !('drafts' in section && section.drafts)) return;
    await this.request({
      project,
      environment: 'preview',
      prNumber: number,
      sha: pull.headSha,
      version: null,
      kind: 'deploy',
      trigger: 'pull_request',
      actor: null,
      source: `event:${eventId}`,
    });
  }

  /** A PR merged or closed: its preview goes, if it has one. */
  private async destroyPreview(eventId: number, projectId: string | null, number: number): Promise<void> {
    const project = projectId ? await this.deps.projects.byId(projectId) : null;
    if (!project) return;
    const envKey = envKeyOf('preview', number);
    const environment = await this.deps.store.environment(project.id, envKey);
    const open = await this.deps.store.openRuns(project.id, envKey);
    if ((!environment || environment.status === 'destroyed') && open.length === 0) return;
    await this.request({
      project,
      environment: 'preview',
      prNumber: number,
      sha: environment?.sha ?? open.at(-1)?.sha ?? '',
      version: null,
      kind: 'destroy',
      trigger: 'pull_request',
      actor: null,
      source: `event:${eventId}`,
    });
  }

  /** Trunk moved: staging deploys it, then tests it, then tags it. */
  private async deployTrunk(eventId: number, projectId: string | null, sha: string): Promise<void> {
    const project = projectId ? await this.deps.projects.byId(projectId) : null;
    if (!project) return;
    if ((await this.section(project, sha, 'staging')) === null) return;
    await this.request({
      project,
      environment: 'staging',
      prNumber: null,
      sha,
      version: null,
      kind: 'deploy',
      trigger: 'trunk',
      actor: null,
      source: `event:${eventId}`,
    });
  }

  /**
   * The engine calls this in the transaction that ends a run: a staging run that made a tag queues
   * production for it; a production window that failed queues the rollback.
   */
  async runEnded(
    tx: PipelineTransaction,
    project: Project,
    run: PipelineRun,
    followUp: FollowUp | null,
  ): Promise<void> {
    if (run.environment === 'staging' && run.kind === 'deploy' && run.state.status === 'succeeded' && run.version) {
      if ((await this.section(project, run.sha, 'production')) === null) return;
      await this.deps.engine.request(tx, {
        project,
        environment: 'production',
        prNumber: null,
        sha: run.sha,
        version: run.version,
        kind: 'deploy',
        trigger: 'tag',
        actor: null,
        source: `run:${run.id}`,
      });
    }
    if (followUp?.type === 'rollback') {
      await this.deps.engine.request(tx, {
        project,
        environment: run.environment,
        prNumber: run.prNumber,
        sha: run.sha,
        version: run.version,
        kind: 'rollback',
        trigger: 'monitor',
        actor: null,
        source: `rollback:${run.id}`,
      });
    }
  }

  private async section(project: Project, sha: string, environment: EnvironmentKind) {
    const config = await this.deps.configs.at(project, sha);
    if (config.issues.length > 0) {
      this.deps.logger.warn(
        { project: project.name, sha, issues: config.issues },
        `trunkflow.yml has problems: no ${environment} deploy for this sha`,
      );
      return null;
    }
    return config.environments[environment] ?? null;
  }

  private request(request: RunRequest): Promise<PipelineRun> {
    return this.deps.uow.run((tx) => this.deps.engine.request(tx, request));
  }
}
