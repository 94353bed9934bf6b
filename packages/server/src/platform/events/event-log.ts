// The append-only domain event log: every event gets an id, type, project, actor, payload and time.
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { DialectName } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { type DomainEvent, type EventCatalog, type NewEvent, parsePayload } from './catalog.js';
import type { ConsumerDelivery } from './consumers.js';

export type { DomainEvent, NewEvent } from './catalog.js';

/** The PostgreSQL channel event appends notify on. */
export const EVENTS_CHANNEL = 'trunkflow_events';

/**
 * The log inside one transaction (a unit of work's `tx.events`): an appended event commits with the
 * change it describes. A feature asks for the event types it declares, a subset of the catalog.
 */
export interface EventWriter<C extends EventCatalog> {
  append(event: NewEvent<C>): Promise<DomainEvent>;
}

/** What readers need of the log (the hub, the event routes), whatever its catalog. */
export type EventReader = Pick<EventLog, 'listAfter' | 'lastId'>;

export interface EventLogOptions<C extends EventCatalog> {
  /** Every event type the log accepts, with its payload schema (the composition root's combined catalog). */
  catalog: C;
  /** Called after a local append, so the local hub polls at once (SQLite). */
  onAppend?: () => void;
  /** How consumers hear of an event; called in the appending transaction. None: no consumers. */
  delivery?: ConsumerDelivery;
}

export class EventLog<C extends EventCatalog = EventCatalog> {
  private readonly catalog: C;
  private readonly onAppend: () => void;
  private readonly delivery: ConsumerDelivery | null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly clock: Clock,
    options: EventLogOptions<C>,
  ) {
    this.catalog = options.catalog;
    this.onAppend = options.onAppend ?? (() => {});
    this.delivery = options.delivery ?? null;
  }

  /**
   * Appends inside the caller's transaction, so the event commits with the change it describes.
   * The payload is checked against the catalog first: a mismatch throws InvalidEventError, and the
   * caller's transaction rolls back (a bug, never something a user can cause).
   * On PostgreSQL a transaction lock keeps ids in commit order, so readers that resume by id miss nothing,
   * and a NOTIFY, delivered at commit, wakes every replica's hub.
   */
  async append(executor: Kysely<Database>, event: NewEvent<C>): Promise<DomainEvent> {
    const payload = parsePayload(this.catalog, event.type, event.payload);
    if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(7710002)`.execute(executor);
    const createdAt = this.clock.now().toISOString();
    const row = await executor
      .insertInto('events')
      .values({
        type: event.type,
        project_id: event.projectId,
        actor: event.actor,
        payload: JSON.stringify(payload),
        created_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const stored: DomainEvent = {
      id: Number(row.id),
      type: event.type,
      projectId: event.projectId,
      actor: event.actor,
      payload,
      createdAt,
    };
    // In this transaction: the consumers' jobs are enqueued here, to commit with the event (job-delivery.ts).
    await this.delivery?.schedule(executor, stored);
    if (this.dialect === 'postgres') await sql`select pg_notify(${EVENTS_CHANNEL}, '')`.execute(executor);
    // SQLite has one connection, so a poll queued now runs after this transaction commits.
    else queueMicrotask(this.onAppend);
    return stored;
  }

  /** The writer bound to `executor`, a unit of work's transaction. */
  writer(executor: Kysely<Database>): EventLogWriter<C> {
    return new EventLogWriter(this, executor);
  }

  /** Appends on its own, in a transaction of its own. */
  async record(event: NewEvent<C>): Promise<DomainEvent> {
    return this.db.transaction().execute((trx) => this.append(trx, event));
  }

  async listAfter(
    afterId: number,
    options: {
      projectId?: string;
      limit?: number;
      types?: string[];
      /** Only events of these projects, and those of no project; null or absent: every event. */
      visibleProjectIds?: ReadonlySet<string> | null;
    } = {},
  ): Promise<DomainEvent[]> {
    let query = this.db
      .selectFrom('events')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(options.limit ?? 500);
    if (options.projectId !== undefined) query = query.where('project_id', '=', options.projectId);
    if (options.types !== undefined && options.types.length > 0) query = query.where('type', 'in', options.types);
    const visible = options.visibleProjectIds;
    if (visible !== undefined && visible !== null) {
      const ids = [...visible];
      query = query.where((eb) =>
        ids.length === 0
          ? eb('project_id', 'is', null)
          : eb.or([eb('project_id', 'is', null), eb('project_id', 'in', ids)]),
      );
    }
    const rows = await query.execute();
    return rows.map((row) => ({
      id: Number(row.id),
      type: row.type,
      projectId: row.project_id,
      actor: row.actor,
      payload: JSON.parse(row.payload) as Record<string, unknown>,
      createdAt: row.created_at,
    }));
  }

  async lastId(): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('id').as('max'))
      .executeTakeFirst();
    return Number(row?.max ?? 0);
  }
}

/**
 * The log bound to one transaction. A class, so that TypeScript compares writers of different
 * catalogs by their members (a writer of the whole catalog serves a feature that declares part of it).
 */
export class EventLogWriter<C extends EventCatalog> implements EventWriter<C> {
  constructor(
    private readonly log: EventLog<C>,
    private readonly executor: Kysely<Database>,
  ) {}

  append(event: NewEvent<C>): Promise<DomainEvent> {
    return this.log.append(this.executor, event);
  }
}
