// Sends of invitations and reminders (table mail_sends): one row per press of "Skicka
// inbjudningar" / "Påminn de som inte svarat" and per scheduled reminder, keyed by the form's
// send-request id (unique), so the same send is never queued twice — see services/mailings.ts.
import type { Knex } from 'knex';
import { isPostgres } from '../db';
import type { MailSendRow } from './tables';

export type SendKind = 'invitation' | 'reminder';

export interface MailSend {
  id: number;
  requestKey: string;
  roundId: number;
  kind: SendKind;
  scope: string;
  requestedBy: number | null;
  organisations: number;
  messages: number;
  createdAt: string;
}

function toSend(r: MailSendRow): MailSend {
  return {
    id: Number(r.id),
    requestKey: r.request_key,
    roundId: Number(r.round_id),
    kind: r.kind === 'reminder' ? 'reminder' : 'invitation',
    scope: r.scope,
    requestedBy: r.requested_by === null ? null : Number(r.requested_by),
    organisations: Number(r.organisations),
    messages: Number(r.messages),
    createdAt: r.created_at,
  };
}

/**
 * Takes the round's send lock for the rest of the transaction, so two sends of one round (two
 * tabs, two app instances) run one after the other and the second sees what the first queued.
 * PostgreSQL: a row lock on the round (SELECT … FOR UPDATE). SQLite: a write to the round's row,
 * which takes the database's write lock at once (the first write of a transaction does).
 */
export async function lockRoundForSending(trx: Knex.Transaction, roundId: number): Promise<void> {
  if (isPostgres(trx)) await trx('rounds').where({ id: roundId }).forUpdate().first('id');
  else
    await trx('rounds')
      .where({ id: roundId })
      .update({ updated_at: trx.raw('??', ['updated_at']) });
}

export interface NewSend {
  requestKey: string;
  roundId: number;
  kind: SendKind;
  scope: string;
  requestedBy: number | null;
  createdAt: string;
}

/** Records a send; null when a send with this request key exists already (the unique key decides). */
export async function insertSend(db: Knex, s: NewSend): Promise<number | null> {
  const [row] = await db('mail_sends')
    .insert({
      request_key: s.requestKey,
      round_id: s.roundId,
      kind: s.kind,
      scope: s.scope,
      requested_by: s.requestedBy,
      organisations: 0,
      messages: 0,
      created_at: s.createdAt,
    })
    .onConflict('request_key')
    .ignore()
    .returning('id');
  return row ? Number(row.id) : null;
}

export async function findSendByKey(db: Knex, requestKey: string): Promise<MailSend | null> {
  const row = await db('mail_sends').where({ request_key: requestKey }).first();
  return row ? toSend(row) : null;
}

/** The latest send of the kind for the round made after send `afterId` (0: any), or null. */
export async function latestSendAfter(db: Knex, roundId: number, kind: SendKind, afterId: number): Promise<MailSend | null> {
  const row = await db('mail_sends').where({ round_id: roundId, kind }).andWhere('id', '>', afterId).orderBy('id', 'desc').first();
  return row ? toSend(row) : null;
}

/** The id of the latest send of the kind for the round (0 when there is none). */
export async function latestSendId(db: Knex, roundId: number, kind: SendKind): Promise<number> {
  const row = await db('mail_sends').where({ round_id: roundId, kind }).max({ id: 'id' }).first();
  return Number(row?.id ?? 0);
}

export async function setSendCounts(db: Knex, sendId: number, organisations: number, messages: number): Promise<void> {
  await db('mail_sends').where({ id: sendId }).update({ organisations, messages });
}

/** How far a send has come: its e-mails in the outbox, and how many of them are sent. */
export async function sendProgress(db: Knex, sendId: number): Promise<{ sent: number; total: number }> {
  const rows = await db('email_outbox')
    .where({ send_id: sendId })
    .select('status')
    .count<Array<{ status: string; n: number }>>({ n: '*' })
    .groupBy('status');
  let sent = 0;
  let total = 0;
  for (const r of rows) {
    total += Number(r.n);
    if (r.status === 'sent') sent += Number(r.n);
  }
  return { sent, total };
}
