// Check runs: the rules judge a PR's head sha once per sha and text; the result is stored with its event.
import { createHash } from 'node:crypto';
import type { Project } from '../projects/service.js';
import { AUTHOR_WINDOW_MS, readHeadFiles, runChecks } from './checks.js';
import type { PullsContext } from './context.js';
import type { CheckRun, PullRequest } from './model.js';
import { summarise } from './reads.js';

/** The PR text a check run judged: an edit of title or body needs a new run at the same sha. */
export function textKey(pull: PullRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([pull.title, pull.body]))
    .digest('hex')
    .slice(0, 16);
}

export class CheckRunService {
  /** Check runs being computed, so a push and a read racing on one sha compute it once. */
  private readonly running = new Map<string, Promise<CheckRun | null>>();

  constructor(private readonly ctx: PullsContext) {}

  /** Runs the checks of the PR's head sha once; later calls return the stored run. Never throws. */
  ensure(project: Project, pull: PullRequest): Promise<CheckRun | null> {
    const key = `${pull.id}:${pull.headSha}:${textKey(pull)}`;
    const inFlight = this.running.get(key);
    if (inFlight) return inFlight;
    const work = this.compute(project, pull).finally(() => this.running.delete(key));
    this.running.set(key, work);
    return work;
  }

  private async compute(project: Project, pull: PullRequest): Promise<CheckRun | null> {
    const sha = pull.headSha;
    try {
      const existing = await this.ctx.store.checkRun(pull.id, sha);
      if (existing) return existing;
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
      const inserted = await this.ctx.store.transaction(async (store, trx) => {
        // An edit while the rules ran: these findings judged the old text, so they are not kept.
        const now = await store.byId(pull.id);
        if (now === null || textKey(now) !== textKey(pull)) return false;
        const fresh = await store.insertCheckRun({ id: this.ctx.ids.next(), pullRequestId: pull.id, ...run });
        if (fresh) {
          await this.ctx.events.append(trx, {
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
      return inserted ? run : await this.ctx.store.checkRun(pull.id, sha);
    } catch (error) {
      // The PR stays usable; the gate says checks-missing and reconcile() tries again at start.
      this.ctx.logger.error({ err: error, project: project.name, number: pull.number, sha }, 'checks could not run');
      return null;
    }
  }
}
