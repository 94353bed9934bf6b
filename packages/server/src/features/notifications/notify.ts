// notify(tx, projectId, message): what the pipeline calls in its transaction to send an outcome to a project's targets.
import { z } from 'zod';
import type { EnqueueOptions } from '../../platform/jobs/catalog.js';
import { type NotificationMessage, normalizedMessageSchema, normalizeMessage } from './message.js';
import type { NotificationStore } from './store.js';

export const DELIVER_JOB = 'notifications.deliver';

export const deliverPayloadSchema = z.strictObject({
  targetId: z.string().min(1).max(100),
  message: normalizedMessageSchema,
});
export type DeliverPayload = z.input<typeof deliverPayloadSchema>;

/** The job notify enqueues. */
export interface NotificationJobs {
  enqueue(name: typeof DELIVER_JOB, payload: DeliverPayload, options?: EnqueueOptions): Promise<{ id: string }>;
}

/** What notify needs of the caller's transaction; the composition root's unit of work holds both. */
export interface NotifyTransaction {
  notifications: Pick<NotificationStore, 'subscribedTo'>;
  jobs: NotificationJobs;
}

/**
 * Enqueues one `notifications.deliver` job per target of the project that is sent `message.type`,
 * in the caller's transaction: a change that rolls back sends nothing, one that commits sends each
 * notification even across a crash. The message is bounded first (long lists are cut and counted),
 * so this never fails the caller's change over its size. Delivery happens later, in the job: a
 * receiver that is down is retried there and never holds up the pipeline. Returns the job ids.
 */
export async function notify(
  tx: NotifyTransaction,
  projectId: string,
  message: NotificationMessage,
): Promise<string[]> {
  const targets = await tx.notifications.subscribedTo(projectId, message.type);
  if (targets.length === 0) return [];
  const normalized = normalizeMessage(message);
  const ids: string[] = [];
  for (const target of targets) {
    const { id } = await tx.jobs.enqueue(DELIVER_JOB, { targetId: target.id, message: normalized });
    ids.push(id);
  }
  return ids;
}
