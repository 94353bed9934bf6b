import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.js';
import { type TestDatabase, testDatabases } from '../../platform/db/test-databases.js';
import { createJobQueue } from '../../platform/jobs/queue.js';
import { checksRunJob } from './checks-job.js';
import { CHECKED_BODY, Harness, type Workspace } from './test-harness.js';

// A real kill -9 while a check runs: a child process runs the built server's job runner with the
// `checks.before-record` fault point, dies there, and a runner started here finishes the job.
const here = dirname(fileURLToPath(import.meta.url));
const serverRoot = resolve(here, '../../..');
const repoRoot = resolve(serverRoot, '../..');
const dist = (path: string) => pathToFileURL(join(serverRoot, 'dist', path)).href;
const LEASE_MS = 1500;

const CHILD = `
const { openDatabase } = await import(${JSON.stringify(dist('platform/db/connect.js'))});
const { EventLog } = await import(${JSON.stringify(dist('platform/events/event-log.js'))});
const { eventCatalog } = await import(${JSON.stringify(dist('event-catalog.js'))});
const { Repositories } = await import(${JSON.stringify(dist('platform/git/repositories.js'))});
const { AuditLog } = await import(${JSON.stringify(dist('features/auth/audit.js'))});
const { AuthService } = await import(${JSON.stringify(dist('features/auth/service.js'))});
const { ProjectService } = await import(${JSON.stringify(dist('features/projects/service.js'))});
const { createPullsFeature } = await import(${JSON.stringify(dist('features/pulls/feature.js'))});
const { RuleRunner } = await import(${JSON.stringify(dist('features/pulls/rule-runner.js'))});
const { createJobQueue } = await import(${JSON.stringify(dist('platform/jobs/queue.js'))});
const { serverJobCatalog } = await import(${JSON.stringify(dist('job-catalog.js'))});
const { EventConsumers } = await import(${JSON.stringify(dist('platform/events/consumers.js'))});
const { systemClock, uuidGenerator } = await import(${JSON.stringify(dist('platform/clock.js'))});
const input = JSON.parse(process.env.CRASH_INPUT);
const handle = openDatabase({ dataDir: input.dataDir, databaseUrl: input.databaseUrl });
const events = new EventLog(handle.db, handle.dialect, systemClock, { catalog: eventCatalog });
const audit = new AuditLog(systemClock);
const auth = new AuthService(handle.db, systemClock, uuidGenerator, audit);
const repositories = new Repositories(input.dataDir);
const projects = new ProjectService(handle.db, repositories, events, audit, systemClock, uuidGenerator);
const quiet = { info() {}, warn() {}, error() {}, fatal() {}, debug() {}, child() { return quiet; } };
let pulls;
const jobs = createJobQueue({
  db: handle.db, dialect: handle.dialect, databaseUrl: input.databaseUrl,
  catalog: serverJobCatalog({ db: handle.db, consumers: new EventConsumers(eventCatalog), checks: () => pulls?.checks }),
  clock: systemClock, logger: quiet, pollMs: 100, leaseMs: ${LEASE_MS},
});
pulls = createPullsFeature({ db: handle.db, jobs, events, repositories, projects, auth, clock: systemClock, ids: uuidGenerator, logger: quiet, rules: new RuleRunner(), config: { faults: ['checks.before-record'] } });
await jobs.prepare();
await jobs.start();
// The runner's timers do not hold a process open: this child's must, until the fault kills it.
setInterval(() => {}, 60_000);
setTimeout(() => { process.stdout.write('the check never ran'); process.exit(3); }, 20_000);
`;

function runChild(script: string, input: Record<string, unknown>): Promise<{ signal: string | null; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, CRASH_INPUT: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', (_code, signal) => done({ signal, stdout }));
  });
}

describe.each(testDatabases())('kill -9 while a check runs on $name', (kind) => {
  let database: TestDatabase;
  let h: Harness;
  let scratch: string;
  let script: string;
  let ws: Workspace | undefined;

  beforeAll(async () => {
    // The child runs the compiled server, so compile first (a no-op when dist is current).
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
    // Only the child takes jobs until the restart below.
    await h.jobs.stop();
    scratch = await mkdtemp(join(tmpdir(), 'trunkflow-check-crash-'));
    script = join(scratch, 'child.mjs');
    await writeFile(script, CHILD);
  });

  afterAll(async () => {
    await ws?.dispose();
    await h?.rules.close();
    await database?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('after the restart the check completes, once', async () => {
    ws = await h.project();
    const sha = await ws.branch('feature/TF-1-crash', { 'c.txt': 'c\n' });
    const pull = await h.pulls.unsettled.open(ws.project, h.actor('alice'), {
      head: 'feature/TF-1-crash',
      title: 'fix: survive a crash',
      body: CHECKED_BODY,
    });
    const runs = () =>
      database.db.selectFrom('check_runs').select(['sha']).where('pull_request_id', '=', pull.id).execute();

    const crashed = await runChild(script, { dataDir: database.dataDir, databaseUrl: database.url });
    expect(crashed).toEqual({ signal: 'SIGKILL', stdout: '' });
    expect(await runs()).toEqual([]);
    expect((await h.jobs.list()).map((job) => job.name)).toEqual(['checks.run']);
    expect(await h.pulls.checks(ws.project, pull.number)).toMatchObject({ status: 'pending', sha });

    // The restart: a runner whose lease is as short as the dead one's takes the job again.
    const restarted = createJobQueue({
      db: database.db,
      dialect: database.dialect,
      ...(database.url ? { databaseUrl: database.url } : {}),
      catalog: { 'checks.run': checksRunJob(() => h.pulls.feature.checks) },
      // The dead runner's lease is by the system clock, as a restarted server's is.
      clock: systemClock,
      logger: h.logger,
      pollMs: 100,
      leaseMs: LEASE_MS,
    });
    await restarted.start();
    try {
      // Bounded: the lease runs out, the job runs again and finishes, within the wait.
      for (let attempt = 0; attempt < 300 && (await runs()).length === 0; attempt++) {
        await new Promise((done) => setTimeout(done, 100));
      }
      for (let attempt = 0; attempt < 100 && (await restarted.list()).length > 0; attempt++) {
        await new Promise((done) => setTimeout(done, 100));
      }
    } finally {
      await restarted.stop();
    }
    expect(await runs()).toEqual([{ sha }]);
    expect(await restarted.list()).toEqual([]);
    expect(await h.pulls.checks(ws.project, pull.number)).toMatchObject({ status: 'completed', sha, ok: true });
    expect((await h.eventsOf(ws.project.id, 'check.completed')).map((event) => event.payload.sha)).toEqual([sha]);
  }, 60_000);
});
