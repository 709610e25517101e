// SQLite's side of backup and restore: a consistent copy of a live database (VACUUM INTO reads
// one snapshot, including what is still in the -wal file), checking a copy on its own
// connection, and folding a database's -wal file into it before the file is moved aside.
import type { Knex } from 'knex';
import { createDb } from '../db';

export interface CopyContents {
  /** 'ok', or SQLite's first complaint. */
  integrity: string;
  migrations: string[];
  submitted: number;
  queuedMail: number;
}

/** Writes a consistent copy of the database to `target` (which must not exist or be empty). */
export async function vacuumInto(db: Knex, target: string): Promise<void> {
  await db.raw('VACUUM INTO ?', [target]);
}

async function count(q: Knex.QueryBuilder): Promise<number> {
  const rows: Array<{ n: number | string }> = await q.count({ n: '*' });
  return Number(rows[0]?.n ?? 0);
}

async function contents(db: Knex): Promise<CopyContents> {
  const check: Array<Record<string, unknown>> = await db.raw('PRAGMA integrity_check');
  const answer = check[0]?.integrity_check;
  const integrity = typeof answer === 'string' ? answer : 'inget svar';
  if (integrity !== 'ok' || !(await db.schema.hasTable('knex_migrations')))
    return { integrity, migrations: [], submitted: 0, queuedMail: 0 };
  const migrations = (await db('knex_migrations').select('name')).map((r: { name: string }) => r.name);
  const submitted = (await db.schema.hasTable('responses')) ? await count(db('responses').whereNotNull('submitted_at')) : 0;
  const queuedMail = (await db.schema.hasTable('email_outbox'))
    ? await count(db('email_outbox').whereIn('status', ['queued', 'sending']))
    : 0;
  return { integrity, migrations, submitted, queuedMail };
}

/** Opens a SQLite file on its own connection: checks it, reads what it holds and folds its -wal in. */
export async function inspectSqliteFile(file: string): Promise<CopyContents> {
  const db = createDb(`file:${file}`);
  try {
    const c = await contents(db);
    await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    return c;
  } finally {
    await db.destroy();
  }
}
