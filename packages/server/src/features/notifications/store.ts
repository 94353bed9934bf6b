// The notification targets store: each project's targets, their sealed secrets and their last delivery, with no business rules.
import type { NotificationEventType } from './event-types.js';
import type { TargetKind } from './targets.js';

/** How the last delivery to a target went. */
export interface DeliveryOutcome {
  at: string;
  /** The event type that was delivered. */
  event: NotificationEventType;
  ok: boolean;
  /** The attempt of its job: 1 on the first try. */
  attempt: number;
  /** Why it failed (the receiver's status and answer, or the network error); null when it succeeded. */
  error: string | null;
}

export interface NotificationTarget {
  id: string;
  projectId: string;
  name: string;
  kind: TargetKind;
  /** The URL, sealed with the secret box (context `notification-target:<id>:url`). */
  urlSealed: string;
  /** What may be shown of the URL: scheme and host. */
  urlHint: string;
  /** The webhook's signing secret, sealed (context `notification-target:<id>:secret`); null for Slack. */
  secretSealed: string | null;
  events: NotificationEventType[];
  createdAt: string;
  /** User name of who added it. */
  createdBy: string;
  lastDelivery: DeliveryOutcome | null;
}

export interface NotificationStore {
  /** A project's targets, by name. */
  list(projectId: string): Promise<NotificationTarget[]>;
  byId(id: string): Promise<NotificationTarget | null>;
  byName(projectId: string, name: string): Promise<NotificationTarget | null>;
  /** The project's targets that are sent this event type. */
  subscribedTo(projectId: string, event: NotificationEventType): Promise<NotificationTarget[]>;
  /** Throws a unique violation when the project has a target of that name. */
  insert(target: NotificationTarget): Promise<void>;
  /** False when there was no such target. */
  remove(id: string): Promise<boolean>;
  recordDelivery(id: string, outcome: DeliveryOutcome): Promise<void>;
}
