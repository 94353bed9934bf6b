// The `notifications.deliver` job type: one notification to one target, retried with backoff, bound late to the service.
import { defineJob } from '../../platform/jobs/catalog.js';
import { deliverPayloadSchema } from './notify.js';
import type { NotificationService } from './service.js';

/** Eight attempts: retries after about 3 s, 7 s, 20 s, 55 s, 2.5 min, 7 min and 18 min, half an hour in all. */
export const DELIVER_MAX_ATTEMPTS = 8;

/** The job is in the catalog before the service exists (the queue is built first), so it asks when it runs. */
export function notificationsDeliverJob(service: () => NotificationService | undefined) {
  return defineJob({
    description:
      'Sends one notification (`message`) to one target (`targetId`): a Slack message or a signed webhook; anything but a 2xx answer is retried',
    onSecondRun:
      'Sends it again with the same Idempotency-Key (trunkflow-job-<job id>) and, for webhooks, the same body and `id` under a fresh timestamp and signature, so a receiver that keys on it applies it once; a target removed meanwhile is sent nothing',
    payload: deliverPayloadSchema,
    maxAttempts: DELIVER_MAX_ATTEMPTS,
    async run(payload, context) {
      const notifications = service();
      if (notifications === undefined) throw new Error('the notifications feature is not built in this process yet');
      await notifications.deliver(payload, context);
    },
  });
}
