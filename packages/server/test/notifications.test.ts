// Notifications through the running server on both databases: the routes and their roles, notify() in a transaction, and real deliveries to receivers on loopback that check signatures and Block Kit limits.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as api from '@trunkflow/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog } from '../src/event-catalog.js';
import { blockKitProblems } from '../src/features/notifications/block-kit.js';
import { NOTIFICATION_EVENTS } from '../src/features/notifications/event-types.js';
import { type NotificationMessage, normalizeMessage } from '../src/features/notifications/message.js';
import { notify } from '../src/features/notifications/notify.js';
import { AuditLog } from '../src/platform/audit/audit-log.js';
import { systemClock } from '../src/platform/clock.js';
import { EventLog } from '../src/platform/events/event-log.js';
import { jobWriter } from '../src/platform/jobs/catalog.js';
import { appUnitOfWork } from '../src/transaction.js';
import { startServer, type TestServer, testDatabases } from './helpers/server.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

interface Job {
  id: string;
  name: string;
  state: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
}

interface Target {
  name: string;
  kind: string;
  url: string;
  events: string[];
  lastDelivery: { ok: boolean; attempt: number; error: string | null; event: string } | null;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

/**
 * A webhook receiver as a user would write one from docs/server.md, with node:crypto and nothing of
 * Trunkflow's: the timestamp within 5 minutes of its own clock, then the HMAC of "<timestamp>.<raw body>".
 */
function verifyAsAReceiverWould(
  secret: string,
  headers: IncomingHttpHeaders,
  raw: string,
  nowMs: number,
): string | null {
  const timestamp = String(headers['x-trunkflow-timestamp'] ?? '');
  const signature = String(headers['x-trunkflow-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > 300) return 'stale timestamp';
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
  if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
    return 'bad signature';
  }
  return null;
}

/** One loopback server standing in for Slack (/slack, Block Kit checked) and for webhook receivers (/hook/…). */
class Receivers {
  server: Server = createServer();
  url = '';
  received: Received[] = [];
  /** Statuses to answer on a path, in turn; then 200. `always` answers that status forever. */
  plans = new Map<string, number[]>();
  always = new Map<string, number>();
  secrets = new Map<string, string>();
  /** The receiver's clock, moved forward to replay an old delivery. */
  skewMs = 0;

  async start(): Promise<void> {
    this.server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const path = request.url ?? '/';
        const answer = (status: number, text: string) => {
          this.received.push({ path, headers: request.headers, body, answered: status });
          response.writeHead(status, { 'content-type': 'text/plain' }).end(text);
        };
        const always = this.always.get(path);
        if (always !== undefined) return answer(always, 'receiver is down');
        const planned = this.plans.get(path)?.shift();
        if (planned !== undefined) return answer(planned, 'try again later');
        if (path.startsWith('/slack')) {
          // Slack's incoming webhooks answer 200 "ok", or 400 with a code such as invalid_blocks.
          const problems = blockKitProblems(JSON.parse(body));
          return problems.length === 0 ? answer(200, 'ok') : answer(400, `invalid_blocks: ${problems.join('; ')}`);
        }
        const secret = this.secrets.get(path);
        if (secret !== undefined) {
          const refused = verifyAsAReceiverWould(secret, request.headers, body, Date.now() + this.skewMs);
          if (refused !== null) return answer(401, refused);
        }
        return answer(200, 'thanks');
      });
    });
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  on(path: string): Received[] {
    return this.received.filter((request) => request.path === path);
  }

  stop(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }
}

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

type DocumentedVerify = (secret: string, headers: IncomingHttpHeaders, rawBody: string, nowSeconds?: number) => boolean;

/** The verification example in docs/server.md, loaded as a module: the docs show code that works. */
async function documentedVerify(): Promise<DocumentedVerify> {
  const docs = await readFile(resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/server.md'), 'utf8');
  const snippet = /```js\n(import \{ createHmac[\s\S]*?function verifyTrunkflow[\s\S]*?)```/.exec(docs)?.[1];
  if (snippet === undefined) throw new Error('docs/server.md has no verifyTrunkflow example');
  const dir = await mkdtemp(join(tmpdir(), 'trunkflow-docs-'));
  try {
    const file = join(dir, 'verify.mjs');
    await writeFile(file, `${snippet}\nexport { verifyTrunkflow };\n`);
    return ((await import(pathToFileURL(file).href)) as { verifyTrunkflow: DocumentedVerify }).verifyTrunkflow;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function message(type: NotificationMessage['type'], overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    type,
    environment: 'production',
    sha: SHA,
    occurredAt: '2026-03-01T12:00:00.000Z',
    tag: 'v1.4.0',
    authors: ['alice', 'bob'],
    url: 'http://shop.localhost:4400/',
    logsUrl: 'http://localhost:4400/runs/r-1/logs',
    summary: 'error rate 12% over 5%',
    pullRequests: [{ number: 41, title: 'fix: cart total' }],
    ...overrides,
  };
}

it('lists the same notification events in @trunkflow/api as in the feature', () => {
  expect([...api.NOTIFICATION_EVENTS]).toEqual([...NOTIFICATION_EVENTS]);
});

describe.each(testDatabases())('notifications on $name', (kind) => {
  let server: TestServer;
  const receivers = new Receivers();
  let maintainer: string;
  let developer: string;
  let outsider: string;
  let projectId: string;

  const path = (project = 'shop') => `/api/projects/${project}/notifications`;
  const add = (body: unknown, token?: string) =>
    server.api<{ target: Target; secret: string | null; error?: { code: string; message: string } }>('POST', path(), {
      body,
      ...(token === undefined ? {} : { token }),
    });
  const targets = async () => (await server.api<{ targets: Target[] }>('GET', path())).body.targets;
  const target = async (name: string) => (await targets()).find((entry) => entry.name === name);
  const deliverJobs = async (state?: string) =>
    (await server.api<{ jobs: Job[] }>('GET', `/api/admin/jobs${state ? `?state=${state}` : ''}`)).body.jobs.filter(
      (job) => job.name === 'notifications.deliver',
    );

  /** The composition root's unit of work, as the pipeline's transaction will be: notify runs inside it. */
  function unitOfWork() {
    const { db, dialect } = server.trunkflow.database;
    return appUnitOfWork(db, {
      events: new EventLog(db, dialect, systemClock, { catalog: eventCatalog }),
      audit: new AuditLog(systemClock),
      jobs: (executor) => jobWriter(server.trunkflow.jobs, executor),
    });
  }

  /** Runs a queued job now whenever it waits for its retry, until `done`. */
  async function hurryRetries(done: () => Promise<boolean>): Promise<void> {
    await waitFor('the deliveries to finish', async () => {
      if (await done()) return true;
      for (const job of await deliverJobs('queued')) {
        if (job.attempts > 0) await server.trunkflow.jobs.runNow(job.id).catch(() => undefined);
      }
      return false;
    });
  }

  beforeAll(async () => {
    await receivers.start();
    server = await startServer(kind);
    const project = await server.api<{ id: string }>('POST', '/api/projects', { body: { name: 'shop' } });
    projectId = project.body.id;
    await server.api('POST', '/api/projects', { body: { name: 'vault', visibility: 'private' } });
    maintainer = await server.createUser('mia', 'developer');
    developer = await server.createUser('dev', 'developer');
    outsider = await server.createUser('max', 'maintainer');
    const member = await server.api('PUT', '/api/projects/shop/members/mia', { body: { role: 'maintainer' } });
    expect(member.status).toBe(200);
  });

  afterAll(async () => {
    await server?.stop();
    await receivers.stop();
  });

  describe('routes', () => {
    it('lets a project maintainer add a Slack target, with no secret to show', async () => {
      const added = await add(
        {
          kind: 'slack',
          url: `${receivers.url}/slack/T000/B000/XXXX`,
          name: 'chat',
          events: ['release.rolled_back', 'release.passed'],
        },
        maintainer,
      );
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      expect(added.body).toEqual({
        target: {
          name: 'chat',
          kind: 'slack',
          url: `${receivers.url}/…`,
          events: ['release.passed', 'release.rolled_back'],
          createdAt: expect.any(String),
          createdBy: 'mia',
          lastDelivery: null,
        },
        secret: null,
      });
    });

    it('shows a webhook’s generated signing secret once, and never again', async () => {
      const added = await add(
        {
          kind: 'webhook',
          url: `${receivers.url}/hook/ops`,
          name: 'ops',
          events: ['release.rolled_back', 'release.failed'],
        },
        maintainer,
      );
      expect(added.status).toBe(201);
      const secret = added.body.secret ?? '';
      expect(secret).toMatch(/^tfwh_/);
      receivers.secrets.set('/hook/ops', secret);
      const listed = await server.api('GET', path(), { token: maintainer });
      expect(listed.status).toBe(200);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect(JSON.stringify(listed.body)).not.toContain('/hook/ops');
      // At rest too: the row holds neither the URL's path nor the secret, only sealed values.
      const rows = await server.trunkflow.database.db.selectFrom('notification_targets').selectAll().execute();
      for (const row of rows) {
        expect(JSON.stringify(row)).not.toContain(secret);
        expect(row.url_sealed).not.toContain('/hook/');
        expect(row.url_sealed).toMatch(/^v1\./);
      }
      const key = await stat(join(server.dataDir, 'secrets.key'));
      expect(key.mode & 0o777).toBe(0o600);
    });

    it('refuses a developer (403), a missing token (401), a huge body (413), and hides a private project (404)', async () => {
      const body = { kind: 'webhook', url: 'https://example.test/h' };
      const refused = await add(body, developer);
      expect(refused.status).toBe(403);
      expect(refused.body.error?.message).toContain('needs the maintainer role in this project');
      expect((await server.api('GET', path(), { token: developer })).status).toBe(403);
      expect((await server.api('DELETE', `${path()}/chat`, { token: developer })).status).toBe(403);

      const anonymous = await fetch(`${server.url}${path()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(anonymous.status).toBe(401);
      expect((await fetch(`${server.url}${path()}`)).status).toBe(401);

      const huge = await add({ ...body, secret: 'x'.repeat(20_000) }, maintainer);
      expect(huge.status).toBe(413);
      expect(huge.body.error?.code).toBe('payload_too_large');

      const hidden = await server.api<{ error: { message: string } }>('GET', path('vault'), { token: outsider });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.message).toContain('no project named "vault"');
      // An instance-wide maintainer manages internal projects' targets without a membership.
      expect((await server.api('GET', path(), { token: outsider })).status).toBe(200);
    });

    it.each([
      [{ kind: 'webhook', url: 'ftp://example.test/h' }, 400, 'must start with http:// or https://'],
      [{ kind: 'slack', url: 'hooks.slack.com/services/x' }, 400, 'is not a URL: give a full one'],
      [{ kind: 'slack', url: 'https://x.test/', events: ['deploy.ok'] }, 400, 'unknown notification event "deploy.ok"'],
      [{ kind: 'email', url: 'https://x.test/' }, 400, 'body.kind'],
      [{ kind: 'slack', url: 'https://x.test/', name: 'chat' }, 409, 'already has a notification target named "chat"'],
    ])('answers %j with %i and how to fix it', async (body, status, text) => {
      const answer = await add(body, maintainer);
      expect(answer.status).toBe(status);
      expect(answer.body.error?.message).toContain(text);
    });

    it('removes a target (audited), then answers 404 for it', async () => {
      expect((await add({ kind: 'slack', url: 'https://x.test/a', name: 'temp' }, maintainer)).status).toBe(201);
      const removed = await server.api<Target>('DELETE', `${path()}/temp`, { token: maintainer });
      expect(removed.status).toBe(200);
      expect(removed.body.name).toBe('temp');
      const again = await server.api<{ error: { message: string } }>('DELETE', `${path()}/temp`, { token: maintainer });
      expect(again.status).toBe(404);
      expect(again.body.error.message).toContain('trunkflow notify list --project shop');
      const audit = await server.trunkflow.database.db
        .selectFrom('audit_log')
        .select(['action', 'target'])
        .where('action', 'like', 'notification_target.%')
        .orderBy('id')
        .execute();
      expect(audit).toEqual(
        expect.arrayContaining([
          { action: 'notification_target.added', target: 'shop/temp' },
          { action: 'notification_target.removed', target: 'shop/temp' },
        ]),
      );
    });
  });

  describe('delivery', () => {
    it('enqueues one job per subscribed target inside the caller’s transaction, and none when it rolls back', async () => {
      const uow = unitOfWork();
      const before = receivers.received.length;
      await expect(
        uow.run(async (tx) => {
          expect(await notify(tx, projectId, message('release.rolled_back'))).toHaveLength(2);
          throw new Error('the pipeline step failed');
        }),
      ).rejects.toThrow('the pipeline step failed');
      expect(await uow.run((tx) => notify(tx, projectId, message('deploy.succeeded')))).toEqual([]);
      // Nothing was committed: no job exists, and after a later delivery lands nothing else has arrived.
      expect(await deliverJobs()).toEqual([]);
      const ids = await uow.run((tx) => notify(tx, projectId, message('release.passed')));
      expect(ids).toHaveLength(1);
      await waitFor('the Slack delivery', async () => receivers.on('/slack/T000/B000/XXXX').length === 1);
      expect(receivers.received.length - before).toBe(1);
    });

    it('sends Slack a Block Kit message within the limits, even for a huge release', async () => {
      const huge = message('release.rolled_back', {
        authors: Array.from({ length: 3000 }, (_, i) => `author-${i}`),
        pullRequests: Array.from({ length: 3000 }, (_, i) => ({
          number: i + 1,
          title: `feat: change ${i} ${'&<>'.repeat(80)}`,
        })),
      });
      const start = receivers.on('/slack/T000/B000/XXXX').length;
      const [id] = await unitOfWork().run((tx) => notify(tx, projectId, { ...huge }));
      const slack = await waitFor('the Slack delivery', async () => receivers.on('/slack/T000/B000/XXXX')[start]);
      expect(slack.answered).toBe(200);
      expect(slack.headers['idempotency-key']).toBe(`trunkflow-job-${id}`);
      const payload = JSON.parse(slack.body) as { text: string; blocks: { type: string }[] };
      expect(payload.text).toBe('Release v1.4.0 was rolled back in production (shop)');
      expect(payload.blocks.length).toBeLessThanOrEqual(50);
      expect(slack.body).toContain('…and ');
      await waitFor('the outcome', async () => (await target('chat'))?.lastDelivery?.event === 'release.rolled_back');
      expect((await target('chat'))?.lastDelivery).toMatchObject({ ok: true, attempt: 1, error: null });
    });

    it('signs webhooks so a receiver can verify them, and a replay is refused: too old, or re-stamped', async () => {
      await hurryRetries(async () => receivers.on('/hook/ops').length >= 1 && (await deliverJobs()).length === 0);
      const [delivery] = receivers.on('/hook/ops');
      if (delivery === undefined) throw new Error('no webhook delivery');
      expect(delivery.answered).toBe(200);
      const body = JSON.parse(delivery.body) as Record<string, unknown>;
      expect(body).toMatchObject({
        id: delivery.headers['idempotency-key'],
        type: 'release.rolled_back',
        status: 'rolled-back',
        project: 'shop',
        environment: 'production',
        tag: 'v1.4.0',
        sha: SHA,
        url: 'http://shop.localhost:4400/',
        logsUrl: 'http://localhost:4400/runs/r-1/logs',
        // The huge release of the test before: long lists arrive cut, with what was cut counted.
        authors: expect.arrayContaining(['author-0']),
        authorsOmitted: 2800,
        pullRequestsOmitted: 2800,
      });
      expect(delivery.headers['x-trunkflow-event']).toBe('release.rolled_back');
      expect(delivery.headers['content-type']).toBe('application/json');

      const replay = (headers: Record<string, string>) =>
        fetch(`${receivers.url}/hook/ops`, { method: 'POST', headers, body: delivery.body });
      const sent = {
        'content-type': 'application/json',
        'x-trunkflow-timestamp': String(delivery.headers['x-trunkflow-timestamp']),
        'x-trunkflow-signature': String(delivery.headers['x-trunkflow-signature']),
      };
      // The example in docs/server.md verifies it, and refuses it late or changed.
      const verifyTrunkflow = await documentedVerify();
      const secret = receivers.secrets.get('/hook/ops') ?? '';
      expect(verifyTrunkflow(secret, delivery.headers, delivery.body)).toBe(true);
      expect(verifyTrunkflow(secret, delivery.headers, delivery.body, Date.now() / 1000 + 360)).toBe(false);
      expect(verifyTrunkflow(secret, delivery.headers, delivery.body.replace('production', 'staging'))).toBe(false);
      expect(verifyTrunkflow(`${secret}x`, delivery.headers, delivery.body)).toBe(false);

      // The same bytes again, at once, still verify (the Idempotency-Key is how a receiver applies it once).
      expect((await replay(sent)).status).toBe(200);
      receivers.skewMs = 6 * 60_000;
      try {
        const stale = await replay(sent);
        expect(stale.status).toBe(401);
        expect(await stale.text()).toBe('stale timestamp');
        const restamped = await replay({
          ...sent,
          'x-trunkflow-timestamp': String(Math.floor((Date.now() + receivers.skewMs) / 1000)),
        });
        expect(restamped.status).toBe(401);
        expect(await restamped.text()).toBe('bad signature');
      } finally {
        receivers.skewMs = 0;
      }
    });

    it('retries a receiver that answers 500, with the same key and body, then records the success', async () => {
      receivers.plans.set('/hook/ops', [500, 500]);
      const start = receivers.on('/hook/ops').length;
      const [id] = await unitOfWork().run((tx) => notify(tx, projectId, message('release.failed')));
      await waitFor('the first failure to be recorded', async () => (await target('ops'))?.lastDelivery?.ok === false);
      expect((await target('ops'))?.lastDelivery).toMatchObject({
        ok: false,
        event: 'release.failed',
        attempt: 1,
        error: expect.stringContaining('answered HTTP 500: try again later'),
      });
      await hurryRetries(
        async () => receivers.on('/hook/ops').length - start >= 3 && (await deliverJobs()).length === 0,
      );
      const attempts = receivers.on('/hook/ops').slice(start);
      expect(attempts.map((attempt) => attempt.answered)).toEqual([500, 500, 200]);
      expect(new Set(attempts.map((attempt) => attempt.headers['idempotency-key']))).toEqual(
        new Set([`trunkflow-job-${id}`]),
      );
      expect(new Set(attempts.map((attempt) => attempt.body)).size).toBe(1);
      expect((await target('ops'))?.lastDelivery).toMatchObject({
        ok: true,
        attempt: 3,
        error: null,
        event: 'release.failed',
      });
    });

    it('leaves a delivery that never succeeds failed in the job list, with the reason and without the URL’s secret path', async () => {
      receivers.always.set('/hook/dead/SECRET-PATH', 503);
      const added = await add({
        kind: 'webhook',
        url: `${receivers.url}/hook/dead/SECRET-PATH`,
        name: 'dead',
        events: ['deploy.failed'],
      });
      expect(added.status).toBe(201);
      const [id] = await unitOfWork().run((tx) => notify(tx, projectId, message('deploy.failed')));
      await hurryRetries(async () => (await deliverJobs('failed')).some((job) => job.id === id));
      const [failed] = (await deliverJobs('failed')).filter((job) => job.id === id);
      expect(failed).toMatchObject({ state: 'failed', attempts: 8, maxAttempts: 8 });
      expect(failed?.lastError).toContain('notification to dead (webhook) failed');
      expect(failed?.lastError).toContain('answered HTTP 503: receiver is down');
      expect(failed?.lastError).not.toContain('SECRET-PATH');
      // The job's payload, which admins see, holds the message and the target's id, never its URL or secret.
      expect(JSON.stringify(failed)).not.toContain('SECRET-PATH');
      const dead = await target('dead');
      expect(dead?.lastDelivery).toMatchObject({ ok: false, attempt: 8, event: 'deploy.failed' });
      expect(dead?.lastDelivery?.error).not.toContain('SECRET-PATH');
      expect(receivers.on('/hook/dead/SECRET-PATH')).toHaveLength(8);
    });

    it('sends nothing for a target removed before its job ran', async () => {
      const added = await add({
        kind: 'webhook',
        url: `${receivers.url}/hook/gone`,
        name: 'gone',
        events: ['preview.ready'],
      });
      expect(added.status).toBe(201);
      const later = new Date(Date.now() + 3_600_000);
      const [id] = await unitOfWork().run(async (tx) => {
        const targets = await tx.notifications.subscribedTo(projectId, 'preview.ready');
        return Promise.all(
          targets.map(async (entry) => {
            const job = await tx.jobs.enqueue(
              'notifications.deliver',
              { targetId: entry.id, message: normalizeMessage(message('preview.ready')) },
              { runAt: later },
            );
            return job.id;
          }),
        );
      });
      expect((await server.api('DELETE', `${path()}/gone`)).status).toBe(200);
      await server.trunkflow.jobs.runNow(id as string);
      await waitFor('the job to finish', async () => (await server.api('GET', `/api/admin/jobs/${id}`)).status === 404);
      expect(receivers.on('/hook/gone')).toEqual([]);
    });
  });
});
