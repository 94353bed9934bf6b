// The notification targets store over Kysely, the same SQL on SQLite and PostgreSQL.
import type { Kysely, Selectable } from 'kysely';
import type { Database, NotificationTargetsTable } from '../../platform/db/schema.js';
import { isNotificationEvent, type NotificationEventType } from './event-types.js';
import type { DeliveryOutcome, NotificationStore, NotificationTarget } from './store.js';
import { TARGET_KINDS, type TargetKind } from './targets.js';

function asKind(value: string): TargetKind {
  const kind = TARGET_KINDS.find((known) => known === value);
  if (kind === undefined) throw new Error(`unknown notification target kind "${value}" in the database`);
  return kind;
}

function asEvents(json: string): NotificationEventType[] {
  const parsed = JSON.parse(json) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`notification target events are not a list in the database: ${json}`);
  // A name a later version removed is skipped, not fatal: the target still gets the others.
  return parsed.filter(
    (event): event is NotificationEventType => typeof event === 'string' && isNotificationEvent(event),
  );
}

function toOutcome(row: Selectable<NotificationTargetsTable>): DeliveryOutcome | null {
  if (row.last_delivery_at === null || row.last_delivery_event === null) return null;
  if (!isNotificationEvent(row.last_delivery_event)) return null;
  return {
    at: row.last_delivery_at,
    event: row.last_delivery_event,
    ok: Number(row.last_delivery_ok) === 1,
    attempt: Number(row.last_delivery_attempt ?? 1),
    error: row.last_delivery_error,
  };
}

function toTarget(row: Selectable<NotificationTargetsTable>): NotificationTarget {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    kind: asKind(row.kind),
    urlSealed: row.url_sealed,
    urlHint: row.url_hint,
    secretSealed: row.secret_sealed,
    events: asEvents(row.events),
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastDelivery: toOutcome(row),
  };
}

export class SqlNotificationStore implements NotificationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(projectId: string): Promise<NotificationTarget[]> {
    const rows = await this.db
      .selectFrom('notification_targets')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('name')
      .execute();
    return rows.map(toTarget);
  }

  async byId(id: string): Promise<NotificationTarget | null> {
    const row = await this.db.selectFrom('notification_targets').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTarget(row) : null;
  }

  async byName(projectId: string, name: string): Promise<NotificationTarget | null> {
    const row = await this.db
      .selectFrom('notification_targets')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toTarget(row) : null;
  }

  async subscribedTo(projectId: string, event: NotificationEventType): Promise<NotificationTarget[]> {
    // A project has a handful of targets: filtering the JSON list here keeps the SQL the same on both databases.
    return (await this.list(projectId)).filter((target) => target.events.includes(event));
  }

  async insert(target: NotificationTarget): Promise<void> {
    await this.db
      .insertInto('notification_targets')
      .values({
        id: target.id,
        project_id: target.projectId,
        name: target.name,
        kind: target.kind,
        url_sealed: target.urlSealed,
        url_hint: target.urlHint,
        secret_sealed: target.secretSealed,
        events: JSON.stringify(target.events),
        created_at: target.createdAt,
        created_by: target.createdBy,
        last_delivery_at: null,
        last_delivery_event: null,
        last_delivery_ok: null,
        last_delivery_attempt: null,
        last_delivery_error: null,
      })
      .execute();
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('notification_targets').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async recordDelivery(id: string, outcome: DeliveryOutcome): Promise<void> {
    await this.db
      .updateTable('notification_targets')
      .set({
        last_delivery_at: outcome.at,
        last_delivery_event: outcome.event,
        last_delivery_ok: outcome.ok ? 1 : 0,
        last_delivery_attempt: outcome.attempt,
        last_delivery_error: outcome.error,
      })
      .where('id', '=', id)
      // Deliveries run in parallel: one that finishes late does not hide a newer outcome.
      .where((eb) => eb.or([eb('last_delivery_at', 'is', null), eb('last_delivery_at', '<=', outcome.at)]))
      .execute();
  }
}
