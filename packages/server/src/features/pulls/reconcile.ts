// Reconcile at start: settles merges a crash interrupted and applies pushes (and checks) that were missed.
import type { Project } from '../projects/service.js';
import type { PullsContext } from './context.js';
import type { MergeProtocol } from './merge-protocol.js';
import type { PushSync } from './push-sync.js';

export interface ReconcileReport {
  mergesFinished: number;
  mergesAbandoned: number;
  synchronized: number;
  closed: number;
}

export class PullReconciler {
  constructor(
    private readonly ctx: PullsContext,
    private readonly services: { merges: MergeProtocol; pushes: PushSync },
  ) {}

  /**
   * Run once at start, before serving, so a restart answers with interrupted merges settled: a
   * merge whose commit reached trunk is completed, any other is dropped and its PR stays open (the
   * intent's `merges.settle` job, which does the same while a server keeps running, then finds
   * nothing). Then it applies pushes that were never applied and asks for missing checks.
   */
  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = { mergesFinished: 0, mergesAbandoned: 0, synchronized: 0, closed: 0 };
    const projects = new Map<string, Project | null>();
    const projectOf = async (id: string) => {
      if (!projects.has(id)) projects.set(id, await this.ctx.store.project(id));
      return projects.get(id) ?? null;
    };

    for (const attempt of await this.ctx.store.listMergeAttempts()) {
      const pull = await this.ctx.store.byId(attempt.pullRequestId);
      const project = pull ? await projectOf(pull.projectId) : null;
      if (!pull || !project) {
        await this.ctx.store.deleteMergeAttempt(attempt.pullRequestId);
        continue;
      }
      await this.services.merges.exclusive(project.id, async () => {
        const outcome = await this.services.merges.settleAttempt(project, pull, attempt.commitSha, attempt.actor);
        if (outcome === 'finished') report.mergesFinished++;
        if (outcome === 'abandoned') report.mergesAbandoned++;
      });
    }

    for (const pull of await this.ctx.store.listOpen()) {
      const project = await projectOf(pull.projectId);
      if (!project) continue;
      try {
        const after = await this.services.pushes.syncPull(project, pull, null);
        if (after?.state === 'closed') report.closed++;
        else if (after && after.headSha !== pull.headSha) report.synchronized++;
      } catch (error) {
        this.ctx.logger.error(
          { err: error, project: project.name, number: pull.number },
          'could not reconcile a pull request',
        );
      }
    }
    return report;
  }
}
