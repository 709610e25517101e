// The one way the services open a transaction: the work runs on `trx` and is committed when it
// returns, rolled back when it throws. Services hand `trx` to repository functions; they never
// query it themselves.
//
// SQLite lets one connection write at a time. A plain BEGIN (DEFERRED) reads first and asks for
// the write lock only at its first write, and if another connection or process holds it then,
// SQLite answers SQLITE_BUSY at once — busy_timeout does not apply to a reader that wants to become
// a writer (waiting could deadlock). So every SQLite transaction begins with BEGIN IMMEDIATE
// (db.ts, for every transaction of the knex instance): it takes the write lock at its start,
// waiting for it up to busy_timeout like any writer. The transactions of this process are also
// queued in memory, so they wait for each other here, not in SQLite (where each waiter would hold
// a pool connection and a thread). Reads outside a transaction do not queue: with WAL they run
// beside the one writer.
//
// PostgreSQL locks rows, not the database; its transactions run side by side as they are.
import type { Knex } from 'knex';
import { isPostgres } from '../db';

const queues = new WeakMap<Knex, Promise<void>>();

/** Runs `work` after every transaction of `db` queued before it has finished. */
function queued<T>(db: Knex, work: () => Promise<T>): Promise<T> {
  const before = queues.get(db) ?? Promise.resolve();
  const run = before.then(work);
  queues.set(
    db,
    run.then(
      () => undefined,
      () => undefined,
    ),
  );
  return run;
}

export function inTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  // inside a transaction knex makes a savepoint: the lock is held already, and queueing would wait for itself
  if (isPostgres(db) || (db as unknown as { isTransaction?: boolean }).isTransaction) return db.transaction(work);
  return queued(db, () => db.transaction(work));
}

export type StorageFailure = 'busy' | 'full' | 'unavailable';

/**
 * Why the database did not store something, when the cause is the database itself rather than
 * the data: 'busy' (the write lock stayed taken longer than busy_timeout), 'full' (no space left
 * on the disk, or the database may not grow), 'unavailable' (read-only, unreadable or not
 * reachable). null for anything else (a constraint, a bug).
 */
export function storageFailureOf(e: unknown): StorageFailure | null {
  const err = (e ?? {}) as { code?: unknown; errno?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : '';
  if (/^SQLITE_(BUSY|LOCKED)/.test(code) || code === '55P03' || code === '40P01') return 'busy';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100' || /disk is full|no space left/i.test(message)) return 'full';
  if (/^SQLITE_(READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB)/.test(code)) return 'unavailable';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001', '25006'].includes(code))
    return 'unavailable';
  if (/Knex: Timeout acquiring a connection|Connection terminated/i.test(message)) return 'unavailable';
  return null;
}
