// The CLI's calls to the jobs admin API (/api/admin/jobs): list, retry, cancel.
import { type Job, type JobState, jobListSchema, jobSchema } from '@trunkflow/api';
import type { TrunkflowClient } from './http-client.js';

export { JOB_STATES, type Job, type JobState } from '@trunkflow/api';

const seg = (value: string) => encodeURIComponent(value);

export async function listJobs(client: TrunkflowClient, state: JobState | undefined, limit: number): Promise<Job[]> {
  const query = new URLSearchParams({ limit: String(limit), ...(state === undefined ? {} : { state }) });
  return (await client.request('GET', `/api/admin/jobs?${query}`, jobListSchema)).jobs;
}

export function retryJob(client: TrunkflowClient, id: string): Promise<Job> {
  return client.request('POST', `/api/admin/jobs/${seg(id)}/retry`, jobSchema, {});
}

export function cancelJob(client: TrunkflowClient, id: string): Promise<Job> {
  return client.request('POST', `/api/admin/jobs/${seg(id)}/cancel`, jobSchema, {});
}
