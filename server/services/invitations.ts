// Invitations and their personal links. One invitation per organisation and round; each e-mail
// carries a link token of 256 random bits made for one contact (or for no contact, e.g. a link
// printed for phone follow-up). Only the SHA-256 of a token is stored, so a link can only be
// shown once — a reminder makes a new token for the contact; older tokens keep working until
// the round closes or the invitation is revoked, or the contact is deactivated or erased (which
// revokes that contact's tokens).
import type { Knex } from 'knex';
import { nowIso } from '../db';
import { hashToken, looksLikeToken, newToken } from '../lib/tokens';
import type { StoredResponseState } from '../repositories/responses';
import {
  findInvitationId,
  findLiveToken,
  findRespondentLink,
  findRespondentLinkAndState,
  type RespondentLink,
  hasLiveAnswerLink,
  insertInvitation,
  insertInvitationToken,
  invitationForLink,
  type LinkAccess,
  type LiveToken,
  markFirstOpened,
  revokeTokensOfContacts,
  touchToken,
} from '../repositories/invitations';
import { type Actor, audit } from './audit';

export type { LinkAccess } from '../repositories/invitations';

/** The invitation of the organisation for the round, made when there is none yet; returns its id. */
export async function ensureInvitation(db: Knex, roundId: number, organisationId: number): Promise<number> {
  const existing = await findInvitationId(db, roundId, organisationId);
  if (existing !== null) return existing;
  const inserted = await insertInvitation(db, roundId, organisationId);
  if (inserted !== null) return inserted;
  // made at the same moment by another request
  const again = await findInvitationId(db, roundId, organisationId);
  if (again === null) throw new Error(`the invitation of organisation ${organisationId} for round ${roundId} was not saved`);
  return again;
}

/** Who caused a link to be issued, and how: the audit entry of every issued link names both. */
export interface LinkCause {
  /** The staff user, the CLI, the system (scheduled reminders) or the respondent (a confirmation). */
  actor: Actor;
  via: 'invitation' | 'reminder' | 'confirmation' | 'manual' | 'links';
}

/**
 * What a new link of the invitation may do (see migrations/…_invitation-token-access.ts). In a
 * round that is not confidential, and before the organisation has begun answering: 'answer'. In a
 * confidential round once it has an answer: after a submit 'status' for everyone; with a draft,
 * 'answer' only for a contact who already holds a live 'answer' link of the invitation (the
 * reminder to the person who is writing the draft) — a contact added later, or whose address was
 * changed (which revokes their links), or a link for no contact, gets 'status'. So a link a staff
 * member sends to an address of their own never opens what the organisation has answered.
 */
export async function accessForNewLink(db: Knex, invitationId: number, contactId: number | null): Promise<LinkAccess> {
  return (await invitationAndAccess(db, invitationId, contactId)).access;
}

/** The invitation a new link is for (its round and organisation) and what the link may do, read once. */
async function invitationAndAccess(db: Knex, invitationId: number, contactId: number | null) {
  const inv = await invitationForLink(db, invitationId);
  if (!inv) throw new Error(`invitation ${invitationId} does not exist`);
  // a confidential round's organisation that began answering: only a contact who still has a live answer link gets another
  let access: LinkAccess = 'answer';
  if (inv.confidential && inv.responseStatus !== null)
    access =
      inv.responseStatus !== 'submitted' && contactId !== null && (await hasLiveAnswerLink(db, invitationId, contactId))
        ? 'answer'
        : 'status';
  return { inv, access };
}

/**
 * Makes a new personal link token for the invitation and audits it (who caused it, how, what the
 * link may do — ids only); returns the token (never stored).
 */
export async function issueToken(db: Knex, invitationId: number, contactId: number | null, cause: LinkCause): Promise<string> {
  const token = newToken();
  await recordIssuedToken(db, invitationId, contactId, hashToken(token), cause);
  return token;
}

/** Stores a link token made beforehand (an e-mail rendered outside the transaction) and audits it, as issueToken. */
export async function recordIssuedToken(
  db: Knex,
  invitationId: number,
  contactId: number | null,
  tokenHash: string,
  cause: LinkCause,
): Promise<void> {
  const { inv, access } = await invitationAndAccess(db, invitationId, contactId);
  const tokenId = await insertInvitationToken(db, invitationId, contactId, tokenHash, access);
  await audit(
    db,
    cause.actor,
    'link.issued',
    { type: 'invitation_token', id: tokenId },
    { via: cause.via, access, invitationId, roundId: inv.roundId, organisationId: inv.organisationId, contactId },
  );
}

export type ResolvedToken = LiveToken;

/**
 * Looks a token up by its hash. Returns null for a malformed, unknown or revoked token.
 * The round's state (open, closed …) is for the caller to judge. An unknown token costs the
 * same single indexed lookup as a known one, so timing does not tell them apart.
 */
export async function resolveToken(db: Knex, token: string): Promise<ResolvedToken | null> {
  const found = await findLiveToken(db, lookupHash(token));
  return found && looksLikeToken(token) ? found : null;
}

/** What a token is looked up by: its hash — for a malformed one the hash of something no token hashes to, so it costs the same lookup. */
function lookupHash(token: string): string {
  return hashToken(looksLikeToken(token) ? token : 'malformed:' + String(token).slice(0, 100));
}

export type { RespondentLink };

/** The token's lookup (as resolveToken) together with its round, the organisation's name and the contact's language, in one query. */
export async function resolveRespondentLink(db: Knex, token: string): Promise<RespondentLink | null> {
  const found = await findRespondentLink(db, lookupHash(token));
  return found && looksLikeToken(token) ? found : null;
}

/** The same with the organisation's response in the round (null when it has none), in the same one query. */
export async function resolveRespondentLinkAndState(
  db: Knex,
  token: string,
): Promise<{ link: RespondentLink; state: StoredResponseState | null } | null> {
  const found = await findRespondentLinkAndState(db, lookupHash(token));
  return found && looksLikeToken(token) ? found : null;
}

/** How often a token's last use is written: to the nearest 10 minutes is enough. */
const LAST_USED_EVERY_MS = 10 * 60_000;

/**
 * Records the first time the organisation's link was opened (for the follow-up page) and the
 * token's last use — only when that changes something, so a repeat visit writes nothing.
 */
export async function markOpened(db: Knex, resolved: ResolvedToken): Promise<void> {
  const now = nowIso();
  const stale = new Date(Date.now() - LAST_USED_EVERY_MS).toISOString();
  if (resolved.lastUsedAt === null || resolved.lastUsedAt < stale) await touchToken(db, resolved.tokenId, now, stale);
  if (resolved.firstOpenedAt === null) await markFirstOpened(db, resolved.invitationId, now);
}

/**
 * Revokes every personal link made for these contacts (they are erased or deactivated): the
 * links stop working at once. Links made for no contact (by hand) and other contacts' links of
 * the same organisation keep working. Returns how many links were revoked.
 */
export async function revokeContactTokens(db: Knex, contactIds: number[], now: string = nowIso()): Promise<number> {
  return revokeTokensOfContacts(db, contactIds, now);
}
