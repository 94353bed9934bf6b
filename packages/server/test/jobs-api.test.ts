// Jobs through the running server on both databases: a failed http.post job is listed with its error and retried over the admin API.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, testDatabases } from './helpers/server.js';

interface Job {
  id: string;
  name: string;
  state: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  payload: unknown;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe.each(testDatabases())('jobs admin API on $name', (kind) => {
  let server: TestServer;
  let receiver: Server;
  let receiverUrl: string;
  let healthy = false;
  const received: { key: string | undefined; body: string; status: number }[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        const status = healthy ? 200 : 500;
        received.push({ key: request.headers['idempotency-key'] as string | undefined, body, status });
        response.writeHead(status).end(healthy ? 'ok' : 'receiver is down');
      });
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    server = await startServer(kind);
  });

  afterAll(async () => {
    await server?.stop();
    await new Promise((done) => receiver?.close(done));
  });

  const enqueue = (payload: { url: string; body: unknown }, options: { maxAttempts?: number; runAt?: Date } = {}) =>
    server.trunkflow.jobs.enqueue(server.trunkflow.database.db, 'http.post', payload as never, options);

  it('lists a job that used up its attempts with its last error, and runs it again on retry', async () => {
    const { id } = await enqueue({ url: receiverUrl, body: { n: 1 } }, { maxAttempts: 1 });
    const failed = await waitFor('the job to fail', async () => {
      const listed = await server.api<{ jobs: Job[] }>('GET', '/api/admin/jobs?state=failed');
      return listed.body.jobs.find((job) => job.id === id);
    });
    expect(failed).toMatchObject({ name: 'http.post', state: 'failed', attempts: 1, maxAttempts: 1 });
    expect(failed.lastError).toContain('answered HTTP 500');
    expect(failed.payload).toEqual({ url: receiverUrl, body: { n: 1 } });
    expect(received).toHaveLength(1);

    healthy = true;
    const retried = await server.api<Job>('POST', `/api/admin/jobs/${id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id, attempts: 0 });
    await waitFor(
      'the retried job to finish',
      async () => (await server.api('GET', `/api/admin/jobs/${id}`)).status === 404,
    );
    expect(received.map((delivery) => delivery.status)).toEqual([500, 200]);
    // Both deliveries carry the same key, so a receiver can apply the job once.
    expect(new Set(received.map((delivery) => delivery.key))).toEqual(new Set([`trunkflow-job-${id}`]));
    expect(JSON.parse(received[1]?.body ?? '')).toEqual({ n: 1 });

    const again = await server.api<{ error: { code: string; message: string } }>('POST', `/api/admin/jobs/${id}/retry`);
    expect(again.status).toBe(404);
    expect(again.body.error.message).toContain(`no job ${id}`);
  });

  it('cancels a scheduled job over the API; only failed jobs can be retried', async () => {
    const { id } = await enqueue({ url: receiverUrl, body: { n: 2 } }, { runAt: new Date(Date.now() + 3_600_000) });
    const listed = await server.api<{ jobs: Job[] }>('GET', '/api/admin/jobs?state=queued');
    expect(listed.body.jobs.map((job) => job.id)).toContain(id);
    const early = await server.api<{ error: { code: string } }>('POST', `/api/admin/jobs/${id}/retry`);
    expect(early.status).toBe(409);
    const cancelled = await server.api<Job>('POST', `/api/admin/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id, state: 'queued' });
    expect((await server.api('GET', `/api/admin/jobs/${id}`)).status).toBe(404);
  });

  it('is for admins only, and refuses a malformed id or state with a clear error', async () => {
    const developer = await server.createUser('jobs-dev', 'developer');
    const refused = await server.api<{ error: { code: string } }>('GET', '/api/admin/jobs', { token: developer });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    const bad = await server.api<{ error: { code: string; message: string } }>('POST', '/api/admin/jobs/abc/retry');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('job id');
    const state = await server.api<{ error: { code: string } }>('GET', '/api/admin/jobs?state=done');
    expect(state.status).toBe(400);
  });

  it('refuses an invalid payload at enqueue', async () => {
    await expect(enqueue({ url: 'file:///etc/passwd', body: {} })).rejects.toThrow(/http:\/\/ or https:\/\//);
  });
});

describe.each(testDatabases().filter((kind) => kind.name === 'postgres'))(
  'graphile-worker in the server on $name',
  (kind) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(kind);
    });
    afterAll(async () => server?.stop());

    it('runs jobs through graphile-worker, whose schema the start created', async () => {
      const { db } = server.trunkflow.database;
      const schema = await sql`select 1 from information_schema.schemata where schema_name = 'graphile_worker'`.execute(
        db,
      );
      expect(schema.rows).toHaveLength(1);
      const later = new Date(Date.now() + 3_600_000);
      const { id } = await server.trunkflow.jobs.enqueue(
        db,
        'http.post',
        { url: 'http://127.0.0.1:9/', body: {} },
        { runAt: later },
      );
      const row = await sql<{ task_identifier: string }>`
      select task_identifier from graphile_worker.jobs where id = ${id}::bigint`.execute(db);
      expect(row.rows).toEqual([{ task_identifier: 'http.post' }]);
      expect((await server.api('POST', `/api/admin/jobs/${id}/cancel`)).status).toBe(200);
      const gone = await sql`select 1 from graphile_worker.jobs where id = ${id}::bigint`.execute(db);
      expect(gone.rows).toHaveLength(0);
    });
  },
);
