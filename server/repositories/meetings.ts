// Årshjul meetings (arbetsmöte, riktningsmöte, årskonferens) and who attended them: one row per
// organisation represented (at least one person came), from the coordinator's checklist or from
// the check-in link.
import type { Knex } from 'knex';
import { nowIso } from '../db';
import type { MeetingRow } from './tables';

export interface MeetingRecord {
  id: number;
  panelId: number;
  panelName: string;
  year: number;
  type: string;
  heldOn: string;
  place: string | null;
  checkinOpen: boolean;
  createdAt: string;
  attended: number;
  panelSize: number;
}

/** A meeting with its panel's name and the two counts of the list. */
type MeetingListRow = MeetingRow & { panel_name: string; attended: number | string | null; panel_size: number | string | null };

function toMeeting(r: MeetingListRow): MeetingRecord {
  return {
    id: Number(r.id),
    panelId: Number(r.panel_id),
    panelName: r.panel_name,
    year: Number(r.year),
    type: r.type,
    heldOn: r.held_on,
    place: r.place ?? null,
    checkinOpen: r.checkin_token_hash !== null && r.checkin_token_hash !== undefined,
    createdAt: r.created_at,
    attended: Number(r.attended ?? 0),
    panelSize: Number(r.panel_size ?? 0),
  };
}

function meetingQuery(db: Knex) {
  return db('meetings as m')
    .join('panels as p', 'p.id', 'm.panel_id')
    .select<MeetingListRow[]>(
      'm.*',
      'p.name as panel_name',
      db.raw('(select count(*) from attendance a where a.meeting_id = m.id) as attended'),
      db.raw('(select count(*) from panel_memberships pm where pm.panel_id = m.panel_id and pm.year = m.year) as panel_size'),
    );
}

export async function listMeetings(db: Knex, year: number): Promise<MeetingRecord[]> {
  return (await meetingQuery(db).where('m.year', year).orderBy('m.held_on').orderBy('m.id')).map(toMeeting);
}

/** Meetings held on `fromDate` (YYYY-MM-DD) or later, soonest first. */
export async function upcomingMeetings(db: Knex, fromDate: string, limit: number): Promise<MeetingRecord[]> {
  return (await meetingQuery(db).where('m.held_on', '>=', fromDate).orderBy('m.held_on').orderBy('m.id').limit(limit)).map(toMeeting);
}

export async function findMeeting(db: Knex, id: number): Promise<MeetingRecord | null> {
  const r = await meetingQuery(db).where('m.id', id).first();
  return r ? toMeeting(r) : null;
}

export async function findMeetingByCheckinHash(db: Knex, hash: string): Promise<MeetingRecord | null> {
  const r = await meetingQuery(db).where('m.checkin_token_hash', hash).first();
  return r ? toMeeting(r) : null;
}

export interface MeetingFields {
  panelId: number;
  year: number;
  type: string;
  heldOn: string;
  place: string | null;
}

export async function insertMeeting(db: Knex, m: MeetingFields): Promise<number> {
  const [row] = await db('meetings')
    .insert({ panel_id: m.panelId, year: m.year, type: m.type, held_on: m.heldOn, place: m.place, created_at: nowIso() })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export async function updateMeeting(db: Knex, id: number, m: MeetingFields): Promise<void> {
  await db('meetings').where({ id }).update({ panel_id: m.panelId, year: m.year, type: m.type, held_on: m.heldOn, place: m.place });
}

export async function deleteMeeting(db: Knex, id: number): Promise<void> {
  await db('attendance').where({ meeting_id: id }).delete();
  await db('meetings').where({ id }).delete();
}

export async function setCheckinHash(db: Knex, id: number, hash: string | null): Promise<void> {
  await db('meetings').where({ id }).update({ checkin_token_hash: hash });
}

export interface PanelMember {
  id: number;
  name: string;
  type: string;
}

/** The organisations of a panel in a year, by name. */
export async function panelMembers(db: Knex, panelId: number, year: number): Promise<PanelMember[]> {
  const rows = await db('panel_memberships as pm')
    .join('organisations as o', 'o.id', 'pm.organisation_id')
    .where({ 'pm.panel_id': panelId, 'pm.year': year })
    .select<PanelMember[]>('o.id', 'o.name', 'o.type')
    .orderBy('o.name');
  return rows.map((r) => ({ id: Number(r.id), name: r.name, type: r.type }));
}

export async function attendanceOf(db: Knex, meetingId: number): Promise<Array<{ organisationId: number; source: string }>> {
  const rows = await db('attendance').where({ meeting_id: meetingId }).select('organisation_id', 'source');
  return rows.map((r) => ({ organisationId: Number(r.organisation_id), source: r.source }));
}

/** Makes the meeting's attendance exactly `organisationIds`; returns how many were added and removed. */
export async function replaceAttendance(
  db: Knex,
  meetingId: number,
  organisationIds: number[],
): Promise<{ added: number; removed: number }> {
  const existing = new Set((await attendanceOf(db, meetingId)).map((a) => a.organisationId));
  const wanted = new Set(organisationIds);
  const add = [...wanted].filter((id) => !existing.has(id));
  const remove = [...existing].filter((id) => !wanted.has(id));
  if (remove.length > 0) await db('attendance').where({ meeting_id: meetingId }).whereIn('organisation_id', remove).delete();
  for (const id of add)
    await db('attendance').insert({ meeting_id: meetingId, organisation_id: id, source: 'checklist', created_at: nowIso() });
  return { added: add.length, removed: remove.length };
}

// ---------------------------------------------------------------------------------------------
// Check-in claims (from the meeting's link): attendance only once the coordinator confirms them
// ---------------------------------------------------------------------------------------------

export interface CheckinClaim {
  organisationId: number;
  browserHash: string | null;
  createdAt: string;
  confirmedAt: string | null;
}

export async function claimsOf(db: Knex, meetingId: number): Promise<CheckinClaim[]> {
  const rows = await db('meeting_checkins')
    .where({ meeting_id: meetingId })
    .select('organisation_id', 'browser_hash', 'created_at', 'confirmed_at');
  return rows.map((r) => ({
    organisationId: Number(r.organisation_id),
    browserHash: r.browser_hash,
    createdAt: r.created_at,
    confirmedAt: r.confirmed_at,
  }));
}

/** The organisation this browser has already claimed at the meeting, if any. */
export async function claimOfBrowser(db: Knex, meetingId: number, browserHash: string): Promise<number | null> {
  const row = await db('meeting_checkins')
    .where({ meeting_id: meetingId, browser_hash: browserHash })
    .first<{ organisation_id: number } | undefined>('organisation_id');
  return row ? Number(row.organisation_id) : null;
}

/** Records a claim; false when the organisation was already claimed (by anyone) or attended. */
export async function insertClaim(db: Knex, meetingId: number, organisationId: number, browserHash: string): Promise<boolean> {
  const rows = await db('meeting_checkins')
    .insert({ meeting_id: meetingId, organisation_id: organisationId, browser_hash: browserHash, created_at: nowIso(), confirmed_at: null })
    .onConflict(['meeting_id', 'organisation_id'])
    .ignore()
    .returning('id');
  return rows.length > 0;
}

/** Marks the claims of these organisations confirmed (the coordinator ticked them on the checklist). */
export async function confirmClaims(db: Knex, meetingId: number, organisationIds: number[], now: string): Promise<number> {
  if (organisationIds.length === 0) return 0;
  return db('meeting_checkins')
    .where({ meeting_id: meetingId })
    .whereIn('organisation_id', organisationIds)
    .whereNull('confirmed_at')
    .update({ confirmed_at: now });
}
