// Security findings at the HTTP boundary, through real HTTP on loopback, on SQLite and PostgreSQL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, authedGitUrl, GitClient, startServer, type TestServer, testDatabases } from './helpers/server.js';

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

async function getJson(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ErrorBody };
}

describe.each(testDatabases())('the HTTP boundary on $name', (kind) => {
  let server: TestServer;
  let admin: GitClient;

  beforeAll(async () => {
    server = await startServer(kind);
    expect((await server.api('POST', '/api/projects', { body: { name: 'shop' } })).status).toBe(201);
    admin = new GitClient();
    await admin.git('clone', '-q', authedGitUrl(server.url, 'shop', ADMIN_TOKEN), '.');
    writeFileSync(join(admin.dir, 'README.md'), '# shop\n');
    await admin.git('add', '.');
    await admin.git('commit', '-qm', 'chore: initial commit');
    await admin.git('push', '-q', 'origin', 'HEAD:main');
    await admin.git('checkout', '-qb', 'feat/cart');
    writeFileSync(join(admin.dir, 'cart.txt'), 'cart\n');
    await admin.git('add', '.');
    await admin.git('commit', '-qm', 'feat: cart');
    await admin.git('push', '-q', 'origin', 'feat/cart');
    const opened = await server.api('POST', '/api/projects/shop/pulls', {
      body: { head: 'feat/cart', title: 'feat: cart' },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  });

  afterAll(async () => {
    admin?.remove();
    await server?.stop();
  });

  it('answers a malformed percent-encoding in the URL with the usual error envelope', async () => {
    const { status, body } = await getJson(`${server.url}/api/projects/%E0%A4%A`);
    expect(status).toBe(400);
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toContain('is not valid percent-encoding');
    expect(body.error.message).toContain('%XX');
    expect(body.error.details).toEqual({});
    // In the query string and the git path too: never Fastify's own shape, never a 500.
    for (const path of ['/api/events?project=%E0%A4%A', '/git/%E0%A4%A.git/info/refs?service=git-upload-pack']) {
      const answer = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const text = await answer.text();
      expect(answer.status, `${path}: ${text}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${path}: ${text}`).toBeLessThan(500);
      if (path.startsWith('/api')) expect(Object.keys(JSON.parse(text))).toEqual(['error']);
    }
  });

  it.each(['1e3', '0x10', ' 1', '1 ', '+1', '01', '1.0', '0', '-1', '99999999999999999999'])(
    'refuses the PR number %j with 400 rather than reading it as another number',
    async (number) => {
      const { status, body } = await getJson(`${server.url}/api/projects/shop/pulls/${encodeURIComponent(number)}`);
      expect(status).toBe(400);
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message).toMatch(/params\.number: must be a positive whole number|must be at most/);
    },
  );

  it('reads PR #1 by its plain decimal number', async () => {
    const response = await server.api<{ number: number }>('GET', '/api/projects/shop/pulls/1');
    expect(response.status).toBe(200);
    expect(response.body.number).toBe(1);
  });

  it.each(['1e3', '0x10', ' 1'])('refuses the event id %j in ?after=', async (id) => {
    expect((await getJson(`${server.url}/api/events?after=${encodeURIComponent(id)}`)).status).toBe(400);
    expect((await getJson(`${server.url}/api/events/stream?after=${encodeURIComponent(id)}`)).status).toBe(400);
  });

  // HTTP strips the spaces around a header value, so ` 1` reaches the server as `1` there.
  it.each(['1e3', '0x10', '1.5'])('refuses the event id %j in Last-Event-ID', async (id) => {
    const stream = await getJson(`${server.url}/api/events/stream`, { 'last-event-id': id });
    expect(stream.status).toBe(400);
    expect(stream.body.error.message).toContain('headers.last-event-id');
  });

  it('refuses a Last-Event-ID beyond the last event with 400 instead of skipping silently', async () => {
    const { body: page } = await server.api<{ events: { id: number }[] }>('GET', '/api/events?limit=1000');
    const last = Math.max(...page.events.map((event) => event.id));
    const beyond = last + 1000;
    const stream = await getJson(`${server.url}/api/events/stream`, { 'last-event-id': String(beyond) });
    expect(stream.status).toBe(400);
    expect(stream.headers.get('content-type')).toContain('application/json');
    expect(stream.body.error.message).toBe(
      `Last-Event-ID ${beyond} is beyond the last event (${last}): resume from an id this server sent, or leave it out to start from now`,
    );
    const listed = await getJson(`${server.url}/api/events?after=${beyond}`);
    expect(listed.status).toBe(400);
    expect(listed.body.error.message).toContain(`?after= ${beyond} is beyond the last event`);

    // The last id itself is a valid place to resume from: nothing is missed, nothing refused.
    const controller = new AbortController();
    const atLast = await fetch(`${server.url}/api/events/stream`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'last-event-id': String(last) },
      signal: controller.signal,
    });
    expect(atLast.status).toBe(200);
    controller.abort();
    expect((await server.api('GET', `/api/events?after=${last}`)).status).toBe(200);
  });

  it('sends the usual security headers on JSON answers, errors, git and event streams', async () => {
    const controller = new AbortController();
    const answers = [
      await fetch(`${server.url}/api/projects`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      await fetch(`${server.url}/api/projects`),
      await fetch(`${server.url}/no/such/route`),
      await fetch(
        `${authedGitUrl(server.url, 'shop', ADMIN_TOKEN).replace(/\/\/[^@]+@/, '//')}/info/refs?service=git-upload-pack`,
        {
          headers: { authorization: `Basic ${Buffer.from(`git:${ADMIN_TOKEN}`).toString('base64')}` },
        },
      ),
      await fetch(`${server.url}/api/events/stream`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        signal: controller.signal,
      }),
    ];
    controller.abort();
    for (const answer of answers.slice(0, -1)) await answer.arrayBuffer();
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 404, 200, 200]);
    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options'), answer.url).toBe('nosniff');
      expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
      expect(answer.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('ends the open event streams of a token the moment it is revoked, and only those', async () => {
    const rita = await server.createUser('rita', 'viewer');
    const second = await server.api<{ token: string }>('POST', '/api/admin/users/rita/tokens', {
      body: { label: 'second' },
    });
    expect(second.status).toBe(201);
    const { body } = await server.api<{ tokens: { id: string; label: string }[] }>(
      'GET',
      '/api/admin/users/rita/tokens',
    );
    const ritaTokenId = body.tokens.find((token) => token.label === 'created with user')?.id ?? '';

    const open = async (token: string) => {
      const response = await fetch(`${server.url}/api/events/stream`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      /** Reads until `until` appears or the stream ends; bounded, so a stream left open fails the test. */
      const readUntil = async (until: string | null) => {
        const giveUp = setTimeout(() => void reader.cancel(), 10_000);
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return { text, ended: true };
            text += decoder.decode(value, { stream: true });
            if (until !== null && text.includes(until)) return { text, ended: false };
          }
        } finally {
          clearTimeout(giveUp);
        }
      };
      await readUntil(': connected');
      return { readUntil, cancel: () => reader.cancel().catch(() => {}) };
    };
    const revokedStream = await open(rita);
    const otherStream = await open(second.body.token);

    expect((await server.api('DELETE', `/api/admin/tokens/${ritaTokenId}`)).status).toBe(200);
    const ended = await revokedStream.readUntil(null);
    expect(ended.ended).toBe(true);
    expect(ended.text).toContain(': token revoked; the stream ends');

    // The user's other token keeps its stream, and still receives events.
    expect((await server.api('POST', '/api/projects', { body: { name: 'after-revoke' } })).status).toBe(201);
    const other = await otherStream.readUntil('"after-revoke"');
    expect(other.ended).toBe(false);
    await otherStream.cancel();
    expect((await server.api('GET', '/api/me', { token: rita })).status).toBe(401);
  });

  it('refuses a trunk given as a full ref, with the short name to use', async () => {
    const created = await server.api<ErrorBody>('POST', '/api/projects', {
      body: { name: 'full-ref', trunk: 'refs/heads/main' },
    });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toBe(
      'trunk "refs/heads/main" starts with "refs/": give the short name (e.g. "main" for "refs/heads/main"), Trunkflow adds refs/heads/',
    );
    const head = await server.api<ErrorBody>('POST', '/api/projects', { body: { name: 'head-trunk', trunk: 'HEAD' } });
    expect(head.status).toBe(400);
    expect(head.body.error.message).toContain('is "HEAD", which git reads as the current commit');
    expect((await server.api('GET', '/api/projects/full-ref')).status).toBe(404);
  });

  it('refuses a pushed branch called HEAD, or one named like a full ref, in the hook with the reason', async () => {
    for (const ref of ['refs/heads/HEAD', 'refs/heads/refs/heads/main']) {
      const push = await admin.run(['push', 'origin', `HEAD:${ref}`]);
      expect(push.status, push.stderr).not.toBe(0);
      expect(push.stderr).toContain(ref === 'refs/heads/HEAD' ? 'branch name "HEAD" is "HEAD"' : 'starts with "refs/"');
    }
    const refs = await admin.git('ls-remote', 'origin');
    expect(refs).not.toContain('refs/heads/HEAD');
    expect(refs).not.toContain('refs/heads/refs/');
  });

  describe('project visibility', () => {
    let nora: string;
    let mia: string;
    beforeAll(async () => {
      // Both hold an instance-wide role; only mia is a member of the private project.
      nora = await server.createUser('nora', 'developer');
      mia = await server.createUser('mia', 'viewer');
      const vault = await server.api<{ visibility: string }>('POST', '/api/projects', {
        body: { name: 'vault', visibility: 'private' },
      });
      expect(vault.status).toBe(201);
      expect(vault.body.visibility).toBe('private');
      const member = await server.api('PUT', '/api/projects/vault/members/mia', { body: { role: 'viewer' } });
      expect(member.status).toBe(200);
    });

    const names = async (token: string) =>
      (await server.api<{ projects: { name: string }[] }>('GET', '/api/projects', { token })).body.projects.map(
        (project) => project.name,
      );

    it('defaults to internal, and refuses an unknown visibility', async () => {
      expect((await server.api<{ visibility: string }>('GET', '/api/projects/shop')).body.visibility).toBe('internal');
      const bad = await server.api<ErrorBody>('POST', '/api/projects', { body: { name: 'x', visibility: 'public' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('visibility');
    });

    it('hides a private project from non-members as if it did not exist (404), and shows it to members', async () => {
      expect(await names(nora)).toContain('shop');
      expect(await names(nora)).not.toContain('vault');
      expect(await names(mia)).toEqual(expect.arrayContaining(['shop', 'vault']));
      expect(await names(ADMIN_TOKEN)).toContain('vault');

      const hidden = await server.api<ErrorBody>('GET', '/api/projects/vault', { token: nora });
      const missing = await server.api<ErrorBody>('GET', '/api/projects/no-such-project', { token: nora });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.message).toBe(missing.body.error.message.replace('no-such-project', 'vault'));
      expect((await server.api('GET', '/api/projects/vault/pulls', { token: nora })).status).toBe(404);
      expect((await server.api('GET', '/api/projects/vault', { token: mia })).status).toBe(200);
      expect((await server.api('GET', '/api/projects/vault/pulls', { token: mia })).status).toBe(200);
      expect((await server.api('GET', '/api/projects/shop', { token: nora })).status).toBe(200);
    });

    it('refuses non-members a clone or push of a private project with the missing-repository answer', async () => {
      const outsider = new GitClient();
      const insider = new GitClient();
      try {
        const clone = await outsider.run(['clone', '-q', authedGitUrl(server.url, 'vault', nora), '.']);
        expect(clone.status).not.toBe(0);
        expect(clone.stderr).toContain('no repository vault.git');
        await outsider.git('clone', '-q', authedGitUrl(server.url, 'shop', nora), '.');
        await insider.git('clone', '-q', authedGitUrl(server.url, 'vault', mia), '.');
      } finally {
        outsider.remove();
        insider.remove();
      }
    });

    it("keeps private events out of non-members' event pages and streams", async () => {
      type Page = { events: { type: string; projectId: string | null; payload: { name?: string } }[] };
      const created = (page: Page) =>
        page.events.filter((e) => e.type === 'project.created').map((e) => e.payload.name);
      expect((await server.api('GET', '/api/events?project=vault', { token: nora })).status).toBe(404);
      expect(created((await server.api<Page>('GET', '/api/events?limit=1000', { token: nora })).body)).not.toContain(
        'vault',
      );
      expect(created((await server.api<Page>('GET', '/api/events?limit=1000', { token: mia })).body)).toContain(
        'vault',
      );
      const filtered = await fetch(`${server.url}/api/events/stream?project=vault`, {
        headers: { authorization: `Bearer ${nora}` },
      });
      expect(filtered.status).toBe(404);
      await filtered.arrayBuffer();

      // Live: a private project created while nora's stream is open stays out of it; an internal one arrives.
      const response = await fetch(`${server.url}/api/events/stream`, { headers: { authorization: `Bearer ${nora}` } });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      const giveUp = setTimeout(() => void reader.cancel(), 10_000);
      const readUntil = async (needle: string) => {
        while (!text.includes(needle)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
      };
      await readUntil(': connected');
      expect(
        (await server.api('POST', '/api/projects', { body: { name: 'vault-two', visibility: 'private' } })).status,
      ).toBe(201);
      expect((await server.api('POST', '/api/projects', { body: { name: 'open-two' } })).status).toBe(201);
      await readUntil('"open-two"');
      clearTimeout(giveUp);
      await reader.cancel();
      expect(text).toContain('"open-two"');
      expect(text).not.toContain('vault-two');
    });
  });
});
