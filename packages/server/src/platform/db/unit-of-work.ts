// One transaction scope: the work gets every store, the event log and the job queue bound to the same transaction.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Runs work in one transaction. `Tx` is what the work may write through (stores, `events`, `jobs`,
 * `audit`), each bound to that transaction: everything commits together, or nothing does, and no
 * executor is passed around. A feature declares the `Tx` it needs; the composition root's unit of
 * work hands a wider one, which satisfies it.
 */
export interface UnitOfWork<Tx> {
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** The unit of work over Kysely: `bind` builds the transaction's view from the transaction's executor. */
export class SqlUnitOfWork<Tx> implements UnitOfWork<Tx> {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bind: (executor: Kysely<Database>) => Tx,
  ) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(this.bind(trx)));
  }
}
