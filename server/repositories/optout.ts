// Opt-out link tokens (table mail_optout_tokens): one per queued e-mail, for the contact it goes
// to. Only the SHA-256 of a token is stored; the outbox row it was made for is stored with it.
import type { Knex } from 'knex';
import { nowIso } from '../db';

/** Stores a new token's hash for the contact (and the outbox row of the e-mail carrying it, when known); returns the token row's id. */
export async function insertOptOutToken(db: Knex, tokenHash: string, contactId: number, outboxId: number | null = null): Promise<number> {
  const [row] = await db('mail_optout_tokens')
    .insert({ token_hash: tokenHash, contact_id: contactId, outbox_id: outboxId, created_at: nowIso() })
    .returning('id');
  return Number(row.id);
}

export interface OptOutToken {
  tokenId: number;
  contactId: number;
  optedOutAt: string | null;
  erasedAt: string | null;
}

/** The token with this hash and the state of its contact, or null. */
export async function findOptOutToken(db: Knex, tokenHash: string): Promise<OptOutToken | null> {
  const row = await db('mail_optout_tokens as t')
    .join('contacts as c', 'c.id', 't.contact_id')
    .where('t.token_hash', tokenHash)
    .first<{ id: number; contact_id: number; opted_out_at: string | null; erased_at: string | null } | undefined>(
      't.id',
      't.contact_id',
      'c.opted_out_at',
      'c.erased_at',
    );
  if (!row) return null;
  return { tokenId: Number(row.id), contactId: Number(row.contact_id), optedOutAt: row.opted_out_at, erasedAt: row.erased_at };
}

export async function markOptOutTokenUsed(db: Knex, tokenId: number, now: string): Promise<void> {
  await db('mail_optout_tokens').where({ id: tokenId }).update({ used_at: now });
}
