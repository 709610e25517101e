// The one way the services open a transaction: the work runs on `trx` and is committed when it
// returns, rolled back when it throws. Services hand `trx` to repository functions; they never
// query it themselves.
import type { Knex } from 'knex';

export function inTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(work);
}
