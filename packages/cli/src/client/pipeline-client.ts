// The CLI's calls to the pipeline API (/api/projects/:project/runs, /environments, /releases): runs, their output, deploys by hand.

import {
  type Environment,
  environmentListSchema,
  type Release,
  type Run,
  releaseListSchema,
  runListSchema,
  runOutputSchema,
  runSchema,
} from '@trunkflow/api';
import type { EnvironmentKind } from '@trunkflow/core';
import type * as z from 'zod';
import type { TrunkflowClient } from './http-client.js';

export type { Environment, Release, Run } from '@trunkflow/api';
export type RunOutput = z.output<typeof runOutputSchema>;
export type RunOutputLine = RunOutput['lines'][number];
export type RunStep = Run['steps'][number];

const seg = (value: string) => encodeURIComponent(value);
const runPath = (project: string, id: string) => `/api/projects/${seg(project)}/runs/${seg(id)}`;
const environmentPath = (project: string, environment: EnvironmentKind) =>
  `/api/projects/${seg(project)}/environments/${seg(environment)}`;
const limitQuery = (limit: number | undefined) =>
  limit === undefined ? '' : `?${new URLSearchParams({ limit: String(limit) })}`;

/** Newest first; without a limit the server's default (50) applies. */
export async function listRuns(client: TrunkflowClient, project: string, limit: number | undefined): Promise<Run[]> {
  return (await client.request('GET', `/api/projects/${seg(project)}/runs${limitQuery(limit)}`, runListSchema)).runs;
}

export function getRun(client: TrunkflowClient, project: string, id: string): Promise<Run> {
  return client.request('GET', runPath(project, id), runSchema);
}

/** Lines after output line `after` (0: from the start), oldest first, with the run's status when they were read. */
export function runOutput(
  client: TrunkflowClient,
  project: string,
  id: string,
  after: number,
  limit: number,
): Promise<RunOutput> {
  const query = new URLSearchParams({ after: String(after), limit: String(limit) });
  return client.request('GET', `${runPath(project, id)}/output?${query}`, runOutputSchema);
}

export function cancelRun(client: TrunkflowClient, project: string, id: string): Promise<Run> {
  return client.request('POST', `${runPath(project, id)}/cancel`, runSchema, {});
}

/** Queues a new run of a failed or canceled run's environment, sha and PR (trigger `retry`). */
export function retryRun(client: TrunkflowClient, project: string, id: string): Promise<Run> {
  return client.request('POST', `${runPath(project, id)}/retry`, runSchema, {});
}

export async function listEnvironments(client: TrunkflowClient, project: string): Promise<Environment[]> {
  return (await client.request('GET', `/api/projects/${seg(project)}/environments`, environmentListSchema))
    .environments;
}

/** The version tags the pipeline made, newest first; without a limit the server's default (50) applies. */
export async function listReleases(
  client: TrunkflowClient,
  project: string,
  limit: number | undefined,
): Promise<Release[]> {
  return (await client.request('GET', `/api/projects/${seg(project)}/releases${limitQuery(limit)}`, releaseListSchema))
    .releases;
}

/** Queues a run of `ref` (default: trunk) in staging or production; answers it queued. */
export function deployEnvironment(
  client: TrunkflowClient,
  project: string,
  environment: EnvironmentKind,
  ref: string | undefined,
): Promise<Run> {
  return client.request(
    'POST',
    `${environmentPath(project, environment)}/deploy`,
    runSchema,
    ref === undefined ? {} : { ref },
  );
}

/** Queues a rollback to the build kept from before the environment's current release. */
export function rollbackEnvironment(
  client: TrunkflowClient,
  project: string,
  environment: EnvironmentKind,
): Promise<Run> {
  return client.request('POST', `${environmentPath(project, environment)}/rollback`, runSchema, {});
}

/** Passes (`promote`) or fails (`abort`) the environment's open monitoring window now; answers its run. */
export function decideWindow(
  client: TrunkflowClient,
  project: string,
  environment: EnvironmentKind,
  action: 'promote' | 'abort',
): Promise<Run> {
  return client.request('POST', `${environmentPath(project, environment)}/${action}`, runSchema, {});
}
