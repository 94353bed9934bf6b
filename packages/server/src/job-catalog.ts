// The server's job catalog: every job type it runs, each saying what a second run does.
import type { CheckRunService } from './features/pulls/check-runs.js';
import { checksRunJob } from './features/pulls/checks-job.js';
import type { MergeProtocol } from './features/pulls/merge-protocol.js';
import { mergeSettleJob } from './features/pulls/merge-settle-job.js';
import type { JobCatalog } from './platform/jobs/catalog.js';
import { httpPostJob } from './platform/jobs/http-post-job.js';

/** Handlers of features built after the queue (app.ts builds the queue first); asked for when a job runs. */
export interface ServerJobHandlers {
  checks?: () => CheckRunService | undefined;
  merges?: () => MergeProtocol | undefined;
}

export function serverJobCatalog(handlers: ServerJobHandlers = {}) {
  return {
    'http.post': httpPostJob,
    'checks.run': checksRunJob(() => handlers.checks?.()),
    'merges.settle': mergeSettleJob(() => handlers.merges?.()),
  } satisfies JobCatalog;
}

export type ServerJobCatalog = ReturnType<typeof serverJobCatalog>;
