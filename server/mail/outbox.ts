// The e-mail outbox (table email_outbox): rows are written in the same transaction as what the
// e-mail is about (invitations, tokens), and the worker (worker.ts) sends them. This file holds
// the outbox's queries: queueing, claiming, marking the outcome, listing and retrying.
//
// Life of a row: queued → sending (claimed by one worker) → sent | bounced | failed, or back to
// queued with a later next_attempt_at after a temporary error. text_body/html_body hold the
// personal link and are cleared once the row is sent or bounced (a failed row keeps them for a
// retry by hand until its round closes: services/rounds.ts closeRound); subject, to_address and the
// status stay for the follow-up (to_address and subject are cleared when the contact is erased,
// its .eml files deleted — see services/gdpr.ts).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { isPostgres, json, nowIso } from '../db';
import { hashToken, newToken } from '../lib/tokens';
import { inTransaction } from '../repositories/transaction';

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'bounced';
export const OUTBOX_STATUSES: OutboxStatus[] = ['queued', 'sending', 'sent', 'failed', 'bounced'];
export const STATUS_LABELS: Record<OutboxStatus, string> = {
  queued: 'I kö',
  sending: 'Skickas',
  sent: 'Skickat',
  failed: 'Misslyckades',
  bounced: 'Studsade',
};

export interface OutboxRow {
  id: number;
  kind: string;
  roundId: number | null;
  organisationId: number | null;
  contactId: number | null;
  toAddress: string | null;
  subject: string;
  textBody: string | null;
  htmlBody: string | null;
  headers: Record<string, string>;
  messageId: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  claimedAt: string | null;
  claimedBy: string | null;
  sentAt: string | null;
  lastError: string | null;
  createdAt: string;
}

function toRow(r: Record<string, unknown>): OutboxRow {
  return {
    id: Number(r.id),
    kind: String(r.kind),
    roundId: r.round_id === null || r.round_id === undefined ? null : Number(r.round_id),
    organisationId: r.organisation_id === null || r.organisation_id === undefined ? null : Number(r.organisation_id),
    contactId: r.contact_id === null || r.contact_id === undefined ? null : Number(r.contact_id),
    toAddress: (r.to_address as string) ?? null,
    subject: String(r.subject),
    textBody: (r.text_body as string) ?? null,
    htmlBody: (r.html_body as string) ?? null,
    headers: json<Record<string, string>>(r.headers) ?? {},
    messageId: String(r.message_id),
    status: r.status as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: String(r.next_attempt_at),
    claimedAt: (r.claimed_at as string) ?? null,
    claimedBy: (r.claimed_by as string) ?? null,
    sentAt: (r.sent_at as string) ?? null,
    lastError: (r.last_error as string) ?? null,
    createdAt: String(r.created_at),
  };
}

/** "<hex.timestamp@host-of-base-url>" — unique, and the same on every attempt of a row. */
export function newMessageId(baseUrl: string): string {
  let host = 'partnerpuls.local';
  try {
    host = new URL(baseUrl).hostname || host;
  } catch {
    /* keep the default */
  }
  return `<${crypto.randomBytes(16).toString('hex')}.${Date.now().toString(36)}@${host}>`;
}

/**
 * An opt-out link token for a contact: 256 random bits, only the SHA-256 stored (table
 * mail_optout_tokens). Made when a message is queued, so every e-mail has its own link.
 */
export async function newOptOutToken(db: Knex, contactId: number): Promise<{ token: string; id: number }> {
  const token = newToken();
  const [row] = await db('mail_optout_tokens')
    .insert({ token_hash: hashToken(token), contact_id: contactId, created_at: nowIso() })
    .returning('id');
  return { token, id: Number(typeof row === 'object' ? row.id : row) };
}

export interface QueueInput {
  kind: 'invitation' | 'reminder' | 'confirmation' | 'account' | 'other';
  roundId: number | null;
  organisationId: number | null;
  contactId: number | null;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  messageId: string;
  /** The opt-out token row made for this message, linked to the outbox row. */
  optOutTokenId?: number;
}

/** Writes one outbox row (call inside the transaction that made what the e-mail is about). */
export async function enqueue(db: Knex, m: QueueInput): Promise<number> {
  const now = nowIso();
  const [row] = await db('email_outbox')
    .insert({
      kind: m.kind,
      round_id: m.roundId,
      organisation_id: m.organisationId,
      contact_id: m.contactId,
      to_address: m.to,
      subject: m.subject,
      text_body: m.text,
      html_body: m.html,
      headers: JSON.stringify(m.headers),
      message_id: m.messageId,
      status: 'queued',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    })
    .returning('id');
  const id = Number(typeof row === 'object' ? row.id : row);
  if (m.optOutTokenId) await db('mail_optout_tokens').where({ id: m.optOutTokenId }).update({ outbox_id: id });
  return id;
}

/**
 * Claims up to `limit` due rows for `workerId`: queued rows whose next_attempt_at has come, and
 * rows left in 'sending' by a worker that died (claimed before `staleBefore`).
 * PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED inside a transaction, then mark them 'sending' —
 * two workers never get the same row. SQLite (one worker): a conditional update per row.
 * Each claim counts as an attempt.
 */
export async function claimDue(db: Knex, workerId: string, limit: number, now: string, staleBefore: string): Promise<OutboxRow[]> {
  const due = (q: Knex.QueryBuilder) =>
    q.where((any) =>
      any
        .where((w) => w.where('status', 'queued').andWhere('next_attempt_at', '<=', now))
        .orWhere((w) => w.where('status', 'sending').andWhere('claimed_at', '<', staleBefore)),
    );
  if (isPostgres(db)) {
    return inTransaction(db, async (trx) => {
      const picked = await due(trx('email_outbox').select('id')).orderBy('id').limit(limit).forUpdate().skipLocked();
      const ids = picked.map((r: { id: number }) => Number(r.id));
      if (!ids.length) return [];
      const rows = await trx('email_outbox')
        .whereIn('id', ids)
        .update({ status: 'sending', claimed_by: workerId, claimed_at: now, attempts: trx.raw('attempts + 1') })
        .returning('*');
      return rows.map(toRow).sort((a: OutboxRow, b: OutboxRow) => a.id - b.id);
    });
  }
  // SQLite: one writer at a time, so a conditional update of the due rows among the picked ids
  // claims them; the rows are then read back by worker id and claim time.
  return inTransaction(db, async (trx) => {
    const picked = await due(trx('email_outbox').select('id')).orderBy('id').limit(limit);
    const ids = picked.map((r: { id: number }) => Number(r.id));
    if (!ids.length) return [];
    await due(trx('email_outbox').whereIn('id', ids)).update({
      status: 'sending',
      claimed_by: workerId,
      claimed_at: now,
      attempts: trx.raw('attempts + 1'),
    });
    const rows = await trx('email_outbox')
      .whereIn('id', ids)
      .where({ status: 'sending', claimed_by: workerId, claimed_at: now })
      .orderBy('id');
    return rows.map(toRow);
  });
}

/** Marks a claimed row sent and clears the bodies (they hold the personal link). */
export async function markSent(db: Knex, id: number, workerId: string): Promise<boolean> {
  const n = await db('email_outbox')
    .where({ id, status: 'sending', claimed_by: workerId })
    .update({ status: 'sent', sent_at: nowIso(), text_body: null, html_body: null, last_error: null });
  return Number(n) === 1;
}

/** After a temporary error: back to the queue with a later attempt, or failed after the last try. */
export async function markRetryOrFailed(
  db: Knex,
  row: OutboxRow,
  workerId: string,
  error: string,
  maxAttempts: number,
  nextAttemptAt: string,
): Promise<'retry' | 'failed'> {
  const failed = row.attempts >= maxAttempts;
  await db('email_outbox')
    .where({ id: row.id, status: 'sending', claimed_by: workerId })
    .update(
      failed
        ? { status: 'failed', last_error: error.slice(0, 2000) }
        : { status: 'queued', next_attempt_at: nextAttemptAt, last_error: error.slice(0, 2000) },
    );
  return failed ? 'failed' : 'retry';
}

/** After a permanent (5xx) reply: the row is bounced and the contact marked bounced. */
export async function markBounced(db: Knex, row: OutboxRow, workerId: string, reason: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const n = await trx('email_outbox')
      .where({ id: row.id, status: 'sending', claimed_by: workerId })
      .update({ status: 'bounced', last_error: reason.slice(0, 2000), text_body: null, html_body: null });
    if (Number(n) === 1 && row.contactId) {
      const now = nowIso();
      await trx('contacts')
        .where({ id: row.contactId })
        .update({ bounced_at: now, bounce_reason: reason.slice(0, 500), updated_at: now });
    }
  });
}

/** A failed (or bounced) row back to the queue for a new try, by hand. Returns false when the row cannot be retried. */
export async function requeue(db: Knex, id: number): Promise<boolean> {
  const n = await db('email_outbox')
    .where({ id })
    .whereIn('status', ['failed'])
    .whereNotNull('text_body')
    .whereNotNull('to_address')
    .update({ status: 'queued', attempts: 0, next_attempt_at: nowIso(), claimed_at: null, claimed_by: null });
  return Number(n) === 1;
}

export async function findOutboxRow(db: Knex, id: number): Promise<OutboxRow | null> {
  const r = await db('email_outbox').where({ id }).first();
  return r ? toRow(r) : null;
}

export interface OutboxListItem extends Omit<OutboxRow, 'textBody' | 'htmlBody' | 'headers'> {
  roundTitle: string | null;
  organisationName: string | null;
  statusLabel: string;
}

export async function listOutbox(
  db: Knex,
  opts: { status?: OutboxStatus; roundId?: number; limit?: number } = {},
): Promise<OutboxListItem[]> {
  const q = db('email_outbox as o')
    .leftJoin('rounds as r', 'r.id', 'o.round_id')
    .leftJoin('organisations as g', 'g.id', 'o.organisation_id')
    .select(
      'o.id',
      'o.kind',
      'o.round_id',
      'o.organisation_id',
      'o.contact_id',
      'o.to_address',
      'o.subject',
      'o.message_id',
      'o.status',
      'o.attempts',
      'o.next_attempt_at',
      'o.claimed_at',
      'o.claimed_by',
      'o.sent_at',
      'o.last_error',
      'o.created_at',
      'r.title as round_title',
      'g.name as organisation_name',
    )
    .orderBy('o.id', 'desc')
    .limit(opts.limit ?? 200);
  if (opts.status) q.where('o.status', opts.status);
  if (opts.roundId) q.where('o.round_id', opts.roundId);
  const rows = await q;
  return rows.map((r: Record<string, unknown>) => {
    const { textBody: _t, htmlBody: _h, headers: _x, ...rest } = toRow({ ...r, text_body: null, html_body: null, headers: null });
    return {
      ...rest,
      roundTitle: (r.round_title as string) ?? null,
      organisationName: (r.organisation_name as string) ?? null,
      statusLabel: STATUS_LABELS[rest.status] ?? rest.status,
    };
  });
}

/** Number of rows per status, for one round or all. */
export async function outboxCounts(db: Knex, roundId?: number): Promise<Record<OutboxStatus, number> & { total: number }> {
  const q = db('email_outbox').select('status').count<{ status: string; n: number }[]>({ n: '*' }).groupBy('status');
  if (roundId) q.where('round_id', roundId);
  const out = { queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0, total: 0 };
  for (const r of await q) {
    if (r.status in out) out[r.status as OutboxStatus] = Number(r.n);
    out.total += Number(r.n);
  }
  return out;
}
