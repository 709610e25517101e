// Invitations (one per organisation and round) and their personal link tokens (only the SHA-256
// of a token is stored). The rules — who gets a token, when a link stops working — are in
// services/invitations.ts.
import type { Knex } from 'knex';
import { nowIso, preparedRows } from '../db';
import { RESPONSE_STATE_COLUMNS, RESPONSE_STATE_JOINS, responseStateOfRows, type StoredResponseState } from './responses';
import { type Round, toRound } from './rounds';
import type { RoundRow } from './tables';

export async function findInvitationId(db: Knex, roundId: number, organisationId: number): Promise<number | null> {
  const row = await db('invitations').where({ round_id: roundId, organisation_id: organisationId }).first('id');
  return row ? Number(row.id) : null;
}

/** The organisation's invitation for the round when it is not revoked, else null. */
export async function liveInvitationId(db: Knex, roundId: number, organisationId: number): Promise<number | null> {
  const row = await db('invitations').where({ round_id: roundId, organisation_id: organisationId }).whereNull('revoked_at').first('id');
  return row ? Number(row.id) : null;
}

/** Inserts the invitation unless it exists (a concurrent insert wins quietly); returns the new id, or null when it existed. */
export async function insertInvitation(db: Knex, roundId: number, organisationId: number): Promise<number | null> {
  const [row] = await db('invitations')
    .insert({ round_id: roundId, organisation_id: organisationId, created_at: nowIso() })
    .onConflict(['round_id', 'organisation_id'])
    .ignore()
    .returning('id');
  return row ? Number(row.id) : null;
}

/** Records when the invitation was first sent (a later send keeps the first time). */
export async function markInvited(db: Knex, invitationId: number, now: string): Promise<void> {
  await db('invitations').where({ id: invitationId }).whereNull('invited_at').update({ invited_at: now });
}

export async function markFirstOpened(db: Knex, invitationId: number, now: string): Promise<void> {
  await db('invitations').where({ id: invitationId }).whereNull('first_opened_at').update({ first_opened_at: now });
}

export interface InvitationState {
  invitationId: number;
  invitedAt: string | null;
  firstOpenedAt: string | null;
  revokedAt: string | null;
}

/** The round's invitations by organisation id. */
export async function invitationsOfRound(db: Knex, roundId: number): Promise<Map<number, InvitationState>> {
  const rows = await db('invitations')
    .where({ round_id: roundId })
    .select('id', 'organisation_id', 'invited_at', 'first_opened_at', 'revoked_at');
  return new Map(
    rows.map((r) => [
      Number(r.organisation_id),
      { invitationId: Number(r.id), invitedAt: r.invited_at, firstOpenedAt: r.first_opened_at, revokedAt: r.revoked_at },
    ]),
  );
}

/** When the round's first invitation went out, or null when none has. */
export async function firstInvitedAt(db: Knex, roundId: number): Promise<string | null> {
  const rows = await db('invitations')
    .where({ round_id: roundId })
    .whereNotNull('invited_at')
    .min<Array<{ first: string | null }>>({ first: 'invited_at' });
  return rows[0]?.first ?? null;
}

/** Whether any personal link was ever made for the round (revoked ones included). */
export async function roundHasTokens(db: Knex, roundId: number): Promise<boolean> {
  const row = await db('invitation_tokens as t')
    .join('invitations as i', 'i.id', 't.invitation_id')
    .where('i.round_id', roundId)
    .first<{ id: number } | undefined>('t.id');
  return row !== undefined;
}

export type LinkAccess = 'answer' | 'status';

/** Stores a token's hash; returns the token row's id. */
export async function insertInvitationToken(
  db: Knex,
  invitationId: number,
  contactId: number | null,
  tokenHash: string,
  access: LinkAccess,
): Promise<number> {
  const [row] = await db('invitation_tokens')
    .insert({ invitation_id: invitationId, contact_id: contactId, token_hash: tokenHash, access, created_at: nowIso() })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

/** The invitation's round, organisation and whether the round is confidential, and the organisation's response state. */
export async function invitationForLink(
  db: Knex,
  invitationId: number,
): Promise<{ roundId: number; organisationId: number; confidential: boolean; responseStatus: string | null } | null> {
  const row = await db('invitations as i')
    .join('rounds as r', 'r.id', 'i.round_id')
    .leftJoin('responses as p', (j) => {
      j.on('p.round_id', '=', 'i.round_id').andOn('p.organisation_id', '=', 'i.organisation_id');
    })
    .where('i.id', invitationId)
    .first<{ round_id: number; organisation_id: number; confidential: boolean | number; status: string | null } | undefined>(
      'i.round_id',
      'i.organisation_id',
      'r.confidential',
      'p.status',
    );
  if (!row) return null;
  return {
    roundId: Number(row.round_id),
    organisationId: Number(row.organisation_id),
    confidential: Boolean(row.confidential),
    responseStatus: row.status ?? null,
  };
}

/** Whether the contact holds a live link of the invitation that may open the answer. */
export async function hasLiveAnswerLink(db: Knex, invitationId: number, contactId: number): Promise<boolean> {
  const row = await db('invitation_tokens')
    .where({ invitation_id: invitationId, contact_id: contactId, access: 'answer' })
    .whereNull('revoked_at')
    .first<{ id: number } | undefined>('id');
  return row !== undefined;
}

export interface LiveToken {
  tokenId: number;
  invitationId: number;
  roundId: number;
  organisationId: number;
  contactId: number | null;
  /** When the token was last used (kept to the nearest few minutes) and when the invitation was first opened. */
  lastUsedAt: string | null;
  firstOpenedAt: string | null;
  access: LinkAccess;
}

type LiveTokenColumns = {
  token_id: number;
  invitation_id: number;
  round_id: number;
  organisation_id: number;
  contact_id: number | null;
  last_used_at: string | null;
  first_opened_at: string | null;
  access: string;
};

const LIVE_TOKEN_COLUMNS = [
  't.id as token_id',
  'i.id as invitation_id',
  'i.round_id',
  'i.organisation_id',
  't.contact_id',
  't.last_used_at',
  'i.first_opened_at',
  't.access',
] as const;

function toLiveToken(row: LiveTokenColumns): LiveToken {
  return {
    tokenId: Number(row.token_id),
    invitationId: Number(row.invitation_id),
    roundId: Number(row.round_id),
    organisationId: Number(row.organisation_id),
    contactId: row.contact_id === null ? null : Number(row.contact_id),
    lastUsedAt: row.last_used_at ?? null,
    firstOpenedAt: row.first_opened_at ?? null,
    access: row.access === 'answer' ? 'answer' : 'status',
  };
}

function liveTokens(db: Knex, tokenHash: string) {
  return db('invitation_tokens as t')
    .join('invitations as i', 'i.id', 't.invitation_id')
    .where('t.token_hash', tokenHash)
    .whereNull('t.revoked_at')
    .whereNull('i.revoked_at');
}

/** The token with this hash when neither it nor its invitation is revoked; one indexed lookup. */
export async function findLiveToken(db: Knex, tokenHash: string): Promise<LiveToken | null> {
  const row = await liveTokens(db, tokenHash).first<LiveTokenColumns | undefined>(...LIVE_TOKEN_COLUMNS);
  return row ? toLiveToken(row) : null;
}

const RESPONDENT_LINK_COLUMNS = `r.*, t.id as token_id, i.id as invitation_id, i.round_id, i.organisation_id, t.contact_id,
  t.last_used_at, i.first_opened_at, t.access, o.name as organisation_name, c.language as contact_language`;
const RESPONDENT_LINK_FROM = `invitation_tokens t
  join invitations i on i.id = t.invitation_id
  join rounds r on r.id = i.round_id
  join organisations o on o.id = i.organisation_id
  left join contacts c on c.id = t.contact_id`;
const LIVE_TOKEN_HASH = 't.token_hash = ? and t.revoked_at is null and i.revoked_at is null';

const RESPONDENT_LINK_SQL = `select ${RESPONDENT_LINK_COLUMNS} from ${RESPONDENT_LINK_FROM} where ${LIVE_TOKEN_HASH} limit 1`;

/** The same with the organisation's response in the round, its contacts' names and its answers (a row per answer). */
const RESPONDENT_LINK_AND_STATE_SQL = `
  select ${RESPONDENT_LINK_COLUMNS}, ${RESPONSE_STATE_COLUMNS}
  from ${RESPONDENT_LINK_FROM}
  left join responses resp on resp.round_id = i.round_id and resp.organisation_id = i.organisation_id ${RESPONSE_STATE_JOINS}
  where ${LIVE_TOKEN_HASH}
  order by a.id`;

type RespondentLinkRow = RoundRow & LiveTokenColumns & { organisation_name: string; contact_language: string | null };

export interface RespondentLink {
  token: LiveToken;
  round: Round;
  organisationName: string;
  contactLanguage: string | null;
}

function toRespondentLink(row: RespondentLinkRow): RespondentLink {
  return {
    token: toLiveToken(row),
    round: toRound(row),
    organisationName: row.organisation_name,
    contactLanguage: row.contact_language ?? null,
  };
}

/**
 * What a respondent's page starts from, in one indexed lookup (a kept prepared statement): the
 * live token with this hash, its round, the organisation's name and the language of the contact
 * the link was made for (null for a link made by hand). Null when the token is unknown or revoked.
 */
export async function findRespondentLink(db: Knex, tokenHash: string): Promise<RespondentLink | null> {
  const [row] = await preparedRows<RespondentLinkRow>(db, RESPONDENT_LINK_SQL, [tokenHash]);
  return row ? toRespondentLink(row) : null;
}

/**
 * The same together with the organisation's response in the round (null when it has none), in
 * the same one statement: what the respondent's pages show, read in one go.
 */
export async function findRespondentLinkAndState(
  db: Knex,
  tokenHash: string,
): Promise<{ link: RespondentLink; state: StoredResponseState | null } | null> {
  const rows = await preparedRows<RespondentLinkRow & Record<string, unknown>>(db, RESPONDENT_LINK_AND_STATE_SQL, [tokenHash]);
  if (!rows.length) return null;
  // a token's hash is unique: every row is the one token's
  return { link: toRespondentLink(rows[0]), state: responseStateOfRows(rows) };
}

/** Sets the token's last use to `now` unless it was set after `staleBefore` (a page view then rarely writes). */
export async function touchToken(db: Knex, tokenId: number, now: string, staleBefore: string): Promise<void> {
  await db('invitation_tokens')
    .where({ id: tokenId })
    .andWhere((q) => {
      q.whereNull('last_used_at').orWhere('last_used_at', '<', staleBefore);
    })
    .update({ last_used_at: now });
}

/** Revokes every live token made for these contacts, 500 ids per statement; returns how many. */
export async function revokeTokensOfContacts(db: Knex, contactIds: number[], now: string): Promise<number> {
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
