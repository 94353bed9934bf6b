// Test support for the pulls kill -9 tests: a child process that runs the compiled feature and dies at a fault point.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const serverRoot = resolve(here, '../../..');
const repoRoot = resolve(serverRoot, '../..');
const dist = (path: string) => JSON.stringify(pathToFileURL(join(serverRoot, 'dist', path)).href);

/**
 * The child script's opening: the compiled services over the database and data directory named in
 * CRASH_INPUT, with `handle`, `events`, `auth`, `repositories`, `projects`, `quiet`, `pullsWiring(jobs)`
 * (the pulls feature's store and unit of work, enqueueing into `jobs`) and the factories
 * (`createJobQueue`, `serverJobCatalog`, `createPullsFeature`, …) in scope. Each test
 * appends the queue, the feature and the work that hits its fault point.
 */
export const CHILD_PRELUDE = `
const { openDatabase } = await import(${dist('platform/db/connect.js')});
const { EventLog } = await import(${dist('platform/events/event-log.js')});
const { EventConsumers } = await import(${dist('platform/events/consumers.js')});
const { eventCatalog } = await import(${dist('event-catalog.js')});
const { Repositories } = await import(${dist('platform/git/repositories.js')});
const { AuditLog } = await import(${dist('platform/audit/audit-log.js')});
const { AuthService } = await import(${dist('features/auth/service.js')});
const { ProjectService } = await import(${dist('features/projects/service.js')});
const { createPullsFeature } = await import(${dist('features/pulls/feature.js')});
const { RuleRunner } = await import(${dist('features/pulls/rule-runner.js')});
const { createJobQueue } = await import(${dist('platform/jobs/queue.js')});
const { serverJobCatalog } = await import(${dist('job-catalog.js')});
const { systemClock, uuidGenerator } = await import(${dist('platform/clock.js')});
const { appUnitOfWork, sqlStores } = await import(${dist('transaction.js')});
const { jobWriter } = await import(${dist('platform/jobs/catalog.js')});
const input = JSON.parse(process.env.CRASH_INPUT);
const handle = openDatabase({ dataDir: input.dataDir, databaseUrl: input.databaseUrl });
const events = new EventLog(handle.db, handle.dialect, systemClock, { catalog: eventCatalog });
const stores = sqlStores(handle.db);
// Jobs go, in the writing transaction, to the queue the test hands pullsWiring.
let queue;
const uow = appUnitOfWork(handle.db, { events, audit: new AuditLog(systemClock), jobs: (executor) => jobWriter(queue, executor) });
const pullsWiring = (jobs) => { queue = jobs; return { store: stores.pulls, uow }; };
const auth = new AuthService({ store: stores.auth, uow, clock: systemClock, ids: uuidGenerator });
const repositories = new Repositories(input.dataDir);
const projects = new ProjectService({ store: stores.projects, uow, repositories, clock: systemClock, ids: uuidGenerator });
const quiet = { info() {}, warn() {}, error() {}, fatal() {}, debug() {}, child() { return quiet; } };
`;

/** A child script on disk, run once per test with its own input. */
export class CrashChild {
  private constructor(
    private readonly scratch: string,
    private readonly script: string,
  ) {}

  /** Compiles the server (a no-op when dist is current), since the child runs dist, then writes the script. */
  static async write(body: string): Promise<CrashChild> {
    await new Promise<void>((done, fail) => {
      const tsc = spawn(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', serverRoot], {
        cwd: repoRoot,
        stdio: 'inherit',
      });
      tsc.on('error', fail);
      tsc.on('close', (code) => (code === 0 ? done() : fail(new Error(`tsc -b failed with ${code}`))));
    });
    const scratch = await mkdtemp(join(tmpdir(), 'trunkflow-crash-'));
    const script = join(scratch, 'child.mjs');
    await writeFile(script, CHILD_PRELUDE + body);
    return new CrashChild(scratch, script);
  }

  run(input: Record<string, unknown>): Promise<{ signal: string | null; stdout: string; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [this.script], {
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

  remove(): Promise<void> {
    return rm(this.scratch, { recursive: true, force: true });
  }
}
