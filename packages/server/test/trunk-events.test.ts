// `trunk.updated` through real HTTP and the real git client: once per squash merge and per allowed direct push, never for a refused one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, authedGitUrl, GitClient, startServer, type TestServer, testDatabases } from './helpers/server.js';

const BODY = '## What\n\nA change.\n\n## User flows tested\n\n- [x] opened the page\n';
const ZERO = '0'.repeat(40);

interface ApiEvent {
  id: number;
  type: string;
  actor: string | null;
  payload: Record<string, unknown>;
}

interface ApiJob {
  name: string;
  payload: { eventId?: number; consumer?: string };
  attempts: number;
  lastError: string | null;
}

describe.each(testDatabases())('trunk.updated on $name', (kind) => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const clients: GitClient[] = [];
  /** What a consumer subscribed through the composition root heard, as its job ran. */
  const heard: Record<string, unknown>[] = [];

  beforeAll(async () => {
    server = await startServer(kind, {
      subscribeConsumers(consumers) {
        consumers.subscribe('trunk.updated', {
          name: 'test.record',
          handle(event) {
            heard.push(event.payload);
          },
        });
        // One attempt, so its job fails at once: an admin sees it in `trunkflow admin jobs list`.
        consumers.subscribe('trunk.updated', {
          name: 'test.fails',
          maxAttempts: 1,
          handle(event) {
            throw new Error(`cannot start a pipeline for ${event.payload.after}`);
          },
        });
      },
    });
    for (const name of ['alice', 'bob']) tokens[name] = await server.createUser(name, 'developer');
  });

  afterAll(async () => {
    for (const client of clients) client.remove();
    await server?.stop();
  });

  async function clone(project: string, token: string): Promise<GitClient> {
    const client = new GitClient();
    clients.push(client);
    await client.git('clone', '-q', authedGitUrl(server.url, project, token), '.');
    return client;
  }

  async function commit(client: GitClient, file: string): Promise<string> {
    writeFileSync(join(client.dir, file), `${file}\n`);
    await client.git('add', '.');
    await client.git('commit', '-qm', `chore: ${file}`);
    return (await client.git('rev-parse', 'HEAD')).trim();
  }

  async function events(project: string): Promise<ApiEvent[]> {
    const read = await server.api<{ events: ApiEvent[] }>('GET', `/api/events?project=${project}&limit=1000`);
    expect(read.status).toBe(200);
    return read.body.events;
  }

  const trunkEvents = async (project: string) => (await events(project)).filter((e) => e.type === 'trunk.updated');

  /** A push is settled just after git answers the client: wait until its events are there. */
  async function waitFor(project: string, found: (events: ApiEvent[]) => boolean): Promise<ApiEvent[]> {
    for (let attempt = 0; attempt < 400; attempt++) {
      const all = await events(project);
      if (found(all)) return all;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the expected events of ${project} never appeared: ${JSON.stringify(await events(project))}`);
  }

  /** A project with one commit on main, pushed by the admin (which creates trunk). */
  async function project(name: string, body: Record<string, unknown> = {}): Promise<string> {
    expect((await server.api('POST', '/api/projects', { body: { name, ...body } })).status).toBe(201);
    const admin = await clone(name, ADMIN_TOKEN);
    writeFileSync(join(admin.dir, 'trunkflow.yml'), 'rules:\n  daily-pr-limit:\n    max: 20\n');
    const first = await commit(admin, 'README.md');
    await admin.git('push', '-q', 'origin', 'HEAD:main');
    const created = await waitFor(name, (all) => all.some((e) => e.type === 'trunk.updated'));
    expect(created.filter((e) => e.type === 'trunk.updated').map((e) => [e.actor, e.payload])).toEqual([
      ['admin', { trunk: 'main', before: ZERO, after: first, pullRequests: [], source: 'push' }],
    ]);
    return first;
  }

  it('a squash merge appends exactly one trunk.updated, with the PR, right after pull_request.merged', async () => {
    const before = await project('merging');
    const alice = await clone('merging', tokens.alice ?? '');
    await alice.git('switch', '-qc', 'feature/TF-1-export');
    await commit(alice, 'export.txt');
    await alice.git('push', '-q', 'origin', 'HEAD:feature/TF-1-export');
    const pulls = '/api/projects/merging/pulls';
    const opened = await server.api<{ number: number }>('POST', pulls, {
      token: tokens.alice,
      body: { head: 'feature/TF-1-export', title: 'fix: export (TF-1)', body: BODY },
    });
    expect(opened.status).toBe(201);
    const number = opened.body.number;
    const review = await server.api('POST', `${pulls}/${number}/reviews`, {
      token: tokens.bob,
      body: { verdict: 'approve' },
    });
    expect(review.status).toBe(201);
    await server.checksDone('merging', number);

    const merged = await server.api<{ sha: string }>('POST', `${pulls}/${number}/merge`, { token: tokens.alice });
    expect(merged, JSON.stringify(merged.body)).toMatchObject({ status: 200 });
    await alice.git('fetch', '-q', 'origin', 'main');
    expect((await alice.git('rev-parse', 'FETCH_HEAD')).trim()).toBe(merged.body.sha);

    const all = await events('merging');
    const trunk = all.filter((e) => e.type === 'trunk.updated');
    expect(trunk.map((e) => [e.actor, e.payload])).toEqual([
      ['admin', { trunk: 'main', before: ZERO, after: before, pullRequests: [], source: 'push' }],
      ['alice', { trunk: 'main', before, after: merged.body.sha, pullRequests: [number], source: 'merge' }],
    ]);
    const mergedEvent = all.find((e) => e.type === 'pull_request.merged');
    // The same transaction: nothing between the two.
    expect(all.indexOf(trunk[1] as ApiEvent)).toBe(all.indexOf(mergedEvent as ApiEvent) + 1);
    // A consumer of trunk.updated hears it, once.
    for (let attempt = 0; attempt < 400 && !heard.some((p) => p.after === merged.body.sha); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(heard.filter((payload) => payload.after === merged.body.sha)).toEqual([trunk[1]?.payload]);
    // The failing consumer's job is listed as failed, with its error, for the admin to retry.
    let failed: ApiJob[] = [];
    for (let attempt = 0; attempt < 400; attempt++) {
      const listed = await server.api<{ jobs: ApiJob[] }>('GET', '/api/admin/jobs?state=failed');
      expect(listed.status).toBe(200);
      failed = listed.body.jobs.filter((job) => job.payload.eventId === trunk[1]?.id);
      if (failed.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(failed.map((job) => [job.name, job.payload.consumer, job.attempts])).toEqual([
      ['events.consume', 'test.fails', 1],
    ]);
    expect(failed[0]?.lastError).toContain(`cannot start a pipeline for ${merged.body.sha}`);
  });

  it('a refused direct push appends none; an allowed one appends one, carrying no PR', async () => {
    const refusedBase = await project('guarded');
    const alice = await clone('guarded', tokens.alice ?? '');
    await commit(alice, 'direct.txt');
    const refused = await alice.run(['push', '-q', 'origin', 'HEAD:main']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('direct pushes to main are refused');
    // A later accepted push of the same project, so every event the refused one could cause is in.
    const branchHead = await commit(alice, 'branch.txt');
    await alice.git('push', '-q', 'origin', 'HEAD:feature/TF-2-later');
    await waitFor('guarded', (all) => all.some((e) => e.type === 'push' && e.payload.after === branchHead));
    expect((await trunkEvents('guarded')).map((e) => e.payload.after)).toEqual([refusedBase]);

    const base = await project('direct', { allowDirectTrunkPush: true });
    const bob = await clone('direct', tokens.bob ?? '');
    const head = await commit(bob, 'direct.txt');
    await bob.git('push', '-q', 'origin', 'HEAD:main');
    const all = await waitFor('direct', (events) => events.filter((e) => e.type === 'trunk.updated').length === 2);
    const trunk = all.filter((e) => e.type === 'trunk.updated');
    expect(trunk[1]?.actor).toBe('bob');
    expect(trunk[1]?.payload).toEqual({ trunk: 'main', before: base, after: head, pullRequests: [], source: 'push' });
    // It comes after the push event it settles.
    const push = all.find((e) => e.type === 'push' && e.payload.after === head);
    expect(push).toBeDefined();
    expect((trunk[1]?.id ?? 0) > (push?.id ?? Number.MAX_SAFE_INTEGER)).toBe(true);
    // One push of a branch and trunk: a `push` event per ref, one trunk.updated, for trunk.
    const both = await commit(bob, 'more.txt');
    await bob.git('push', '-q', 'origin', 'HEAD:feature/TF-3-more', 'HEAD:main');
    const later = await waitFor('direct', (events) => events.filter((e) => e.type === 'trunk.updated').length >= 3);
    expect(later.filter((e) => e.type === 'push' && e.payload.after === both)).toHaveLength(2);
    expect((await trunkEvents('direct')).map((e) => e.payload.after)).toEqual([base, head, both]);
  });
});
