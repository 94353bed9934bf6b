// Notification targets of a project: added with their secrets sealed, listed without them, removed; and their deliveries.
import type { AuditWriter } from '../../platform/audit/audit-log.js';
import type { Actor } from '../../platform/auth/roles.js';
import type { Clock, IdGenerator } from '../../platform/clock.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import type { SecretBox } from '../../platform/secrets/secret-box.js';
import { type DeliveryContext, deliver, secretContext, urlContext } from './delivery.js';
import type { DeliverPayload } from './notify.js';
import type { NotificationStore, NotificationTarget } from './store.js';
import { checkNewTarget, checkTargetName, type NewTargetInput, redactUrl } from './targets.js';

export type { NotificationTarget } from './store.js';

/** What target changes write, in one transaction. */
export interface NotificationsTransaction {
  notifications: NotificationStore;
  audit: AuditWriter;
}

/** The project a request named, already checked for visibility and permission by the route. */
export interface TargetProject {
  id: string;
  name: string;
}

export interface NotificationsDependencies {
  /** Reads and delivery outcomes, outside a transaction. */
  store: NotificationStore;
  uow: UnitOfWork<NotificationsTransaction>;
  secrets: SecretBox;
  /** A project's name from its id, for messages (the projects service's byId). */
  projectName(projectId: string): Promise<string | null>;
  clock: Clock;
  ids: IdGenerator;
  /** How long one delivery may take (default 10 s). */
  deliveryTimeoutMs?: number;
}

export interface AddedTarget {
  target: NotificationTarget;
  /** A webhook's signing secret, shown this once; null for Slack. */
  secret: string | null;
}

export class NotificationService {
  constructor(private readonly deps: NotificationsDependencies) {}

  async add(actor: Actor, project: TargetProject, input: NewTargetInput): Promise<AddedTarget> {
    const checked = checkNewTarget(input);
    if (await this.deps.store.byName(project.id, checked.name)) throw this.taken(project, checked.name);
    const id = this.deps.ids.next();
    const target: NotificationTarget = {
      id,
      projectId: project.id,
      name: checked.name,
      kind: checked.kind,
      urlSealed: await this.deps.secrets.seal(checked.url, urlContext(id)),
      urlHint: redactUrl(checked.url),
      secretSealed: checked.secret === null ? null : await this.deps.secrets.seal(checked.secret, secretContext(id)),
      events: checked.events,
      createdAt: this.deps.clock.now().toISOString(),
      createdBy: actor.name,
      lastDelivery: null,
    };
    try {
      await this.deps.uow.run(async (tx) => {
        await tx.notifications.insert(target);
        await tx.audit.write({
          actor: actor.userId,
          action: 'notification_target.added',
          target: `${project.name}/${target.name}`,
          details: { kind: target.kind, url: target.urlHint, events: target.events },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw this.taken(project, checked.name);
      throw error;
    }
    return { target, secret: checked.secret };
  }

  list(project: TargetProject): Promise<NotificationTarget[]> {
    return this.deps.store.list(project.id);
  }

  async remove(actor: Actor, project: TargetProject, name: string): Promise<NotificationTarget> {
    checkTargetName(name);
    const target = await this.deps.store.byName(project.id, name);
    if (target === null) {
      throw new NotFoundError(
        `project ${project.name} has no notification target "${name}": list them with \`trunkflow notify list --project ${project.name}\``,
      );
    }
    await this.deps.uow.run(async (tx) => {
      await tx.notifications.remove(target.id);
      await tx.audit.write({
        actor: actor.userId,
        action: 'notification_target.removed',
        target: `${project.name}/${target.name}`,
        details: { kind: target.kind },
      });
    });
    return target;
  }

  /** The `notifications.deliver` job's work. */
  deliver(payload: DeliverPayload, context: DeliveryContext): Promise<void> {
    const { store, secrets, clock, projectName, deliveryTimeoutMs } = this.deps;
    return deliver(
      {
        store,
        secrets,
        clock,
        projectName,
        ...(deliveryTimeoutMs === undefined ? {} : { timeoutMs: deliveryTimeoutMs }),
      },
      payload,
      context,
    );
  }

  private taken(project: TargetProject, name: string): ConflictError {
    return new ConflictError(
      `project ${project.name} already has a notification target named "${name}": pick another name (--name), or remove that one first`,
    );
  }
}
