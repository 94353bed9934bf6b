// The CLI has no response schema of its own: every client call checks the answer with a schema object from @trunkflow/api.
import { readFileSync } from 'node:fs';
import * as api from '@trunkflow/api';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { TrunkflowClient } from '../src/client/http-client.js';

/** Records the schema each call hands to request(), answering with empty lists so list calls unwrap. */
class RecordingClient extends TrunkflowClient {
  readonly schemas: z.ZodType[] = [];
  override async request<S extends z.ZodType>(_method: string, _path: string, schema: S): Promise<z.output<S>> {
    this.schemas.push(schema);
    return { users: [], tokens: [], projects: [], pulls: [] } as z.output<S>;
  }
}

const apiExports = new Map<unknown, string>(Object.entries(api).map(([name, value]) => [value, name]));

/**
 * Every API call the client offers: its own methods, minus the transport (openEventStream too: each
 * event of a stream is parsed with its @trunkflow/api schema in client/run-stream.ts).
 */
const calls = Object.getOwnPropertyNames(TrunkflowClient.prototype).filter(
  (name) => !['constructor', 'request', 'openEventStream', 'transportError', 'httpError'].includes(name),
);

describe('TrunkflowClient response schemas', () => {
  it('covers the calls the CLI makes', () => {
    expect(calls).toEqual(
      expect.arrayContaining(['me', 'listUsers', 'createProject', 'getPull', 'getChecks', 'merge']),
    );
  });

  it.each(calls)('%s parses with a schema exported by @trunkflow/api (the same object)', async (name) => {
    const client = new RecordingClient({ server: 'http://127.0.0.1:1', token: 't', tokenSource: 'flag' });
    const method = (client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
    await method?.call(client, 'p', 1, 'approve', undefined);
    expect(client.schemas).toHaveLength(1);
    const [schema] = client.schemas;
    expect(apiExports.get(schema), `${name} uses a schema that is not an export of @trunkflow/api`).toMatch(/Schema$/);
  });

  it('reads each answer with the schema of its route', async () => {
    const client = new RecordingClient({ server: 'http://127.0.0.1:1', token: 't', tokenSource: 'flag' });
    await client.getChecks('p', 1);
    await client.getPull('p', 1);
    await client.listPulls('p', 'open');
    await client.merge('p', 1);
    await client.listUsers();
    const expected = [
      api.checkRunSchema,
      api.pullDetailSchema,
      api.pullListSchema,
      api.mergeResultSchema,
      api.userListSchema,
    ];
    expect(client.schemas).toHaveLength(expected.length);
    // Identity, not equality: a copy with the same fields would be a second declaration.
    for (const [index, schema] of expected.entries()) expect(client.schemas[index]).toBe(schema);
  });

  it('declares no object schema in the client sources', () => {
    for (const file of ['http-client.ts', 'server-error.ts']) {
      const source = readFileSync(new URL(`../src/client/${file}`, import.meta.url), 'utf8');
      expect(source, file).not.toMatch(/\bz\s*\.\s*(object|looseObject|strictObject|array|record|enum)\s*\(/);
    }
  });
});
