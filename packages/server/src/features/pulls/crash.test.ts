import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import { CrashChild } from './crash-child.js';
import { CHECKED_BODY, Harness, type Workspace } from './test-harness.js';

// A real kill -9 in the middle of a merge: a child process runs the built service with a fault
// point, dies on it, and this process restarts the service over the same database and repository.

const CHILD = `
// A queue that is never started: the merge may enqueue checks, which the restarted server runs.
const jobs = createJobQueue({ db: handle.db, dialect: handle.dialect, databaseUrl: input.databaseUrl, catalog: serverJobCatalog({ db: handle.db, consumers: new EventConsumers(eventCatalog) }), clock: systemClock, logger: quiet });
const pulls = createPullsFeature({ db: handle.db, jobs, events, repositories, projects, auth, clock: systemClock, ids: uuidGenerator, logger: quiet, rules: new RuleRunner(), config: { faults: [input.fault] } });
const project = await projects.get(input.project);
const actor = await auth.authenticate(input.token);
await pulls.merges.merge(project, actor, input.number);
process.stdout.write('survived the fault point');
await handle.close();
`;

describe.each(testDatabases())('kill -9 during a merge on $name', (kind) => {
  let database: TestDatabase;
  let h: Harness;
  let child: CrashChild | undefined;
  const workspaces: Workspace[] = [];

  beforeAll(async () => {
    database = await kind.open();
    h = await Harness.start(database);
    child = await CrashChild.write(CHILD);
  });

  afterAll(async () => {
    for (const workspace of workspaces) await workspace.dispose();
    await h?.close();
    await database?.drop();
    await child?.remove();
  });

  async function readyPull(branch: string): Promise<{ ws: Workspace; number: number }> {
    const ws = await h.project();
    workspaces.push(ws);
    await ws.branch(branch, { [`${branch.split('/').at(-1)}.txt`]: 'x\n' });
    const pull = await h.pulls.open(ws.project, h.actor('alice'), {
      head: branch,
      title: 'fix: crash me',
      body: CHECKED_BODY,
    });
    await h.pulls.review(ws.project, h.actor('bob'), pull.number, { verdict: 'approve' });
    return { ws, number: pull.number };
  }

  const attempts = async () => (await database.db.selectFrom('merge_attempts').selectAll().execute()).length;

  it('after the ref update: restart finishes the merge', async () => {
    const { ws, number } = await readyPull('feature/TF-1-kill');
    const before = await ws.serverSha('refs/heads/main');
    const result = await (child as CrashChild).run({
      dataDir: database.dataDir,
      databaseUrl: database.url,
      fault: 'merge.after-ref-update',
      project: ws.project.name,
      token: h.tokens.get('bob'),
      number,
    });
    expect(result.stdout).toBe('');
    expect({ signal: result.signal, stderr: result.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    const moved = await ws.serverSha('refs/heads/main');
    expect(moved).not.toBe(before);
    expect((await h.pulls.get(ws.project, number)).state).toBe('open');
    expect(await attempts()).toBe(1);

    const restarted = h.pullService();
    expect(await restarted.reconcile()).toMatchObject({ mergesFinished: 1, mergesAbandoned: 0 });
    expect(await h.pulls.get(ws.project, number)).toMatchObject({ state: 'merged', mergeSha: moved });
    expect(await ws.serverSha('refs/heads/feature/TF-1-kill')).toBeNull();
    expect((await ws.bareGit(['rev-list', '--count', `${before}..${moved}`])).trim()).toBe('1');
    expect(await attempts()).toBe(0);
    expect((await h.eventTypes(ws.project.id)).slice(-2)).toEqual(['pull_request.merged', 'trunk.updated']);
    expect((await h.eventsOf(ws.project.id, 'trunk.updated')).map((event) => event.payload)).toEqual([
      { trunk: 'main', before, after: moved, pullRequests: [number], source: 'merge' },
    ]);
  });

  it('after the intent: restart leaves the PR open and trunk untouched, and it merges later', async () => {
    const { ws, number } = await readyPull('feature/TF-2-kill');
    const before = await ws.serverSha('refs/heads/main');
    const result = await (child as CrashChild).run({
      dataDir: database.dataDir,
      databaseUrl: database.url,
      fault: 'merge.after-intent',
      project: ws.project.name,
      token: h.tokens.get('bob'),
      number,
    });
    expect({ signal: result.signal, stderr: result.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    expect(await ws.serverSha('refs/heads/main')).toBe(before);
    expect(await attempts()).toBe(1);

    const restarted = h.pullService();
    expect(await restarted.reconcile()).toMatchObject({ mergesFinished: 0, mergesAbandoned: 1 });
    expect((await h.pulls.get(ws.project, number)).state).toBe('open');
    expect(await attempts()).toBe(0);
    const { sha } = await restarted.merge(ws.project, h.actor('bob'), number);
    expect(await ws.serverSha('refs/heads/main')).toBe(sha);
  });
});
