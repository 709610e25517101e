// The leases of the scheduled background jobs (table background_leases): taking a due job's lease
// with one conditional update (so one instance of many wins), and recording how a run went.
import type { Knex } from 'knex';
import { isPostgres, nowIso } from '../db';
import type { BackgroundLeaseRow } from './tables';

export type BackgroundLease = {
  name: string;
  nextRunAt: string | null;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastResult: string | null;
};

function toLease(r: BackgroundLeaseRow): BackgroundLease {
  return {
    name: r.name,
    nextRunAt: r.next_run_at,
    lastStartedAt: r.last_started_at,
    lastFinishedAt: r.last_finished_at,
    lastResult: r.last_result,
  };
}

export async function findLease(db: Knex, name: string): Promise<BackgroundLease | null> {
  const r = await db('background_leases').where({ name }).first();
  return r ? toLease(r) : null;
}

/**
 * Takes the job's lease when it is due (next_run_at empty or passed) and nobody holds it (or the
 * holder's lease ran out: it crashed). True when this holder got it.
 */
export async function takeDueLease(db: Knex, name: string, holder: string, now: Date, leaseMs: number): Promise<boolean> {
  const at = now.toISOString();
  await db('background_leases').insert({ name }).onConflict('name').ignore();
  const n = await db('background_leases')
    .where({ name })
    .where((w) => {
      w.whereNull('next_run_at').orWhere('next_run_at', '<=', at);
    })
    .where((w) => {
      w.whereNull('lease_until').orWhere('lease_until', '<', at);
    })
    .update({ holder, lease_until: new Date(now.getTime() + leaseMs).toISOString(), last_started_at: at });
  return Number(n) === 1;
}

/** Ends a run: the result, when it is due again, and the lease released. */
export async function finishLease(db: Knex, name: string, holder: string, result: string, nextRunAt: string): Promise<void> {
  await db('background_leases')
    .where({ name, holder })
    .update({ holder: null, lease_until: null, last_finished_at: nowIso(), last_result: result, next_run_at: nextRunAt });
}

/** Deletes the staff sessions that have expired; returns how many. */
export async function deleteExpiredSessions(db: Knex, now: Date): Promise<number> {
  const q = db('sessions');
  if (isPostgres(db)) q.where('expired', '<', now.toISOString());
  else q.whereRaw('datetime(expired) < datetime(?)', [now.toISOString()]);
  return Number(await q.delete());
}

/** Clears the bodies (which hold working personal links) and opt-out links of failed and bounced e-mails queued before `before`. */
export async function clearOldOutboxBodies(db: Knex, before: string): Promise<number> {
  const n = await db('email_outbox')
    .whereIn('status', ['failed', 'bounced'])
    .where('created_at', '<', before)
    .where((w) => {
      w.whereNotNull('text_body').orWhereNotNull('html_body').orWhereNotNull('list_unsubscribe');
    })
    .update({ text_body: null, html_body: null, list_unsubscribe: null });
  return Number(n);
}
