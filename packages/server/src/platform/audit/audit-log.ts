// Audit entries for security-relevant actions: who did what to which target, never overwritten.
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/schema.js';

export interface AuditEntry {
  actor: string | null;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** The audit log inside one transaction: an entry commits with the change it records. */
export interface AuditWriter {
  write(entry: AuditEntry): Promise<void>;
}

export class AuditLog {
  constructor(private readonly clock: Clock) {}

  /** The writer bound to `executor`, a unit of work's transaction. */
  writer(executor: Kysely<Database>): AuditWriter {
    return {
      write: async (entry) => {
        await executor
          .insertInto('audit_log')
          .values({
            actor: entry.actor,
            action: entry.action,
            target: entry.target,
            details: JSON.stringify(entry.details),
            created_at: this.clock.now().toISOString(),
          })
          .execute();
      },
    };
  }
}
