// Årshjul meetings: coordinators register the year's meetings (type, date, place, panel) and who
// attended — a checklist of the panel's organisations (an organisation is represented if at least
// one person came). A check-in link lets attendees say at the meeting which organisation they
// represent: each check-in is a CLAIM, shown on the checklist, and counts as attendance only when
// the coordinator confirms it there — so no figure moves on one anonymous person's word. One
// organisation per browser (a random cookie, only its hash stored). The link holds a 256-bit
// token; only its SHA-256 is stored, so the link is shown once when it is made (a new link
// replaces the old one). Changes are audited.
import type { Knex } from 'knex';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors';
import {
  attendanceOf,
  claimOfBrowser,
  claimsOf,
  confirmClaims,
  insertClaim,
  deleteMeeting,
  findMeeting,
  findMeetingByCheckinHash,
  insertMeeting,
  listMeetings,
  type MeetingFields,
  type MeetingRecord,
  panelMembers,
  type PanelMember,
  replaceAttendance,
  setCheckinHash,
  updateMeeting,
} from '../repositories/meetings';
import { findPanel, listPanels } from '../repositories/panels';
import { inTransaction } from '../repositories/transaction';
import { MEETING_TYPES } from '../surveys/schema';
import { hashToken, looksLikeToken, newToken } from '../lib/tokens';
import { currentYear } from '../lib/year';
import { nowIso } from '../db';
import { type Actor, audit } from './audit';
import { organisationTypeLabel } from './organisation-types';
import { qrSvgPath } from './qr';

const MEETING_TYPE_LABELS: Record<string, string> = {
  arbetsmote: 'Arbetsmöte',
  riktningsmote: 'Riktningsmöte',
  arskonferens: 'Årskonferens',
};

export interface MeetingForm {
  type: string;
  heldOn: string;
  place: string;
  panelId: string;
}

function validDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(s + 'T12:00:00Z');
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

async function checkForm(db: Knex, form: MeetingForm): Promise<MeetingFields> {
  const problems: FieldProblem[] = [];
  const type = form.type.trim();
  if (!(MEETING_TYPES as readonly string[]).includes(type))
    problems.push({ field: 'type', message: 'Välj mötestyp: arbetsmöte, riktningsmöte eller årskonferens.' });
  const heldOn = form.heldOn.trim();
  if (!validDate(heldOn)) problems.push({ field: 'heldOn', message: 'Ange datumet som ÅÅÅÅ-MM-DD, t.ex. 2025-03-14.' });
  else if (Number(heldOn.slice(0, 4)) < 2000 || Number(heldOn.slice(0, 4)) > 2100)
    problems.push({ field: 'heldOn', message: 'Datumet ska ligga mellan år 2000 och 2100.' });
  const place = form.place.trim();
  if (place.length > 200) problems.push({ field: 'place', message: 'Platsen får vara högst 200 tecken.' });
  const panelId = /^\d{1,9}$/.test(form.panelId) ? Number(form.panelId) : null;
  const panel = panelId ? await findPanel(db, panelId) : null;
  if (!panel) problems.push({ field: 'panelId', message: 'Välj vilken panel mötet gäller.' });
  if (problems.length > 0) throw new ValidationError(problems);
  return { type, heldOn, year: Number(heldOn.slice(0, 4)), place: place || null, panelId: panelId! };
}

async function requireMeeting(db: Knex, id: number): Promise<MeetingRecord> {
  const m = await findMeeting(db, id);
  if (!m) throw new NotFoundError('Mötet finns inte.');
  return m;
}

export async function createMeeting(db: Knex, actor: Actor, form: MeetingForm): Promise<number> {
  const fields = await checkForm(db, form);
  return inTransaction(db, async (trx) => {
    const id = await insertMeeting(trx, fields);
    await audit(trx, actor, 'meeting.created', { type: 'meeting', id }, { type: fields.type, year: fields.year, panelId: fields.panelId });
    return id;
  });
}

export async function editMeeting(db: Knex, actor: Actor, id: number, form: MeetingForm): Promise<void> {
  const before = await requireMeeting(db, id);
  const fields = await checkForm(db, form);
  const changed = (['type', 'heldOn', 'place', 'panelId'] as const).filter((k) => (before[k] ?? null) !== (fields[k] ?? null));
  await inTransaction(db, async (trx) => {
    await updateMeeting(trx, id, fields);
    await audit(trx, actor, 'meeting.updated', { type: 'meeting', id }, { fields: changed });
  });
}

export async function removeMeeting(db: Knex, actor: Actor, id: number): Promise<MeetingRecord> {
  const m = await requireMeeting(db, id);
  await inTransaction(db, async (trx) => {
    await deleteMeeting(trx, id);
    await audit(trx, actor, 'meeting.deleted', { type: 'meeting', id }, { type: m.type, year: m.year, attended: m.attended });
  });
  return m;
}

/** The checklist: exactly these organisations (of the panel, that year) were represented. */
export async function setAttendance(
  db: Knex,
  actor: Actor,
  id: number,
  organisationIds: string[],
): Promise<{ added: number; removed: number }> {
  const m = await requireMeeting(db, id);
  const members = new Set((await panelMembers(db, m.panelId, m.year)).map((o) => o.id));
  const ids = [...new Set(organisationIds)].map((s) => (/^\d{1,9}$/.test(s) ? Number(s) : NaN));
  if (ids.some((x) => !members.has(x))) {
    throw new ValidationError([
      {
        field: 'organisations',
        message: 'Listan innehåller en organisation som inte är med i mötets panel det året. Ladda om sidan och försök igen.',
      },
    ]);
  }
  return inTransaction(db, async (trx) => {
    const r = await replaceAttendance(trx, id, ids);
    const confirmed = await confirmClaims(trx, id, ids, nowIso());
    await audit(
      trx,
      actor,
      'meeting.attendance_set',
      { type: 'meeting', id },
      { ...r, represented: ids.length, claimsConfirmed: confirmed },
    );
    return r;
  });
}

/** A new check-in link for the meeting (the old one stops working). Returns the token to show once. */
export async function createCheckinLink(db: Knex, actor: Actor, id: number): Promise<string> {
  await requireMeeting(db, id);
  const token = newToken();
  await inTransaction(db, async (trx) => {
    await setCheckinHash(trx, id, hashToken(token));
    await audit(trx, actor, 'meeting.checkin_opened', { type: 'meeting', id });
  });
  return token;
}

export async function closeCheckin(db: Knex, actor: Actor, id: number): Promise<void> {
  await requireMeeting(db, id);
  await inTransaction(db, async (trx) => {
    await setCheckinHash(trx, id, null);
    await audit(trx, actor, 'meeting.checkin_closed', { type: 'meeting', id });
  });
}

/** The meeting behind a check-in token and the panel's organisations to pick from; null if not valid. */
async function checkinMeeting(db: Knex, token: string): Promise<{ meeting: MeetingRecord; organisations: PanelMember[] } | null> {
  if (!looksLikeToken(token)) return null;
  const meeting = await findMeetingByCheckinHash(db, hashToken(token));
  if (!meeting) return null;
  return { meeting, organisations: await panelMembers(db, meeting.panelId, meeting.year) };
}

export type CheckinResult =
  | { kind: 'claimed'; name: string }
  /** The organisation was claimed already (by someone else, or from this browser), or the coordinator has it. */
  | { kind: 'already'; name: string };

/**
 * An attendee checks in for their organisation: a claim the coordinator confirms on the meeting's
 * checklist (it does not count as attendance before). `browserId` is the browser's random check-in
 * cookie: a browser that has claimed one organisation cannot claim another at the same meeting.
 * Null when the link is not (or no longer) valid.
 */
export async function checkIn(db: Knex, token: string, organisationId: string, browserId: string): Promise<CheckinResult | null> {
  const found = await checkinMeeting(db, token);
  if (!found) return null;
  const org = /^\d{1,9}$/.test(organisationId) ? found.organisations.find((o) => o.id === Number(organisationId)) : undefined;
  if (!org) throw new ValidationError([{ field: 'organisation', message: 'Välj din organisation i listan.' }]);
  const browserHash = hashToken(browserId);
  const earlier = await claimOfBrowser(db, found.meeting.id, browserHash);
  if (earlier !== null && earlier !== org.id) {
    const name = found.organisations.find((o) => o.id === earlier)?.name ?? '';
    throw new ValidationError([
      {
        field: 'organisation',
        message: `Från den här webbläsaren är ${name} redan incheckad. En organisation per webbläsare: de som representerar andra organisationer checkar in från sina egna telefoner.`,
      },
    ]);
  }
  if (earlier === org.id) return { kind: 'already', name: org.name };
  const claimed = await inTransaction(db, async (trx) => {
    const isNew = await insertClaim(trx, found.meeting.id, org.id, browserHash);
    if (isNew)
      await audit(
        trx,
        { userId: null, label: 'respondent' },
        'meeting.checkin_claimed',
        { type: 'meeting', id: found.meeting.id },
        { organisationId: org.id },
      );
    return isNew;
  });
  return { kind: claimed ? 'claimed' : 'already', name: org.name };
}

// ---------------------------------------------------------------------------------------------
// The pages' view models
// ---------------------------------------------------------------------------------------------

export function meetingTypeLabel(type: string): string {
  return MEETING_TYPE_LABELS[type] ?? type;
}

interface Choice<V> {
  value: V;
  label: string;
  selected: boolean;
}

/** The panels to choose from: the given one selected, else the årshjul panel (or the first). */
async function panelChoices(db: Knex, selected: string | undefined): Promise<Array<Choice<number>>> {
  const panels = await listPanels(db);
  const fallback = panels.find((p) => p.slug === 'arshjulet')?.id ?? panels[0]?.id;
  const chosen = selected === undefined || selected === '' ? fallback : Number(selected);
  return panels.map((p) => ({ value: p.id, label: p.name, selected: p.id === chosen }));
}

function meetingTypeChoices(selected: string | undefined): Array<Choice<string>> {
  return MEETING_TYPES.map((t) => ({ value: t, label: MEETING_TYPE_LABELS[t], selected: t === selected }));
}

/** The year's meetings and the form to register one (with what was typed, after a problem). */
export async function meetingsPage(db: Knex, year: number, typed?: MeetingForm) {
  const thisYear = currentYear();
  const years: Array<{ value: number; selected: boolean }> = [];
  for (let y = thisYear + 1; y >= thisYear - 6; y--) years.push({ value: y, selected: y === year });
  return {
    title: 'Årshjulets möten',
    year,
    years,
    meetings: (await listMeetings(db, year)).map((m) => ({ ...m, typeLabel: meetingTypeLabel(m.type) })),
    panels: await panelChoices(db, typed?.panelId),
    types: meetingTypeChoices(typed?.type),
    values: typed ?? { heldOn: '', place: '' },
  };
}

/**
 * One meeting: the attendance checklist of its panel's organisations, the edit form (with what
 * was typed, after a problem) and, right after it was made, the check-in link and its QR code.
 */
export async function meetingPage(db: Knex, id: number, opts: { typed?: MeetingForm; checkinLink?: string } = {}) {
  const meeting = await requireMeeting(db, id);
  const attended = new Map((await attendanceOf(db, id)).map((a) => [a.organisationId, a.source]));
  const claims = new Map((await claimsOf(db, id)).map((c) => [c.organisationId, c]));
  const organisations = (await panelMembers(db, meeting.panelId, meeting.year)).map((o) => ({
    ...o,
    typeLabel: organisationTypeLabel(o.type),
    checked: attended.has(o.id),
    viaCheckin: claims.has(o.id),
    // checked in through the link, not (yet) confirmed by the coordinator: does not count
    claimPending: claims.has(o.id) && !attended.has(o.id),
  }));
  const values = opts.typed ?? { type: meeting.type, heldOn: meeting.heldOn, place: meeting.place ?? '', panelId: String(meeting.panelId) };
  return {
    title: '%{type} %{date}',
    titleValues: { type: meetingTypeLabel(meeting.type), date: meeting.heldOn },
    meeting: { ...meeting, typeLabel: meetingTypeLabel(meeting.type) },
    organisations,
    represented: organisations.filter((o) => o.checked).length,
    pendingClaims: organisations.filter((o) => o.claimPending).length,
    panels: await panelChoices(db, values.panelId),
    types: meetingTypeChoices(values.type),
    values,
    checkinLink: opts.checkinLink,
    qr: opts.checkinLink ? qrSvgPath(opts.checkinLink) : null,
  };
}

/** The check-in page of a token: the meeting and the panel's organisations; null if the link is not valid. */
export async function checkinPage(db: Knex, token: string) {
  const found = await checkinMeeting(db, token);
  if (!found) return null;
  return {
    title: 'Incheckning',
    meeting: { ...found.meeting, typeLabel: meetingTypeLabel(found.meeting.type) },
    organisations: found.organisations,
    token,
  };
}
