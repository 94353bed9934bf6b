// The `checks.run` job type: its payload, what a second run does, and the handler, bound late to the pulls feature.
import { defineJob } from '../../platform/jobs/catalog.js';
import { type CheckRunService, checksRunPayload } from './check-runs.js';

/**
 * The job is in the server's catalog before the pulls feature exists (the queue is built first),
 * so its handler asks for the check service when it runs.
 */
export function checksRunJob(checks: () => CheckRunService | undefined) {
  return defineJob({
    description: 'Runs the rules on one sha of a pull request and records the check run with its check.completed event',
    onSecondRun:
      'Keeps one result per PR and sha: a run already recorded for that sha is kept and nothing is written; a run a crash interrupted computes again and inserts only if no run exists (a unique key on PR and sha), so one result and one check.completed event stand',
    payload: checksRunPayload,
    maxAttempts: 5,
    async run(payload, context) {
      const service = checks();
      if (service === undefined) throw new Error('the pulls feature is not built in this process yet');
      const outcome = await service.run(payload);
      context.logger.info({ ...payload, outcome }, 'checks.run finished');
    },
  });
}
