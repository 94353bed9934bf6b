// The pull request store over Kysely, the same SQL on SQLite and PostgreSQL.
import type { Finding } from '@trunkflow/core';
import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  CheckRunsTable,
  Database,
  MergeAttemptsTable,
  PullRequestsTable,
  ReviewsTable,
} from '../../platform/db/schema.js';
import {
  type CheckRun,
  type PullRequest,
  type PullStateFilter,
  parsePullState,
  parseVerdict,
  type Review,
} from './model.js';
import type {
  BranchPush,
  MergeAttempt,
  NewCheckRun,
  NewPullRequest,
  NewReview,
  PeopleDirectory,
  PullStore,
  RankedReview,
} from './store.js';

type Person = { name: string; email: string };

function toPull(row: Selectable<PullRequestsTable>, author: Person): PullRequest {
  return {
    id: row.id,
    projectId: row.project_id,
    number: Number(row.number),
    title: row.title,
    body: row.body,
    state: parsePullState(row.state),
    draft: Number(row.draft) === 1,
    head: row.head_branch,
    headSha: row.head_sha,
    base: row.base_branch,
    authorId: row.author_id,
    author: author.name,
    authorEmail: author.email,
    taskKey: row.task_key,
    mergeSha: row.merge_sha,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
    mergedAt: row.merged_at,
  };
}

function toReview(row: Selectable<ReviewsTable>, reviewer: Person): Review {
  return {
    id: row.id,
    reviewerId: row.reviewer_id,
    reviewer: reviewer.name,
    verdict: parseVerdict(row.verdict),
    body: row.body,
    sha: row.sha,
    dismissed: Number(row.dismissed) === 1,
    createdAt: row.created_at,
  };
}

function toCheckRun(row: Selectable<CheckRunsTable>): CheckRun {
  return {
    sha: row.sha,
    ok: Number(row.ok) === 1,
    findings: JSON.parse(row.findings) as Finding[],
    createdAt: row.created_at,
    configError: row.config_error,
  };
}

function toAttempt(row: Selectable<MergeAttemptsTable>): MergeAttempt {
  return {
    pullRequestId: row.pull_request_id,
    commitSha: row.commit_sha,
    trunkBefore: row.trunk_before,
    createdAt: row.created_at,
    actor: row.actor,
  };
}

export class SqlPullStore implements PullStore {
  /** `people` answers names and roles: they are the auth feature's, so this store never reads its tables. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly people: PeopleDirectory,
  ) {}

  private pulls() {
    return this.db.selectFrom('pull_requests').selectAll();
  }

  /** Each user of `ids`; a missing one is a broken foreign key, never something a request causes. */
  private async persons(ids: readonly string[]): Promise<Map<string, Person>> {
    const found = new Map((await this.people.usersByIds(ids)).map((user) => [user.id, user]));
    for (const id of ids) if (!found.has(id)) throw new Error(`pull request data names user ${id}, who does not exist`);
    return found;
  }

  private async withAuthors(rows: Selectable<PullRequestsTable>[]): Promise<PullRequest[]> {
    const authors = await this.persons(rows.map((row) => row.author_id));
    return rows.map((row) => toPull(row, authors.get(row.author_id) as Person));
  }

  private async one(row: Selectable<PullRequestsTable> | undefined): Promise<PullRequest | null> {
    return row ? ((await this.withAuthors([row]))[0] ?? null) : null;
  }

  async insert(pull: NewPullRequest): Promise<void> {
    await this.db
      .insertInto('pull_requests')
      .values({
        id: pull.id,
        project_id: pull.projectId,
        number: pull.number,
        title: pull.title,
        body: pull.body,
        author_id: pull.authorId,
        head_branch: pull.head,
        head_sha: pull.headSha,
        base_branch: pull.base,
        state: 'open',
        draft: pull.draft ? 1 : 0,
        task_key: pull.taskKey,
        merge_sha: null,
        created_at: pull.createdAt,
        updated_at: pull.createdAt,
        closed_at: null,
        merged_at: null,
      })
      .execute();
  }

  async byNumber(projectId: string, number: number): Promise<PullRequest | null> {
    const row = await this.pulls()
      .where('pull_requests.project_id', '=', projectId)
      .where('pull_requests.number', '=', number)
      .executeTakeFirst();
    return this.one(row);
  }

  async byId(id: string): Promise<PullRequest | null> {
    return this.one(await this.pulls().where('pull_requests.id', '=', id).executeTakeFirst());
  }

  async openByHead(projectId: string, head: string): Promise<PullRequest | null> {
    const row = await this.pulls()
      .where('pull_requests.project_id', '=', projectId)
      .where('pull_requests.head_branch', '=', head)
      .where('pull_requests.state', '=', 'open')
      .executeTakeFirst();
    return this.one(row);
  }

  async list(projectId: string, state: PullStateFilter): Promise<PullRequest[]> {
    let query = this.pulls().where('pull_requests.project_id', '=', projectId);
    if (state !== 'all') query = query.where('pull_requests.state', '=', state);
    return this.withAuthors(await query.orderBy('pull_requests.number', 'desc').execute());
  }

  async listOpen(): Promise<PullRequest[]> {
    const rows = await this.pulls()
      .where('pull_requests.state', '=', 'open')
      .orderBy('pull_requests.project_id')
      .orderBy('pull_requests.number')
      .execute();
    return this.withAuthors(rows);
  }

  async lockOpen(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pull_requests')
      .set({ updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setHead(id: string, fromSha: string, toSha: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pull_requests')
      .set({ head_sha: toSha, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .where('head_sha', '=', fromSha)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setDraft(id: string, draft: boolean, now: string): Promise<void> {
    await this.db
      .updateTable('pull_requests')
      .set({ draft: draft ? 1 : 0, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async markClosed(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pull_requests')
      .set({ state: 'closed', closed_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markReopened(id: string, headSha: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pull_requests')
      .set({ state: 'open', head_sha: headSha, closed_at: null, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'closed')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markMerged(id: string, mergeSha: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pull_requests')
      .set({ state: 'merged', merge_sha: mergeSha, merged_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async authorPullRequestsBefore(
    projectId: string,
    authorId: string,
    beforeNumber: number,
    since: string,
  ): Promise<{ number: number; createdAt: string }[]> {
    const rows = await this.db
      .selectFrom('pull_requests')
      .select(['number', 'created_at'])
      .where('project_id', '=', projectId)
      .where('author_id', '=', authorId)
      .where('number', '<', beforeNumber)
      .where('created_at', '>=', since)
      .orderBy('number')
      .execute();
    return rows.map((row) => ({ number: Number(row.number), createdAt: row.created_at }));
  }

  async insertReview(review: NewReview): Promise<void> {
    await this.db
      .insertInto('reviews')
      .values({
        id: review.id,
        pull_request_id: review.pullRequestId,
        reviewer_id: review.reviewerId,
        verdict: review.verdict,
        body: review.body,
        sha: review.sha,
        dismissed: 0,
        created_at: review.createdAt,
      })
      .execute();
  }

  async reviews(pullRequestId: string, projectId: string): Promise<RankedReview[]> {
    const rows = await this.db
      .selectFrom('reviews')
      .selectAll()
      .where('pull_request_id', '=', pullRequestId)
      // Insertion order: created_at ties (same instant) fall back to the id's order, which is only a tiebreak.
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const ids = rows.map((row) => row.reviewer_id);
    const [reviewers, roles] = await Promise.all([this.persons(ids), this.people.rolesIn(projectId, ids)]);
    return rows.map((row) => {
      const reviewerRole = roles.get(row.reviewer_id);
      if (reviewerRole === undefined) throw new Error(`reviewer ${row.reviewer_id} has no role`);
      return { ...toReview(row, reviewers.get(row.reviewer_id) as Person), reviewerRole };
    });
  }

  async dismissApprovals(pullRequestId: string, exceptSha: string): Promise<Review[]> {
    const rows = await this.db
      .selectFrom('reviews')
      .selectAll()
      .where('pull_request_id', '=', pullRequestId)
      .where('verdict', '=', 'approve')
      .where('dismissed', '=', 0)
      .where('sha', '!=', exceptSha)
      .orderBy('created_at')
      .execute();
    if (rows.length === 0) return [];
    await this.db
      .updateTable('reviews')
      .set({ dismissed: 1 })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    const reviewers = await this.persons(rows.map((row) => row.reviewer_id));
    return rows.map((row) => ({ ...toReview(row, reviewers.get(row.reviewer_id) as Person), dismissed: true }));
  }

  async checkRun(pullRequestId: string, sha: string): Promise<CheckRun | null> {
    const row = await this.db
      .selectFrom('check_runs')
      .selectAll()
      .where('pull_request_id', '=', pullRequestId)
      .where('sha', '=', sha)
      .executeTakeFirst();
    return row ? toCheckRun(row) : null;
  }

  async latestCheckRun(pullRequestId: string): Promise<CheckRun | null> {
    const row = await this.db
      .selectFrom('check_runs')
      .selectAll()
      .where('pull_request_id', '=', pullRequestId)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row ? toCheckRun(row) : null;
  }

  async insertCheckRun(run: NewCheckRun): Promise<boolean> {
    const result = await this.db
      .insertInto('check_runs')
      .values({
        id: run.id,
        pull_request_id: run.pullRequestId,
        sha: run.sha,
        ok: run.ok ? 1 : 0,
        findings: JSON.stringify(run.findings),
        config_error: run.configError,
        created_at: run.createdAt,
      })
      .onConflict((conflict) => conflict.columns(['pull_request_id', 'sha']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async setText(id: string, text: { title: string; body: string }, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pull_requests')
      .set({ title: text.title, body: text.body, updated_at: now })
      .where('id', '=', id)
      .where('state', '!=', 'merged')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteCheckRun(pullRequestId: string, sha: string): Promise<void> {
    await this.db
      .deleteFrom('check_runs')
      .where('pull_request_id', '=', pullRequestId)
      .where('sha', '=', sha)
      .execute();
  }

  async branchPushes(projectId: string, branch: string): Promise<BranchPush[]> {
    const ref = `refs/heads/${branch}`;
    // A LIKE prefilter on the JSON text (its metacharacters escaped); the exact match is below.
    const needle = `"ref":${JSON.stringify(ref)}`.replace(/[\\%_]/g, (char) => `\\${char}`);
    const rows = await this.db
      .selectFrom('events')
      .select(['id', 'type', 'payload', 'created_at'])
      .where('project_id', '=', projectId)
      .where('type', 'in', ['push', 'push.failed'])
      .where(sql<boolean>`payload like ${`%${needle}%`} escape '\\'`)
      .orderBy('id')
      .execute();
    const pushes: (BranchPush & { key: string })[] = [];
    for (const row of rows) {
      const payload = JSON.parse(row.payload) as { ref?: unknown; before?: unknown; after?: unknown; pusher?: unknown };
      if (payload.ref !== ref || typeof payload.before !== 'string' || typeof payload.after !== 'string') continue;
      const key = `${payload.before}:${payload.after}`;
      if (row.type === 'push.failed') {
        const undone = pushes.findLastIndex((push) => push.key === key);
        if (undone >= 0) pushes.splice(undone, 1);
        continue;
      }
      if (typeof payload.pusher !== 'string') continue;
      pushes.push({
        key,
        pusher: payload.pusher,
        beforeSha: payload.before,
        afterSha: payload.after,
        createdAt: row.created_at,
      });
    }
    return pushes.map(({ key: _key, ...push }) => push);
  }

  async insertMergeAttempt(attempt: MergeAttempt): Promise<void> {
    await this.db
      .insertInto('merge_attempts')
      .values({
        pull_request_id: attempt.pullRequestId,
        commit_sha: attempt.commitSha,
        trunk_before: attempt.trunkBefore,
        created_at: attempt.createdAt,
        actor: attempt.actor,
      })
      .execute();
  }

  async mergeAttempt(pullRequestId: string): Promise<MergeAttempt | null> {
    const row = await this.db
      .selectFrom('merge_attempts')
      .selectAll()
      .where('pull_request_id', '=', pullRequestId)
      .executeTakeFirst();
    return row ? toAttempt(row) : null;
  }

  async deleteMergeAttempt(pullRequestId: string): Promise<void> {
    await this.db.deleteFrom('merge_attempts').where('pull_request_id', '=', pullRequestId).execute();
  }

  async openOnBranches(
    projectId: string,
    branches: readonly string[],
  ): Promise<{ branch: string; number: number; authorId: string; author: string }[]> {
    if (branches.length === 0) return [];
    const rows = await this.db
      .selectFrom('pull_requests')
      .select(['head_branch', 'number', 'author_id'])
      .where('project_id', '=', projectId)
      .where('state', '=', 'open')
      .where('head_branch', 'in', [...branches])
      .execute();
    const authors = await this.persons(rows.map((row) => row.author_id));
    return rows.map((row) => ({
      branch: row.head_branch,
      number: Number(row.number),
      authorId: row.author_id,
      author: (authors.get(row.author_id) as Person).name,
    }));
  }
}
