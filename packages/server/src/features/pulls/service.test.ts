import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { CHECKED_BODY, Harness, type Workspace } from './test-harness.js';

const ZERO = '0'.repeat(40);

describe.each(testDatabases())('pull requests on $name', (kind) => {
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

  async function project(options: Parameters<Harness['project']>[0] = {}): Promise<Workspace> {
    const workspace = await h.project(options);
    workspaces.push(workspace);
    return workspace;
  }

  describe('open', () => {
    it('opens from a pushed branch with the template body, the task key, an event and checks', async () => {
      const ws = await project({
        trunkFiles: { '.github/pull_request_template.md': '## User flows tested\n\n- [ ] \n', 'a.txt': 'a\n' },
      });
      const sha = await ws.branch('feature/TF-12-export', { 'a.txt': 'b\n' });
      const pull = await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'feature/TF-12-export',
        title: 'feat: export',
      });
      expect(pull).toMatchObject({
        number: 1,
        state: 'open',
        draft: false,
        head: 'feature/TF-12-export',
        headSha: sha,
        base: 'main',
        author: 'alice',
        taskKey: 'TF-12',
        body: '## User flows tested\n\n- [ ] \n',
        mergeSha: null,
      });
      const opened = await h.eventsOf(ws.project.id, 'pull_request.opened');
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatchObject({
        actor: 'alice',
        payload: { number: 1, title: 'feat: export', head: 'feature/TF-12-export', headSha: sha, author: 'alice' },
      });
      const checks = await h.pulls.checks(ws.project, 1);
      expect(checks.sha).toBe(sha);
      expect(checks.findings.map((finding) => finding.id).sort()).toEqual(
        [
          'branch-age',
          'coverage',
          'daily-pr-limit',
          'feature-flag',
          'linked-task',
          'pr-size',
          'title-format',
          'user-flow-checklist',
        ].sort(),
      );
      expect(await h.eventTypes(ws.project.id)).toEqual(['project.created', 'pull_request.opened', 'check.completed']);
    });

    it('uses an explicit body, finds the task key in the title, and counts numbers per project', async () => {
      const ws = await project();
      await ws.branch('fix-typo', { 'b.txt': 'x\n' });
      const pull = await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'fix-typo',
        title: 'fix: typo for ABC-7',
        body: 'hello',
        draft: true,
      });
      expect(pull).toMatchObject({ number: 1, body: 'hello', taskKey: 'ABC-7', draft: true });
    });

    it('takes the task pattern from trunkflow.yml on trunk, and an empty body without a template', async () => {
      const ws = await project({
        trunkFiles: { 'trunkflow.yml': 'rules:\n  linked-task:\n    pattern: "task-\\\\d+"\n' },
      });
      await ws.branch('feature/task-42', { 'a.txt': 'a\n' });
      const pull = await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/task-42', title: 'fix: x' });
      expect(pull.taskKey).toBe('task-42');
      expect(pull.body).toBe('');
      const linked = (await h.pulls.checks(ws.project, 1)).findings.find((finding) => finding.id === 'linked-task');
      expect(linked?.status).toBe('pass');
    });

    it('refuses a branch that was never pushed, with how to fix it', async () => {
      const ws = await project();
      const attempt = h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-1-nope', title: 'fix: x' });
      await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
      await expect(attempt).rejects.toThrow(
        `branch feature/TF-1-nope does not exist in project ${ws.project.name}: push it first (git push origin feature/TF-1-nope)`,
      );
      expect(await h.pulls.list(ws.project, 'all')).toEqual([]);
    });

    it.each([
      ['x y', 'contains a space'],
      ['a..b', 'contains ".."'],
      ['-rf', 'starts with "-"'],
      ['feature/x.lock', 'ending with ".lock"'],
    ])('refuses the invalid branch name %j', async (head, problem) => {
      const ws = await project();
      const attempt = h.pulls.open(ws.project, h.actor('alice'), { head, title: 'fix: x' });
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toThrow(problem);
    });

    it('refuses trunk as head, another base, and a branch with nothing new', async () => {
      const ws = await project();
      await expect(h.pulls.open(ws.project, h.actor('alice'), { head: 'main', title: 'fix: x' })).rejects.toThrow(
        'is the trunk itself',
      );
      await ws.branch('feature/TF-1-a', { 'a.txt': 'a\n' });
      await expect(
        h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-1-a', title: 'fix: x', base: 'develop' }),
      ).rejects.toThrow('is not the trunk');
      await ws.git(['push', '--quiet', 'origin', 'origin/main:refs/heads/feature/TF-2-empty']);
      await expect(
        h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-2-empty', title: 'fix: x' }),
      ).rejects.toThrow('has no commits that are not on main');
    });

    it('refuses a second open PR for the same branch, and allows one after closing', async () => {
      const ws = await project();
      await ws.branch('feature/TF-3-dup', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-3-dup', title: 'fix: one' });
      const second = h.pulls.open(ws.project, h.actor('bob'), { head: 'feature/TF-3-dup', title: 'fix: two' });
      await expect(second).rejects.toBeInstanceOf(ConflictError);
      await expect(second).rejects.toThrow('already has an open pull request (#1)');
      await h.pulls.close(ws.project, h.actor('alice'), 1);
      const third = await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-3-dup', title: 'fix: three' });
      expect(third.number).toBe(2);
    });

    it('lets only one of two racing opens of the same branch win', async () => {
      const ws = await project();
      await ws.branch('feature/TF-4-race', { 'a.txt': 'a\n' });
      const results = await Promise.allSettled([
        h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-4-race', title: 'fix: a' }),
        h.pullService().open(ws.project, h.actor('alice'), { head: 'feature/TF-4-race', title: 'fix: b' }),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((result) => result.status === 'rejected');
      expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(ConflictError);
      expect(await h.pulls.list(ws.project, 'all')).toHaveLength(1);
    });
  });

  describe('checks', () => {
    it('counts the author’s earlier PRs from the database for daily-pr-limit, and skips coverage with its reason', async () => {
      const ws = await project();
      await ws.branch('feature/TF-5-a', { 'a.txt': 'a\n' });
      await ws.branch('feature/TF-5-b', { 'b.txt': 'b\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-5-a', title: 'fix: a', body: CHECKED_BODY });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-5-b', title: 'fix: b', body: CHECKED_BODY });
      const first = await h.pulls.checks(ws.project, 1);
      const second = await h.pulls.checks(ws.project, 2);
      const limit = (run: typeof first) => run.findings.find((finding) => finding.id === 'daily-pr-limit');
      expect(limit(first)?.status).toBe('pass');
      expect(first.ok).toBe(true);
      expect(limit(second)).toMatchObject({
        status: 'fail',
        details: { count: 2, max: 1, author: 'alice@trunkflow.local', others: [{ ref: '#1', source: 'pull-request' }] },
      });
      expect(second.ok).toBe(false);
      const coverage = first.findings.find((finding) => finding.id === 'coverage');
      expect(coverage?.status).toBe('skip');
      expect(coverage?.message).toContain('no coverage report');
      const completed = await h.eventsOf(ws.project.id, 'check.completed');
      expect(completed.map((event) => event.payload)).toEqual([
        { number: 1, sha: first.sha, ok: true, failing: [] },
        { number: 2, sha: second.sha, ok: false, failing: ['daily-pr-limit'] },
      ]);
    });

    it('does not count a PR opened more than a day earlier', async () => {
      const ws = await project();
      await ws.branch('feature/TF-6-a', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-6-a', title: 'fix: a', body: CHECKED_BODY });
      h.clock.advance(26 * 3_600_000);
      await ws.branch('feature/TF-6-b', { 'b.txt': 'b\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-6-b', title: 'fix: b', body: CHECKED_BODY });
      const run = await h.pulls.checks(ws.project, 2);
      expect(run.findings.find((finding) => finding.id === 'daily-pr-limit')?.status).toBe('pass');
    });

    it('ignores a trunkflow.yml that the PR itself changes: the rules come from trunk', async () => {
      const ws = await project();
      await ws.branch('feature/TF-6-relax', {
        'trunkflow.yml': 'rules:\n  user-flow-checklist:\n    enabled: false\n',
      });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-6-relax', title: 'fix: relax (TF-6)' });
      const checklist = (await h.pulls.checks(ws.project, 1)).findings.find((f) => f.id === 'user-flow-checklist');
      expect(checklist?.status).toBe('fail');
    });

    it('evaluates with the defaults and reports the error when trunkflow.yml on trunk is invalid', async () => {
      const ws = await project({ trunkFiles: { 'trunkflow.yml': 'rules:\n  pr-size:\n    failAbove: -3\n' } });
      await ws.branch('feature/TF-7-cfg', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'feature/TF-7-cfg',
        title: 'fix: cfg',
        body: CHECKED_BODY,
      });
      const run = await h.pulls.checks(ws.project, 1);
      expect(run.configError).toContain('trunkflow.yml: rules.pr-size.failAbove');
      expect(run.findings).toHaveLength(8);
      expect(run.findings.every((finding) => finding.status !== 'fail')).toBe(true);
      expect(run.ok).toBe(false);
      const gate = await h.pulls.mergeability(ws.project, 1);
      expect(gate.reasons.find((reason) => reason.code === 'checks-failed')?.message).toContain(
        'trunkflow.yml cannot be used',
      );
    });

    it('stops a catastrophic linked-task pattern from trunk: the PR opens, its check run says why', async () => {
      const ws = await project({ trunkFiles: { 'trunkflow.yml': "rules:\n  linked-task:\n    pattern: '(a+)+$'\n" } });
      const branch = `feature/${'a'.repeat(40)}-x`;
      await ws.branch(branch, { 'a.txt': 'a\n' });
      const pull = await h.pulls.open(ws.project, h.actor('alice'), {
        head: branch,
        title: 'fix: slow',
        body: CHECKED_BODY,
      });
      expect(pull.taskKey).toBeNull();
      const run = await h.pulls.checks(ws.project, 1);
      expect(run).toMatchObject({ ok: false, findings: [] });
      expect(run.configError).toContain('backtracks catastrophically');
      const gate = await h.pulls.mergeability(ws.project, 1);
      expect(gate.reasons.find((reason) => reason.code === 'checks-failed')?.message).toContain('linked-task.pattern');
      // The engine still answers the next PR.
      const other = await project();
      await other.branch('feature/TF-30-ok', { 'b.txt': 'b\n' });
      await h.pulls.open(other.project, h.actor('alice'), {
        head: 'feature/TF-30-ok',
        title: 'fix: ok',
        body: CHECKED_BODY,
      });
      expect((await h.pulls.checks(other.project, 1)).ok).toBe(true);
    });

    it('reports YAML syntax errors the same way', async () => {
      const ws = await project({ trunkFiles: { 'trunkflow.yml': 'rules: [\n' } });
      await ws.branch('feature/TF-8-yaml', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'feature/TF-8-yaml',
        title: 'fix: y',
        body: CHECKED_BODY,
      });
      expect((await h.pulls.checks(ws.project, 1)).configError).toContain('invalid YAML');
    });
  });

  describe('push updates', () => {
    it('moves the head, dismisses earlier approvals and checks the new sha', async () => {
      const ws = await project();
      const first = await ws.branch('feature/TF-9-push', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'feature/TF-9-push',
        title: 'fix: a',
        body: CHECKED_BODY,
      });
      await h.pulls.review(ws.project, h.actor('bob'), 1, { verdict: 'approve' });
      expect((await h.pulls.mergeability(ws.project, 1)).approvals).toBe(1);

      const second = await ws.pushTo('feature/TF-9-push', { 'a.txt': 'b\n' });
      const detail = await h.pulls.detail(ws.project, 1);
      expect(detail.headSha).toBe(second);
      expect(detail.reviews).toMatchObject([{ reviewer: 'bob', verdict: 'approve', sha: first, dismissed: true }]);
      expect(detail.checks?.sha).toBe(second);
      expect((await h.pulls.checks(ws.project, 1)).sha).toBe(second);
      const gate = await h.pulls.mergeability(ws.project, 1);
      expect(gate.approvals).toBe(0);
      expect(gate.reasons.map((reason) => reason.code)).toEqual(['approvals-missing']);
      expect((await h.eventTypes(ws.project.id)).slice(-4)).toEqual([
        'review.submitted',
        'pull_request.synchronized',
        'review.dismissed',
        'check.completed',
      ]);
      const [synchronized] = await h.eventsOf(ws.project.id, 'pull_request.synchronized');
      expect(synchronized).toMatchObject({ actor: 'alice', payload: { number: 1, before: first, headSha: second } });

      // Repeating the notification changes nothing.
      await h.pulls.handleRefUpdates(
        ws.project.name,
        [{ ref: 'refs/heads/feature/TF-9-push', oldSha: first, newSha: second }],
        h.actor('alice').userId,
      );
      expect(await h.eventsOf(ws.project.id, 'pull_request.synchronized')).toHaveLength(1);
      expect(await h.eventsOf(ws.project.id, 'check.completed')).toHaveLength(2);
    });

    it('keeps approvals across pushes when the project says so', async () => {
      const ws = await project({ settings: { dismissStaleApprovals: false } });
      await ws.branch('feature/TF-10-keep', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'feature/TF-10-keep',
        title: 'fix: a',
        body: CHECKED_BODY,
      });
      await h.pulls.review(ws.project, h.actor('bob'), 1, { verdict: 'approve' });
      await ws.pushTo('feature/TF-10-keep', { 'a.txt': 'b\n' });
      const gate = await h.pulls.mergeability(ws.project, 1);
      expect(gate.approvals).toBe(1);
      expect(gate.mergeable).toBe(true);
      expect(await h.eventsOf(ws.project.id, 'review.dismissed')).toEqual([]);
    });

    it('closes the PR when its branch is deleted', async () => {
      const ws = await project();
      const sha = await ws.branch('feature/TF-11-gone', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-11-gone', title: 'fix: a' });
      await ws.git(['push', '--quiet', 'origin', '--delete', 'feature/TF-11-gone']);
      await h.pulls.handleRefUpdates(
        ws.project.name,
        [{ ref: 'refs/heads/feature/TF-11-gone', oldSha: sha, newSha: ZERO }],
        h.actor('alice').userId,
      );
      const pull = await h.pulls.get(ws.project, 1);
      expect(pull.state).toBe('closed');
      expect(pull.closedAt).not.toBeNull();
      const [closed] = await h.eventsOf(ws.project.id, 'pull_request.closed');
      expect(closed?.payload).toEqual({ number: 1, reason: 'branch-deleted' });
    });

    it('ignores pushes to branches without an open PR and to trunk', async () => {
      const ws = await project();
      const before = await h.eventTypes(ws.project.id);
      await ws.branch('feature/TF-12-lonely', { 'a.txt': 'a\n' });
      await h.pulls.handleRefUpdates(
        ws.project.name,
        [
          { ref: 'refs/heads/feature/TF-12-lonely', oldSha: ZERO, newSha: 'f'.repeat(40) },
          { ref: 'refs/heads/main', oldSha: ZERO, newSha: 'f'.repeat(40) },
          { ref: 'refs/tags/v1', oldSha: ZERO, newSha: 'f'.repeat(40) },
        ],
        h.actor('alice').userId,
      );
      expect(await h.eventTypes(ws.project.id)).toEqual(before);
    });

    it('the start-up catch-up applies a push the service never heard about', async () => {
      const ws = await project();
      await ws.branch('feature/TF-13-missed', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-13-missed', title: 'fix: a' });
      await h.pulls.review(ws.project, h.actor('bob'), 1, { verdict: 'approve' });
      await ws.git(['switch', '--quiet', 'feature/TF-13-missed']);
      const newer = await ws.commit({ 'a.txt': 'c\n' }, 'more');
      await ws.git(['push', '--quiet', 'origin', 'feature/TF-13-missed']);
      const restarted = h.pullService();
      const report = await restarted.catchUp();
      expect(report.synchronized).toBeGreaterThanOrEqual(1);
      const detail = await h.pulls.detail(ws.project, 1);
      expect(detail.headSha).toBe(newer);
      expect(detail.checks?.sha).toBe(newer);
      expect(detail.reviews[0]?.dismissed).toBe(true);
    });
  });

  describe('reviews', () => {
    it('refuses the author’s own approval but takes their comment', async () => {
      const ws = await project();
      await ws.branch('feature/TF-14-self', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-14-self', title: 'fix: a' });
      const self = h.pulls.review(ws.project, h.actor('alice'), 1, { verdict: 'approve' });
      await expect(self).rejects.toBeInstanceOf(ForbiddenError);
      await expect(self).rejects.toThrow('you cannot approve your own pull request: ask another developer');
      const note = await h.pulls.review(ws.project, h.actor('alice'), 1, { verdict: 'comment', body: 'note' });
      expect(note).toMatchObject({ reviewer: 'alice', verdict: 'comment', body: 'note', dismissed: false });
      expect(await h.eventsOf(ws.project.id, 'review.submitted')).toHaveLength(1);
    });

    it('stores reviews against the head and records who reviewed', async () => {
      const ws = await project();
      const sha = await ws.branch('feature/TF-15-rev', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-15-rev', title: 'fix: a' });
      const review = await h.pulls.review(ws.project, h.actor('bob'), 1, { verdict: 'request_changes', body: 'why?' });
      expect(review).toMatchObject({ sha, reviewer: 'bob', verdict: 'request_changes' });
      const [event] = await h.eventsOf(ws.project.id, 'review.submitted');
      expect(event).toMatchObject({
        actor: 'bob',
        payload: { number: 1, verdict: 'request_changes', reviewer: 'bob', sha },
      });
    });

    it('does not count a product approval, does count a developer one', async () => {
      const ws = await project();
      await ws.branch('feature/TF-16-roles', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'feature/TF-16-roles',
        title: 'fix: a',
        body: CHECKED_BODY,
      });
      await h.pulls.review(ws.project, h.actor('pat'), 1, { verdict: 'approve' });
      let gate = await h.pulls.mergeability(ws.project, 1);
      expect(gate).toMatchObject({ mergeable: false, approvals: 0, requiredApprovals: 1 });
      expect(gate.reasons.map((reason) => reason.code)).toEqual(['approvals-missing']);
      await h.pulls.review(ws.project, h.actor('bob'), 1, { verdict: 'approve' });
      gate = await h.pulls.mergeability(ws.project, 1);
      expect(gate).toMatchObject({ mergeable: true, approvals: 1, reasons: [] });
    });

    it('counts a project membership over the instance-wide role', async () => {
      const ws = await project();
      await h.auth.setMembership(h.actor('admin'), ws.project.id, 'pat', 'developer');
      await ws.branch('feature/TF-17-member', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'feature/TF-17-member',
        title: 'fix: a',
        body: CHECKED_BODY,
      });
      await h.pulls.review(ws.project, h.actor('pat'), 1, { verdict: 'approve' });
      expect((await h.pulls.mergeability(ws.project, 1)).approvals).toBe(1);
    });

    it('refuses reviews on a closed PR', async () => {
      const ws = await project();
      await ws.branch('feature/TF-18-closed', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-18-closed', title: 'fix: a' });
      await h.pulls.close(ws.project, h.actor('alice'), 1);
      await expect(h.pulls.review(ws.project, h.actor('bob'), 1, { verdict: 'approve' })).rejects.toThrow('is closed');
    });
  });

  describe('mergeability', () => {
    it('gives every reason with its code: draft, failed checks, changes requested, conflict', async () => {
      const ws = await project({ trunkFiles: { 'shared.txt': 'base\n' } });
      await ws.branch('feature/TF-19-all', { 'shared.txt': 'branch\n' });
      await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'feature/TF-19-all',
        title: 'not conventional',
        draft: true,
      });
      await h.pulls.review(ws.project, h.actor('bob'), 1, { verdict: 'request_changes' });
      const trunkSha = await ws.pushTrunk({ 'shared.txt': 'trunk\n' });
      const gate = await h.pulls.mergeability(ws.project, 1);
      expect(gate.mergeable).toBe(false);
      expect(gate.trunkSha).toBe(trunkSha);
      expect(gate.reasons.map((reason) => reason.code)).toEqual([
        'draft',
        'checks-failed',
        'approvals-missing',
        'changes-requested',
        'conflict',
      ]);
      const failed = gate.reasons.find((reason) => reason.code === 'checks-failed');
      expect(failed?.rules).toEqual(expect.arrayContaining(['title-format', 'user-flow-checklist']));
      expect(gate.reasons.find((reason) => reason.code === 'conflict')?.paths).toEqual(['shared.txt']);
    });

    it('says not-open for closed PRs and stale-checks when the head has none', async () => {
      const ws = await project();
      await ws.branch('feature/TF-20-stale', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'feature/TF-20-stale',
        title: 'fix: a',
        body: CHECKED_BODY,
      });
      await h.pulls.review(ws.project, h.actor('bob'), 1, { verdict: 'approve' });
      const pull = await h.pulls.get(ws.project, 1);
      // As if the only stored run were of an older sha and the head's run had not been stored yet.
      await database.db
        .updateTable('check_runs')
        .set({ sha: 'd'.repeat(40) })
        .where('pull_request_id', '=', pull.id)
        .execute();
      let gate = await h.pulls.mergeability(ws.project, 1);
      expect(gate.reasons.map((reason) => reason.code)).toEqual(['stale-checks']);
      await database.db.deleteFrom('check_runs').where('pull_request_id', '=', pull.id).execute();
      gate = await h.pulls.mergeability(ws.project, 1);
      expect(gate.reasons.map((reason) => reason.code)).toEqual(['checks-missing']);
      // While the head has no run, its checks read as pending (the gate still says checks-missing).
      expect(await h.pulls.checks(ws.project, 1)).toMatchObject({ status: 'pending', sha: pull.headSha, findings: [] });

      await h.pulls.close(ws.project, h.actor('alice'), 1);
      gate = await h.pulls.mergeability(ws.project, 1);
      expect(gate.reasons).toEqual([
        { code: 'not-open', message: 'pull request #1 is closed: reopen it before merging' },
      ]);
    });

    it('a draft becomes mergeable once marked ready', async () => {
      const ws = await project();
      await ws.branch('feature/TF-21-draft', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), {
        head: 'feature/TF-21-draft',
        title: 'fix: a',
        body: CHECKED_BODY,
        draft: true,
      });
      await h.pulls.review(ws.project, h.actor('bob'), 1, { verdict: 'approve' });
      expect((await h.pulls.mergeability(ws.project, 1)).reasons.map((reason) => reason.code)).toEqual(['draft']);
      await expect(h.pulls.ready(ws.project, h.actor('bob'), 1)).rejects.toBeInstanceOf(ForbiddenError);
      expect((await h.pulls.ready(ws.project, h.actor('alice'), 1)).draft).toBe(false);
      expect((await h.pulls.mergeability(ws.project, 1)).mergeable).toBe(true);
    });
  });

  describe('close and reopen', () => {
    it('lets the author or a maintainer close, not another developer', async () => {
      const ws = await project();
      await ws.branch('feature/TF-22-close', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-22-close', title: 'fix: a' });
      await expect(h.pulls.close(ws.project, h.actor('bob'), 1)).rejects.toThrow(
        'only the author (alice) or a maintainer may close pull request #1',
      );
      const closed = await h.pulls.close(ws.project, h.actor('mia'), 1);
      expect(closed.state).toBe('closed');
      await expect(h.pulls.close(ws.project, h.actor('mia'), 1)).rejects.toBeInstanceOf(ConflictError);
      const reopened = await h.pulls.reopen(ws.project, h.actor('alice'), 1);
      expect(reopened).toMatchObject({ state: 'open', closedAt: null });
      expect((await h.eventTypes(ws.project.id)).filter((type) => type.startsWith('pull_request.'))).toEqual([
        'pull_request.opened',
        'pull_request.closed',
        'pull_request.reopened',
      ]);
    });

    it('refuses to reopen when the branch is gone or has another open PR', async () => {
      const ws = await project();
      await ws.branch('feature/TF-23-re', { 'a.txt': 'a\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-23-re', title: 'fix: a' });
      await h.pulls.close(ws.project, h.actor('alice'), 1);
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-23-re', title: 'fix: again' });
      await expect(h.pulls.reopen(ws.project, h.actor('alice'), 1)).rejects.toThrow(
        'already has another open pull request (#2)',
      );
      await h.pulls.close(ws.project, h.actor('alice'), 2);
      await ws.git(['push', '--quiet', 'origin', '--delete', 'feature/TF-23-re']);
      await expect(h.pulls.reopen(ws.project, h.actor('alice'), 1)).rejects.toThrow(
        'branch feature/TF-23-re no longer exists',
      );
      expect((await h.pulls.get(ws.project, 1)).state).toBe('closed');
    });

    it('lists by state', async () => {
      const ws = await project();
      await ws.branch('feature/TF-24-a', { 'a.txt': 'a\n' });
      await ws.branch('feature/TF-24-b', { 'b.txt': 'b\n' });
      await h.pulls.open(ws.project, h.actor('alice'), { head: 'feature/TF-24-a', title: 'fix: a' });
      await h.pulls.open(ws.project, h.actor('bob'), { head: 'feature/TF-24-b', title: 'fix: b' });
      await h.pulls.close(ws.project, h.actor('bob'), 2);
      expect((await h.pulls.list(ws.project)).map((pull) => pull.number)).toEqual([1]);
      expect((await h.pulls.list(ws.project, 'closed')).map((pull) => pull.number)).toEqual([2]);
      expect((await h.pulls.list(ws.project, 'all')).map((pull) => pull.number)).toEqual([2, 1]);
      expect(await h.pulls.list(ws.project, 'merged')).toEqual([]);
      await expect(h.pulls.get(ws.project, 99)).rejects.toBeInstanceOf(NotFoundError);
    });
  });
});
