// Survey rounds and their invitations (knex queries, typed rows).
import type { Knex } from 'knex';
import { bool, json, nowIso } from '../db';
import type { RoundRow } from './tables';

/** utkast (draft) → oppen (open) → stangd (closed) → publicerad (published). */
export type RoundState = 'utkast' | 'oppen' | 'stangd' | 'publicerad';

export interface Round {
  id: number;
  surveyVersionId: number;
  surveyId: string;
  year: number;
  panelId: number;
  title: string;
  state: RoundState;
  opensAt: string | null;
  closesAt: string | null;
  contactName: string | null;
  contactEmail: string | null;
  confidential: boolean;
  allowChanges: boolean;
  sendConfirmation: boolean;
  /** Days before closing when a reminder goes out, e.g. [7, 2]. */
  reminderDays: number[];
  imported: boolean;
  createdBy: number | null;
  createdAt: string;
  updatedAt: string;
  /** When the round really closed; null while it is not closed. */
  closedAt: string | null;
  /** The Reply-To of the round's e-mails as set; null: the contact person's address. */
  replyTo: string | null;
  /** When the background worker sends the invitations (null: sent by hand). */
  invitationsAt: string | null;
  /** When the scheduled invitations were queued (null: not yet). */
  invitationsQueuedAt: string | null;
}

export function toRound(r: RoundRow): Round {
  const days = json<unknown>(r.reminder_days);
  return {
    id: Number(r.id),
    surveyVersionId: Number(r.survey_version_id),
    surveyId: r.survey_id,
    year: Number(r.year),
    panelId: Number(r.panel_id),
    title: r.title,
    state: r.state as RoundState,
    opensAt: r.opens_at ?? null,
    closesAt: r.closes_at ?? null,
    contactName: r.contact_name ?? null,
    contactEmail: r.contact_email ?? null,
    confidential: bool(r.confidential),
    allowChanges: bool(r.allow_changes),
    sendConfirmation: bool(r.send_confirmation),
    reminderDays: Array.isArray(days) ? days.map(Number).filter((n) => Number.isInteger(n)) : [],
    imported: bool(r.imported),
    createdBy: r.created_by === null || r.created_by === undefined ? null : Number(r.created_by),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at ?? null,
    replyTo: r.reply_to ?? null,
    invitationsAt: r.invitations_at ?? null,
    invitationsQueuedAt: r.invitations_queued_at ?? null,
  };
}

/** The id of an inserted row: PostgreSQL returns `{ id }`, older SQLite drivers the bare id. */
function insertedId(row: { id: number } | number | undefined): number {
  return Number(typeof row === 'object' ? row.id : row);
}

export async function findRound(db: Knex, id: number): Promise<Round | null> {
  const r = await db('rounds').where({ id }).first();
  return r ? toRound(r) : null;
}

/** The first round (lowest id) of the survey for the year and panel, or null. */
export async function findRoundOf(db: Knex, surveyId: string, year: number, panelId: number): Promise<Round | null> {
  const r = await db('rounds').where({ survey_id: surveyId, year, panel_id: panelId }).orderBy('id').first();
  return r ? toRound(r) : null;
}

/** Whether another round (not `exceptRoundId`) has the survey for the year and panel. */
export async function otherRoundExists(
  db: Knex,
  k: { surveyId: string; year: number; panelId: number; exceptRoundId: number | null },
): Promise<boolean> {
  const same = db('rounds').where({ survey_id: k.surveyId, year: k.year, panel_id: k.panelId });
  const clash = await (k.exceptRoundId === null ? same : same.whereNot('id', k.exceptRoundId)).first('id');
  return clash !== undefined;
}

export async function listRoundRows(db: Knex): Promise<Array<Round & { panelName: string }>> {
  const rows = await db('rounds as r')
    .join('panels as p', 'p.id', 'r.panel_id')
    .select<Array<RoundRow & { panel_name: string }>>('r.*', 'p.name as panel_name')
    .orderBy([
      { column: 'r.year', order: 'desc' },
      { column: 'r.id', order: 'desc' },
    ]);
  return rows.map((r) => ({ ...toRound(r), panelName: r.panel_name }));
}

/** How many rounds use each survey version. */
export async function roundCountsBySurveyVersion(db: Knex): Promise<Map<number, number>> {
  const rows = await db('rounds')
    .select('survey_version_id')
    .count<Array<{ survey_version_id: number; n: number | string }>>({ n: '*' })
    .groupBy('survey_version_id');
  return new Map(rows.map((r) => [Number(r.survey_version_id), Number(r.n)]));
}

/** The fields a coordinator sets on a round (the rest is state and bookkeeping). */
export type RoundRowInput = Omit<
  Round,
  'id' | 'state' | 'imported' | 'createdBy' | 'createdAt' | 'updatedAt' | 'closedAt' | 'invitationsQueuedAt'
>;

type SettableColumns = Omit<
  RoundRow,
  'id' | 'state' | 'imported' | 'created_by' | 'created_at' | 'updated_at' | 'closed_at' | 'invitations_queued_at'
>;

function rowOf(r: RoundRowInput): SettableColumns {
  return {
    survey_version_id: r.surveyVersionId,
    survey_id: r.surveyId,
    year: r.year,
    panel_id: r.panelId,
    title: r.title,
    opens_at: r.opensAt,
    closes_at: r.closesAt,
    contact_name: r.contactName,
    contact_email: r.contactEmail,
    confidential: r.confidential,
    allow_changes: r.allowChanges,
    send_confirmation: r.sendConfirmation,
    reminder_days: JSON.stringify(r.reminderDays),
    reply_to: r.replyTo,
    invitations_at: r.invitationsAt,
  };
}

export async function insertRound(
  db: Knex,
  r: RoundRowInput & { state?: RoundState; imported?: boolean; createdBy: number | null },
): Promise<number> {
  const now = nowIso();
  const [row] = await db('rounds')
    .insert({
      ...rowOf(r),
      state: r.state ?? 'utkast',
      imported: r.imported ?? false,
      created_by: r.createdBy,
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return insertedId(row);
}

/** Updates a draft; false when the round is no longer a draft. */
export async function updateDraftRound(db: Knex, id: number, r: RoundRowInput): Promise<boolean> {
  const n = await db('rounds')
    .where({ id, state: 'utkast' })
    .update({ ...rowOf(r), updated_at: nowIso() });
  return Number(n) === 1;
}

/** What may change together with a round's state: the pinned version (open), the closing time (reopen), when it closed. */
export interface RoundStatePatch {
  surveyVersionId?: number;
  closesAt?: string | null;
  closedAt?: string | null;
}

/** Moves a round from `from` to `to`; false when the round was no longer in `from` (someone else moved it). */
export async function setRoundState(db: Knex, id: number, from: RoundState, to: RoundState, patch: RoundStatePatch = {}): Promise<boolean> {
  const n = await db('rounds')
    .where({ id, state: from })
    .update({
      ...(patch.surveyVersionId !== undefined ? { survey_version_id: patch.surveyVersionId } : {}),
      ...(patch.closesAt !== undefined ? { closes_at: patch.closesAt } : {}),
      ...(patch.closedAt !== undefined ? { closed_at: patch.closedAt } : {}),
      state: to,
      updated_at: nowIso(),
    });
  return Number(n) === 1;
}

/** Sets or clears when the round's invitations are sent; false when they have been queued already. */
export async function setInvitationsAt(db: Knex, roundId: number, at: string | null, now: string = nowIso()): Promise<boolean> {
  const n = await db('rounds').where({ id: roundId }).whereNull('invitations_queued_at').update({ invitations_at: at, updated_at: now });
  return Number(n) === 1;
}

/**
 * A closed round's e-mails that were never delivered (failed, bounced) lose their bodies, which
 * hold personal links (see services/rounds.ts closeRound).
 */
export async function clearUndeliveredMailBodies(db: Knex, roundId: number): Promise<void> {
  await db('email_outbox')
    .where({ round_id: roundId })
    .whereIn('status', ['failed', 'bounced'])
    .update({ text_body: null, html_body: null, list_unsubscribe: null });
}

/** Active organisations in the panel for the year, by name. */
export async function panelMembersForYear(db: Knex, panelId: number, year: number): Promise<Array<{ id: number; name: string }>> {
  const rows = await db('panel_memberships as m')
    .join('organisations as o', 'o.id', 'm.organisation_id')
    .where({ 'm.panel_id': panelId, 'm.year': year })
    .where('o.active', true)
    .select<Array<{ id: number; name: string }>>('o.id', 'o.name')
    .orderBy('o.name');
  return rows.map((r) => ({ id: Number(r.id), name: r.name }));
}

// ---------------------------------------------------------------------------------------------
// Invitations
// ---------------------------------------------------------------------------------------------

/** The round's invitations that are not revoked (only of `organisationIds` when given). */
export async function activeInvitations(
  db: Knex,
  roundId: number,
  organisationIds?: number[],
): Promise<Array<{ id: number; organisationId: number }>> {
  const rows = await db('invitations')
    .where({ round_id: roundId })
    .whereNull('revoked_at')
    .modify((q) => {
      if (organisationIds) void q.whereIn('organisation_id', organisationIds.length ? organisationIds : [-1]);
    })
    .select<Array<{ id: number; organisation_id: number }>>('id', 'organisation_id');
  return rows.map((r) => ({ id: Number(r.id), organisationId: Number(r.organisation_id) }));
}

export async function countActiveInvitations(db: Knex, roundId: number): Promise<number> {
  const [row] = await db('invitations')
    .where({ round_id: roundId })
    .whereNull('revoked_at')
    .count<Array<{ n: number | string }>>({ n: '*' });
  return Number(row?.n ?? 0);
}

/** The organisation's invitation to the round (revoked or not), or null. */
export async function findInvitation(db: Knex, roundId: number, organisationId: number): Promise<{ id: number; revoked: boolean } | null> {
  const r = await db('invitations').where({ round_id: roundId, organisation_id: organisationId }).first('id', 'revoked_at');
  return r ? { id: Number(r.id), revoked: !!r.revoked_at } : null;
}

export interface InvitationCounts {
  invited: number;
  opened: number;
  started: number;
  submitted: number;
}

/** Per round: invitations (not revoked), opened, started (a response exists) and submitted. */
export async function invitationCounts(db: Knex, roundIds: number[]): Promise<Map<number, InvitationCounts>> {
  const out = new Map<number, InvitationCounts>();
  for (const id of roundIds) out.set(id, { invited: 0, opened: 0, started: 0, submitted: 0 });
  if (roundIds.length === 0) return out;
  const inv = await db('invitations')
    .whereIn('round_id', roundIds)
    .whereNull('revoked_at')
    .select('round_id')
    .count({ n: '*' })
    .count<Array<{ round_id: number; n: number | string; opened: number | string }>>({ opened: 'first_opened_at' })
    .groupBy('round_id');
  for (const r of inv) {
    const c = out.get(Number(r.round_id));
    if (!c) continue;
    c.invited = Number(r.n);
    c.opened = Number(r.opened);
  }
  // Responses count only for organisations that are invited (an import invites whoever it imports).
  const resp = await db('responses as s')
    .join('invitations as i', function () {
      this.on('i.round_id', '=', 's.round_id').andOn('i.organisation_id', '=', 's.organisation_id');
    })
    .whereIn('s.round_id', roundIds)
    .whereNull('i.revoked_at')
    .select('s.round_id', 's.status')
    .count<Array<{ round_id: number; status: string; n: number | string }>>({ n: '*' })
    .groupBy('s.round_id', 's.status');
  for (const r of resp) {
    const c = out.get(Number(r.round_id));
    if (!c) continue;
    c.started += Number(r.n);
    if (r.status === 'submitted') c.submitted += Number(r.n);
  }
  return out;
}

export interface OrganisationRoundStatusRow {
  organisationId: number;
  name: string;
  firstOpenedAt: string | null;
  responseStatus: 'draft' | 'submitted' | null;
  startedAt: string | null;
  submittedAt: string | null;
  revision: number;
}

export async function organisationStatusRows(db: Knex, roundId: number): Promise<OrganisationRoundStatusRow[]> {
  const rows = await db('invitations as i')
    .join('organisations as o', 'o.id', 'i.organisation_id')
    .leftJoin('responses as s', function () {
      this.on('s.round_id', '=', 'i.round_id').andOn('s.organisation_id', '=', 'i.organisation_id');
    })
    .where('i.round_id', roundId)
    .whereNull('i.revoked_at')
    .select<
      Array<{
        id: number;
        name: string;
        first_opened_at: string | null;
        status: 'draft' | 'submitted' | null;
        started_at: string | null;
        submitted_at: string | null;
        revision: number | null;
      }>
    >('o.id', 'o.name', 'i.first_opened_at', 's.status', 's.started_at', 's.submitted_at', 's.revision')
    .orderBy('o.name');
  return rows.map((r) => ({
    organisationId: Number(r.id),
    name: r.name,
    firstOpenedAt: r.first_opened_at ?? null,
    responseStatus: r.status ?? null,
    startedAt: r.started_at ?? null,
    submittedAt: r.submitted_at ?? null,
    revision: Number(r.revision ?? 0),
  }));
}

/** Contacts that may receive a personal link: active and not erased. */
export async function linkableContacts(db: Knex, organisationIds: number[]): Promise<Array<{ id: number; organisationId: number }>> {
  if (organisationIds.length === 0) return [];
  const out: Array<{ id: number; organisationId: number }> = [];
  for (let i = 0; i < organisationIds.length; i += 500) {
    const rows = await db('contacts')
      .whereIn('organisation_id', organisationIds.slice(i, i + 500))
      .where('active', true)
      .whereNull('erased_at')
      .select('id', 'organisation_id')
      .orderBy('id');
    for (const r of rows) out.push({ id: Number(r.id), organisationId: Number(r.organisation_id) });
  }
  return out;
}

/** The rounds of a survey with the version each uses (the survey's version history shows which years used which version). */
export async function roundsOfSurvey(
  db: Knex,
  surveyId: string,
): Promise<Array<{ id: number; title: string; year: number; state: RoundState; surveyVersionId: number }>> {
  const rows = await db('rounds')
    .where({ survey_id: surveyId })
    .orderBy([{ column: 'year' }, { column: 'id' }]);
  return rows.map((r) => ({
    id: Number(r.id),
    title: r.title,
    year: Number(r.year),
    state: r.state as RoundState,
    surveyVersionId: Number(r.survey_version_id),
  }));
}
