// The HTTP platform on both databases: auth, permissions, validation, limits, OpenAPI and health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, testDatabases } from './helpers/server.js';

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

describe.each(testDatabases())('HTTP API on $name', (kind) => {
  let server: TestServer;
  let developer: string;

  beforeAll(async () => {
    server = await startServer(kind);
    developer = await server.createUser('dev', 'developer');
  });
  afterAll(async () => server?.stop());

  it('answers health, readiness and Prometheus metrics', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('trunkflow_http_requests_total');
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const document = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(document.paths['/api/projects']?.post?.requestBody).toBeDefined();
    expect(Object.keys(document.paths)).toContain('/api/events/stream');
  });

  it.each([
    ['no token', undefined],
    ['a bad token', 'tf_wrong'],
  ])('refuses %s with 401 and says how to authenticate', async (_name, token) => {
    const response = await fetch(`${server.url}/api/projects`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('unauthenticated');
    expect(body.error.message).toContain('Authorization: Bearer');
  });

  it('refuses a product user creating a project (403), writing nothing, and lets the admin (201)', async () => {
    const product = await server.createUser('pat', 'product');
    const refused = await server.api<ErrorBody>('POST', '/api/projects', {
      token: product,
      body: { name: 'blocked' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('developer');
    const created = await server.api<{ gitUrl: string }>('POST', '/api/projects', { body: { name: 'web' } });
    expect(created.status).toBe(201);
    expect(created.body.gitUrl).toBe(`${server.url}/git/web.git`);
    const list = await server.api<{ projects: { name: string }[] }>('GET', '/api/projects', { token: developer });
    expect(list.body.projects.map((p) => p.name)).toEqual(['web']);
  });

  it.each([
    ['an unknown field', { name: 'x1', color: 'red' }, /color/],
    ['a wrong type', { name: 42 }, /name/],
    ['an invalid name', { name: '../etc' }, /project name "..\/etc" is not valid/],
    ['an invalid trunk', { name: 'x2', trunk: 'bad..ref' }, /trunk "bad..ref" contains ".."/],
  ])('rejects %s with 400 and a fix', async (_name, body, message) => {
    const response = await server.api<ErrorBody>('POST', '/api/projects', { body });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(message);
    const list = await server.api<{ projects: { name: string }[] }>('GET', '/api/projects');
    expect(list.body.projects.map((p) => p.name)).toEqual(['web']);
  });

  it('rejects a duplicate project with 409', async () => {
    const response = await server.api<ErrorBody>('POST', '/api/projects', { body: { name: 'web' } });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('conflict');
  });

  it('rejects an oversized body with 413', async () => {
    const response = await server.api<ErrorBody>('POST', '/api/projects', {
      body: { name: 'big', trunk: 'x'.repeat(20_000) },
    });
    expect(response.status).toBe(413);
    expect(response.body.error.message).toContain('limit');
  });

  it('creates users with hashed tokens that authenticate, and refuses duplicates', async () => {
    const me = await server.api<{ name: string; role: string }>('GET', '/api/me', { token: developer });
    expect(me.body).toMatchObject({ name: 'dev', role: 'developer' });
    const duplicate = await server.api<ErrorBody>('POST', '/api/admin/users', {
      body: { name: 'dev', role: 'viewer' },
    });
    expect(duplicate.status).toBe(409);
    const stored = await server.database.db.selectFrom('tokens').select('token_hash').execute();
    expect(stored.every((row) => /^[0-9a-f]{64}$/.test(row.token_hash))).toBe(true);
    expect(stored.some((row) => row.token_hash === developer)).toBe(false);
    const audit = await server.database.db.selectFrom('audit_log').select(['action', 'target']).execute();
    expect(audit).toContainEqual({ action: 'user.created', target: 'dev' });
  });

  it('refuses user management to non-admins', async () => {
    const response = await server.api<ErrorBody>('POST', '/api/admin/users', {
      token: developer,
      body: { name: 'eve', role: 'admin' },
    });
    expect(response.status).toBe(403);
    const users = await server.api<{ users: { name: string }[] }>('GET', '/api/admin/users');
    expect(users.body.users.map((u) => u.name)).not.toContain('eve');
  });

  it('lists and revokes tokens: a revoked token stops working at once', async () => {
    const created = await server.api<{ token: string }>('POST', '/api/admin/users/dev/tokens', {
      body: { label: 'ci' },
    });
    expect(created.status).toBe(201);
    expect((await server.api('GET', '/api/me', { token: created.body.token })).status).toBe(200);
    const listed = await server.api<{ tokens: { id: string; label: string; lastUsedAt: string | null }[] }>(
      'GET',
      '/api/admin/users/dev/tokens',
    );
    const ci = listed.body.tokens.find((token) => token.label === 'ci');
    expect(ci?.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    const revoked = await server.api<{ revokedAt: string | null }>('DELETE', `/api/admin/tokens/${ci?.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await server.api('GET', '/api/me', { token: created.body.token })).status).toBe(401);
    expect((await server.api('GET', '/api/me', { token: developer })).status).toBe(200);
    const audit = await server.database.db.selectFrom('audit_log').select('action').execute();
    expect(audit.map((row) => row.action)).toContain('token.revoked');
    expect((await server.api('DELETE', '/api/admin/tokens/no-such-token')).status).toBe(404);
  });
});
