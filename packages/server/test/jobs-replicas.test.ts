// Two server processes on one PostgreSQL database share the job queue: 200 http.post jobs, each delivered exactly once.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog } from '../src/event-catalog.js';
import { serverJobCatalog } from '../src/job-catalog.js';
import { systemClock } from '../src/platform/clock.js';
import { type TestDatabase, testDatabases } from '../src/platform/db/test-databases.js';
import { EventConsumers } from '../src/platform/events/consumers.js';
import { createJobQueue } from '../src/platform/jobs/queue.js';
import { ADMIN_TOKEN } from './helpers/server.js';

const here = dirname(fileURLToPath(import.meta.url));
const serverRoot = resolve(here, '..');
const repoRoot = resolve(serverRoot, '../..');
const JOBS = 200;
/** What each server runs at once: graphile-worker's concurrency in the jobs runner (its default, 4). */
const PER_SERVER_CONCURRENCY = 4;

const CHILD = `
const server = await import(${JSON.stringify(pathToFileURL(join(serverRoot, 'dist', 'index.js')).href)});
const config = server.loadServerConfig({ port: '0' }, process.env, process.cwd());
const trunkflow = await server.createTrunkflow({ config });
const url = await trunkflow.listen();
process.stdout.write(JSON.stringify({ url }) + '\\n');
process.on('SIGTERM', () => trunkflow.close().then(() => process.exit(0)));
`;

interface Running {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

describe.each(testDatabases().filter((kind) => kind.name === 'postgres'))(
  'two servers on one $name database',
  (kind) => {
    let database: TestDatabase;
    let scratch: string;
    let receiver: Server;
    let receiverUrl: string;
    const servers: Running[] = [];
    const deliveries: { n: number; key: string }[] = [];
    /** The most deliveries the receiver held unanswered at once. */
    let peak = 0;

    beforeAll(async () => {
      await new Promise<void>((done, fail) => {
        const tsc = spawn(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', serverRoot], {
          cwd: repoRoot,
          stdio: 'inherit',
        });
        tsc.on('error', fail);
        tsc.on('close', (code) => (code === 0 ? done() : fail(new Error(`tsc -b failed with ${code}`))));
      });
      database = await kind.open({ migrate: false });
      scratch = await mkdtemp(join(tmpdir(), 'trunkflow-replicas-'));
      await writeFile(join(scratch, 'server.mjs'), CHILD);
      // The first deliveries are held until more are in flight at once than one server runs (4 jobs at a
      // time each): reaching that proves both servers were taking jobs. Held ones go after 15 s regardless.
      const held: (() => void)[] = [];
      const releaseHeld = () => {
        for (const release of held.splice(0)) release();
      };
      const fallback = setTimeout(releaseHeld, 15_000);
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        request.on('end', () => {
          deliveries.push({
            n: (JSON.parse(body) as { n: number }).n,
            key: String(request.headers['idempotency-key']),
          });
          const answer = () => response.writeHead(200).end('ok');
          if (peak > PER_SERVER_CONCURRENCY) return answer();
          held.push(answer);
          peak = Math.max(peak, held.length);
          if (peak > PER_SERVER_CONCURRENCY) {
            clearTimeout(fallback);
            releaseHeld();
          }
        });
      });
      await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/count`;
    });

    afterAll(async () => {
      for (const running of servers) {
        running.child.kill('SIGTERM');
        await running.exited;
      }
      await new Promise((done) => receiver?.close(done));
      await database?.drop();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    async function start(name: string): Promise<Running> {
      const dataDir = join(scratch, name);
      const child = spawn(process.execPath, [join(scratch, 'server.mjs')], {
        cwd: scratch,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TRUNKFLOW_DATA_DIR: dataDir,
          TRUNKFLOW_ADMIN_TOKEN: ADMIN_TOKEN,
          LOG_LEVEL: 'warn',
          DATABASE_URL: database.url ?? '',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
      const url = await new Promise<string>((done, fail) => {
        let stdout = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const line = stdout.split('\n')[0];
          if (stdout.includes('\n') && line) done((JSON.parse(line) as { url: string }).url);
        });
        void exited.then((code) => fail(new Error(`server ${name} exited (${code}) before listening`)));
      });
      const running = { url, child, exited };
      servers.push(running);
      return running;
    }

    it('runs 200 jobs with exactly one delivery each, counted at a local receiver', { timeout: 120_000 }, async () => {
      // One after the other: two first starts at once race to create the first admin (a gap outside the jobs).
      const first = await start('one');
      const second = await start('two');
      expect(first.url).not.toBe(second.url);

      const queue = createJobQueue({
        db: database.db,
        dialect: database.dialect,
        databaseUrl: database.url ?? '',
        // Only to enqueue: the servers run the jobs.
        catalog: serverJobCatalog({ db: database.db, consumers: new EventConsumers(eventCatalog) }),
        clock: systemClock,
        logger: pino({ level: 'silent' }),
      });
      const ids = new Set<string>();
      await database.db.transaction().execute(async (trx) => {
        for (let n = 0; n < JOBS; n++) {
          const { id } = await queue.enqueue(trx, 'http.post', { url: receiverUrl, body: { n } });
          ids.add(id);
        }
      });
      expect(ids.size).toBe(JOBS);

      const deadline = Date.now() + 90_000;
      while ((await queue.list({ limit: 1 })).length > 0 && Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, 100));
      }
      // A job leaves the queue only after its delivery was answered: nothing more can arrive now.
      expect(await queue.list()).toEqual([]);
      expect(deliveries).toHaveLength(JOBS);
      expect(new Set(deliveries.map((delivery) => delivery.n)).size).toBe(JOBS);
      expect(new Set(deliveries.map((delivery) => delivery.key))).toEqual(
        new Set([...ids].map((id) => `trunkflow-job-${id}`)),
      );
      // Both servers were up and working the queue the whole time: each still answers.
      for (const running of [first, second]) expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    });
  },
);
