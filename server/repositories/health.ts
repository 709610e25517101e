// The database's answers for /health/ready.
import type { Knex } from 'knex';
import { pendingMigrations } from '../db';

export async function pingDatabase(db: Knex): Promise<void> {
  await db.raw('select 1');
}

export function pendingMigrationNames(db: Knex): Promise<string[]> {
  return pendingMigrations(db);
}

/** Queued e-mails that are due now, and the oldest due time among them. */
export async function dueOutboxBacklog(db: Knex, now: Date): Promise<{ due: number; oldestDueAt: string | null }> {
  const rows = await db('email_outbox')
    .where('status', 'queued')
    .where('next_attempt_at', '<=', now.toISOString())
    .count({ n: '*' })
    .min({ oldest: 'next_attempt_at' });
  const r = rows[0] as unknown as { n: number | string; oldest: string | null } | undefined;
  return { due: Number(r?.n ?? 0), oldestDueAt: r?.oldest ? new Date(r.oldest).toISOString() : null };
}
