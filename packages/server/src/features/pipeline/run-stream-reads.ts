// The read model behind a run's stream: its transition log and output after a cursor, and where each ends.
import type { RunLogRecord } from '@trunkflow/core';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.js';

export interface LoggedTransition {
  id: number;
  record: RunLogRecord;
  at: string;
}

export interface RunStreamReads {
  /** The run's transition records after row `afterId`, oldest first. */
  logAfter(runId: string, afterId: number, limit: number): Promise<LoggedTransition[]>;
  /** The last transition-log row and output line of the run (0 when none). */
  lastIds(runId: string): Promise<{ log: number; output: number }>;
}

export class SqlRunStreamReads implements RunStreamReads {
  constructor(private readonly db: Kysely<Database>) {}

  async logAfter(runId: string, afterId: number, limit: number): Promise<LoggedTransition[]> {
    const rows = await this.db
      .selectFrom('pipeline_run_log')
      .selectAll()
      .where('run_id', '=', runId)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      record: JSON.parse(row.record) as RunLogRecord,
      at: row.created_at,
    }));
  }

  async lastIds(runId: string): Promise<{ log: number; output: number }> {
    const log = await this.db
      .selectFrom('pipeline_run_log')
      .select((eb) => eb.fn.max('id').as('last'))
      .where('run_id', '=', runId)
      .executeTakeFirst();
    const output = await this.db
      .selectFrom('pipeline_output')
      .select((eb) => eb.fn.max('id').as('last'))
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return { log: Number(log?.last ?? 0), output: Number(output?.last ?? 0) };
  }
}
