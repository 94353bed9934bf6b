// The CLI's calls to the jobs admin API (/api/admin/jobs): list, retry, cancel.
import * as z from 'zod';
import type { TrunkflowClient } from './http-client.js';

export const JOB_STATES = ['queued', 'running', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const jobSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  runAt: z.string(),
  lastError: z.string().nullable(),
  singletonKey: z.string().nullable(),
});
export type Job = z.output<typeof jobSchema>;

const seg = (value: string) => encodeURIComponent(value);

export async function listJobs(client: TrunkflowClient, state: JobState | undefined, limit: number): Promise<Job[]> {
  const query = new URLSearchParams({ limit: String(limit), ...(state === undefined ? {} : { state }) });
  const schema = z.looseObject({ jobs: z.array(jobSchema) });
  return (await client.request('GET', `/api/admin/jobs?${query}`, schema)).jobs;
}

export function retryJob(client: TrunkflowClient, id: string): Promise<Job> {
  return client.request('POST', `/api/admin/jobs/${seg(id)}/retry`, jobSchema, {});
}

export function cancelJob(client: TrunkflowClient, id: string): Promise<Job> {
  return client.request('POST', `/api/admin/jobs/${seg(id)}/cancel`, jobSchema, {});
}
