// The server's job catalog: every job type it runs, each saying what a second run does.
import type { Kysely } from 'kysely';
import type { Database } from './platform/db/schema.js';
import type { EventCatalog } from './platform/events/catalog.js';
import type { EventConsumers } from './platform/events/consumers.js';
import { CONSUME_JOB, consumeJob } from './platform/events/job-delivery.js';
import type { JobCatalog } from './platform/jobs/catalog.js';
import { httpPostJob } from './platform/jobs/http-post-job.js';

export interface JobCatalogDependencies {
  db: Kysely<Database>;
  /** The event consumers `events.consume` runs (subscribed at composition time). */
  consumers: EventConsumers<EventCatalog>;
}

export function serverJobCatalog(deps: JobCatalogDependencies) {
  return {
    [CONSUME_JOB]: consumeJob(deps.db, deps.consumers),
    'http.post': httpPostJob,
  } satisfies JobCatalog;
}

export type ServerJobCatalog = ReturnType<typeof serverJobCatalog>;
