// A real kill -9 between an event's commit and its consumers' runs: after a restart each consumer runs, once.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/platform/clock.js';
import { type TestDatabase, testDatabases } from '../src/platform/db/test-databases.js';
import { createJobQueue } from '../src/platform/jobs/queue.js';

const here = dirname(fileURLToPath(import.meta.url));
const serverRoot = resolve(here, '..');
const repoRoot = resolve(serverRoot, '../..');
/** The child script lives in a temp folder, so it imports packages by the server's resolution. */
const resolveFromServer = (name: string) =>
  pathToFileURL(createRequire(join(serverRoot, 'package.json')).resolve(name)).href;

/** Polls until `check` holds (bounded), so the test waits for outcomes, never for a fixed time. */
async function waitFor(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + 25_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

// The child: the compiled event log, consumers and job runner over the test database. With APPEND=1
// it appends one event, which commits with its consumers' jobs, and kills itself before its runner
// starts; otherwise it runs the jobs, each consumer logging its run.
const CHILD = `
const dist = ${JSON.stringify(pathToFileURL(join(serverRoot, 'dist')).href)};
const { appendFile } = await import('node:fs/promises');
const { z } = await import(${JSON.stringify(resolveFromServer('zod'))});
const pino = (await import(${JSON.stringify(resolveFromServer('pino'))})).default;
const { openDatabase } = await import(dist + '/platform/db/connect.js');
const { createJobQueue } = await import(dist + '/platform/jobs/queue.js');
const { systemClock } = await import(dist + '/platform/clock.js');
const { defineEvents } = await import(dist + '/platform/events/catalog.js');
const { EventConsumers } = await import(dist + '/platform/events/consumers.js');
const { EventLog } = await import(dist + '/platform/events/event-log.js');
const { CONSUME_JOB, consumeJob, JobDelivery } = await import(dist + '/platform/events/job-delivery.js');
const database = openDatabase({ dataDir: process.env.DATA_DIR, databaseUrl: process.env.DATABASE_URL || undefined });
const catalog = defineEvents({ 'crash.test': { summary: 'a test event', payload: z.strictObject({ name: z.string() }) } });
const consumers = new EventConsumers(catalog);
for (const name of ['crash.one', 'crash.two']) {
  consumers.subscribe('crash.test', {
    name,
    async handle(event) {
      await appendFile(process.env.LOG, 'ran ' + name + ' ' + event.id + ' ' + event.payload.name + '\\n');
    },
  });
}
consumers.seal();
const queue = createJobQueue({
  db: database.db, dialect: database.dialect, databaseUrl: process.env.DATABASE_URL || undefined,
  catalog: { [CONSUME_JOB]: consumeJob(database.db, consumers) },
  clock: systemClock, logger: pino({ level: 'silent' }), pollMs: 100,
});
await queue.prepare();
const log = new EventLog(database.db, database.dialect, systemClock, { catalog, delivery: new JobDelivery(consumers, queue) });
if (process.env.APPEND === '1') {
  const event = await log.record({ type: 'crash.test', projectId: null, actor: null, payload: { name: 'survivor' } });
  await appendFile(process.env.LOG, 'appended ' + event.id + '\\n');
  process.kill(process.pid, 'SIGKILL');
}
await queue.start();
// The runner's timers do not hold a process open (a server's HTTP listener does): this child's must.
setInterval(() => {}, 60_000);
process.on('SIGTERM', () => queue.stop().then(() => database.close()).then(() => process.exit(0)));
`;

describe.each(testDatabases())('kill -9 between an event and its consumers on $name', (kind) => {
  let database: TestDatabase;
  let scratch: string;

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
    scratch = await mkdtemp(join(tmpdir(), 'trunkflow-consumers-crash-'));
    await writeFile(join(scratch, 'consumers.mjs'), CHILD);
  });

  afterAll(async () => {
    await database?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  function start(env: Record<string, string>): { child: ChildProcess; exited: Promise<NodeJS.Signals | null> } {
    const child = spawn(process.execPath, [join(scratch, 'consumers.mjs')], {
      cwd: serverRoot,
      env: {
        PATH: process.env.PATH,
        DATA_DIR: database.dataDir,
        LOG: join(scratch, 'log'),
        ...(database.url ? { DATABASE_URL: database.url } : {}),
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('close', (_code, signal) => done(signal)));
    return { child, exited };
  }

  const log = async () => (await readFile(join(scratch, 'log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

  it('runs each consumer once after the restart', { timeout: 60_000 }, async () => {
    const crashing = start({ APPEND: '1' });
    expect(await crashing.exited).toBe('SIGKILL');
    const [appended] = await log();
    expect(appended).toMatch(/^appended \d+$/);
    const id = appended?.split(' ')[1];
    const queue = createJobQueue({
      db: database.db,
      dialect: database.dialect,
      ...(database.url ? { databaseUrl: database.url } : {}),
      catalog: {},
      clock: systemClock,
      logger: pino({ level: 'silent' }),
    });
    // The process died with the jobs committed and not run.
    expect((await queue.list()).map((job) => [job.name, job.state, job.attempts, job.payload])).toEqual([
      ['events.consume', 'queued', 0, { eventId: Number(id), consumer: 'crash.one' }],
      ['events.consume', 'queued', 0, { eventId: Number(id), consumer: 'crash.two' }],
    ]);

    const restarted = start({});
    try {
      await waitFor('both consumers to finish after the restart', async () => (await queue.list()).length === 0);
      expect((await log()).sort()).toEqual(
        [`appended ${id}`, `ran crash.one ${id} survivor`, `ran crash.two ${id} survivor`].sort(),
      );
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });
});
