// The CLI's calls to the pipeline API (/api/projects/:project/runs and /environments): runs, their output, cancel.
import {
  type Environment,
  environmentListSchema,
  type Run,
  runListSchema,
  runOutputSchema,
  runSchema,
} from '@trunkflow/api';
import type * as z from 'zod';
import type { TrunkflowClient } from './http-client.js';

export type { Environment, Run } from '@trunkflow/api';
export type RunOutput = z.output<typeof runOutputSchema>;
export type RunOutputLine = RunOutput['lines'][number];
export type RunStep = Run['steps'][number];

const seg = (value: string) => encodeURIComponent(value);
const runPath = (project: string, id: string) => `/api/projects/${seg(project)}/runs/${seg(id)}`;

/** Newest first; without a limit the server's default (50) applies. */
export async function listRuns(client: TrunkflowClient, project: string, limit: number | undefined): Promise<Run[]> {
  const query = limit === undefined ? '' : `?${new URLSearchParams({ limit: String(limit) })}`;
  return (await client.request('GET', `/api/projects/${seg(project)}/runs${query}`, runListSchema)).runs;
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

export async function listEnvironments(client: TrunkflowClient, project: string): Promise<Environment[]> {
  return (await client.request('GET', `/api/projects/${seg(project)}/environments`, environmentListSchema))
    .environments;
}
