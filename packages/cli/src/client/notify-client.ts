// The CLI's calls to a project's notification targets (/api/projects/<p>/notifications): add, list, remove.
import {
  type AddedNotificationTarget,
  addedNotificationTargetSchema,
  type NewNotificationTarget,
  type NotificationTarget,
  notificationTargetListSchema,
  notificationTargetSchema,
} from '@trunkflow/api';
import type { TrunkflowClient } from './http-client.js';

export {
  NOTIFICATION_EVENTS,
  NOTIFICATION_KINDS,
  type NotificationEventName,
  type NotificationKindName,
  type NotificationTarget,
} from '@trunkflow/api';

const seg = (value: string) => encodeURIComponent(value);
const base = (project: string) => `/api/projects/${seg(project)}/notifications`;

export function addTarget(
  client: TrunkflowClient,
  project: string,
  input: NewNotificationTarget,
): Promise<AddedNotificationTarget> {
  return client.request('POST', base(project), addedNotificationTargetSchema, input);
}

export async function listTargets(client: TrunkflowClient, project: string): Promise<NotificationTarget[]> {
  return (await client.request('GET', base(project), notificationTargetListSchema)).targets;
}

export function removeTarget(client: TrunkflowClient, project: string, name: string): Promise<NotificationTarget> {
  return client.request('DELETE', `${base(project)}/${seg(name)}`, notificationTargetSchema);
}
