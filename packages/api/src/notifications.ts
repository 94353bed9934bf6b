// Notification targets of a project: Slack incoming webhooks and signed generic webhooks, and the events they are sent.
import * as z from 'zod';

/** The pipeline outcomes a target can be sent. The server's own list is held to this one by a test. */
export const NOTIFICATION_EVENTS = [
  'deploy.succeeded',
  'deploy.failed',
  'release.passed',
  'release.failed',
  'release.rolled_back',
  'release.inconclusive',
  'preview.ready',
] as const;
export type NotificationEventName = (typeof NOTIFICATION_EVENTS)[number];

export const NOTIFICATION_KINDS = ['slack', 'webhook'] as const;
export type NotificationKindName = (typeof NOTIFICATION_KINDS)[number];

export const notificationDeliverySchema = z.object({
  at: z.string(),
  event: z.enum(NOTIFICATION_EVENTS),
  ok: z.boolean(),
  attempt: z.number().int(),
  error: z.string().nullable(),
});
export type NotificationDelivery = z.output<typeof notificationDeliverySchema>;

/** A target as listed: its URL shown as scheme and host only, and never its signing secret. */
export const notificationTargetSchema = z.object({
  name: z.string(),
  kind: z.enum(NOTIFICATION_KINDS),
  url: z.string(),
  events: z.array(z.enum(NOTIFICATION_EVENTS)),
  createdAt: z.string(),
  createdBy: z.string(),
  lastDelivery: notificationDeliverySchema.nullable(),
});
export type NotificationTarget = z.output<typeof notificationTargetSchema>;

export const notificationTargetListSchema = z.object({ targets: z.array(notificationTargetSchema) });

/** The answer to adding a target: the only one that carries a webhook's signing secret. */
export const addedNotificationTargetSchema = z.object({
  target: notificationTargetSchema,
  secret: z.string().nullable(),
});
export type AddedNotificationTarget = z.output<typeof addedNotificationTargetSchema>;

/** The server checks the values (URL, name, event names) and says how to fix each. */
export const addNotificationTargetBodySchema = z.strictObject({
  kind: z.enum(NOTIFICATION_KINDS).describe('slack: an incoming-webhook URL; webhook: a URL sent signed JSON'),
  url: z.string().max(4096).describe('http:// or https://; stored encrypted and never shown back in full'),
  name: z.string().max(100).optional().describe('unique in the project; default: the kind'),
  secret: z
    .string()
    .max(1024)
    .optional()
    .describe('webhook only: the HMAC-SHA256 signing secret; default: one made by the server, shown once'),
  events: z
    .array(z.string().max(100))
    .max(50)
    .optional()
    .describe(`what it is sent; default: all of ${NOTIFICATION_EVENTS.join(', ')}`),
});
export type NewNotificationTarget = z.input<typeof addNotificationTargetBodySchema>;

export const notificationTargetParamsSchema = z.object({ project: z.string(), name: z.string() });
