// The only place a Knex instance is made.
// SQLite: foreign keys on for every connection, WAL, a busy timeout; one connection
// (SQLite serialises writers anyway, and one connection keeps transactions simple).
// PostgreSQL: a pool; timestamps and counts are parsed so both databases return the same shapes.
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { sqliteFileOf } from './config';
import { ensurePrivateDir, ensurePrivateFile } from './lib/private-files';
import { migrationSource } from '../migrations';

export type Db = Knex;

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
    if (file !== ':memory:') {
      ensurePrivateDir(path.dirname(file)); // 0700 when it is created here; the file (and so its -wal/-shm) 0600
      ensurePrivateFile(file);
    }
    return knexFactory({
      client: 'sqlite3',
      log: knexLog,
      connection: { filename: file },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(
          conn: { run: (sql: string, cb: (err: Error | null) => void) => void },
          done: (err: Error | null, conn: unknown) => void,
        ) {
          conn.run('PRAGMA foreign_keys = ON', (e1) => {
            if (e1) return done(e1, conn);
            conn.run('PRAGMA journal_mode = WAL', (e2) => {
              if (e2) return done(e2, conn);
              conn.run('PRAGMA busy_timeout = 5000', (e3) => done(e3, conn));
            });
          });
        },
      },
    });
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
async function migrateOnce(db: Knex, lockWaitMs: number): Promise<void> {
  if (!isPostgres(db)) {
    await ensureSqliteBookkeeping(db);
    await db.migrate.latest({ migrationSource });
    return;
  }
  try {
    await db.transaction(async (trx) => {
      await trx.raw(`set local lock_timeout = '${Math.max(1, Math.round(lockWaitMs))}ms'`);
      await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_ADVISORY_LOCK]);
      await db.migrate.latest({ migrationSource });
    });
  } catch (e) {
    if ((e as { code?: string }).code === '55P03')
      throw Object.assign(new Error('Migration lock wait timed out'), { name: 'MigrationLocked' });
    throw e;
  }
}

/**
 * Runs the pending migrations. While another instance holds the migration lock (several
 * instances starting at once on PostgreSQL) it waits up to `lockWaitMs`, then gives up with
 * knex's MigrationLocked error (explained by server/startup-errors.ts).
 */
export async function migrateLatest(db: Knex, { lockWaitMs = 0 } = {}): Promise<void> {
  const giveUpAt = Date.now() + lockWaitMs;
  for (;;) {
    try {
      await migrateOnce(db, Math.max(0, giveUpAt - Date.now()));
      return;
    } catch (e) {
      if (isBookkeepingRace(e) && Date.now() < giveUpAt + 5000) continue;
      if (!isMigrationLocked(e) || Date.now() >= giveUpAt) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
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

/** Closes every connection (at shutdown, after the last request and the workers have stopped). */
export async function closeDb(db: Knex): Promise<void> {
  await db.destroy();
}
