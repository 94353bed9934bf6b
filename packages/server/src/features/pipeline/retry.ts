// `trunkflow runs retry`: a failed or canceled run runs again as a new run of the same environment, sha and PR.
import type { Actor } from '../../platform/auth/roles.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import { ConflictError } from '../../platform/errors.js';
import type { Project } from '../projects/service.js';
import type { PipelineEngine, PipelineTransaction } from './engine.js';
import type { PullLookup } from './flow.js';
import type { PipelineRun } from './model.js';

export interface RunRetriesDependencies {
  engine: PipelineEngine;
  uow: UnitOfWork<PipelineTransaction>;
  pulls: PullLookup;
}

export class RunRetries {
  constructor(private readonly deps: RunRetriesDependencies) {}

  /** Queues the new run (trigger `retry`); the old one stays as it ended. */
  async retry(project: Project, actor: Actor, run: PipelineRun): Promise<PipelineRun> {
    const follow = `\`trunkflow runs logs ${run.id} --project ${project.name} --follow\``;
    switch (run.state.status) {
      case 'queued':
      case 'running':
        throw new ConflictError(
          `run ${run.id} is ${run.state.status}: only a failed or canceled run can be retried; follow it with ${follow}`,
          { status: run.state.status },
        );
      case 'succeeded':
        throw new ConflictError(
          `run ${run.id} succeeded: there is nothing to retry; to deploy again, use \`trunkflow deploy ${run.environment} --project ${project.name}\``,
          { status: run.state.status },
        );
      case 'failed':
      case 'canceled':
        break;
    }
    if (run.environment === 'preview' && run.kind !== 'destroy' && run.prNumber !== null) {
      const pull = await this.deps.pulls(project.id, run.prNumber);
      if (pull?.state !== 'open') {
        throw new ConflictError(
          `PR #${run.prNumber} is ${pull?.state ?? 'gone'}: its preview is not deployed again; reopen the PR to get one`,
          { pr: run.prNumber, state: pull?.state ?? null },
        );
      }
      if (pull.headSha !== run.sha) {
        throw new ConflictError(
          `PR #${run.prNumber} has moved on to ${pull.headSha.slice(0, 7)} since this run (${run.sha.slice(0, 7)}): its preview follows the PR's head, so retry the run of the newer push instead`,
          { pr: run.prNumber, head: pull.headSha },
        );
      }
    }
    return this.deps.uow.run((tx) =>
      this.deps.engine.request(tx, {
        project,
        environment: run.environment,
        prNumber: run.prNumber,
        sha: run.sha,
        version: run.version,
        kind: run.kind,
        trigger: 'retry',
        actor: actor.name,
      }),
    );
  }
}
