// The PR lifecycle: open, edit, close, reopen and ready for review, each with its event in one transaction.
import { assertNever, checkRefFormat } from '@trunkflow/core';
import { branchSha, mergeBase } from '@trunkflow/git';
import { type Actor, roleAtLeast, roleIn } from '../../platform/auth/roles.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { Project } from '../projects/service.js';
import type { CheckRunService } from './check-runs.js';
import { readHeadFiles } from './checks.js';
import type { PullsContext } from './context.js';
import { notOpenProblem, type PullRequest } from './model.js';
import type { PullReads } from './reads.js';
import type { ReviewService } from './reviews.js';
import { RulesTimeoutError } from './rule-runner.js';
import { messageTextProblem } from './text.js';

export interface OpenPullRequest {
  head: string;
  title: string;
  body?: string;
  draft?: boolean;
  base?: string;
}

/** A PR edit: either field, or both. */
export interface EditPullRequest {
  title?: string;
  body?: string;
}

/** A title or body git could not store is refused here too, for callers other than the HTTP routes. */
function checkText(field: 'title' | 'body', text: string): void {
  const problem = messageTextProblem(text);
  if (problem !== null) throw new ValidationError(`the ${field} ${problem}`);
}

export class PullLifecycle {
  constructor(
    private readonly ctx: PullsContext,
    private readonly services: { reads: PullReads; checks: CheckRunService; reviews: ReviewService },
  ) {}

  async open(project: Project, actor: Actor, input: OpenPullRequest): Promise<PullRequest> {
    const { head } = input;
    const title = input.title.trim();
    const refProblem = checkRefFormat(head);
    if (refProblem !== null) throw new ValidationError(`branch name "${head}" ${refProblem}`);
    const base = input.base ?? project.trunk;
    if (base !== project.trunk) {
      throw new ValidationError(
        `base "${base}" is not the trunk: pull requests in ${project.name} merge into ${project.trunk} (trunk-based development), so leave base out`,
      );
    }
    if (head === project.trunk) {
      throw new ValidationError(
        `head "${head}" is the trunk itself: open the pull request from a short-lived branch (e.g. feature/TF-12-export)`,
      );
    }
    if (title === '') throw new ValidationError('title is empty: give the pull request a Conventional Commit title');
    checkText('title', title);
    if (input.body !== undefined) checkText('body', input.body);

    const repo = this.ctx.repositories.pathOf(project.name);
    const headSha = await branchSha(repo, head);
    if (headSha === null) {
      throw new NotFoundError(
        `branch ${head} does not exist in project ${project.name}: push it first (git push origin ${head})`,
      );
    }
    const trunkSha = await branchSha(repo, project.trunk);
    if (trunkSha === null) {
      throw new ConflictError(
        `project ${project.name} has no trunk yet: push a first commit to ${project.trunk} (git push origin ${project.trunk})`,
      );
    }
    const forkPoint = await mergeBase(repo, trunkSha, headSha);
    if (forkPoint === null) {
      throw new ValidationError(
        `branch ${head} shares no history with ${project.trunk}: create it from ${project.trunk} (git switch -c ${head} origin/${project.trunk})`,
      );
    }
    if (forkPoint === headSha) {
      throw new ValidationError(
        `branch ${head} has no commits that are not on ${project.trunk}: commit your change on it and push first`,
      );
    }

    // The template comes from the branch; the rules come from trunk, so a PR cannot relax its own checks.
    const [files, trunkFiles] = await Promise.all([readHeadFiles(repo, headSha), readHeadFiles(repo, trunkSha)]);
    const body = input.body ?? files.template ?? '';
    const taskKey = await this.ctx.rules
      .findTaskKey(trunkFiles.config.config.rules['linked-task'].pattern, head, title)
      .catch((error: unknown) => {
        // The PR still opens; its check run reports the slow pattern.
        if (error instanceof RulesTimeoutError) return null;
        throw error;
      });
    const createdAt = this.ctx.clock.now().toISOString();
    const id = this.ctx.ids.next();
    const duplicate = (number: number | null) =>
      new ConflictError(
        `branch ${head} already has an open pull request${number === null ? '' : ` (#${number})`}: push to the branch to update it`,
      );
    let number: number;
    try {
      number = await this.ctx.uow.run(async (tx) => {
        const existing = await tx.pulls.openByHead(project.id, head);
        if (existing) throw duplicate(existing.number);
        const taken = await tx.projects.takeNumber(project.id);
        await tx.pulls.insert({
          id,
          projectId: project.id,
          number: taken,
          title,
          body,
          authorId: actor.userId,
          head,
          headSha,
          base,
          draft: input.draft ?? false,
          taskKey,
          createdAt,
        });
        await tx.events.append({
          type: 'pull_request.opened',
          projectId: project.id,
          actor: actor.name,
          payload: { number: taken, title, head, headSha, author: actor.name, draft: input.draft ?? false, taskKey },
        });
        await this.services.checks.request(tx, { id, projectId: project.id, number: taken }, headSha);
        return taken;
      });
    } catch (error) {
      // The partial unique index catches the open that lost a race with another one.
      if (isUniqueViolation(error)) throw duplicate(null);
      throw error;
    }
    return this.services.reads.get(project, number);
  }

  private requireAuthorOrMaintainer(project: Project, actor: Actor, pull: PullRequest, what: string): void {
    if (pull.authorId === actor.userId || roleAtLeast(roleIn(actor, project.id), 'maintainer')) return;
    throw new ForbiddenError(
      `only the author (${pull.author}) or a maintainer may ${what} pull request #${pull.number}`,
    );
  }

  async close(project: Project, actor: Actor, number: number): Promise<PullRequest> {
    const pull = await this.services.reads.get(project, number);
    this.requireAuthorOrMaintainer(project, actor, pull, 'close');
    const problem = notOpenProblem(pull.state, pull.number);
    if (problem !== null) throw new ConflictError(problem);
    await this.closeOpen(project, pull, actor.name, 'closed');
    return this.services.reads.get(project, number);
  }

  /** Closes an open PR unless a merge of it is in flight; false when it was not closed. */
  async closeOpen(
    project: Project,
    pull: PullRequest,
    actor: string | null,
    reason: 'closed' | 'branch-deleted',
  ): Promise<boolean> {
    const now = this.ctx.clock.now().toISOString();
    return this.ctx.uow.run(async (tx) => {
      // The row lock first: a merge intent on PostgreSQL takes the same lock, so the two cannot interleave.
      if (!(await tx.pulls.lockOpen(pull.id, now))) {
        if (reason === 'branch-deleted') return false;
        throw new ConflictError(`pull request #${pull.number} was closed or merged meanwhile`);
      }
      if (await tx.pulls.mergeAttempt(pull.id)) {
        if (reason === 'branch-deleted') return false;
        throw new ConflictError(`pull request #${pull.number} is being merged right now: it cannot be closed`);
      }
      await tx.pulls.markClosed(pull.id, now);
      await tx.events.append({
        type: 'pull_request.closed',
        projectId: project.id,
        actor,
        payload: { number: pull.number, reason },
      });
      return true;
    });
  }

  async reopen(project: Project, actor: Actor, number: number): Promise<PullRequest> {
    const pull = await this.services.reads.get(project, number);
    this.requireAuthorOrMaintainer(project, actor, pull, 'reopen');
    switch (pull.state) {
      case 'closed':
        break;
      case 'open':
        throw new ConflictError(`pull request #${number} is already open`);
      case 'merged':
        throw new ConflictError(`pull request #${number} is merged and cannot be reopened: open a new one`);
      default:
        return assertNever(pull.state, 'pull request state');
    }
    const repo = this.ctx.repositories.pathOf(project.name);
    const sha = await branchSha(repo, pull.head);
    if (sha === null) {
      throw new ConflictError(
        `branch ${pull.head} no longer exists in project ${project.name}: push it again (git push origin ${pull.head}), then reopen`,
      );
    }
    const now = this.ctx.clock.now().toISOString();
    const taken = (other: number | null) =>
      new ConflictError(
        `branch ${pull.head} already has another open pull request${other === null ? '' : ` (#${other})`}: close it first or keep using it`,
      );
    try {
      await this.ctx.uow.run(async (tx) => {
        const other = await tx.pulls.openByHead(project.id, pull.head);
        if (other) throw taken(other.number);
        if (!(await tx.pulls.markReopened(pull.id, sha, now))) {
          throw new ConflictError(`pull request #${number} changed meanwhile: look at it again`);
        }
        await tx.events.append({
          type: 'pull_request.reopened',
          projectId: project.id,
          actor: actor.name,
          payload: { number, headSha: sha },
        });
        if (sha !== pull.headSha)
          await this.services.reviews.dismissStale(tx, project, pull.id, number, sha, actor.name);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw taken(null);
      throw error;
    }
    return this.services.reads.get(project, number);
  }

  /** A draft becomes ready for review (and so mergeable once the rest of the gate holds). */
  async ready(project: Project, actor: Actor, number: number): Promise<PullRequest> {
    const pull = await this.services.reads.get(project, number);
    this.requireAuthorOrMaintainer(project, actor, pull, 'mark ready');
    const problem = notOpenProblem(pull.state, pull.number);
    if (problem !== null) throw new ConflictError(problem);
    if (!pull.draft) return pull;
    await this.ctx.uow.run(async (tx) => {
      await tx.pulls.setDraft(pull.id, false, this.ctx.clock.now().toISOString());
      await tx.events.append({
        type: 'pull_request.ready_for_review',
        projectId: project.id,
        actor: actor.name,
        payload: { number },
      });
    });
    return this.services.reads.get(project, number);
  }

  /**
   * Changes the title and/or body (the author or a maintainer; not once merged). The title is the
   * squash commit's subject and the rules read both, so the head's checks run again.
   */
  async edit(project: Project, actor: Actor, number: number, input: EditPullRequest): Promise<PullRequest> {
    const pull = await this.services.reads.get(project, number);
    this.requireAuthorOrMaintainer(project, actor, pull, 'edit');
    if (pull.state === 'merged') {
      throw new ConflictError(
        `pull request #${number} is already merged: its title and body are on trunk as the commit message`,
      );
    }
    if (input.title === undefined && input.body === undefined) {
      throw new ValidationError('nothing to change: give a title, a body or both');
    }
    const title = input.title?.trim() ?? pull.title;
    if (title === '') throw new ValidationError('title is empty: give the pull request a Conventional Commit title');
    checkText('title', title);
    const body = input.body ?? pull.body;
    checkText('body', body);
    if (title === pull.title && body === pull.body) return pull;
    const now = this.ctx.clock.now().toISOString();
    await this.ctx.uow.run(async (tx) => {
      if (await tx.pulls.mergeAttempt(pull.id)) {
        throw new ConflictError(`pull request #${number} is being merged right now: its title and body cannot change`);
      }
      if (!(await tx.pulls.setText(pull.id, { title, body }, now))) {
        throw new ConflictError(
          `pull request #${number} was merged meanwhile: its title and body can no longer change`,
        );
      }
      const stored = await tx.pulls.byId(pull.id);
      const current = stored?.headSha ?? pull.headSha;
      await tx.pulls.deleteCheckRun(pull.id, current);
      // The rules read the title and body: the head is judged again, as a job.
      if (stored?.state === 'open') await this.services.checks.request(tx, pull, current);
      await tx.events.append({
        type: 'pull_request.edited',
        projectId: project.id,
        actor: actor.name,
        payload: {
          number,
          changes: [
            ...(title !== pull.title ? ['title' as const] : []),
            ...(body !== pull.body ? ['body' as const] : []),
          ],
          title,
        },
      });
    });
    return this.services.reads.get(project, number);
  }
}
