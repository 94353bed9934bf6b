// Builds the delivery pipeline from one named set of dependencies: app.ts calls this, and tests do.
import type { Logger } from 'pino';
import type { BaseEnv } from '../../deployers/child-env.js';
import type { Deployers } from '../../deployers/index.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import type { EventCatalog } from '../../platform/events/catalog.js';
import type { EventConsumers } from '../../platform/events/consumers.js';
import type { Repositories } from '../../platform/git/repositories.js';
import type { GitEvents } from '../git/events.js';
import { notify } from '../notifications/notify.js';
import type { Project } from '../projects/service.js';
import type { PullEvents } from '../pulls/events.js';
import { PipelineCommands } from './commands.js';
import { ShaConfigs } from './definitions.js';
import { PipelineEngine, type PipelineTransaction } from './engine.js';
import { PipelineFlow, type PullLookup } from './flow.js';
import type { PipelineRun } from './model.js';
import { PreviewSweep } from './preview-sweep.js';
import { RunRetries } from './retry.js';
import { PipelineSteps } from './steps.js';
import { ReleaseSteps } from './steps-release.js';
import type { PipelineStore } from './store.js';

export interface PipelineDependencies {
  store: PipelineStore;
  uow: UnitOfWork<PipelineTransaction>;
  repositories: Repositories;
  projects: { byId(id: string): Promise<Project | null> };
  pulls: PullLookup;
  pullAuthors: (projectId: string, numbers: readonly number[]) => Promise<string[]>;
  deployers: Deployers;
  /**
   * An environment's secrets, opened for one step of a run of that environment (a preview run asks
   * for `preview`): never stored with the run, and masked in its output.
   */
  secrets: (project: Project, environment: PipelineRun['environment']) => Promise<Record<string, string>>;
  dataDir: string;
  baseEnv: BaseEnv;
  /** The server's public URL, for links in release notes and notifications. */
  publicUrl: () => string;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

export interface PipelineFeature {
  store: PipelineStore;
  engine: PipelineEngine;
  commands: PipelineCommands;
  retries: RunRetries;
  flow: PipelineFlow;
  steps: PipelineSteps;
  /** The preview TTL sweep, run by the recurring `pipeline.sweep-previews` job. */
  sweep: PreviewSweep;
  /** Subscribes the flow's consumers; call at composition time, before the first append. */
  subscribe(consumers: EventConsumers<PullEvents & GitEvents & EventCatalog>): void;
}

export function createPipelineFeature(deps: PipelineDependencies): PipelineFeature {
  const configs = new ShaConfigs(deps.repositories);
  const { secrets } = deps;
  const release = new ReleaseSteps({
    repositories: deps.repositories,
    store: deps.store,
    deployers: deps.deployers,
    secrets,
    pullAuthors: deps.pullAuthors,
    pullUrl: (project, number) => `${deps.publicUrl()}/api/projects/${project.name}/pulls/${number}`,
    notify: async (tx, notice) => {
      await notify(tx, notice.project.id, {
        type: notice.type,
        environment: notice.run.envKey,
        sha: notice.run.sha,
        occurredAt: deps.clock.now().toISOString(),
        tag: notice.run.version,
        authors: notice.authors,
        url: notice.url,
        logsUrl: `${deps.publicUrl()}/api/projects/${notice.project.name}/runs/${notice.run.id}/output`,
        summary: notice.summary,
        pullRequests: notice.pullRequests.map((number) => ({ number, title: `#${number}` })),
      });
    },
    clock: deps.clock,
    ids: deps.ids,
  });
  const steps = new PipelineSteps({
    repositories: deps.repositories,
    configs,
    store: deps.store,
    deployers: deps.deployers,
    release,
    secrets,
    dataDir: deps.dataDir,
    baseEnv: deps.baseEnv,
    clock: deps.clock,
    logger: deps.logger,
  });
  let flow: PipelineFlow | undefined;
  const engine = new PipelineEngine({
    store: deps.store,
    uow: deps.uow,
    projects: deps.projects,
    definitions: configs,
    executor: steps,
    clock: deps.clock,
    ids: deps.ids,
    logger: deps.logger,
    onRunEnded: (tx, project, run, followUp) => (flow as PipelineFlow).runEnded(tx, project, run, followUp),
  });
  flow = new PipelineFlow({
    engine,
    store: deps.store,
    uow: deps.uow,
    configs,
    projects: deps.projects,
    pulls: deps.pulls,
    logger: deps.logger,
  });
  const built = flow;
  const commands = new PipelineCommands({
    engine,
    store: deps.store,
    uow: deps.uow,
    repositories: deps.repositories,
    configs,
    clock: deps.clock,
  });
  const sweep = new PreviewSweep({
    store: deps.store,
    uow: deps.uow,
    engine,
    configs,
    projects: deps.projects,
    clock: deps.clock,
    logger: deps.logger,
  });
  return {
    store: deps.store,
    engine,
    commands,
    retries: new RunRetries({ engine, uow: deps.uow, pulls: deps.pulls }),
    flow: built,
    steps,
    sweep,
    subscribe: (consumers) => built.subscribe(consumers),
  };
}
