// The server's job catalog: every job type it runs, each saying what a second run does.
import type { Kysely } from 'kysely';
import { notificationsDeliverJob } from './features/notifications/deliver-job.js';
import type { NotificationService } from './features/notifications/service.js';
import { pipelineAdvanceJob } from './features/pipeline/advance-job.js';
import type { PipelineEngine } from './features/pipeline/engine.js';
import { type PreviewSweep, SWEEP_PREVIEWS_JOB, sweepPreviewsJob } from './features/pipeline/preview-sweep.js';
import type { CheckRunService } from './features/pulls/check-runs.js';
import { checksRunJob } from './features/pulls/checks-job.js';
import type { MergeProtocol } from './features/pulls/merge-protocol.js';
import { mergeSettleJob } from './features/pulls/merge-settle-job.js';
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
  /** Handlers of features built after the queue (app.ts builds the queue first); asked for when a job runs. */
  checks?: () => CheckRunService | undefined;
  merges?: () => MergeProtocol | undefined;
  notifications?: () => NotificationService | undefined;
  pipeline?: () => PipelineEngine | undefined;
  previewSweep?: () => PreviewSweep | undefined;
  /** Resolves once the server listens: a deploy's URL carries its port. */
  whenListening?: () => Promise<void>;
}

export function serverJobCatalog(deps: JobCatalogDependencies) {
  return {
    [CONSUME_JOB]: consumeJob(deps.db, deps.consumers),
    'http.post': httpPostJob,
    'checks.run': checksRunJob(() => deps.checks?.()),
    'merges.settle': mergeSettleJob(() => deps.merges?.()),
    'notifications.deliver': notificationsDeliverJob(() => deps.notifications?.()),
    'pipeline.advance': pipelineAdvanceJob(
      () => deps.pipeline?.(),
      () => deps.whenListening?.() ?? Promise.resolve(),
    ),
    [SWEEP_PREVIEWS_JOB]: sweepPreviewsJob(() => deps.previewSweep?.()),
  } satisfies JobCatalog;
}

export type ServerJobCatalog = ReturnType<typeof serverJobCatalog>;
