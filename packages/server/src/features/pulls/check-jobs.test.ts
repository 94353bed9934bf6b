import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import type { ChecksRunPayload } from './check-runs.js';
import type { PullsJobs } from './context.js';
import { CHECKED_BODY, Harness, type Workspace } from './test-harness.js';

/**
 * A queue that holds what is enqueued, so a test runs each job when it chooses. It does not see
 * rollbacks; the real queues' contract suite (test/jobs.test.ts) covers those.
 */
class HeldChecks {
  readonly held: ChecksRunPayload[] = [];
  enqueue = (async (name: string, payload: unknown) => {
    if (name === 'checks.run') this.held.push(payload as ChecksRunPayload);
    return { id: `held-${this.held.length}` };
  }) as PullsJobs['enqueue'];
}

describe.each(testDatabases())('checks as jobs on $name', (kind) => {
  let database: TestDatabase;
  let h: Harness;
  const workspaces: Workspace[] = [];

  beforeAll(async () => {
    database = await kind.open();
    h = await Harness.start(database);
  });

  afterAll(async () => {
    for (const workspace of workspaces) await workspace.dispose();
    await h?.close();
    await database?.drop();
  });

  async function project(): Promise<Workspace> {
    const workspace = await h.project();
    workspaces.push(workspace);
    return workspace;
  }

  const runsOf = async (pullId: string) =>
    database.db.selectFrom('check_runs').select(['sha']).where('pull_request_id', '=', pullId).execute();

  it('records a superseded sha, whose passing result the gate ignores; a second run keeps one result', async () => {
    const ws = await project();
    const queue = new HeldChecks();
    const pulls = h.pullService({ jobs: queue });
    const first = await ws.branch('feature/TF-1-super', { 'a.txt': 'a\n' });
    const opened = await pulls.feature.lifecycle.open(ws.project, h.actor('alice'), {
      head: 'feature/TF-1-super',
      title: 'fix: superseded',
      body: CHECKED_BODY,
    });
    // Open answered before any rule ran: the job is enqueued, the checks are pending.
    expect(queue.held).toEqual([{ projectId: ws.project.id, number: opened.number, sha: first }]);
    expect(await pulls.checks(ws.project, opened.number)).toMatchObject({ status: 'pending', sha: first });

    // A push this service hears of (not the harness's own, whose queue would run the checks at once).
    await ws.git(['switch', '--quiet', 'feature/TF-1-super']);
    const second = await ws.commit({ 'a.txt': 'b\n' }, 'more work');
    await ws.git(['push', '--quiet', 'origin', 'feature/TF-1-super']);
    const ref = 'refs/heads/feature/TF-1-super';
    await pulls.feature.pushes.handleRefUpdates(
      ws.project.name,
      [{ ref, oldSha: first, newSha: second }],
      h.actor('alice').userId,
    );
    expect(queue.held.map((job) => job.sha)).toEqual([first, second]);
    await pulls.review(ws.project, h.actor('bob'), opened.number, { verdict: 'approve' });
    const pull = await pulls.get(ws.project, opened.number);
    expect(pull.headSha).toBe(second);

    // The first sha's job runs late, after the head moved: its result is recorded...
    const stale = queue.held[0] as ChecksRunPayload;
    expect(await pulls.feature.checks.run(stale)).toBe('recorded');
    expect(await runsOf(pull.id)).toEqual([{ sha: first }]);
    // ...and passes, but does not count at the gate: the head has no run of its own yet.
    const gate = await pulls.mergeability(ws.project, opened.number);
    expect(gate.mergeable).toBe(false);
    expect(gate.reasons.map((reason) => reason.code)).toEqual(['stale-checks']);
    expect(await pulls.checks(ws.project, opened.number)).toMatchObject({ status: 'pending', sha: second });

    // A second run of the same job keeps the one result and writes no second event.
    const completed = async () =>
      (await h.eventsOf(ws.project.id, 'check.completed')).filter((event) => event.payload.sha === first).length;
    const eventsBefore = await completed();
    expect(await pulls.feature.checks.run(stale)).toBe('kept');
    expect(await runsOf(pull.id)).toEqual([{ sha: first }]);
    expect(await completed()).toBe(eventsBefore);

    // The head's own job makes it mergeable.
    expect(await pulls.feature.checks.run({ projectId: ws.project.id, number: opened.number, sha: second })).toBe(
      'recorded',
    );
    expect(await pulls.mergeability(ws.project, opened.number)).toMatchObject({ mergeable: true, reasons: [] });
  });

  it('a refused open enqueues nothing, and a closed PR gets no new run', async () => {
    const ws = await project();
    const queue = new HeldChecks();
    const pulls = h.pullService({ jobs: queue });
    const sha = await ws.branch('feature/TF-2-dup', { 'b.txt': 'b\n' });
    const opened = await pulls.feature.lifecycle.open(ws.project, h.actor('alice'), {
      head: 'feature/TF-2-dup',
      title: 'fix: once',
      body: CHECKED_BODY,
    });
    await expect(
      pulls.feature.lifecycle.open(ws.project, h.actor('bob'), { head: 'feature/TF-2-dup', title: 'fix: twice' }),
    ).rejects.toThrow('already has an open pull request');
    expect(queue.held).toHaveLength(1);
    await pulls.close(ws.project, h.actor('alice'), opened.number);
    expect(await pulls.feature.checks.run({ projectId: ws.project.id, number: opened.number, sha })).toBe('skipped');
    expect(await runsOf(opened.id)).toEqual([]);
  });
});
