import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.js';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import { createJobQueue } from '../../platform/jobs/queue.js';
import { mergeSettleJob } from './merge-settle-job.js';
import { CHECKED_BODY, Harness, type Workspace } from './test-harness.js';

// kill -9 inside a merge at each fault point, then no reconcile(): the merges.settle job the intent
// enqueued (due at once here) finishes or undoes the merge when a job runner starts again.
const here = dirname(fileURLToPath(import.meta.url));
const serverRoot = resolve(here, '../../..');
const repoRoot = resolve(serverRoot, '../..');
const dist = (path: string) => pathToFileURL(join(serverRoot, 'dist', path)).href;

const CHILD = `
const { openDatabase } = await import(${JSON.stringify(dist('platform/db/connect.js'))});
const { EventLog } = await import(${JSON.stringify(dist('platform/events/event-log.js'))});
const { eventCatalog } = await import(${JSON.stringify(dist('event-catalog.js'))});
const { Repositories } = await import(${JSON.stringify(dist('platform/git/repositories.js'))});
const { AuditLog } = await import(${JSON.stringify(dist('features/auth/audit.js'))});
const { AuthService } = await import(${JSON.stringify(dist('features/auth/service.js'))});
const { ProjectService } = await import(${JSON.stringify(dist('features/projects/service.js'))});
const { createPullsFeature } = await import(${JSON.stringify(dist('features/pulls/feature.js'))});
const { createJobQueue } = await import(${JSON.stringify(dist('platform/jobs/queue.js'))});
const { serverJobCatalog } = await import(${JSON.stringify(dist('job-catalog.js'))});
const { EventConsumers } = await import(${JSON.stringify(dist('platform/events/consumers.js'))});
const { RuleRunner } = await import(${JSON.stringify(dist('features/pulls/rule-runner.js'))});
const { systemClock, uuidGenerator } = await import(${JSON.stringify(dist('platform/clock.js'))});
const input = JSON.parse(process.env.CRASH_INPUT);
const handle = openDatabase({ dataDir: input.dataDir, databaseUrl: input.databaseUrl });
const events = new EventLog(handle.db, handle.dialect, systemClock, { catalog: eventCatalog });
const audit = new AuditLog(systemClock);
const auth = new AuthService(handle.db, systemClock, uuidGenerator, audit);
const repositories = new Repositories(input.dataDir);
const projects = new ProjectService(handle.db, repositories, events, audit, systemClock, uuidGenerator);
const quiet = { info() {}, warn() {}, error() {}, fatal() {}, debug() {} };
// A queue that is never started: the merge may enqueue checks, which the restarted server runs.
const jobs = createJobQueue({ db: handle.db, dialect: handle.dialect, databaseUrl: input.databaseUrl, catalog: serverJobCatalog({ db: handle.db, consumers: new EventConsumers(eventCatalog) }), clock: systemClock, logger: quiet });
const pulls = createPullsFeature({ db: handle.db, jobs, events, repositories, projects, auth, clock: systemClock, ids: uuidGenerator, logger: quiet, rules: new RuleRunner(), config: { faults: [input.fault] }, mergeSettleDelayMs: 0 });
const project = await projects.get(input.project);
const actor = await auth.authenticate(input.token);
await pulls.merges.merge(project, actor, input.number);
process.stdout.write('survived the fault point');
await handle.close();
`;

function runChild(
  script: string,
  input: Record<string, unknown>,
): Promise<{ signal: string | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, CRASH_INPUT: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', (_code, signal) => done({ signal, stdout, stderr }));
  });
}

describe.each(testDatabases())('merges.settle after kill -9 on $name', (kind) => {
  let database: TestDatabase;
  let h: Harness;
  let scratch: string;
  let script: string;
  const workspaces: Workspace[] = [];

  beforeAll(async () => {
    // The child runs the compiled service, so compile first (a no-op when dist is current).
    await new Promise<void>((done, fail) => {
      const tsc = spawn(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', serverRoot], {
        cwd: repoRoot,
        stdio: 'inherit',
      });
      tsc.on('error', fail);
      tsc.on('close', (code) => (code === 0 ? done() : fail(new Error(`tsc -b failed with ${code}`))));
    });
    database = await kind.open();
    h = await Harness.start(database);
    scratch = await mkdtemp(join(tmpdir(), 'trunkflow-settle-'));
    script = join(scratch, 'child.mjs');
    await writeFile(script, CHILD);
  });

  afterAll(async () => {
    for (const workspace of workspaces) await workspace.dispose();
    await h?.rules.close();
    await database?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function readyPull(branch: string): Promise<{ ws: Workspace; number: number }> {
    const ws = await h.project();
    workspaces.push(ws);
    await ws.branch(branch, { [`${branch.split('/').at(-1)}.txt`]: 'x\n' });
    const pull = await h.pulls.open(ws.project, h.actor('alice'), {
      head: branch,
      title: 'fix: settle me',
      body: CHECKED_BODY,
    });
    await h.pulls.review(ws.project, h.actor('bob'), pull.number, { verdict: 'approve' });
    return { ws, number: pull.number };
  }

  const attempts = async () => (await database.db.selectFrom('merge_attempts').selectAll().execute()).length;

  it('finishes the merge killed after the ref update and undoes the one killed after the intent', async () => {
    const finished = await readyPull('feature/TF-1-settle');
    const undone = await readyPull('feature/TF-2-settle');
    // From here only the restarted runner below takes jobs (on PostgreSQL the harness's would too).
    await h.jobs.stop();
    const trunkBefore = {
      finished: await finished.ws.serverSha('refs/heads/main'),
      undone: await undone.ws.serverSha('refs/heads/main'),
    };
    for (const [fault, { ws, number }] of [
      ['merge.after-ref-update', finished],
      ['merge.after-intent', undone],
    ] as const) {
      const result = await runChild(script, {
        dataDir: database.dataDir,
        databaseUrl: database.url,
        fault,
        project: ws.project.name,
        token: h.tokens.get('bob'),
        number,
      });
      expect({ fault, signal: result.signal, stderr: result.stderr }).toEqual({ fault, signal: 'SIGKILL', stderr: '' });
    }
    expect(await attempts()).toBe(2);
    const moved = await finished.ws.serverSha('refs/heads/main');
    expect(moved).not.toBe(trunkBefore.finished);

    // The restart: a job runner by the system clock (the harness's own runs on its test clock).
    const restarted = createJobQueue({
      db: database.db,
      dialect: database.dialect,
      ...(database.url ? { databaseUrl: database.url } : {}),
      catalog: { 'merges.settle': mergeSettleJob(() => h.pulls.feature.merges) },
      clock: systemClock,
      logger: h.logger,
      pollMs: 100,
    });
    await restarted.start();
    try {
      for (let attempt = 0; attempt < 300 && (await attempts()) > 0; attempt++) {
        await new Promise((done) => setTimeout(done, 100));
      }
    } finally {
      await restarted.stop();
    }
    expect(await attempts()).toBe(0);
    expect(await h.pulls.get(finished.ws.project, finished.number)).toMatchObject({ state: 'merged', mergeSha: moved });
    expect(await finished.ws.serverSha('refs/heads/feature/TF-1-settle')).toBeNull();
    expect((await h.eventTypes(finished.ws.project.id)).slice(-2)).toEqual(['pull_request.merged', 'trunk.updated']);

    expect((await h.pulls.get(undone.ws.project, undone.number)).state).toBe('open');
    expect(await undone.ws.serverSha('refs/heads/main')).toBe(trunkBefore.undone);
    const { sha } = await h.pulls.merge(undone.ws.project, h.actor('bob'), undone.number);
    expect(await undone.ws.serverSha('refs/heads/main')).toBe(sha);
  }, 60_000);
});
