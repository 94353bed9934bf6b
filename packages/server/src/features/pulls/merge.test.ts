import { commitTree, mergeTrees, TRUNKFLOW_COMMITTER } from '@trunkflow/git';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppEventCatalog, eventCatalog } from '../../event-catalog.js';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/schema.js';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import { ConflictError, MergeConflictError } from '../../platform/errors.js';
import { type DomainEvent, EventLog, type NewEvent } from '../../platform/events/event-log.js';
import type { MergeResult } from './merge-protocol.js';
import { CHECKED_BODY, Harness, type UserName, type Workspace } from './test-harness.js';

/** Lets one author open several PRs a day, so tests can merge more than one. */
const RELAXED = { 'trunkflow.yml': 'rules:\n  daily-pr-limit:\n    max: 20\n', 'README.md': '# demo\n' };

class Crash extends Error {}

/** The real event log, except that recording a merge fails the first `failures` times. */
class FailingMergeEvents extends EventLog<AppEventCatalog> {
  constructor(
    database: TestDatabase,
    clock: Clock,
    private failures: number,
  ) {
    super(database.db, database.dialect, clock, { catalog: eventCatalog });
  }

  override append(executor: Kysely<Database>, event: NewEvent<AppEventCatalog>): Promise<DomainEvent> {
    if (event.type === 'pull_request.merged' && this.failures > 0) {
      this.failures -= 1;
      return Promise.reject(new Error('connection to the database lost'));
    }
    return super.append(executor, event);
  }
}

describe.each(testDatabases())('squash merge on $name', (kind) => {
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

  async function project(trunkFiles: Record<string, string> = RELAXED): Promise<Workspace> {
    const workspace = await h.project({ trunkFiles });
    workspaces.push(workspace);
    return workspace;
  }

  /** Pushes a branch, opens its PR and has bob approve it: ready to merge. */
  async function readyPull(
    ws: Workspace,
    branch: string,
    files: Record<string, string | null>,
    options: { title?: string; body?: string; author?: UserName } = {},
  ): Promise<number> {
    const author = options.author ?? 'alice';
    await ws.branch(branch, files, author);
    const pull = await h.pulls.open(ws.project, h.actor(author), {
      head: branch,
      title: options.title ?? `fix: ${branch}`,
      body: options.body ?? CHECKED_BODY,
    });
    await h.pulls.review(ws.project, h.actor(author === 'bob' ? 'carol' : 'bob'), pull.number, { verdict: 'approve' });
    const gate = await h.pulls.mergeability(ws.project, pull.number);
    expect(gate.reasons).toEqual([]);
    return pull.number;
  }

  const trunkOf = (ws: Workspace) => ws.serverSha(`refs/heads/${ws.project.trunk}`);

  async function attempts(): Promise<number> {
    return (await database.db.selectFrom('merge_attempts').select('pull_request_id').execute()).length;
  }

  it('squashes onto trunk: one commit, "<title> (#n)", parent the old trunk, the branch deleted, events in order', async () => {
    const ws = await project();
    await ws.branch('feature/TF-1-squash', { 'src/a.txt': 'one\n' });
    await ws.pushTo('feature/TF-1-squash', { 'src/a.txt': 'two\n', 'src/b.txt': 'bee\n' });
    const pull = await h.pulls.open(ws.project, h.actor('alice'), {
      head: 'feature/TF-1-squash',
      title: 'fix: squash it',
      body: CHECKED_BODY,
    });
    await h.pulls.review(ws.project, h.actor('bob'), 1, { verdict: 'approve' });
    const before = (await trunkOf(ws)) ?? '';
    h.clock.advance(60_000);

    const result = await h.pulls.merge(ws.project, h.actor('bob'), pull.number);
    expect(result).toMatchObject({ merged: true, number: 1 });
    const after = (await trunkOf(ws)) ?? '';
    expect(after).toBe(result.sha);
    expect((await ws.bareGit(['rev-list', '--count', `${before}..${after}`])).trim()).toBe('1');
    expect((await ws.bareGit(['rev-parse', `${after}^`])).trim()).toBe(before);
    expect(await ws.bareGit(['log', '-1', '--format=%B', after])).toBe(`fix: squash it (#1)\n\n${CHECKED_BODY}\n`);
    expect((await ws.bareGit(['log', '-1', '--format=%an <%ae>|%cn <%ce>', after])).trim()).toBe(
      'alice <alice@trunkflow.local>|Trunkflow <trunkflow@localhost>',
    );
    expect(await ws.bareGit(['show', `${after}:src/a.txt`])).toBe('two\n');
    expect(await ws.bareGit(['show', `${after}:src/b.txt`])).toBe('bee\n');
    // The tree is exactly the branch's tree: trunk had not moved.
    expect((await ws.bareGit(['rev-parse', `${after}^{tree}`])).trim()).toBe(
      (await ws.bareGit(['rev-parse', `${pull.headSha}^{tree}`])).trim(),
    );
    expect(await ws.serverSha('refs/heads/feature/TF-1-squash')).toBeNull();

    const merged = await h.pulls.get(ws.project, 1);
    expect(merged).toMatchObject({ state: 'merged', mergeSha: after });
    expect(merged.mergedAt).not.toBeNull();
    expect(await attempts()).toBe(0);
    expect(await h.eventTypes(ws.project.id)).toEqual([
      'project.created',
      'pull_request.opened',
      'check.completed',
      'review.submitted',
      'pull_request.merged',
      'trunk.updated',
    ]);
    const [event] = await h.eventsOf(ws.project.id, 'pull_request.merged');
    expect(event).toMatchObject({ actor: 'bob', payload: { number: 1, sha: after, title: 'fix: squash it' } });
    const [moved] = await h.eventsOf(ws.project.id, 'trunk.updated');
    expect(moved).toMatchObject({
      actor: 'bob',
      payload: { trunk: 'main', before, after, pullRequests: [1], source: 'merge' },
    });
    await expect(h.pulls.merge(ws.project, h.actor('bob'), 1)).rejects.toThrow('already merged');
  });

  describe('an unexpected error after trunk moved', () => {
    it('finishes the merge on a second try and answers merged', async () => {
      const ws = await project();
      const number = await readyPull(ws, 'feature/TF-12-flaky', { 'flaky.txt': 'x\n' });
      const flaky = h.pullService({ events: new FailingMergeEvents(database, h.clock, 1) });
      const result = await flaky.merge(ws.project, h.actor('alice'), number);
      expect(result.merged).toBe(true);
      expect(await trunkOf(ws)).toBe(result.sha);
      expect(await h.pulls.get(ws.project, number)).toMatchObject({ state: 'merged', mergeSha: result.sha });
      expect(await h.eventsOf(ws.project.id, 'pull_request.merged')).toHaveLength(1);
      expect((await h.eventsOf(ws.project.id, 'trunk.updated')).map((event) => event.payload.after)).toEqual([
        result.sha,
      ]);
      expect(await ws.serverSha('refs/heads/feature/TF-12-flaky')).toBeNull();
      expect(await attempts()).toBe(0);
    });

    it('keeps the intent when the second try fails too, and the restart finishes the merge', async () => {
      const ws = await project();
      const number = await readyPull(ws, 'feature/TF-13-down', { 'down.txt': 'x\n' });
      const before = await trunkOf(ws);
      const down = h.pullService({ events: new FailingMergeEvents(database, h.clock, 2) });
      await expect(down.merge(ws.project, h.actor('alice'), number)).rejects.toThrow('connection to the database lost');
      const trunk = await trunkOf(ws);
      expect(trunk).not.toBe(before);
      expect((await h.pulls.get(ws.project, number)).state).toBe('open');
      expect(await attempts()).toBe(1);
      // A merge now is refused rather than squashed twice.
      await expect(h.pulls.merge(ws.project, h.actor('alice'), number)).rejects.toThrow('being merged right now');

      await h.pullService().settleMerges(h.heldSettles.splice(0));
      expect(await h.pulls.get(ws.project, number)).toMatchObject({ state: 'merged', mergeSha: trunk });
      expect(await h.eventsOf(ws.project.id, 'pull_request.merged')).toHaveLength(1);
      expect((await h.eventsOf(ws.project.id, 'trunk.updated')).map((event) => event.payload)).toEqual([
        { trunk: 'main', before, after: trunk, pullRequests: [number], source: 'merge' },
      ]);
      expect(await attempts()).toBe(0);
    });
  });

  it('writes only the subject when the body is empty', async () => {
    const ws = await project({ ...RELAXED, 'trunkflow.yml': 'rules:\n  user-flow-checklist:\n    enabled: false\n' });
    const number = await readyPull(ws, 'feature/TF-2-nobody', { 'x.txt': 'x\n' }, { body: '' });
    const { sha } = await h.pulls.merge(ws.project, h.actor('alice'), number);
    expect(await ws.bareGit(['cat-file', '-p', sha])).toMatch(/\n\nfix: feature\/TF-2-nobody \(#1\)\n$/);
  });

  it('refuses a blocked merge with the reasons and changes nothing', async () => {
    const ws = await project();
    await ws.branch('feature/TF-3-blocked', { 'x.txt': 'x\n' });
    await h.pulls.open(ws.project, h.actor('alice'), {
      head: 'feature/TF-3-blocked',
      title: 'fix: x',
      body: CHECKED_BODY,
    });
    const before = await trunkOf(ws);
    const attempt = h.pulls.merge(ws.project, h.actor('alice'), 1);
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toMatchObject({
      code: 'conflict',
      details: { reasons: [expect.objectContaining({ code: 'approvals-missing' })] },
    });
    expect(await trunkOf(ws)).toBe(before);
    expect((await h.pulls.get(ws.project, 1)).state).toBe('open');
    expect(await ws.serverSha('refs/heads/feature/TF-3-blocked')).not.toBeNull();
  });

  it('answers a content conflict with the paths and changes nothing', async () => {
    const ws = await project({ ...RELAXED, 'shared.txt': 'base\n' });
    const number = await readyPull(ws, 'feature/TF-4-conflict', { 'shared.txt': 'branch\n', 'own.txt': 'own\n' });
    const trunk = await ws.pushTrunk({ 'shared.txt': 'trunk\n' });
    const events = await h.eventTypes(ws.project.id);
    const attempt = h.pulls.merge(ws.project, h.actor('alice'), number);
    await expect(attempt).rejects.toBeInstanceOf(MergeConflictError);
    await expect(attempt).rejects.toMatchObject({ code: 'merge_conflict', details: { paths: ['shared.txt'] } });
    expect(await trunkOf(ws)).toBe(trunk);
    expect((await h.pulls.get(ws.project, number)).state).toBe('open');
    expect(await attempts()).toBe(0);
    expect(await h.eventTypes(ws.project.id)).toEqual(events);
  });

  it('merges onto a trunk that moved since the branch was cut, keeping both changes', async () => {
    const ws = await project();
    const number = await readyPull(ws, 'feature/TF-5-moved', { 'mine.txt': 'mine\n' });
    const trunk = await ws.pushTrunk({ 'theirs.txt': 'theirs\n' });
    const { sha } = await h.pulls.merge(ws.project, h.actor('alice'), number);
    expect((await ws.bareGit(['rev-parse', `${sha}^`])).trim()).toBe(trunk);
    expect(await ws.bareGit(['show', `${sha}:mine.txt`])).toBe('mine\n');
    expect(await ws.bareGit(['show', `${sha}:theirs.txt`])).toBe('theirs\n');
  });

  it('applies a push it had not heard of before merging: the new head needs a new approval', async () => {
    const ws = await project();
    const number = await readyPull(ws, 'feature/TF-6-late', { 'a.txt': 'a\n' });
    await ws.git(['switch', '--quiet', 'feature/TF-6-late']);
    const late = await ws.commit({ 'a.txt': 'sneaky\n' }, 'late change');
    await ws.git(['push', '--quiet', 'origin', 'feature/TF-6-late']);
    const before = await trunkOf(ws);
    const attempt = h.pulls.merge(ws.project, h.actor('alice'), number);
    // The merge applies the push and enqueues its checks; it does not run the rules while it holds the
    // lock, so the old head's passing run is what it has, and it does not count for the new head.
    await expect(attempt).rejects.toMatchObject({
      details: {
        reasons: [
          expect.objectContaining({ code: 'stale-checks' }),
          expect.objectContaining({ code: 'approvals-missing' }),
        ],
      },
    });
    expect(await trunkOf(ws)).toBe(before);
    expect((await h.pulls.get(ws.project, number)).headSha).toBe(late);
  });

  describe('concurrent merges', () => {
    async function expectAllLanded(ws: Workspace, before: string | null, results: MergeResult[], files: string[]) {
      const trunk = await trunkOf(ws);
      expect((await ws.bareGit(['rev-list', '--count', `${before}..${trunk}`])).trim()).toBe(String(results.length));
      for (const result of results) {
        // No merge commit was lost: each is on trunk's first-parent line.
        const line = await ws.bareGit(['rev-list', '--first-parent', `${before}..${trunk}`]);
        expect(line.split('\n')).toContain(result.sha);
        expect((await h.pulls.get(ws.project, result.number)).state).toBe('merged');
      }
      for (const file of files) expect(await ws.bareGit(['show', `${trunk}:${file}`])).toBe(`${file}\n`);
      expect(await attempts()).toBe(0);
    }

    it('lands both of two non-conflicting merges on one service', async () => {
      const ws = await project();
      const one = await readyPull(ws, 'feature/TF-7-one', { 'one.txt': 'one.txt\n' });
      const two = await readyPull(ws, 'feature/TF-7-two', { 'two.txt': 'two.txt\n' });
      const before = await trunkOf(ws);
      const results = await Promise.all([
        h.pulls.merge(ws.project, h.actor('alice'), one),
        h.pulls.merge(ws.project, h.actor('alice'), two),
      ]);
      await expectAllLanded(ws, before, results, ['one.txt', 'two.txt']);
    });

    it('lands every merge from two services sharing the database and repository', async () => {
      const ws = await project();
      const files = ['a1.txt', 'a2.txt', 'b1.txt', 'b2.txt'];
      const numbers: number[] = [];
      for (const file of files)
        numbers.push(await readyPull(ws, `feature/TF-8-${file.slice(0, 2)}`, { [file]: `${file}\n` }));
      const before = await trunkOf(ws);
      const other = h.pullService();
      const results = await Promise.all(
        numbers.map((number, index) => (index % 2 === 0 ? h.pulls : other).merge(ws.project, h.actor('alice'), number)),
      );
      await expectAllLanded(ws, before, results, files);
    });

    it('re-evaluates when another process moves trunk between its commit and its compare-and-swap', async () => {
      const ws = await project();
      const first = await readyPull(ws, 'feature/TF-9-first', { 'first.txt': 'first.txt\n' });
      const second = await readyPull(ws, 'feature/TF-9-second', { 'second.txt': 'second.txt\n' });
      const before = await trunkOf(ws);
      const processA = h.pullService();
      let raced: MergeResult | null = null;
      // Process B stops right after recording its intent; process A merges the other PR meanwhile.
      const processB = h.pullService({
        faults: ['merge.after-intent'],
        onFault: async () => {
          if (raced === null) raced = await processA.merge(ws.project, h.actor('bob'), first);
        },
      });
      const late = await processB.merge(ws.project, h.actor('alice'), second);
      expect(raced).not.toBeNull();
      const landed = raced as unknown as MergeResult;
      expect((await ws.bareGit(['rev-parse', `${late.sha}^`])).trim()).toBe(landed.sha);
      await expectAllLanded(ws, before, [landed, late], ['first.txt', 'second.txt']);
    });

    it('gives one merge and one clear 409 with the paths for two conflicting PRs', async () => {
      const ws = await project({ ...RELAXED, 'shared.txt': 'base\n' });
      const one = await readyPull(ws, 'feature/TF-10-one', { 'shared.txt': 'one\n' });
      const two = await readyPull(ws, 'feature/TF-10-two', { 'shared.txt': 'two\n' });
      const before = await trunkOf(ws);
      const results = await Promise.allSettled([
        h.pulls.merge(ws.project, h.actor('alice'), one),
        h.pullService().merge(ws.project, h.actor('alice'), two),
      ]);
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result) => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const reason = (lost[0] as PromiseRejectedResult).reason as MergeConflictError;
      expect(reason).toBeInstanceOf(MergeConflictError);
      expect(reason.details).toEqual({ paths: ['shared.txt'] });
      const trunk = await trunkOf(ws);
      expect((await ws.bareGit(['rev-list', '--count', `${before}..${trunk}`])).trim()).toBe('1');
      const states = await Promise.all([one, two].map(async (n) => (await h.pulls.get(ws.project, n)).state));
      expect(states.sort()).toEqual(['merged', 'open']);
      expect(await attempts()).toBe(0);
    });

    it('answers a conflict found on re-evaluation after trunk moved', async () => {
      const ws = await project({ ...RELAXED, 'shared.txt': 'base\n' });
      const number = await readyPull(ws, 'feature/TF-11-late', { 'shared.txt': 'mine\n' });
      let moved = '';
      const racer = h.pullService({
        faults: ['merge.after-intent'],
        onFault: async () => {
          if (moved === '') moved = await ws.pushTrunk({ 'shared.txt': 'theirs\n' });
        },
      });
      await expect(racer.merge(ws.project, h.actor('alice'), number)).rejects.toMatchObject({
        code: 'merge_conflict',
        details: { paths: ['shared.txt'] },
      });
      expect(await trunkOf(ws)).toBe(moved);
      expect((await h.pulls.get(ws.project, number)).state).toBe('open');
      expect(await attempts()).toBe(0);
    });
  });

  describe('crash safety', () => {
    const crashAt = (point: string) =>
      h.pullService({
        faults: [point],
        onFault: () => {
          throw new Crash(point);
        },
      });

    it('finishes a merge that crashed after trunk moved: its settle job marks it merged and deletes the branch', async () => {
      const ws = await project();
      const number = await readyPull(ws, 'feature/TF-12-crash', { 'c.txt': 'c\n' });
      const before = await trunkOf(ws);
      await expect(crashAt('merge.after-ref-update').merge(ws.project, h.actor('bob'), number)).rejects.toBeInstanceOf(
        Crash,
      );
      const moved = await trunkOf(ws);
      expect(moved).not.toBe(before);
      expect((await h.pulls.get(ws.project, number)).state).toBe('open');
      expect(await attempts()).toBe(1);

      const restarted = h.pullService();
      const settles = h.heldSettles.splice(0);
      const report = await restarted.settleMerges(settles);
      expect(report).toMatchObject({ mergesFinished: 1, mergesAbandoned: 0 });
      expect(await h.pulls.get(ws.project, number)).toMatchObject({ state: 'merged', mergeSha: moved });
      expect(await trunkOf(ws)).toBe(moved);
      expect(await ws.serverSha('refs/heads/feature/TF-12-crash')).toBeNull();
      expect(await attempts()).toBe(0);
      const merged = await h.eventsOf(ws.project.id, 'pull_request.merged');
      expect(merged).toHaveLength(1);
      expect(merged[0]).toMatchObject({ actor: 'bob', payload: { number, sha: moved } });
      // Running the job again is harmless.
      expect(await restarted.settleMerges(settles)).toMatchObject({ mergesFinished: 0, mergesAbandoned: 0 });
    });

    it('drops a merge that crashed before trunk moved: the PR stays open and merges later', async () => {
      const ws = await project();
      const number = await readyPull(ws, 'feature/TF-13-crash', { 'd.txt': 'd\n' });
      const before = await trunkOf(ws);
      await expect(crashAt('merge.after-intent').merge(ws.project, h.actor('bob'), number)).rejects.toBeInstanceOf(
        Crash,
      );
      expect(await trunkOf(ws)).toBe(before);
      expect(await attempts()).toBe(1);
      // While the intent is recorded, the PR can neither be merged again nor closed.
      await expect(h.pulls.merge(ws.project, h.actor('bob'), number)).rejects.toThrow('is being merged right now');
      await expect(h.pulls.close(ws.project, h.actor('alice'), number)).rejects.toThrow('is being merged right now');

      const report = await h.pullService().settleMerges(h.heldSettles.splice(0));
      expect(report).toMatchObject({ mergesFinished: 0, mergesAbandoned: 1 });
      expect((await h.pulls.get(ws.project, number)).state).toBe('open');
      expect(await trunkOf(ws)).toBe(before);
      expect(await attempts()).toBe(0);
      const { sha } = await h.pulls.merge(ws.project, h.actor('bob'), number);
      expect(await trunkOf(ws)).toBe(sha);
    });

    it('settles hand-made crash states: intent plus ref update → merged; intent alone → open', async () => {
      const ws = await project();
      const landed = await readyPull(ws, 'feature/TF-14-landed', { 'l.txt': 'l\n' });
      const pending = await readyPull(ws, 'feature/TF-14-pending', { 'p.txt': 'p\n' });
      const repo = ws.bare;
      const trunk = (await trunkOf(ws)) ?? '';
      const squash = async (number: number) => {
        const pull = await h.pulls.get(ws.project, number);
        const { tree } = await mergeTrees(repo, trunk, pull.headSha);
        const sha = await commitTree(repo, {
          tree,
          parent: trunk,
          message: `${pull.title} (#${number})\n`,
          author: { name: 'alice', email: 'alice@trunkflow.local' },
          committer: TRUNKFLOW_COMMITTER,
          at: h.clock.now(),
        });
        await database.db
          .insertInto('merge_attempts')
          .values({
            pull_request_id: pull.id,
            commit_sha: sha,
            trunk_before: trunk,
            created_at: h.clock.now().toISOString(),
            actor: 'mia',
          })
          .execute();
        return { pullRequestId: pull.id, commitSha: sha };
      };
      const landedIntent = await squash(landed);
      const landedSha = landedIntent.commitSha;
      const pendingIntent = await squash(pending);
      await ws.bareGit(['update-ref', 'refs/heads/main', landedSha, trunk]);

      const report = await h.pullService().settleMerges([landedIntent, pendingIntent]);
      expect(report).toMatchObject({ mergesFinished: 1, mergesAbandoned: 1 });
      expect(await h.pulls.get(ws.project, landed)).toMatchObject({ state: 'merged', mergeSha: landedSha });
      expect((await h.pulls.get(ws.project, pending)).state).toBe('open');
      expect(await trunkOf(ws)).toBe(landedSha);
      expect(await attempts()).toBe(0);
      const [merged] = await h.eventsOf(ws.project.id, 'pull_request.merged');
      expect(merged?.actor).toBe('mia');
    });
  });
});
