// The `pipeline.advance` job type: admission and at most one step of one environment's running run.
import { z } from 'zod';
import { defineJob } from '../../platform/jobs/catalog.js';
import type { PipelineEngine } from './engine.js';

export const advancePayload = z.strictObject({
  projectId: z.string().min(1),
  envKey: z.string().regex(/^(?:pr-[1-9][0-9]*|staging|production)$/, 'must be pr-<n>, staging or production'),
});

/** Bound late to the pipeline feature, which is built after the queue (as checks.run is). */
export function pipelineAdvanceJob(engine: () => PipelineEngine | undefined, ready: () => Promise<void>) {
  return defineJob({
    description:
      'Moves one environment’s pipeline on: starts the queued run admission lets through, then runs its next step (one per job) and enqueues the next',
    onSecondRun:
      'Reads the run from the database and plans again: a step it finds running that no job holds was cut short, so it is retried when that is safe (checkout, install, build, test, tag, monitor) and fails the run otherwise (a deploy never runs twice)',
    payload: advancePayload,
    maxAttempts: 10,
    async run(payload, context) {
      const service = engine();
      if (service === undefined) throw new Error('the pipeline is not built in this process yet');
      await ready();
      const said = await service.advance(payload, context.signal);
      context.logger.info({ ...payload, said }, 'pipeline.advance finished');
    },
  });
}
