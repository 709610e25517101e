// Invitations and their personal links. One invitation per organisation and round; each e-mail
// carries a link token of 256 random bits made for one contact (or for no contact, e.g. a link
// printed for phone follow-up). Only the SHA-256 of a token is stored, so a link can only be
// shown once — a reminder makes a new token for the contact; older tokens keep working until
// the round closes or the invitation is revoked, or the contact is deactivated or erased (which
// revokes that contact's tokens).
import type { Knex } from 'knex';
import { nowIso } from '../db';
import { hashToken, looksLikeToken, newToken } from '../lib/tokens';

export async function ensureInvitation(db: Knex, roundId: number, organisationId: number): Promise<number> {
  const existing = await db('invitations').where({ round_id: roundId, organisation_id: organisationId }).first('id');
  if (existing) return Number(existing.id);
  const [row] = await db('invitations')
    .insert({ round_id: roundId, organisation_id: organisationId, created_at: nowIso() })
    .onConflict(['round_id', 'organisation_id'])
    .ignore()
    .returning('id');
  if (row) return Number(typeof row === 'object' ? row.id : row);
  const again = await db('invitations').where({ round_id: roundId, organisation_id: organisationId }).first('id');
  return Number(again.id);
}

/** Makes a new personal link token for the invitation; returns the token (never stored). */
export async function issueToken(db: Knex, invitationId: number, contactId: number | null): Promise<string> {
  const token = newToken();
  await db('invitation_tokens').insert({
    invitation_id: invitationId,
    contact_id: contactId,
    token_hash: hashToken(token),
    created_at: nowIso(),
  });
  return token;
}

export interface ResolvedToken {
  tokenId: number;
  invitationId: number;
  roundId: number;
  organisationId: number;
  contactId: number | null;
}

/**
 * Looks a token up by its hash. Returns null for a malformed, unknown or revoked token.
 * The round's state (open, closed …) is for the caller to judge. An unknown token costs the
 * same single indexed lookup as a known one, so timing does not tell them apart.
 */
export async function resolveToken(db: Knex, token: string): Promise<ResolvedToken | null> {
  const hash = hashToken(looksLikeToken(token) ? token : 'malformed:' + String(token).slice(0, 100));
  const row = await db('invitation_tokens as t')
    .join('invitations as i', 'i.id', 't.invitation_id')
    .where('t.token_hash', hash)
    .whereNull('t.revoked_at')
    .whereNull('i.revoked_at')
    .first('t.id as token_id', 'i.id as invitation_id', 'i.round_id', 'i.organisation_id', 't.contact_id');
  if (!row || !looksLikeToken(token)) return null;
  return {
    tokenId: Number(row.token_id),
    invitationId: Number(row.invitation_id),
    roundId: Number(row.round_id),
    organisationId: Number(row.organisation_id),
    contactId: row.contact_id === null ? null : Number(row.contact_id),
  };
}

/** Records the first time the organisation's link was opened (for the follow-up page). */
export async function markOpened(db: Knex, resolved: ResolvedToken): Promise<void> {
  const now = nowIso();
  // last_used_at to the nearest 10 minutes is enough, and a page view then rarely writes at all
  const stale = new Date(Date.now() - 10 * 60_000).toISOString();
  await db('invitation_tokens')
    .where({ id: resolved.tokenId })
    .andWhere((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', stale))
    .update({ last_used_at: now });
  await db('invitations').where({ id: resolved.invitationId }).whereNull('first_opened_at').update({ first_opened_at: now });
}

/**
 * Revokes every personal link made for these contacts (they are erased or deactivated): the
 * links stop working at once. Links made for no contact (by hand) and other contacts' links of
 * the same organisation keep working. Returns how many links were revoked.
 */
export async function revokeContactTokens(db: Knex, contactIds: number[], now: string = nowIso()): Promise<number> {
  let revoked = 0;
  for (let i = 0; i < contactIds.length; i += 500) {
    const n = await db('invitation_tokens')
      .whereIn('contact_id', contactIds.slice(i, i + 500))
      .whereNull('revoked_at')
      .update({ revoked_at: now });
    revoked += Number(n);
  }
  return revoked;
}
