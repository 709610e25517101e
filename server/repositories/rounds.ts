// Survey rounds and their invitations (knex queries, typed rows).
import type { Knex } from 'knex';
import { bool, json, nowIso } from '../db';

/** utkast (draft) → oppen (open) → stangd (closed) → publicerad (published). */
export type RoundState = 'utkast' | 'oppen' | 'stangd' | 'publicerad';
export const ROUND_STATES: RoundState[] = ['utkast', 'oppen', 'stangd', 'publicerad'];

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
}

const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toRound(r: Record<string, unknown>): Round {
  const days = json<unknown>(r.reminder_days);
  return {
    id: Number(r.id),
    surveyVersionId: Number(r.survey_version_id),
    surveyId: String(r.survey_id),
    year: Number(r.year),
    panelId: Number(r.panel_id),
    title: String(r.title),
    state: String(r.state) as RoundState,
    opensAt: strOrNull(r.opens_at),
    closesAt: strOrNull(r.closes_at),
    contactName: strOrNull(r.contact_name),
    contactEmail: strOrNull(r.contact_email),
    confidential: bool(r.confidential),
    allowChanges: bool(r.allow_changes),
    sendConfirmation: bool(r.send_confirmation),
    reminderDays: Array.isArray(days) ? days.map(Number).filter((n) => Number.isInteger(n)) : [],
    imported: bool(r.imported),
    createdBy: r.created_by === null || r.created_by === undefined ? null : Number(r.created_by),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

export async function findRound(db: Knex, id: number): Promise<Round | null> {
  const r = await db('rounds').where({ id }).first();
  return r ? toRound(r) : null;
}

export async function listRoundRows(db: Knex): Promise<Array<Round & { panelName: string }>> {
  const rows = await db('rounds as r')
    .join('panels as p', 'p.id', 'r.panel_id')
    .select('r.*', 'p.name as panel_name')
    .orderBy([
      { column: 'r.year', order: 'desc' },
      { column: 'r.id', order: 'desc' },
    ]);
  return rows.map((r: Record<string, unknown>) => ({ ...toRound(r), panelName: String(r.panel_name) }));
}

/** The fields a coordinator sets on a round (the rest is state and bookkeeping). */
export type RoundRowInput = Omit<Round, 'id' | 'state' | 'imported' | 'createdBy' | 'createdAt' | 'updatedAt'>;

function rowOf(r: RoundRowInput): Record<string, unknown> {
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
  return Number(typeof row === 'object' ? row.id : row);
}

/** Updates a draft; false when the round is no longer a draft. */
export async function updateDraftRound(db: Knex, id: number, r: RoundRowInput): Promise<boolean> {
  const n = await db('rounds')
    .where({ id, state: 'utkast' })
    .update({ ...rowOf(r), updated_at: nowIso() });
  return Number(n) === 1;
}

/** Moves a round from `from` to `to`; false when the round was no longer in `from` (someone else moved it). */
export async function setRoundState(
  db: Knex,
  id: number,
  from: RoundState,
  to: RoundState,
  patch: Record<string, unknown> = {},
): Promise<boolean> {
  const n = await db('rounds')
    .where({ id, state: from })
    .update({ ...patch, state: to, updated_at: nowIso() });
  return Number(n) === 1;
}

/** Active organisations in the panel for the year, by name. */
export async function panelMembersForYear(db: Knex, panelId: number, year: number): Promise<Array<{ id: number; name: string }>> {
  const rows = await db('panel_memberships as m')
    .join('organisations as o', 'o.id', 'm.organisation_id')
    .where({ 'm.panel_id': panelId, 'm.year': year })
    .where('o.active', true)
    .select('o.id', 'o.name')
    .orderBy('o.name');
  return rows.map((r: Record<string, unknown>) => ({ id: Number(r.id), name: String(r.name) }));
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
    .count({ opened: 'first_opened_at' })
    .groupBy('round_id');
  for (const r of inv as Array<Record<string, unknown>>) {
    const c = out.get(Number(r.round_id))!;
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
    .count({ n: '*' })
    .groupBy('s.round_id', 's.status');
  for (const r of resp as Array<Record<string, unknown>>) {
    const c = out.get(Number(r.round_id))!;
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
    .select('o.id', 'o.name', 'i.first_opened_at', 's.status', 's.started_at', 's.submitted_at', 's.revision')
    .orderBy('o.name');
  return rows.map((r: Record<string, unknown>) => ({
    organisationId: Number(r.id),
    name: String(r.name),
    firstOpenedAt: strOrNull(r.first_opened_at),
    responseStatus: (r.status as 'draft' | 'submitted' | null) ?? null,
    startedAt: strOrNull(r.started_at),
    submittedAt: strOrNull(r.submitted_at),
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
    for (const r of rows as Array<Record<string, unknown>>) out.push({ id: Number(r.id), organisationId: Number(r.organisation_id) });
  }
  return out;
}
