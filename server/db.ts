// The only place a Knex instance is made.
// SQLite: every connection gets SQLITE_PRAGMAS (foreign keys, WAL with synchronous=NORMAL, a busy
// timeout, a larger page cache); a small pool, so reads run beside a write (WAL lets readers go
// on while one connection writes) — writers take turns: every transaction takes the write lock
// at its start and transactions of this process are queued (repositories/transaction.ts).
// PostgreSQL: a pool; timestamps and counts are parsed so both databases return the same shapes.
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { sqliteFileOf } from './config';
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

export function createDb(databaseUrl: string, opts: { poolMax?: number } = {}): Knex {
  const file = sqliteFileOf(databaseUrl);
  if (file !== null) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    return knexFactory({
      client: 'sqlite3',
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
    });
  }
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: opts.poolMax ?? 10 },
  });
}

export async function migrateLatest(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource });
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

/** Closes every connection (at shutdown, after the last request and the workers have stopped). */
export async function closeDb(db: Knex): Promise<void> {
  await db.destroy();
}
