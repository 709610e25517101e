// Claimed outbox rows that a stopping worker did not get to: back to the queue as they were
// (the attempt is not counted), so the next worker sends them — once.
import type { Knex } from 'knex';

export async function releaseClaimed(db: Knex, ids: number[], workerId: string): Promise<number> {
  if (!ids.length) return 0;
  const n = await db('email_outbox')
    .whereIn('id', ids)
    .where({ status: 'sending', claimed_by: workerId })
    .update({ status: 'queued', claimed_by: null, claimed_at: null, attempts: db.raw('attempts - 1') });
  return Number(n);
}
