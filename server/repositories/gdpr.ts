// The queries of erasure and the retention purge (services/gdpr.ts) over the contacts and the
// e-mail outbox: who to erase, emptying a contact's row, and clearing what the outbox holds.
import type { Knex } from 'knex';
import type { OutboxRow } from './tables';

// (A grouped condition is written `.where((w) => void w.where(…).orWhere(…))`: knex wants the
// callback to return nothing, and the builder it would return is a thenable.)

/** Rows per whereIn (SQLite allows 999 bound values per statement). */
const CHUNK = 500;

/** What a cleared outbox row keeps: no address, headers or body; a neutral subject. */
function clearedOutbox(
  subject: string,
): Pick<OutboxRow, 'to_address' | 'subject' | 'text_body' | 'html_body' | 'headers' | 'list_unsubscribe'> {
  return { to_address: null, subject, text_body: null, html_body: null, headers: null, list_unsubscribe: null };
}

/** The e-mail addresses the contacts still have. */
export async function emailsOfContacts(db: Knex, contactIds: number[]): Promise<string[]> {
  const rows = await db('contacts').whereIn('id', contactIds).whereNotNull('email').pluck('email');
  return rows.map(String);
}

/** Empties the contacts' rows (the row stays, so ids elsewhere still point somewhere). */
export async function eraseContactRows(db: Knex, contactIds: number[], now: string): Promise<void> {
  await db('contacts')
    .whereIn('id', contactIds)
    .update({ name: null, email: null, phone: null, role: null, bounce_reason: null, active: false, erased_at: now, updated_at: now });
}

export async function clearOutboxOfContacts(db: Knex, contactIds: number[], subject: string): Promise<void> {
  await db('email_outbox').whereIn('contact_id', contactIds).update(clearedOutbox(subject));
}

export async function outboxIdsOfContact(db: Knex, contactId: number): Promise<number[]> {
  return db('email_outbox').where({ contact_id: contactId }).pluck('id');
}

/** Contacts not yet erased, unchanged since the cutoff, and inactive — or at an organisation inactive since the cutoff. */
export async function purgeableContactIds(db: Knex, cutoff: string): Promise<number[]> {
  const rows = await db('contacts as c')
    .join('organisations as o', 'o.id', 'c.organisation_id')
    .whereNull('c.erased_at')
    .where('c.updated_at', '<', cutoff)
    .where((w) => void w.where('c.active', false).orWhere((w2) => void w2.where('o.active', false).where('o.updated_at', '<', cutoff)))
    .select<Array<{ id: number }>>('c.id');
  return rows.map((r) => r.id);
}

/** Outbox rows older than the cutoff, done with (not queued or sending), that still hold an address or a body. */
function outboxToClear(db: Knex, cutoff: string) {
  return db('email_outbox')
    .where('created_at', '<', cutoff)
    .whereNotIn('status', ['queued', 'sending'])
    .where((w) => void w.whereNotNull('text_body').orWhereNotNull('html_body').orWhereNotNull('to_address'));
}

export async function countOutboxToClear(db: Knex, cutoff: string): Promise<number> {
  const [r] = await outboxToClear(db, cutoff).count({ n: '*' });
  return Number(r?.n ?? 0);
}

export async function clearOldOutbox(db: Knex, cutoff: string, subject: string): Promise<number> {
  return outboxToClear(db, cutoff).update(clearedOutbox(subject));
}

export interface OutboxFileState {
  id: number;
  contactId: number | null;
  /** null once cleared. */
  toAddress: string | null;
  createdAt: string;
}

/** What the purge needs to know of the outbox rows behind .eml files. */
export async function outboxFileStates(db: Knex, outboxIds: number[]): Promise<OutboxFileState[]> {
  const states: OutboxFileState[] = [];
  for (let i = 0; i < outboxIds.length; i += CHUNK) {
    const rows = await db('email_outbox')
      .whereIn('id', outboxIds.slice(i, i + CHUNK))
      .select('id', 'contact_id', 'to_address', 'created_at');
    for (const r of rows)
      states.push({ id: r.id, contactId: r.contact_id ?? null, toAddress: r.to_address ?? null, createdAt: r.created_at });
  }
  return states;
}
