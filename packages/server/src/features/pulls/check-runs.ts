// Check runs as jobs: a PR change enqueues `checks.run` for its sha in the same transaction; the job runs the rules.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Project } from '../projects/service.js';
import { AUTHOR_WINDOW_MS, readHeadFiles, runChecks } from './checks.js';
import type { PullsContext, PullsTransaction } from './context.js';
import type { CheckRun, PullRequest } from './model.js';
import { summarise } from './reads.js';

/** The PR text a check run judged: an edit of title or body needs a new run at the same sha. */
export function textKey(pull: PullRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([pull.title, pull.body]))
    .digest('hex')
    .slice(0, 16);
}

export const checksRunPayload = z.strictObject({
  projectId: z.string().min(1),
  number: z.number().int().positive(),
  sha: z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character commit sha'),
});
export type ChecksRunPayload = z.output<typeof checksRunPayload>;

/** Test-only crash point (ServerConfig.faults): kill -9 after the rules ran, before their run is stored. */
export const CHECK_FAULTS = ['checks.before-record'] as const;

/** What one run of the job did, for its log line and for tests. */
export type ChecksRunOutcome = 'recorded' | 'kept' | 'discarded' | 'skipped';

export class CheckRunService {
  constructor(
    private readonly ctx: PullsContext,
    private readonly faults: { faults: readonly string[]; onFault?: (point: string) => void | Promise<void> } = {
      faults: [],
    },
  ) {}

  /**
   * Enqueues the checks of `sha` in `tx`, the transaction of the PR change that needs them, so a
   * committed open or push always gets its checks and a rolled-back one never does. One PR's
   * checks run one at a time (its singleton key), so a re-run after an edit never races the first.
   */
  async request(
    tx: Pick<PullsTransaction, 'jobs'>,
    pull: Pick<PullRequest, 'id' | 'projectId' | 'number'>,
    sha: string,
  ): Promise<void> {
    await tx.jobs.enqueue(
      'checks.run',
      { projectId: pull.projectId, number: pull.number, sha },
      { singletonKey: `checks:${pull.id}` },
    );
  }

  /**
   * The `checks.run` handler. A sha that already has a run keeps it (a second run writes nothing);
   * a superseded sha is still judged and recorded, and the gate, which reads the head's run only,
   * ignores it. A PR no longer open gets no new run. No lock is held while the rules run.
   */
  async run(payload: ChecksRunPayload): Promise<ChecksRunOutcome> {
    const project = await this.ctx.projects.byId(payload.projectId);
    const pull = project ? await this.ctx.store.byNumber(project.id, payload.number) : null;
    if (!project || !pull || pull.state !== 'open') return 'skipped';
    if (await this.ctx.store.checkRun(pull.id, payload.sha)) return 'kept';
    try {
      return (await this.compute(project, pull, payload.sha)) ? 'recorded' : 'discarded';
    } catch (error) {
      // A superseded sha's commit may be gone from the repository: nobody waits on it, so no retry.
      if (payload.sha !== pull.headSha) {
        this.ctx.logger.warn(
          { err: error, project: project.name, number: pull.number, sha: payload.sha },
          'checks of a superseded sha could not run; the head has its own',
        );
        return 'skipped';
      }
      throw error;
    }
  }

  /** Runs the rules on `sha` with the PR as it is now and stores the run; throws when they could not run. */
  private async compute(project: Project, pull: PullRequest, sha: string): Promise<CheckRun | null> {
    const repo = this.ctx.repositories.pathOf(project.name);
    const now = this.ctx.clock.now();
    // Rules come from trunk's trunkflow.yml: a PR that edits the file cannot relax its own checks.
    const [files, others] = await Promise.all([
      readHeadFiles(repo, `refs/heads/${project.trunk}`),
      this.ctx.store.authorPullRequestsBefore(
        project.id,
        pull.authorId,
        pull.number,
        new Date(Date.parse(pull.createdAt) - AUTHOR_WINDOW_MS).toISOString(),
      ),
    ]);
    const outcome = await runChecks({
      repo,
      trunk: project.trunk,
      sha,
      now,
      pr: {
        title: pull.title,
        body: pull.body,
        head: pull.head,
        author: { name: pull.author, email: pull.authorEmail },
        openedAt: pull.createdAt,
      },
      authorPullRequests: others.map((other) => ({
        ref: `#${other.number}`,
        openedAt: other.createdAt,
        source: 'pull-request' as const,
      })),
      repositoryConfig: files.config,
      rules: this.ctx.rules,
    });
    const run: CheckRun = { sha, ...outcome, createdAt: now.toISOString() };
    if (this.faults.faults.includes('checks.before-record')) {
      this.ctx.logger.fatal({ point: 'checks.before-record' }, 'fault point reached: crashing on purpose');
      await (this.faults.onFault ?? (() => process.kill(process.pid, 'SIGKILL')))('checks.before-record');
    }
    const inserted = await this.ctx.uow.run(async (tx) => {
      // An edit while the rules ran: these findings judged the old text, so they are not kept.
      const now = await tx.pulls.byId(pull.id);
      if (now === null || textKey(now) !== textKey(pull)) return false;
      const fresh = await tx.pulls.insertCheckRun({ id: this.ctx.ids.next(), pullRequestId: pull.id, ...run });
      if (fresh) {
        await tx.events.append({
          type: 'check.completed',
          projectId: project.id,
          actor: null,
          payload: {
            number: pull.number,
            sha,
            ok: run.ok,
            failing: summarise(run).failing,
            ...(run.configError !== null ? { configError: run.configError } : {}),
          },
        });
      }
      return fresh;
    });
    return inserted ? run : null;
  }
}
