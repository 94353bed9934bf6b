// Audit entries for security-relevant actions: who did what to which target, never overwritten.
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/schema.js';

export interface AuditEntry {
  actor: string | null;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

export class AuditLog {
  constructor(private readonly clock: Clock) {}

  async write(executor: Kysely<Database>, entry: AuditEntry): Promise<void> {
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
  }
}
