// The only place a Knex instance is made.
// SQLite: every connection gets SQLITE_PRAGMAS (foreign keys, WAL with synchronous=NORMAL, a busy
// timeout, a larger page cache); a small pool, so reads run beside a write (WAL lets readers go
// on while one connection writes) — writers take turns: every transaction takes the write lock
// at its start and transactions of this process are queued (repositories/transaction.ts).
// PostgreSQL: a pool; timestamps and counts are parsed so both databases return the same shapes.
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { sqliteFileOf } from './config';
import { ensurePrivateDir, ensurePrivateFile } from './lib/private-files';
import { migrationSource } from '../migrations';

export type Db = Knex;

/**
 * What every SQLite connection is set to. WAL with synchronous=NORMAL: a commit is durable once
 * written to the WAL file, which survives a crash of the app or of Node; only a power loss or an
 * operating-system crash can lose the last commits before the next checkpoint (the database
 * stays consistent — it is never corrupted). busy_timeout: how long a write waits for another
 * process's write lock. cache_size: 16 MB of pages per connection (SQLite's default is 2 MB).
 */
export const SQLITE_PRAGMAS: readonly string[] = [
  'foreign_keys = ON',
  'journal_mode = WAL',
  'synchronous = NORMAL',
  'busy_timeout = 5000',
  'cache_size = -16000',
  'temp_store = MEMORY',
];

/** SQLite connections per process: one writing at a time, and the others reading meanwhile. */
const SQLITE_CONNECTIONS = 3;

type SqliteConnection = { run: (sql: string, cb: (err: Error | null) => void) => void };

function runPragmas(conn: SqliteConnection, pragmas: string[], done: (err: Error | null) => void): void {
  const next = pragmas.shift();
  if (next === undefined) return done(null);
  conn.run(`PRAGMA ${next}`, (err) => (err ? done(err) : runPragmas(conn, pragmas, done)));
}

// Both databases hand back ISO-8601 strings for timestamps and numbers for counts.
pg.types.setTypeParser(1184, (v: string) => new Date(v).toISOString()); // timestamptz
pg.types.setTypeParser(1114, (v: string) => new Date(v + 'Z').toISOString()); // timestamp
pg.types.setTypeParser(20, (v: string) => Number(v)); // bigint (count(*))
pg.types.setTypeParser(1700, (v: string) => Number(v)); // numeric

export function isPostgres(db: Knex): boolean {
  const client = db.client as { config: Knex.Config };
  return client.config.client === 'pg';
}

interface KnexTransactionLike {
  begin(conn: unknown): Promise<unknown>;
  query(conn: unknown, sql: string): Promise<unknown>;
}

/**
 * SQLite: every transaction of `db` starts with BEGIN IMMEDIATE, so it holds the write lock from
 * its first statement (knex begins with a plain BEGIN, which asks for the lock only at the first
 * write and then fails at once with SQLITE_BUSY when another connection has it — busy_timeout does
 * not apply to a reader turning writer). Savepoints inside a transaction are knex's as before.
 * See repositories/transaction.ts.
 */
function beginImmediate(db: Knex): Knex {
  const client = db.client as { transaction: (...args: unknown[]) => KnexTransactionLike };
  const transaction = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const trx = transaction(...args);
    // knex calls begin() once the connection is acquired, after this returns
    trx.begin = (conn: unknown) => trx.query(conn, 'BEGIN IMMEDIATE;');
    return trx;
  };
  return db;
}

export function createDb(databaseUrl: string, opts: { poolMax?: number } = {}): Knex {
  const file = sqliteFileOf(databaseUrl);
  if (file !== null) {
    if (file !== ':memory:') {
      ensurePrivateDir(path.dirname(file)); // 0700 when it is created here; the file (and so its -wal/-shm) 0600
      ensurePrivateFile(file);
    }
    return beginImmediate(
      knexFactory({
        client: 'sqlite3',
        log: knexLog,
        connection: { filename: file },
        useNullAsDefault: true,
        pool: {
          min: 1,
          // an in-memory database exists once per connection: it must stay one
          max: file === ':memory:' ? 1 : SQLITE_CONNECTIONS,
          afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
            runPragmas(conn, [...SQLITE_PRAGMAS], (err) => done(err, conn));
          },
        },
      }),
    );
  }
  return knexFactory({
    client: 'pg',
    log: knexLog,
    connection: databaseUrl,
    pool: { min: 0, max: opts.poolMax ?? 10 },
  });
}

/**
 * knex's own warnings give knex's advice ("run knex migrate:unlock"), which the app does not
 * offer: the lock is reported by the start (server/startup-errors.ts) with the app's command.
 */
const knexLog = {
  warn(message: string) {
    if (/lock/i.test(message)) return;
    process.emitWarning(message, 'KnexWarning');
  },
  deprecate(method: string, alternative: string) {
    process.emitWarning(`${method} is deprecated, use ${alternative}`, 'DeprecationWarning');
  },
};

function isMigrationLocked(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === 'MigrationLocked';
}

/**
 * SQLite: another process holds the write lock for longer than busy_timeout (5 s) — e.g. the other
 * instance starting at the same moment, migrating on a slow machine. Waited for like the migration lock.
 */
function isSqliteBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function migrationLocked(): Error {
  return Object.assign(new Error('Migration lock wait timed out'), { name: 'MigrationLocked' });
}

/** Two processes (the app and a command, on SQLite) creating knex's own tables at the same moment: the loser retries. */
function isBookkeepingRace(e: unknown): boolean {
  return /knex_migrations(_lock)?\W*\s+already exists/.test(String((e as Error | null)?.message));
}

/** Any fixed number: the PostgreSQL advisory lock that lets one starting instance migrate at a time. */
const MIGRATION_ADVISORY_LOCK = 4_712_012_012;

/**
 * SQLite: knex's own tables (as knex makes them) and the one lock row, created in one IMMEDIATE
 * transaction, so the app and a command starting at the same moment cannot both create them (two
 * lock rows would make every later migration report "already locked").
 */
async function ensureSqliteBookkeeping(db: Knex): Promise<void> {
  await db.raw('BEGIN IMMEDIATE');
  try {
    await db.raw(
      'CREATE TABLE IF NOT EXISTS `knex_migrations` (`id` integer not null primary key autoincrement, `name` varchar(255), `batch` integer, `migration_time` datetime)',
    );
    await db.raw(
      'CREATE TABLE IF NOT EXISTS `knex_migrations_lock` (`index` integer not null primary key autoincrement, `is_locked` integer)',
    );
    await db.raw('INSERT INTO `knex_migrations_lock` (`is_locked`) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM `knex_migrations_lock`)');
    await db.raw('COMMIT');
  } catch (e) {
    await db.raw('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * PostgreSQL: instances starting at once take turns (an advisory lock held for the migration),
 * since knex's own lock table is itself created by the first migration run and two instances
 * creating it at once collide. Waiting longer than `lockWaitMs` fails as MigrationLocked.
 */
async function migrateOnce(db: Knex, lockWaitMs: number): Promise<boolean> {
  const latest = async () => ((await db.migrate.latest({ migrationSource })) as [number, string[]])[1].length > 0;
  if (!isPostgres(db)) {
    await ensureSqliteBookkeeping(db);
    return latest();
  }
  try {
    return await db.transaction(async (trx) => {
      await trx.raw(`set local lock_timeout = '${Math.max(1, Math.round(lockWaitMs))}ms'`);
      await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_ADVISORY_LOCK]);
      return latest();
    });
  } catch (e) {
    if ((e as { code?: string }).code === '55P03') throw migrationLocked();
    throw e;
  }
}

/**
 * Runs the pending migrations. While another instance holds the migration lock (several
 * instances starting at once on PostgreSQL) or SQLite's write lock, it waits up to `lockWaitMs`,
 * then gives up with knex's MigrationLocked error (explained by server/startup-errors.ts).
 */
export async function migrateLatest(db: Knex, { lockWaitMs = 0 } = {}): Promise<void> {
  const giveUpAt = Date.now() + lockWaitMs;
  for (;;) {
    try {
      const ran = await migrateOnce(db, Math.max(0, giveUpAt - Date.now()));
      await refreshStatistics(db, ran); // ANALYZE after migrating (issue 10)
      return;
    } catch (e) {
      if (isBookkeepingRace(e) && Date.now() < giveUpAt + 5000) continue;
      const locked = isMigrationLocked(e) || isSqliteBusy(e);
      if (!locked) throw e;
      if (Date.now() >= giveUpAt) throw isSqliteBusy(e) ? migrationLocked() : e;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/**
 * Fresh planner statistics, so the grouped counts of the indicators use the indexes that start
 * from the round (issue 10). After migrations and bulk imports (`full`): ANALYZE. Otherwise on
 * SQLite `PRAGMA optimize`, which analyzes only what changed much and costs next to nothing.
 */
export async function refreshStatistics(db: Knex, full = true): Promise<void> {
  if (isPostgres(db)) {
    if (full) await db.raw('analyze');
  } else await db.raw(full ? 'analyze' : 'pragma optimize');
}

/** Releases a migration lock left by an interrupted migration (`migrate --unlock`). */
export async function unlockMigrations(db: Knex): Promise<boolean> {
  const hasLock = await db.schema.hasTable('knex_migrations_lock');
  if (!hasLock) return false;
  const locked = await db('knex_migrations_lock').where('is_locked', 1).count<Array<{ n: number }>>({ n: '*' });
  // one lock row: a second one (two processes that created the table at once) makes knex's lock fail forever
  await db('knex_migrations_lock').whereNot('index', db('knex_migrations_lock').min('index')).delete();
  await db.migrate.forceFreeMigrationsLock({ migrationSource });
  return Number(locked[0]?.n ?? 0) > 0;
}

/** Names of the migrations not yet run (for /health/ready). */
export async function pendingMigrations(db: Knex): Promise<string[]> {
  type Entry = Parameters<typeof migrationSource.getMigrationName>[0];
  const listed = (await db.migrate.list({ migrationSource })) as [unknown[], Entry[]];
  const pending = listed[1];
  return pending.map((m) => migrationSource.getMigrationName(m));
}

/** Current time as an ISO-8601 UTC string — the one format every timestamp column is written in. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** Booleans come back as 0/1 from SQLite and true/false from PostgreSQL. */
export function bool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 'true';
}

/** JSON columns come back as text from SQLite and parsed from PostgreSQL. */
export function json<T>(v: unknown): T {
  if (v === null || v === undefined) return v as T;
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

/** Number of rows from an insert/update/delete, normalised. */
export function countOf(rows: Array<Record<string, unknown>>, key = 'n'): number {
  return Number(rows[0]?.[key] ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Prepared reads for the hottest pages
// ---------------------------------------------------------------------------------------------

/**
 * A read-only SQLite connection of its own (beside knex's pool) with its statements prepared once
 * and kept: a knex query costs about 0,1 ms of CPU before SQLite sees it, and preparing a join
 * about as much again; a kept statement about a third of one of those. It closes itself (its
 * statements finalized) after a few seconds without use, and is opened again when needed.
 */
interface ReadConnection {
  conn: sqlite3.Database;
  statements: Map<string, sqlite3.Statement>;
  idle: NodeJS.Timeout | null;
}

const READ_IDLE_MS = 5000;
const readers = new WeakMap<Knex, ReadConnection>();

function sqliteFileOfDb(db: Knex): string | null {
  const client = db.client as { config: Knex.Config };
  if (client.config.client !== 'sqlite3') return null;
  const file = (client.config.connection as { filename?: string } | undefined)?.filename;
  return file && file !== ':memory:' ? file : null;
}

function closeReader(db: Knex, reader: ReadConnection): Promise<void> {
  if (readers.get(db) === reader) readers.delete(db);
  if (reader.idle) clearTimeout(reader.idle);
  for (const st of reader.statements.values()) st.finalize();
  return new Promise((resolve) => reader.conn.close(() => resolve()));
}

function readerOf(db: Knex, file: string): ReadConnection {
  let reader = readers.get(db);
  if (!reader) {
    const conn = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
    conn.configure('busyTimeout', 5000);
    reader = { conn, statements: new Map(), idle: null };
    readers.set(db, reader);
  }
  const r = reader;
  if (r.idle) clearTimeout(r.idle);
  r.idle = setTimeout(() => void closeReader(db, r), READ_IDLE_MS).unref();
  return r;
}

/**
 * The rows of a read-only statement on a hot path (`?` placeholders, names as both databases
 * write them). SQLite: on the read-only connection with the statement kept prepared (it sees every
 * committed write, as WAL readers do). Inside a transaction, on PostgreSQL and for an in-memory
 * database: through knex, as any query.
 */
export async function preparedRows<T>(db: Knex, sql: string, params: unknown[]): Promise<T[]> {
  const file = sqliteFileOfDb(db);
  if (file === null || (db as unknown as { isTransaction?: boolean }).isTransaction) {
    const result = (await db.raw(sql, params as Knex.RawBinding[])) as T[] | { rows: T[] };
    return Array.isArray(result) ? result : result.rows;
  }
  const reader = readerOf(db, file);
  let st = reader.statements.get(sql);
  if (!st) {
    st = reader.conn.prepare(sql);
    reader.statements.set(sql, st);
  }
  const statement = st;
  return new Promise<T[]>((resolve, reject) => {
    statement.all(params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
  });
}

/** Closes every connection (at shutdown, after the last request and the workers have stopped). */
export async function closeDb(db: Knex): Promise<void> {
  const reader = readers.get(db);
  if (reader) await closeReader(db, reader);
  await db.destroy();
}
