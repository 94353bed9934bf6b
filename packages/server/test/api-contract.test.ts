// The HTTP contract in @trunkflow/api against the server: its enums match the domain's, and the OpenAPI document is made from its schemas.
import * as api from '@trunkflow/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DEFAULT_VISIBILITY } from '../src/features/projects/service.js';
import { GATE_REASON_CODES } from '../src/features/pulls/gate.js';
import { PULL_STATES, REVIEW_VERDICTS } from '../src/features/pulls/model.js';
import { ROLES, VISIBILITIES } from '../src/platform/auth/roles.js';
import { startServer, type TestServer, testDatabases } from './helpers/server.js';

describe('the API enums', () => {
  // The domain keeps its own lists (API types stay out of the domain); the type checker binds most
  // directions through the routes, and this binds the rest, such as a gate reason the contract lacks.
  it.each([
    ['roles', ROLES, api.ROLES],
    ['visibilities', VISIBILITIES, api.VISIBILITIES],
    ['pull request states', PULL_STATES, api.PULL_STATES],
    ['review verdicts', REVIEW_VERDICTS, api.REVIEW_VERDICTS],
    ['gate reason codes', GATE_REASON_CODES, api.GATE_REASON_CODES],
    ['default visibility', [DEFAULT_VISIBILITY], [api.DEFAULT_VISIBILITY]],
  ])('lists the same %s as the domain', (_name, domain, contract) => {
    expect([...contract]).toEqual([...domain]);
  });
});

type JsonSchema = { properties?: Record<string, JsonSchema>; required?: string[]; enum?: unknown[] };
interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
        responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
      }
    >
  >;
}

/** The properties and required keys of a zod object as JSON Schema, the way the document shows them. */
function shape(schema: z.ZodType, io: 'input' | 'output') {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return { properties: Object.keys(json.properties ?? {}).sort(), required: [...(json.required ?? [])].sort() };
}

function shapeOf(json: JsonSchema | undefined) {
  return { properties: Object.keys(json?.properties ?? {}).sort(), required: [...(json?.required ?? [])].sort() };
}

describe('the OpenAPI document', () => {
  const [sqlite] = testDatabases();
  let server: TestServer;
  let document: OpenApi;

  beforeAll(async () => {
    if (sqlite === undefined) throw new Error('no SQLite test database');
    server = await startServer(sqlite);
    document = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as OpenApi;
  });
  afterAll(async () => server?.stop());

  it.each([
    ['/api/me', 'get', '200', api.meSchema],
    ['/api/admin/users', 'get', '200', api.userListSchema],
    ['/api/admin/users', 'post', '201', api.userWithTokenSchema],
    ['/api/admin/tokens/{id}', 'delete', '200', api.tokenSchema],
    ['/api/projects', 'get', '200', api.projectListSchema],
    ['/api/projects', 'post', '201', api.projectSchema],
    ['/api/projects/{project}/pulls', 'post', '201', api.pullSchema],
    ['/api/projects/{project}/pulls/{number}', 'get', '200', api.pullDetailSchema],
    ['/api/projects/{project}/pulls/{number}/checks', 'get', '200', api.checkRunSchema],
    ['/api/projects/{project}/pulls/{number}/mergeability', 'get', '200', api.mergeabilitySchema],
    ['/api/projects/{project}/pulls/{number}/merge', 'post', '200', api.mergeResultSchema],
    ['/api/events', 'get', '200', api.eventListSchema],
    ['/api/projects/{project}/environments/{environment}/secrets', 'get', '200', api.environmentSecretListSchema],
    ['/api/projects/{project}/environments/{environment}/secrets/{name}', 'put', '201', api.environmentSecretSchema],
    ['/api/projects/{project}/environments/{environment}/secrets/{name}', 'put', '200', api.environmentSecretSchema],
    ['/api/projects/{project}/environments/{environment}/secrets/{name}', 'delete', '200', api.environmentSecretSchema],
  ] as const)('answers %s %s %s with the @trunkflow/api schema', (path, method, status, schema) => {
    const documented = document.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema;
    expect(documented, `${method} ${path} ${status} is in the document`).toBeDefined();
    expect(shapeOf(documented)).toEqual(shape(schema, 'output'));
  });

  it.each([
    ['/api/admin/users', 'post', api.createUserBodySchema],
    ['/api/projects', 'post', api.createProjectBodySchema],
    ['/api/projects/{project}/pulls', 'post', api.openPullBodySchema],
    ['/api/projects/{project}/pulls/{number}/reviews', 'post', api.reviewBodySchema],
    ['/api/projects/{project}/environments/{environment}/secrets/{name}', 'put', api.setEnvironmentSecretBodySchema],
  ] as const)('takes the @trunkflow/api body at %s %s', (path, method, schema) => {
    const documented = document.paths[path]?.[method]?.requestBody?.content['application/json']?.schema;
    expect(shapeOf(documented)).toEqual(shape(schema, 'input'));
    expect(shapeOf(documented).properties.length).toBeGreaterThan(0);
  });
});
