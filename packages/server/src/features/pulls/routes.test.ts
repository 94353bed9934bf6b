import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import { type App, buildHttpApp } from '../../platform/http/app.js';
import type { ChecksRunPayload } from './check-runs.js';
import type { PullsJobs } from './context.js';
import { registerPullRoutes } from './routes.js';
import { CHECKED_BODY, Harness, type UserName, type Workspace } from './test-harness.js';

describe.each(testDatabases())('pull request routes on $name', (kind) => {
  let database: TestDatabase;
  let h: Harness;
  let app: App;
  let ws: Workspace;
  const held: ChecksRunPayload[] = [];
  // Merge settlements are dropped: this test's merges finish, so theirs would find nothing.
  const heldJobs = {
    enqueue: async (name: string, payload: unknown) => {
      if (name === 'checks.run') held.push(payload as ChecksRunPayload);
      return { id: `held-${held.length}` };
    },
  } as PullsJobs;
  /** Runs the checks jobs the routes enqueued, as the job runner would. */
  async function runHeldChecks(): Promise<void> {
    for (const payload of held.splice(0)) await h.pulls.feature.checks.run(payload);
  }

  beforeAll(async () => {
    database = await kind.open();
    h = await Harness.start(database);
    app = await buildHttpApp({
      logger: h.logger,
      bodyLimitBytes: 1_048_576,
      authenticate: (token) => h.auth.authenticate(token),
    });
    // Checks jobs are held here and run by the test, so it sees them pending for sure.
    registerPullRoutes(app, h.pullService({ jobs: heldJobs }).feature, h.projects);
    await app.ready();
    ws = await h.project();
  });

  afterAll(async () => {
    await app?.close();
    await ws?.dispose();
    await h?.close();
    await database?.drop();
  });

  const base = () => `/api/projects/${ws.project.name}/pulls`;

  function call(method: 'GET' | 'POST', url: string, as: UserName | null, payload?: unknown) {
    return app.inject({
      method,
      url,
      headers: as === null ? {} : { authorization: `Bearer ${h.tokens.get(as)}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  it('opens, reads, reviews and merges through HTTP', async () => {
    const sha = await ws.branch('feature/TF-1-http', { 'h.txt': 'h\n' });
    const opened = await call('POST', base(), 'alice', {
      head: 'feature/TF-1-http',
      title: 'fix: over http',
      body: CHECKED_BODY,
    });
    expect(opened.statusCode).toBe(201);
    expect(opened.json()).toEqual({
      number: 1,
      title: 'fix: over http',
      body: CHECKED_BODY,
      state: 'open',
      draft: false,
      head: 'feature/TF-1-http',
      headSha: sha,
      base: 'main',
      author: 'alice',
      taskKey: 'TF-1',
      mergeSha: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      closedAt: null,
      mergedAt: null,
      url: null,
    });

    // The open answered before the rules ran: its checks are a job, pending until it is done.
    const pending = await call('GET', `${base()}/1/checks`, 'vic');
    expect(pending.json()).toMatchObject({ status: 'pending', sha, findings: [] });
    await runHeldChecks();
    const checks = await call('GET', `${base()}/1/checks`, 'vic');
    expect(checks.statusCode).toBe(200);
    expect(checks.json()).toMatchObject({ status: 'completed', sha, ok: true });
    expect(checks.json()).not.toHaveProperty('configError');
    expect(checks.json().findings).toHaveLength(8);

    const self = await call('POST', `${base()}/1/reviews`, 'alice', { verdict: 'approve' });
    expect(self.statusCode).toBe(403);
    expect(self.json().error).toMatchObject({
      code: 'forbidden',
      message: 'you cannot approve your own pull request: ask another developer',
    });

    const blocked = await call('POST', `${base()}/1/merge`, 'alice');
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().error.details.reasons).toEqual([expect.objectContaining({ code: 'approvals-missing' })]);

    const review = await call('POST', `${base()}/1/reviews`, 'bob', { verdict: 'approve', body: 'lgtm' });
    expect(review.statusCode).toBe(201);
    expect(review.json()).toMatchObject({ reviewer: 'bob', verdict: 'approve', sha, dismissed: false });

    const gate = await call('GET', `${base()}/1/mergeability`, 'vic');
    expect(gate.json()).toEqual({
      mergeable: true,
      reasons: [],
      headSha: sha,
      trunkSha: await ws.serverSha('refs/heads/main'),
      approvals: 1,
      requiredApprovals: 1,
    });

    const detail = await call('GET', `${base()}/1`, 'vic');
    expect(detail.json()).toMatchObject({
      number: 1,
      reviews: [{ reviewer: 'bob', verdict: 'approve', body: 'lgtm' }],
      checks: { sha, ok: true, failing: [], configError: null },
    });

    const merged = await call('POST', `${base()}/1/merge`, 'alice');
    expect(merged.statusCode).toBe(200);
    expect(merged.json()).toEqual({ merged: true, sha: await ws.serverSha('refs/heads/main'), number: 1 });

    const list = await call('GET', `${base()}?state=merged`, 'vic');
    expect(list.json().pulls.map((pull: { number: number }) => pull.number)).toEqual([1]);
    expect((await call('GET', base(), 'vic')).json()).toEqual({ pulls: [] });
  });

  it('refuses bad input with a clear 4xx and writes nothing', async () => {
    const before = await h.eventTypes(ws.project.id);
    const cases: [string, Awaited<ReturnType<typeof call>>, number, string][] = [
      [
        'unknown field',
        await call('POST', base(), 'alice', { head: 'feature/x', title: 'fix: x', labels: ['a'] }),
        400,
        'labels',
      ],
      ['empty title', await call('POST', base(), 'alice', { head: 'feature/x', title: '   ' }), 400, 'title'],
      [
        'invalid branch name',
        await call('POST', base(), 'alice', { head: 'bad name', title: 'fix: x' }),
        400,
        'contains a space',
      ],
      [
        'missing branch',
        await call('POST', base(), 'alice', { head: 'feature/TF-9-nope', title: 'fix: x' }),
        404,
        'push it first (git push origin feature/TF-9-nope)',
      ],
      [
        'oversized body',
        await call('POST', base(), 'alice', { head: 'feature/x', title: 'fix: x', body: 'x'.repeat(140_000) }),
        413,
        'too large',
      ],
      ['unknown review verdict', await call('POST', `${base()}/1/reviews`, 'bob', { verdict: 'lgtm' }), 400, 'verdict'],
      ['unknown field on merge', await call('POST', `${base()}/1/merge`, 'alice', { force: true }), 400, 'force'],
      ['bad number', await call('GET', `${base()}/abc`, 'vic'), 400, 'number'],
      ['bad state filter', await call('GET', `${base()}?state=weird`, 'vic'), 400, 'state'],
      ['no such PR', await call('GET', `${base()}/42`, 'vic'), 404, 'no pull request #42'],
      ['no such project', await call('GET', '/api/projects/nope/pulls', 'vic'), 404, 'no project named "nope"'],
      ['no token', await call('GET', base(), null), 401, 'missing or invalid token'],
      [
        'viewer opening',
        await call('POST', base(), 'vic', { head: 'feature/x', title: 'fix: x' }),
        403,
        'developer role',
      ],
      [
        'viewer reviewing',
        await call('POST', `${base()}/1/reviews`, 'vic', { verdict: 'comment' }),
        403,
        'product role',
      ],
      ['product merging', await call('POST', `${base()}/1/merge`, 'pat', {}), 403, 'developer role'],
    ];
    for (const [name, response, status, text] of cases) {
      expect({ name, status: response.statusCode }).toEqual({ name, status });
      expect(response.json().error.message, name).toContain(text);
    }
    expect(await h.eventTypes(ws.project.id)).toEqual(before);
  });

  it('documents every route in the OpenAPI document', async () => {
    const response = await call('GET', '/api/openapi.json', null);
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json().paths).filter((path) => path.includes('/pulls'));
    expect(paths.sort()).toEqual(
      [
        '/api/projects/{project}/pulls',
        '/api/projects/{project}/pulls/{number}',
        '/api/projects/{project}/pulls/{number}/checks',
        '/api/projects/{project}/pulls/{number}/close',
        '/api/projects/{project}/pulls/{number}/merge',
        '/api/projects/{project}/pulls/{number}/mergeability',
        '/api/projects/{project}/pulls/{number}/ready',
        '/api/projects/{project}/pulls/{number}/reopen',
        '/api/projects/{project}/pulls/{number}/reviews',
      ].sort(),
    );
  });

  it('closes and reopens over HTTP, with an empty body or none', async () => {
    await ws.branch('feature/TF-2-close', { 'c.txt': 'c\n' });
    const opened = await call('POST', base(), 'alice', {
      head: 'feature/TF-2-close',
      title: 'fix: close me',
      draft: true,
    });
    const number = opened.json().number as number;
    const denied = await call('POST', `${base()}/${number}/close`, 'bob');
    expect(denied.statusCode).toBe(403);
    const closed = await call('POST', `${base()}/${number}/close`, 'alice', {});
    expect(closed.json()).toMatchObject({ state: 'closed' });
    const reopened = await call('POST', `${base()}/${number}/reopen`, 'mia');
    expect(reopened.json()).toMatchObject({ state: 'open', closedAt: null });
    const ready = await call('POST', `${base()}/${number}/ready`, 'alice');
    expect(ready.json()).toMatchObject({ draft: false });
  });
});
