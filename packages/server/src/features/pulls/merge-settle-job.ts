// The `merges.settle` job type: enqueued with a merge's intent, it finishes or undoes a merge a crash interrupted.
import { defineJob } from '../../platform/jobs/catalog.js';
import { type MergeProtocol, mergeSettlePayload } from './merge-protocol.js';

/** Bound late to the pulls feature, which is built after the queue (as checks.run is). */
export function mergeSettleJob(merges: () => MergeProtocol | undefined) {
  return defineJob({
    description:
      'Settles one merge intent once its merge should long be done: finishes it if trunk holds its commit, else drops it (the PR stays open)',
    onSecondRun:
      'Does nothing more: a settled intent is gone, so a second run finds no intent (or another one, with another commit) and leaves it; finishing is itself idempotent (the PR is marked merged, with its events, only while open)',
    payload: mergeSettlePayload,
    maxAttempts: 10,
    async run(payload, context) {
      const service = merges();
      if (service === undefined) throw new Error('the pulls feature is not built in this process yet');
      const outcome = await service.settleJob(payload);
      context.logger.info({ ...payload, outcome }, 'merges.settle finished');
    },
  });
}
