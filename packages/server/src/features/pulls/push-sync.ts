// Push sync: a push to a PR's branch moves its head (dismissing stale approvals) or, deleting it, closes the PR.
import { branchSha, ZERO_SHA } from '@trunkflow/git';
import type { Project } from '../projects/service.js';
import type { CheckRunService } from './check-runs.js';
import type { PullsContext } from './context.js';
import type { PullLifecycle } from './lifecycle.js';
import type { PullRequest } from './model.js';
import { KeyedMutex } from './mutex.js';
import type { ReviewService } from './reviews.js';

export interface RefUpdate {
  ref: string;
  oldSha: string;
  newSha: string;
}

export class PushSync {
  /** Head updates of one PR run one at a time here; the conditional UPDATE guards across processes. */
  private readonly syncs = new KeyedMutex();

  constructor(
    private readonly ctx: PullsContext,
    private readonly services: { lifecycle: PullLifecycle; checks: CheckRunService; reviews: ReviewService },
  ) {}

  /** Open PRs whose head is one of `branches`: hosted git protects those branches from deletion. */
  openPullsOnBranches(projectId: string, branches: readonly string[]) {
    return this.ctx.store.openOnBranches(projectId, branches);
  }

  /**
   * Called by git hosting after a push was accepted. The refs' new values are read back from the
   * repository rather than trusted from the arguments, so late or repeated calls are harmless.
   * Failures are logged, not thrown: the push already happened and the catch-up at the next start applies it.
   */
  async handleRefUpdates(projectName: string, updates: readonly RefUpdate[], pusherId: string): Promise<void> {
    const project = await this.ctx.projects.get(projectName);
    const pusher = (await this.ctx.auth.userById(pusherId))?.name ?? null;
    for (const update of updates) {
      if (!update.ref.startsWith('refs/heads/')) continue;
      const branch = update.ref.slice('refs/heads/'.length);
      if (branch === project.trunk) continue;
      try {
        const pull = await this.ctx.store.openByHead(project.id, branch);
        if (!pull) continue;
        if (update.newSha === ZERO_SHA)
          this.ctx.logger.info({ project: projectName, branch }, 'PR branch deleted by a push');
        await this.syncPull(project, pull, pusher);
      } catch (error) {
        this.ctx.logger.error(
          { err: error, project: projectName, ref: update.ref },
          'could not apply a push to its pull request',
        );
      }
    }
  }

  /**
   * Brings an open PR in line with its branch: a moved branch updates the head (dismissing stale
   * approvals when the project says so) and a deleted one closes the PR; then the head gets checks.
   * Returns the PR as it is afterwards.
   */
  async syncPull(project: Project, pull: PullRequest, actor: string | null): Promise<PullRequest | null> {
    return this.syncs.run(pull.id, async () => {
      const fresh = await this.ctx.store.byId(pull.id);
      if (fresh?.state !== 'open') return fresh;
      const repo = this.ctx.repositories.pathOf(project.name);
      const current = await branchSha(repo, fresh.head);
      if (current === null) {
        await this.services.lifecycle.closeOpen(project, fresh, actor, 'branch-deleted');
        return this.ctx.store.byId(pull.id);
      }
      if (current !== fresh.headSha) {
        const now = this.ctx.clock.now().toISOString();
        await this.ctx.uow.run(async (tx) => {
          if (!(await tx.pulls.setHead(fresh.id, fresh.headSha, current, now))) return;
          await tx.events.append({
            type: 'pull_request.synchronized',
            projectId: project.id,
            actor,
            payload: { number: fresh.number, before: fresh.headSha, headSha: current },
          });
          await this.services.reviews.dismissStale(tx, project, fresh.id, fresh.number, current, actor);
          await this.services.checks.request(tx, fresh, current);
        });
      } else if (!(await this.ctx.store.checkRun(fresh.id, fresh.headSha))) {
        // No run for an unmoved head (a PR from before checks were jobs, or a job that gave up): ask again.
        await this.ctx.uow.run((tx) => this.services.checks.request(tx, fresh, fresh.headSha));
      }
      return this.ctx.store.byId(pull.id);
    });
  }
}
