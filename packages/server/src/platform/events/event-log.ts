// The append-only domain event log: every event gets an id, type, project, actor, payload and time.
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { DialectName } from '../db/connect.js';
import type { Database } from '../db/schema.js';

/** The PostgreSQL channel event appends notify on. */
export const EVENTS_CHANNEL = 'trunkflow_events';

export interface DomainEvent {
  id: number;
  type: string;
  projectId: string | null;
  actor: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface NewEvent {
  type: string;
  projectId: string | null;
  actor: string | null;
  payload: Record<string, unknown>;
}

export class EventLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly clock: Clock,
    private readonly onAppend: () => void = () => {},
  ) {}

  /**
   * Appends inside the caller's transaction, so the event commits with the change it describes.
   * On PostgreSQL a transaction lock keeps ids in commit order, so readers that resume by id miss nothing,
   * and a NOTIFY, delivered at commit, wakes every replica's hub.
   */
  async append(executor: Kysely<Database>, event: NewEvent): Promise<DomainEvent> {
    if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(7710002)`.execute(executor);
    const createdAt = this.clock.now().toISOString();
    const row = await executor
      .insertInto('events')
      .values({
        type: event.type,
        project_id: event.projectId,
        actor: event.actor,
        payload: JSON.stringify(event.payload),
        created_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (this.dialect === 'postgres') await sql`select pg_notify(${EVENTS_CHANNEL}, '')`.execute(executor);
    // SQLite has one connection, so a poll queued now runs after this transaction commits.
    else queueMicrotask(this.onAppend);
    return { id: Number(row.id), ...event, createdAt };
  }

  /** Appends on its own, in a transaction of its own. */
  async record(event: NewEvent): Promise<DomainEvent> {
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
