// Reviews: submitting one on the head a reviewer saw, and dismissing approvals a new head made stale.
import type { Actor } from '../../platform/auth/roles.js';
import { ConflictError, ForbiddenError } from '../../platform/errors.js';
import type { Project } from '../projects/service.js';
import type { PullsContext, PullsTransaction } from './context.js';
import { notOpenProblem, type Review, type ReviewVerdict } from './model.js';
import type { PullReads } from './reads.js';

export interface NewReviewInput {
  verdict: ReviewVerdict;
  body?: string;
}

export class ReviewService {
  constructor(
    private readonly ctx: PullsContext,
    private readonly services: { reads: PullReads },
  ) {}

  async review(project: Project, actor: Actor, number: number, input: NewReviewInput): Promise<Review> {
    const pull = await this.services.reads.get(project, number);
    const problem = notOpenProblem(pull.state, pull.number);
    if (problem !== null) throw new ConflictError(problem);
    if (input.verdict === 'approve' && pull.authorId === actor.userId) {
      throw new ForbiddenError('you cannot approve your own pull request: ask another developer');
    }
    const now = this.ctx.clock.now().toISOString();
    const id = this.ctx.ids.next();
    const body = input.body ?? '';
    const sha = await this.ctx.uow.run(async (tx) => {
      if (!(await tx.pulls.lockOpen(pull.id, now))) {
        throw new ConflictError(`pull request #${number} was closed or merged meanwhile`);
      }
      // The head as of this transaction: the review is about what the reviewer could see now.
      const current = (await tx.pulls.byId(pull.id))?.headSha ?? pull.headSha;
      await tx.pulls.insertReview({
        id,
        pullRequestId: pull.id,
        reviewerId: actor.userId,
        verdict: input.verdict,
        body,
        sha: current,
        createdAt: now,
      });
      await tx.events.append({
        type: 'review.submitted',
        projectId: project.id,
        actor: actor.name,
        payload: { number, verdict: input.verdict, reviewer: actor.name, sha: current },
      });
      return current;
    });
    return {
      id,
      reviewerId: actor.userId,
      reviewer: actor.name,
      verdict: input.verdict,
      body,
      sha,
      dismissed: false,
      createdAt: now,
    };
  }

  async dismissStale(
    tx: PullsTransaction,
    project: Project,
    pullId: string,
    number: number,
    headSha: string,
    actor: string | null,
  ): Promise<void> {
    if (!project.dismissStaleApprovals) return;
    for (const review of await tx.pulls.dismissApprovals(pullId, headSha)) {
      await tx.events.append({
        type: 'review.dismissed',
        projectId: project.id,
        actor,
        payload: { number, reviewer: review.reviewer, sha: review.sha, reason: `new head ${headSha.slice(0, 7)}` },
      });
    }
  }
}
