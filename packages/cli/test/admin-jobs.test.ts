// `trunkflow admin jobs list|retry|cancel` against a real server: a failed delivery is listed with its error, retried, and delivered.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, type RunningServer, runCliAsync, startServer, TempDirs } from './helpers/server.js';

const dirs = new TempDirs();
let server: RunningServer;
let receiver: Server;
let receiverUrl: string;
let dataDir: string;
const deliveries: string[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      deliveries.push(body);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  dataDir = dirs.make('data');
  server = await startServer({ dataDir });
});

afterAll(async () => {
  await server?.stop();
  await new Promise((done) => receiver?.close(done));
  dirs.removeAll();
});

const admin = (...args: string[]) =>
  runCliAsync(args, {
    env: { ...baseEnv(dirs.make('home')), TRUNKFLOW_SERVER: server.url, TRUNKFLOW_TOKEN: server.adminToken ?? '' },
  });

/** Puts a job straight into the server's SQLite queue, as a run that used up its attempts would leave it. */
function insertJob(state: 'failed' | 'queued', runAt: string): string {
  const sqlite = new SqliteDatabase(join(dataDir, 'trunkflow.sqlite'));
  try {
    const result = sqlite
      .prepare(
        `insert into jobs (name, payload, state, attempts, max_attempts, run_at, last_error, created_at)
         values ('http.post', ?, ?, ?, 5, ?, ?, ?)`,
      )
      .run(
        JSON.stringify({ url: receiverUrl, body: { state } }),
        state,
        state === 'failed' ? 5 : 0,
        runAt,
        state === 'failed' ? 'Error: http://example.test answered HTTP 502: bad gateway' : null,
        new Date().toISOString(),
      );
    return String(result.lastInsertRowid);
  } finally {
    sqlite.close();
  }
}

describe('trunkflow admin jobs', () => {
  it('lists a failed job with its last error, retries it, and the job then runs', async () => {
    const id = insertJob('failed', new Date().toISOString());
    const text = await admin('admin', 'jobs', 'list', '--state', 'failed');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/ID\s+NAME\s+STATE\s+ATTEMPTS\s+RUN AT\s+LAST ERROR/);
    expect(text.stdout).toContain(`${id}   http.post  failed  5/5`);
    expect(text.stdout).toContain('answered HTTP 502: bad gateway');

    const json = await admin('admin', 'jobs', 'list', '--format', 'json');
    expect(JSON.parse(json.stdout).jobs).toEqual([
      expect.objectContaining({ id, name: 'http.post', state: 'failed', attempts: 5, maxAttempts: 5 }),
    ]);

    const retry = await admin('admin', 'jobs', 'retry', id);
    expect(retry.status, retry.stderr).toBe(0);
    expect(retry.stdout).toBe(`job ${id} (http.post) queued to run again\n`);
    const deadline = Date.now() + 20_000;
    while (deliveries.length === 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
    expect(deliveries.map((body) => JSON.parse(body))).toEqual([{ state: 'failed' }]);
    const after = await admin('admin', 'jobs', 'list', '--state', 'failed');
    expect(after.stdout).toBe('no failed jobs\n');
  });

  it('cancels a queued job, and says why it cannot retry one that has not failed', async () => {
    const id = insertJob('queued', new Date(Date.now() + 3_600_000).toISOString());
    const retry = await admin('admin', 'jobs', 'retry', id);
    expect(retry.status).toBe(1);
    expect(retry.stderr).toContain(`job ${id} is queued, not failed`);
    const cancel = await admin('admin', 'jobs', 'cancel', id, '--format', 'json');
    expect(cancel.status, cancel.stderr).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ id, state: 'queued' });
    const again = await admin('admin', 'jobs', 'cancel', id);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`no job ${id}`);
  });

  it('refuses a malformed id or limit before asking the server', async () => {
    const bad = await admin('admin', 'jobs', 'retry', 'abc');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('job id "abc" is not a job id');
    const limit = await admin('admin', 'jobs', 'list', '--limit', '0');
    expect(limit.status).toBe(2);
    expect(limit.stderr).toContain('--limit "0" must be a whole number from 1 to 1000');
  });
});
