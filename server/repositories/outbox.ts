// The e-mail outbox (table email_outbox): rows are written in the same transaction as what the
// e-mail is about (invitations, tokens), and the worker (mail/worker.ts) sends them. This file holds
// the outbox's queries: queueing, claiming, marking the outcome, listing, counting and retrying.
//
// Life of a row: queued → sending (claimed by one worker) → sent | bounced | failed, or back to
// queued with a later next_attempt_at after a temporary error. text_body/html_body hold the
// personal link and are cleared once the row is sent or bounced (a failed row keeps them for a
// retry by hand until its round closes: services/rounds.ts closeRound); subject, to_address and the
// status stay for the follow-up (to_address and subject are cleared when the contact is erased,
// its .eml files deleted — see services/gdpr.ts). list_unsubscribe (the List-Unsubscribe header,
// which holds the opt-out token) is kept and cleared exactly like the bodies; `headers` holds only
// what may stay (Content-Language, Auto-Submitted).
//
// Claims: a worker marks the rows it takes 'sending' with its id and the time; while it works on
// them it renews claimed_at (renewClaims, the heartbeat). A claim not renewed for the worker's
// time-out is taken to be from a crashed worker and the row is due again.
import type { Knex } from 'knex';
import { isPostgres, json, nowIso } from '../db';
import type { OutboxRow } from './tables';
import { inTransaction } from './transaction';

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'bounced';
export const OUTBOX_STATUSES: OutboxStatus[] = ['queued', 'sending', 'sent', 'failed', 'bounced'];

export type OutboxKind = 'invitation' | 'reminder' | 'confirmation' | 'account' | 'other';

/** One outbox row as the worker and the pages see it. */
export interface OutboxMessage {
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
  /** The List-Unsubscribe header value (`<url>`, with the opt-out token) until the message is done with. */
  listUnsubscribe: string | null;
}

/** last_error and bounce reasons are kept this short. */
const MAX_ERROR_LENGTH = 2000;

function toMessage(r: OutboxRow): OutboxMessage {
  return {
    id: Number(r.id),
    kind: r.kind,
    roundId: r.round_id === null ? null : Number(r.round_id),
    organisationId: r.organisation_id === null ? null : Number(r.organisation_id),
    contactId: r.contact_id === null ? null : Number(r.contact_id),
    toAddress: r.to_address,
    subject: r.subject,
    textBody: r.text_body,
    htmlBody: r.html_body,
    headers: json<Record<string, string> | null>(r.headers) ?? {},
    messageId: r.message_id,
    status: r.status as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    claimedAt: r.claimed_at,
    claimedBy: r.claimed_by,
    sentAt: r.sent_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    listUnsubscribe: r.list_unsubscribe ?? null,
  };
}

/** What a row keeps once its message is done with (sent, bounced, given up): no link, no opt-out token. */
const CLEARED_SECRETS = { text_body: null, html_body: null, list_unsubscribe: null } as const;

export interface NewOutboxMessage {
  kind: OutboxKind;
  roundId: number | null;
  organisationId: number | null;
  contactId: number | null;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** Headers that may stay after sending (no tokens). */
  headers: Record<string, string>;
  /** The List-Unsubscribe header value (holds the opt-out token), or null. */
  listUnsubscribe?: string | null;
  messageId: string;
  /** The send (mail_sends) this e-mail belongs to; null for a confirmation. */
  sendId?: number | null;
}

/** Writes one queued outbox row (call inside the transaction that made what the e-mail is about); returns its id. */
export async function insertOutboxMessage(db: Knex, m: NewOutboxMessage): Promise<number> {
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
      list_unsubscribe: m.listUnsubscribe ?? null,
      send_id: m.sendId ?? null,
      message_id: m.messageId,
      status: 'queued',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    })
    .returning('id');
  return Number(row.id);
}

/** Due rows: queued ones whose next attempt has come, and ones left in 'sending' (claimed before staleBefore). */
function whereDue<T>(q: Knex.QueryBuilder<OutboxRow, T>, now: string, staleBefore: string): Knex.QueryBuilder<OutboxRow, T> {
  return q.where((any) => {
    any
      .where((w) => {
        w.where('status', 'queued').andWhere('next_attempt_at', '<=', now);
      })
      .orWhere((w) => {
        w.where('status', 'sending').andWhere('claimed_at', '<', staleBefore);
      });
  });
}

interface Claim {
  workerId: string;
  limit: number;
  now: string;
  staleBefore: string;
}

function claimedColumns(trx: Knex.Transaction, c: Claim) {
  return { status: 'sending', claimed_by: c.workerId, claimed_at: c.now, attempts: trx.raw<number>('attempts + 1') };
}

/** PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, then mark the picked rows 'sending' — two workers never get the same row. */
async function claimOnPostgres(trx: Knex.Transaction, c: Claim): Promise<OutboxMessage[]> {
  const picked = await whereDue(trx('email_outbox').select('id'), c.now, c.staleBefore)
    .orderBy('id')
    .limit(c.limit)
    .forUpdate()
    .skipLocked();
  const ids = picked.map((r) => Number(r.id));
  if (!ids.length) return [];
  const rows = await trx('email_outbox').whereIn('id', ids).update(claimedColumns(trx, c)).returning('*');
  return rows.map(toMessage).sort((a, b) => a.id - b.id);
}

/**
 * SQLite: one writer at a time, so a conditional update of the due rows among the picked ids
 * claims them; the rows are then read back by worker id and claim time.
 */
async function claimOnSqlite(trx: Knex.Transaction, c: Claim): Promise<OutboxMessage[]> {
  const picked = await whereDue(trx('email_outbox').select('id'), c.now, c.staleBefore).orderBy('id').limit(c.limit);
  const ids = picked.map((r) => Number(r.id));
  if (!ids.length) return [];
  await whereDue(trx('email_outbox').whereIn('id', ids), c.now, c.staleBefore).update(claimedColumns(trx, c));
  const rows = await trx('email_outbox')
    .whereIn('id', ids)
    .where({ status: 'sending', claimed_by: c.workerId, claimed_at: c.now })
    .orderBy('id');
  return rows.map(toMessage);
}

/** Claims up to `limit` due rows for `workerId` (see whereDue), in one transaction. Each claim counts as an attempt. */
export function claimDue(db: Knex, workerId: string, limit: number, now: string, staleBefore: string): Promise<OutboxMessage[]> {
  const claim = { workerId, limit, now, staleBefore };
  return inTransaction(db, (trx) => (isPostgres(db) ? claimOnPostgres(trx, claim) : claimOnSqlite(trx, claim)));
}

/**
 * The heartbeat: renews the claim on those of `ids` this worker still holds; returns their ids
 * (a row missing from the answer was reclaimed by another worker, and must not be sent).
 */
export async function renewClaims(db: Knex, workerId: string, ids: number[], now: string): Promise<number[]> {
  if (!ids.length) return [];
  const held: number[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db('email_outbox')
      .whereIn('id', ids.slice(i, i + 500))
      .where({ status: 'sending', claimed_by: workerId })
      .update({ claimed_at: now })
      .returning('id');
    held.push(...rows.map((r) => Number(r.id)));
  }
  return held;
}

/** "Skicka nu": queued messages waiting for a later try are due at once; returns how many. */
export async function makeWaitingDue(db: Knex, now: string): Promise<number> {
  const n = await db('email_outbox').where('status', 'queued').andWhere('next_attempt_at', '>', now).update({ next_attempt_at: now });
  return Number(n);
}

/** Queued messages waiting for a later try (after a temporary error). */
export async function countWaiting(db: Knex, now: string): Promise<number> {
  const [r] = await db('email_outbox').where('status', 'queued').andWhere('next_attempt_at', '>', now).count({ n: '*' });
  return Number(r?.n ?? 0);
}

/** A claimed row, still held by this worker. */
function claimedBy(db: Knex, id: number, workerId: string) {
  return db('email_outbox').where({ id, status: 'sending', claimed_by: workerId });
}

/** Marks a claimed row sent and clears the bodies (they hold the personal link). False when another worker has reclaimed it. */
export async function markSent(db: Knex, id: number, workerId: string): Promise<boolean> {
  const n = await claimedBy(db, id, workerId).update({
    status: 'sent',
    sent_at: nowIso(),
    ...CLEARED_SECRETS,
    last_error: null,
  });
  return Number(n) === 1;
}

/** Claimed rows a stopping worker did not get to: back to the queue as they were (the attempt is not counted). */
export async function releaseClaimed(db: Knex, ids: number[], workerId: string): Promise<number> {
  if (!ids.length) return 0;
  const n = await db('email_outbox')
    .whereIn('id', ids)
    .where({ status: 'sending', claimed_by: workerId })
    .update({ status: 'queued', claimed_by: null, claimed_at: null, attempts: db.raw('attempts - 1') });
  return Number(n);
}

/** After a temporary error: back to the queue, to be tried again at nextAttemptAt. */
export async function markForRetry(db: Knex, id: number, workerId: string, error: string, nextAttemptAt: string): Promise<void> {
  await claimedBy(db, id, workerId).update({
    status: 'queued',
    next_attempt_at: nextAttemptAt,
    last_error: error.slice(0, MAX_ERROR_LENGTH),
  });
}

/** Failed for good (the last attempt, or the recipient may no longer be e-mailed); the bodies stay for a retry by hand. */
export async function markFailed(db: Knex, id: number, workerId: string, error: string): Promise<void> {
  await claimedBy(db, id, workerId).update({ status: 'failed', last_error: error.slice(0, MAX_ERROR_LENGTH) });
}

/** After a permanent (5xx) reply: bounced, bodies cleared. False when another worker has reclaimed the row. */
export async function markBounced(db: Knex, id: number, workerId: string, reason: string): Promise<boolean> {
  const n = await claimedBy(db, id, workerId).update({
    status: 'bounced',
    last_error: reason.slice(0, MAX_ERROR_LENGTH),
    ...CLEARED_SECRETS,
  });
  return Number(n) === 1;
}

/**
 * A delivery report (a bounce that came after the SMTP server had accepted the message): the sent
 * row with that Message-ID becomes bounced. Null when there is no such sent row (unknown, or
 * already marked by an earlier report).
 */
export async function markSentAsBounced(
  db: Knex,
  messageId: string,
  reason: string,
): Promise<{ id: number; contactId: number | null; toAddress: string | null } | null> {
  const row = await db('email_outbox').where({ message_id: messageId, status: 'sent' }).first('id', 'contact_id', 'to_address');
  if (!row) return null;
  const n = await db('email_outbox')
    .where({ id: row.id, status: 'sent' })
    .update({ status: 'bounced', last_error: reason.slice(0, MAX_ERROR_LENGTH), text_body: null, html_body: null });
  if (Number(n) !== 1) return null;
  return { id: Number(row.id), contactId: row.contact_id === null ? null : Number(row.contact_id), toAddress: row.to_address };
}

/** Messages still waiting for a contact are not sent (the contact opted out): failed with the reason, bodies cleared. */
export async function failQueuedOfContact(db: Knex, contactId: number, reason: string): Promise<void> {
  await db('email_outbox')
    .where({ contact_id: contactId, status: 'queued' })
    .update({ status: 'failed', last_error: reason, ...CLEARED_SECRETS });
}

/** A failed row back to the queue for a new try, by hand. False when the row cannot be retried (not failed, or its content is gone). */
export async function requeueFailed(db: Knex, id: number): Promise<boolean> {
  const n = await db('email_outbox')
    .where({ id })
    .whereIn('status', ['failed'])
    .whereNotNull('text_body')
    .whereNotNull('to_address')
    .update({ status: 'queued', attempts: 0, next_attempt_at: nowIso(), claimed_at: null, claimed_by: null });
  return Number(n) === 1;
}

export interface RetryTarget {
  roundId: number | null;
  /** The recipient opted out or was erased since the message was queued. */
  recipientGone: boolean;
}

/** Whether a message's recipient may still get it, for a retry by hand; null when there is no such message. */
export async function findRetryTarget(db: Knex, outboxId: number): Promise<RetryTarget | null> {
  const row = await db('email_outbox as o')
    .leftJoin('contacts as c', 'c.id', 'o.contact_id')
    .where('o.id', outboxId)
    .first<{ round_id: number | null; opted_out_at: string | null; erased_at: string | null } | undefined>(
      'o.round_id',
      'c.opted_out_at',
      'c.erased_at',
    );
  if (!row) return null;
  return { roundId: row.round_id === null ? null : Number(row.round_id), recipientGone: !!(row.opted_out_at || row.erased_at) };
}

/** The failed messages (of one round, or all) whose recipient has neither opted out nor been erased. */
export async function failedMessageIds(db: Knex, roundId: number | null): Promise<number[]> {
  const q = db('email_outbox as o')
    .leftJoin('contacts as c', 'c.id', 'o.contact_id')
    .where('o.status', 'failed')
    .whereNull('c.opted_out_at')
    .whereNull('c.erased_at');
  if (roundId) q.where('o.round_id', roundId);
  const rows = await q.select<Array<{ id: number }>>('o.id');
  return rows.map((r) => Number(r.id));
}

export interface OutboxListItem extends Omit<OutboxMessage, 'textBody' | 'htmlBody' | 'headers' | 'listUnsubscribe'> {
  roundTitle: string | null;
  organisationName: string | null;
}

type OutboxListRow = Omit<OutboxRow, 'text_body' | 'html_body' | 'headers' | 'list_unsubscribe' | 'send_id'> & {
  round_title: string | null;
  organisation_name: string | null;
};

const LIST_COLUMNS = [
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
];

/** The latest rows (newest first), without their bodies, with the round's title and the organisation's name. */
export async function listOutbox(
  db: Knex,
  opts: { status?: OutboxStatus; roundId?: number; limit?: number } = {},
): Promise<OutboxListItem[]> {
  const q = db('email_outbox as o')
    .leftJoin('rounds as r', 'r.id', 'o.round_id')
    .leftJoin('organisations as g', 'g.id', 'o.organisation_id')
    .orderBy('o.id', 'desc')
    .limit(opts.limit ?? 200);
  if (opts.status) q.where('o.status', opts.status);
  if (opts.roundId) q.where('o.round_id', opts.roundId);
  const rows = await q.select<OutboxListRow[]>(LIST_COLUMNS);
  return rows.map((r) => {
    const cleared = { ...r, text_body: null, html_body: null, headers: null, list_unsubscribe: null, send_id: null };
    const { textBody: _t, htmlBody: _h, headers: _x, listUnsubscribe: _u, ...rest } = toMessage(cleared);
    return { ...rest, roundTitle: r.round_title ?? null, organisationName: r.organisation_name ?? null };
  });
}

export type OutboxCounts = Record<OutboxStatus, number> & { total: number };

/** Number of rows per status, for one round or all. */
export async function outboxCounts(db: Knex, roundId?: number): Promise<OutboxCounts> {
  const q = db('email_outbox').select('status').count<Array<{ status: string; n: number }>>({ n: '*' }).groupBy('status');
  if (roundId) q.where('round_id', roundId);
  const out: OutboxCounts = { queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0, total: 0 };
  for (const r of await q) {
    if (r.status in out) out[r.status as OutboxStatus] = Number(r.n);
    out.total += Number(r.n);
  }
  return out;
}

export interface OrgMailCounts {
  queued: number;
  sent: number;
  bounced: number;
  failed: number;
  lastReminderAt: string | null;
}

function addToCounts(c: OrgMailCounts, r: { status: string; kind: string; n: number; last: string }): void {
  const n = Number(r.n);
  if (r.status === 'queued' || r.status === 'sending') c.queued += n;
  else if (r.status === 'sent') c.sent += n;
  else if (r.status === 'bounced') c.bounced += n;
  else if (r.status === 'failed') c.failed += n;
  if (r.kind === 'reminder' && (!c.lastReminderAt || r.last > c.lastReminderAt)) c.lastReminderAt = r.last;
}

/** Outbox rows of the round per organisation and status, and the time of the latest reminder. */
export async function outboxCountsByOrganisation(db: Knex, roundId: number): Promise<Map<number, OrgMailCounts>> {
  const rows = await db('email_outbox')
    .where({ round_id: roundId })
    .whereNotNull('organisation_id')
    .select('organisation_id', 'status', 'kind')
    .count({ n: '*' })
    .max({ last: 'created_at' })
    .groupBy('organisation_id', 'status', 'kind');
  const out = new Map<number, OrgMailCounts>();
  for (const r of rows as unknown as Array<{ organisation_id: number; status: string; kind: string; n: number; last: string }>) {
    const id = Number(r.organisation_id);
    const c = out.get(id) ?? { queued: 0, sent: 0, bounced: 0, failed: 0, lastReminderAt: null };
    addToCounts(c, r);
    out.set(id, c);
  }
  return out;
}

/** The Content-Language of the latest invitation or reminder to each contact of the round (or to each of `contactIds`). */
export async function lastLocaleByContact(db: Knex, roundId: number, contactIds?: number[]): Promise<Map<number, string>> {
  const q = db('email_outbox').where({ round_id: roundId }).whereIn('kind', ['invitation', 'reminder']);
  // only these contacts' messages (one organisation's, for its confirmation): by the contact index, not the whole round
  if (contactIds) q.whereIn('contact_id', contactIds);
  else q.whereNotNull('contact_id');
  const rows = await q.orderBy('id').select('contact_id', 'headers');
  const out = new Map<number, string>();
  for (const r of rows) {
    const h = json<Record<string, string> | null>(r.headers) ?? {};
    if (h['Content-Language']) out.set(Number(r.contact_id), h['Content-Language']);
  }
  return out;
}

/** Failed and bounced messages created since `since` (the start page's "e-mail that did not arrive"). */
export async function undeliveredSince(db: Knex, since: string): Promise<{ failed: number; bounced: number }> {
  const rows = await db('email_outbox')
    .where('created_at', '>=', since)
    .whereIn('status', ['failed', 'bounced'])
    .select('status')
    .count<Array<{ status: string; n: number | string }>>({ n: '*' })
    .groupBy('status');
  const out = { failed: 0, bounced: 0 };
  for (const r of rows) out[r.status as 'failed' | 'bounced'] = Number(r.n);
  return out;
}
