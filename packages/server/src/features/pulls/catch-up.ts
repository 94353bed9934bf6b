// Push catch-up at start: applies pushes to PR branches that this server never heard of (and asks for their checks).
import type { Project } from '../projects/service.js';
import type { PullsContext } from './context.js';
import type { PushSync } from './push-sync.js';

export interface CatchUpReport {
  synchronized: number;
  closed: number;
}

export class PushCatchUp {
  constructor(
    private readonly ctx: PullsContext,
    private readonly services: { pushes: PushSync },
  ) {}

  /**
   * Run once at start, after hosted git settled the pushes a crash interrupted: every open PR is
   * compared with its branch, so a push that landed while no server was there to hear it (or
   * whose handling a crash cut short) moves the PR's head, dismisses stale approvals and gets its
   * checks. Interrupted merges are not this: their `merges.settle` jobs finish or undo them.
   */
  async run(): Promise<CatchUpReport> {
    const report: CatchUpReport = { synchronized: 0, closed: 0 };
    const projects = new Map<string, Project | null>();
    for (const pull of await this.ctx.store.listOpen()) {
      if (!projects.has(pull.projectId)) projects.set(pull.projectId, await this.ctx.projects.byId(pull.projectId));
      const project = projects.get(pull.projectId);
      if (!project) continue;
      try {
        const after = await this.services.pushes.syncPull(project, pull, null);
        if (after?.state === 'closed') report.closed++;
        else if (after && after.headSha !== pull.headSha) report.synchronized++;
      } catch (error) {
        this.ctx.logger.error(
          { err: error, project: project.name, number: pull.number },
          'could not catch up a pull request with its branch',
        );
      }
    }
    return report;
  }
}
