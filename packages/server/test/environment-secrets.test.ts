// Environment secrets through the running server on both databases: maintainers set, list and remove them; values are sealed at rest and never in an answer, the audit log or the server's log.
import { Writable } from 'node:stream';
import { SECRETS_PER_ENVIRONMENT_MAX } from '@trunkflow/core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretContext } from '../src/features/secrets/service.js';
import { SecretBox } from '../src/platform/secrets/secret-box.js';
import { startServer, type TestServer, testDatabases } from './helpers/server.js';

interface Secret {
  name: string;
  environment: string;
  updatedAt: string;
  updatedBy: string;
}
interface Failure {
  error?: { code: string; message: string };
}

const STAGING_VALUE = 'sk_staging_7f3a9c2e-value';
const REPLACED_VALUE = 'sk_staging_second-value-91b';
const PRODUCTION_VALUE = 'sk_live_0d5e8b-production';

describe.each(testDatabases())('environment secrets on $name', (kind) => {
  let server: TestServer;
  let maintainer = '';
  let developer = '';
  let outsider = '';
  let projectId = '';
  /** Every line the server logged, at the most verbose level. */
  const logged: string[] = [];
  /** Every answer body, to check no value was ever sent back. */
  const answers: string[] = [];

  const path = (environment = 'staging', name?: string, project = 'shop') =>
    `/api/projects/${project}/environments/${environment}/secrets${name === undefined ? '' : `/${name}`}`;
  async function call<T = Secret & Failure>(method: string, url: string, token: string, body?: unknown) {
    const answer = await server.api<T>(method, url, { token, ...(body === undefined ? {} : { body }) });
    answers.push(JSON.stringify(answer.body));
    return answer;
  }
  const put = (environment: string, name: string, value: unknown, token = maintainer) =>
    call('PUT', path(environment, name), token, { value });

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk));
        done();
      },
    });
    server = await startServer(kind, { logger: pino({ level: 'trace' }, sink) });
    projectId = (await server.api<{ id: string }>('POST', '/api/projects', { body: { name: 'shop' } })).body.id;
    await server.api('POST', '/api/projects', { body: { name: 'vault', visibility: 'private' } });
    maintainer = await server.createUser('mia', 'developer');
    developer = await server.createUser('dev', 'developer');
    outsider = await server.createUser('max', 'maintainer');
    expect((await server.api('PUT', '/api/projects/shop/members/mia', { body: { role: 'maintainer' } })).status).toBe(
      200,
    );
  });
  afterAll(async () => server?.stop());

  it('lets a project maintainer set a secret (201), replace it (200) and list it by name only', async () => {
    const created = await put('staging', 'API_KEY', STAGING_VALUE);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({
      name: 'API_KEY',
      environment: 'staging',
      updatedAt: expect.any(String),
      updatedBy: 'mia',
    });
    const replaced = await put('staging', 'API_KEY', REPLACED_VALUE);
    expect(replaced.status).toBe(200);
    expect((await put('production', 'API_KEY', PRODUCTION_VALUE)).status).toBe(201);
    expect((await put('staging', 'DATABASE_URL', 'postgres://app:pw@db/app')).status).toBe(201);

    const listed = await call<{ secrets: Secret[] }>('GET', path('staging'), maintainer);
    expect(listed.status).toBe(200);
    expect(listed.body.secrets.map((secret) => [secret.name, secret.environment, secret.updatedBy])).toEqual([
      ['API_KEY', 'staging', 'mia'],
      ['DATABASE_URL', 'staging', 'mia'],
    ]);
    expect(Object.keys(listed.body.secrets[0] ?? {}).sort()).toEqual(['environment', 'name', 'updatedAt', 'updatedBy']);
    const production = await call<{ secrets: Secret[] }>('GET', path('production'), maintainer);
    expect(production.body.secrets.map((secret) => secret.name)).toEqual(['API_KEY']);
    expect((await call<{ secrets: Secret[] }>('GET', path('preview'), maintainer)).body.secrets).toEqual([]);
  });

  it('keeps each value sealed at rest, bound to its project, environment and name', async () => {
    const rows = await server.trunkflow.database.db.selectFrom('environment_secrets').selectAll().execute();
    expect(rows).toHaveLength(3);
    const box = SecretBox.inDataDir(server.dataDir);
    for (const row of rows) {
      for (const value of [STAGING_VALUE, REPLACED_VALUE, PRODUCTION_VALUE]) {
        expect(row.value_sealed).not.toContain(value);
      }
      expect(row.value_sealed).toMatch(/^v1\./);
    }
    const staging = rows.find((row) => row.environment === 'staging' && row.name === 'API_KEY');
    const sealed = staging?.value_sealed ?? '';
    expect(await box.open(sealed, secretContext(projectId, 'staging', 'API_KEY'))).toBe(REPLACED_VALUE);
    // Copied to production's row (or another name), it does not open.
    await expect(box.open(sealed, secretContext(projectId, 'production', 'API_KEY'))).rejects.toThrow(
      /cannot be decrypted/,
    );
  });

  it('refuses a missing token (401) and a developer (403), and hides a private project (404)', async () => {
    for (const [method, url] of [
      ['PUT', path('staging', 'API_KEY')],
      ['GET', path('staging')],
      ['DELETE', path('staging', 'API_KEY')],
    ] as const) {
      const anonymous = await fetch(`${server.url}${url}`, {
        method,
        ...(method === 'PUT'
          ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: 'stolen-value' }) }
          : {}),
      });
      expect(anonymous.status, `${method} ${url}`).toBe(401);
      const refused = await call(method, url, developer, method === 'PUT' ? { value: 'stolen-value' } : undefined);
      expect(refused.status, `${method} ${url}`).toBe(403);
      expect(refused.body.error?.message).toContain('needs the maintainer role in this project');
    }
    // An instance-wide maintainer who is no member of a private project cannot learn it exists.
    const hidden = await call('PUT', path('staging', 'API_KEY', 'vault'), outsider, { value: 'stolen-value' });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error?.message).toContain('no project named "vault"');
    expect((await call('GET', path('staging', undefined, 'vault'), outsider)).status).toBe(404);
    // Nothing was changed by any refused call.
    const rows = await server.trunkflow.database.db.selectFrom('environment_secrets').select('updated_by').execute();
    expect(new Set(rows.map((row) => row.updated_by))).toEqual(new Set(['mia']));
  });

  it('answers a huge body with 413, before reading a value that large', async () => {
    const huge = await put('staging', 'BIG', 'x'.repeat(200_000));
    expect(huge.status).toBe(413);
    expect(huge.body.error?.code).toBe('payload_too_large');
  });

  it.each([
    ['a lower-case name', 'staging', 'api_key', 'value-1234', 'use upper-case letters, digits and _'],
    ['a name starting with a digit', 'staging', '1KEY', 'value-1234', 'is not a secret name'],
    ['PORT', 'staging', 'PORT', 'value-1234', 'is set by Trunkflow on every deploy'],
    ['a TRUNKFLOW_ name', 'production', 'TRUNKFLOW_SHA', 'value-1234', 'is set by Trunkflow on every deploy'],
    ['an unknown environment', 'prod', 'API_KEY', 'value-1234', 'secrets belong to preview, staging, production'],
    ['a preview instance', 'pr-3', 'API_KEY', 'value-1234', 'every preview shares the preview ones'],
    ['an empty value', 'staging', 'API_KEY', '', 'the value is empty'],
    ['a value too short to mask', 'staging', 'API_KEY', 'abc', 'shorter than 4 characters'],
    ['a value over 16 KiB', 'staging', 'API_KEY', 'x'.repeat(16_385), 'at most 16384 bytes'],
    ['a value with a NUL', 'staging', 'API_KEY', 'abcd\u0000efgh', 'NUL character'],
    ['a value that is no string', 'staging', 'API_KEY', 12345, 'body.value'],
  ])('refuses %s with 400 and how to fix it', async (_what, environment, name, value, text) => {
    const answer = await put(environment, name, value);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.error?.message).toContain(text);
  });

  it('refuses a body with more than the value', async () => {
    const answer = await call('PUT', path('staging', 'API_KEY'), maintainer, { value: 'value-1234', name: 'OTHER' });
    expect(answer.status).toBe(400);
  });

  it(`holds an environment to ${SECRETS_PER_ENVIRONMENT_MAX} secrets, and says how to make room`, async () => {
    const existing = (await call<{ secrets: Secret[] }>('GET', path('preview'), maintainer)).body.secrets.length;
    for (let index = existing; index < SECRETS_PER_ENVIRONMENT_MAX; index++) {
      expect((await put('preview', `KEY_${index}`, `value-${index}`)).status).toBe(201);
    }
    const over = await put('preview', 'ONE_TOO_MANY', 'value-over');
    expect(over.status).toBe(400);
    expect(over.body.error?.message).toContain('trunkflow env secret remove preview <NAME> --project shop');
    // Replacing one that exists is no new secret.
    expect((await put('preview', 'KEY_0', 'value-again')).status).toBe(200);
  });

  it('removes a secret (200), then answers 404 saying how to list them', async () => {
    const removed = await call('DELETE', path('staging', 'DATABASE_URL'), maintainer);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ name: 'DATABASE_URL', environment: 'staging' });
    const again = await call('DELETE', path('staging', 'DATABASE_URL'), maintainer);
    expect(again.status).toBe(404);
    expect(again.body.error?.message).toContain('trunkflow env secret list staging --project shop');
    // Production's secret of the same name as staging's is untouched by staging's changes.
    const listed = await call<{ secrets: Secret[] }>('GET', path('production'), maintainer);
    expect(listed.body.secrets.map((secret) => secret.name)).toEqual(['API_KEY']);
  });

  it('audits every change by name, never with a value', async () => {
    const audit = await server.trunkflow.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', 'like', 'environment_secret.%')
      .orderBy('id')
      .execute();
    expect(audit.slice(0, 4).map((row) => [row.action, row.target, JSON.parse(row.details)])).toEqual([
      ['environment_secret.set', 'shop/staging/API_KEY', { environment: 'staging', name: 'API_KEY', replaced: false }],
      ['environment_secret.set', 'shop/staging/API_KEY', { environment: 'staging', name: 'API_KEY', replaced: true }],
      [
        'environment_secret.set',
        'shop/production/API_KEY',
        { environment: 'production', name: 'API_KEY', replaced: false },
      ],
      [
        'environment_secret.set',
        'shop/staging/DATABASE_URL',
        { environment: 'staging', name: 'DATABASE_URL', replaced: false },
      ],
    ]);
    expect(audit.at(-1)).toMatchObject({ action: 'environment_secret.removed', target: 'shop/staging/DATABASE_URL' });
    const text = JSON.stringify(audit);
    for (const value of [STAGING_VALUE, REPLACED_VALUE, PRODUCTION_VALUE, 'postgres://app:pw@db/app']) {
      expect(text).not.toContain(value);
    }
  });

  it('never sends a value back, and never logs one', () => {
    expect(answers.length).toBeGreaterThan(20);
    expect(logged.length).toBeGreaterThan(20);
    const sent = answers.join('\n');
    const log = logged.join('');
    for (const value of [STAGING_VALUE, REPLACED_VALUE, PRODUCTION_VALUE, 'postgres://app:pw@db/app', 'stolen-value']) {
      expect(sent).not.toContain(value);
      expect(log).not.toContain(value);
    }
  });
});
