// The server's job catalog: every job type it runs, each saying what a second run does.
import type { JobCatalog } from './platform/jobs/catalog.js';
import { httpPostJob } from './platform/jobs/http-post-job.js';

export function serverJobCatalog() {
  return {
    'http.post': httpPostJob,
  } satisfies JobCatalog;
}

export type ServerJobCatalog = ReturnType<typeof serverJobCatalog>;
