// Survey rounds: a survey sent to the organisations of a panel for a year.
//
// States and the transitions this service allows (nothing else may change a round's state):
//   utkast → öppen      open: pins the survey version and invites every organisation in the panel
//   öppen → stängd      close
//   stängd → öppen      reopen, with a reason (audited) and, when needed, a new closing time
//   stängd → publicerad publish
// Opening pins the definition: a round based on a survey file gets the file's content as it
// reads at that moment (a stored version, by content hash); a round based on an uploaded version
// keeps that version. Editing a file later never changes a round that is already open.
//
// Times are entered as date + time in Europe/Stockholm and stored as UTC ISO strings
// (services/stockholm-time.ts handles summer/winter time).
import type { Knex } from 'knex';
import type { Config } from '../config';
import { ConflictError, type FieldProblem, NotFoundError, ValidationError } from '../errors';
import { str } from '../forms';
import { nowIso } from '../db';
import { activeMemberIds, addMembers, findPanel, listPanels } from '../repositories/panels';
import { copyRoundTemplates } from '../repositories/round-templates';
import { organisationName } from '../repositories/responses';
import {
  activeInvitations,
  clearUndeliveredMailBodies,
  countActiveInvitations,
  findInvitation,
  findRound,
  insertRound,
  invitationCounts,
  type InvitationCounts,
  linkableContacts,
  listRoundRows,
  organisationStatusRows,
  otherRoundExists,
  panelMembersForYear,
  type Round,
  type RoundRowInput,
  type RoundState,
  setInvitationsAt,
  setRoundState,
  updateDraftRound,
} from '../repositories/rounds';
import { inTransaction } from '../repositories/transaction';
import type { Role } from '../repositories/users';
import { respondentUrl } from '../lib/links';
import { isEmail } from './accounts';
import { type Actor, audit, SYSTEM } from './audit';
import { ensureInvitation, issueToken, type LinkCause } from './invitations';
import { formatResponseRate } from './numbers';
import { stockholmToUtc, utcToStockholm } from './stockholm-time';
import { getSurveyVersion, pinSurveyVersion, type SurveyVersionSource } from './survey-versions';
import { currentSurveysOrRefuse, placeholderValues, resolveSurveyChoice } from './surveys';
import { renderText } from '../surveys/schema';

export type { Round, RoundState } from '../repositories/rounds';

type RoundsConfig = Pick<Config, 'surveysDir' | 'regionName' | 'strategyName'>;

export const ROUND_STATE_LABELS: Record<RoundState, string> = {
  utkast: 'Utkast',
  oppen: 'Öppen',
  stangd: 'Stängd',
  publicerad: 'Publicerad',
};

/** The allowed transitions; everything else is refused with a message naming both states. */
export const ROUND_TRANSITIONS: Record<RoundState, RoundState[]> = {
  utkast: ['oppen'],
  oppen: ['stangd'],
  stangd: ['oppen', 'publicerad'],
  publicerad: [],
};

export function canTransition(from: RoundState, to: RoundState): boolean {
  return ROUND_TRANSITIONS[from].includes(to);
}

const ACTION_NAMES: Record<RoundState, string> = {
  utkast: 'göras till utkast',
  oppen: 'öppnas',
  stangd: 'stängas',
  publicerad: 'publiceras',
};

function refuse(round: Round, to: RoundState): ConflictError {
  const allowed = ROUND_TRANSITIONS[round.state].map((s) => ACTION_NAMES[s]);
  return new ConflictError(
    `En omgång som är ”${ROUND_STATE_LABELS[round.state].toLowerCase()}” kan inte ${ACTION_NAMES[to]}.` +
      (allowed.length ? ` Den kan ${allowed.join(' eller ')}.` : ' Den kan inte ändra läge längre.'),
    'transition_refused',
  );
}

export async function getRound(db: Knex, id: number): Promise<Round> {
  const round = await findRound(db, id);
  if (!round) throw new NotFoundError('Omgången finns inte.');
  return round;
}

/** Where a respondent's link stands right now: before the opening time, open, or closed. */
export type RespondentPhase = 'not_open' | 'open' | 'closed';

export function respondentPhase(round: Pick<Round, 'state' | 'opensAt' | 'closesAt'>, now: Date = new Date()): RespondentPhase {
  if (round.state === 'utkast') return 'not_open';
  if (round.state !== 'oppen') return 'closed';
  if (round.closesAt && now.getTime() >= new Date(round.closesAt).getTime()) return 'closed';
  if (round.opensAt && now.getTime() < new Date(round.opensAt).getTime()) return 'not_open';
  return 'open';
}

// ---------------------------------------------------------------------------------------------
// The round form
// ---------------------------------------------------------------------------------------------

/** The round form as typed (all strings), so a form with errors can be shown again as it was. */
export interface RoundFormValues {
  survey: string;
  year: string;
  panel: string;
  opens_date: string;
  opens_time: string;
  closes_date: string;
  closes_time: string;
  contact_name: string;
  contact_email: string;
  confidential: string; // ja | nej
  allow_changes: string;
  send_confirmation: string;
  reminder_days: string; // "7, 2"
  reply_to: string; // '' = the contact person's address
  invitations_date: string; // '' = invitations are sent by hand
  invitations_time: string;
  /** A round created from last year's: the round it was made from, and what to bring along. */
  copy_from: string;
  copy_templates: string; // ja | nej
  copy_members: string; // ja | nej
}

const FORM_KEYS: Array<keyof RoundFormValues> = [
  'survey',
  'year',
  'panel',
  'opens_date',
  'opens_time',
  'closes_date',
  'closes_time',
  'contact_name',
  'contact_email',
  'confidential',
  'allow_changes',
  'send_confirmation',
  'reminder_days',
  'reply_to',
  'invitations_date',
  'invitations_time',
  'copy_from',
  'copy_templates',
  'copy_members',
];

export function readRoundForm(body: unknown): RoundFormValues {
  const v = {} as RoundFormValues;
  for (const k of FORM_KEYS) v[k] = str(body, k).trim();
  return v;
}

export function defaultRoundForm(now: Date = new Date()): RoundFormValues {
  return {
    survey: '',
    year: String(now.getFullYear()),
    panel: '',
    opens_date: '',
    opens_time: '08:00',
    closes_date: '',
    closes_time: '17:00',
    contact_name: '',
    contact_email: '',
    confidential: 'nej',
    allow_changes: 'ja',
    send_confirmation: 'ja',
    reminder_days: '7, 2',
    reply_to: '',
    invitations_date: '',
    invitations_time: '08:00',
    copy_from: '',
    copy_templates: 'nej',
    copy_members: 'nej',
  };
}

/** A stored time as the form's date and time fields ('' and `time` when there is none). */
function dateAndTime(iso: string | null, time: string): { date: string; time: string } {
  return utcToStockholm(iso) ?? { date: '', time };
}

export function roundToForm(round: Round, surveyChoice: string): RoundFormValues {
  const opens = dateAndTime(round.opensAt, '08:00');
  const closes = dateAndTime(round.closesAt, '17:00');
  const invitations = dateAndTime(round.invitationsAt, '08:00');
  const yn = (b: boolean) => (b ? 'ja' : 'nej');
  return {
    survey: surveyChoice,
    year: String(round.year),
    panel: String(round.panelId),
    opens_date: opens.date,
    opens_time: opens.time,
    closes_date: closes.date,
    closes_time: closes.time,
    contact_name: round.contactName ?? '',
    contact_email: round.contactEmail ?? '',
    confidential: yn(round.confidential),
    allow_changes: yn(round.allowChanges),
    send_confirmation: yn(round.sendConfirmation),
    reminder_days: round.reminderDays.join(', '),
    reply_to: round.replyTo ?? '',
    invitations_date: invitations.date,
    invitations_time: invitations.time,
    copy_from: '',
    copy_templates: 'nej',
    copy_members: 'nej',
  };
}

/** The form value for a round's survey: the file it follows, or the version (uploaded or made in the editor) it uses. */
export async function surveyChoiceOf(db: Knex, round: Round): Promise<string> {
  const v = await getSurveyVersion(db, round.surveyVersionId);
  return v.source === 'file' ? `file:${v.surveyId}` : `version:${v.id}`;
}

type TimeField = 'opens' | 'closes' | 'invitations';
const TIME_FIELD_NAMES: Record<TimeField, string> = { opens: 'Öppnar', closes: 'Stänger', invitations: 'Inbjudningarna skickas' };

function timeProblem(field: TimeField, reason: 'date' | 'time' | 'nonexistent', date: string, time: string): FieldProblem {
  const what = TIME_FIELD_NAMES[field];
  if (reason === 'date') return { field: `${field}_date`, message: `${what}: ange datum som ÅÅÅÅ-MM-DD, t.ex. 2025-11-03.` };
  if (reason === 'time') return { field: `${field}_time`, message: `${what}: ange klockslag som TT:MM, t.ex. 09:00.` };
  return {
    field: `${field}_time`,
    message: `${what}: klockan ${time} finns inte den ${date} i svensk tid (klockan ställs fram en timme till sommartid). Välj en annan tid.`,
  };
}

interface CheckedRoundForm {
  survey: string;
  year: number;
  panelId: number;
  opensAt: string;
  closesAt: string;
  contactName: string;
  contactEmail: string;
  confidential: boolean;
  allowChanges: boolean;
  sendConfirmation: boolean;
  reminderDays: number[];
  replyTo: string | null;
  invitationsAt: string | null;
}

/** A Stockholm date + time as UTC, or '' with a problem (`fallbackTime` when no time is given). */
function checkTime(field: TimeField, date: string, time: string, fallbackTime: string, problems: FieldProblem[]): string {
  const r = stockholmToUtc(date, time || fallbackTime);
  if (r.ok) return r.iso;
  problems.push(timeProblem(field, r.reason, date, time));
  return '';
}

/** When the round opens and closes (both required, closing after opening). */
function checkPeriod(v: RoundFormValues, problems: FieldProblem[]): { opensAt: string; closesAt: string } {
  let opensAt = '';
  let closesAt = '';
  if (!v.opens_date) problems.push({ field: 'opens_date', message: 'Ange när omgången öppnar (datum).' });
  else opensAt = checkTime('opens', v.opens_date, v.opens_time, '00:00', problems);
  if (!v.closes_date) problems.push({ field: 'closes_date', message: 'Ange när omgången stänger (datum).' });
  else closesAt = checkTime('closes', v.closes_date, v.closes_time, '23:59', problems);
  if (opensAt && closesAt && closesAt <= opensAt)
    problems.push({ field: 'closes_date', message: 'Stänger: sista svarsdag måste vara efter att omgången öppnar.' });
  return { opensAt, closesAt };
}

/**
 * When the background worker sends the invitations: empty for "by hand"; otherwise a Stockholm
 * date and time that has not passed, no earlier than the opening and before the closing.
 */
export function checkInvitationTime(
  date: string,
  time: string,
  period: { opensAt: string | null; closesAt: string | null },
  problems: FieldProblem[],
  now: Date = new Date(),
): string | null {
  if (!date) return null;
  const at = checkTime('invitations', date, time, '08:00', problems);
  if (!at) return null;
  const field = 'invitations_date';
  if (new Date(at).getTime() <= now.getTime())
    problems.push({
      field,
      message: 'Inbjudningarna skickas: tiden har redan passerat. Välj en tid framåt, eller skicka inbjudningarna nu.',
    });
  else if (period.opensAt && at < period.opensAt)
    problems.push({ field, message: 'Inbjudningarna skickas: välj en tid när omgången har öppnat, inte före öppningstiden.' });
  else if (period.closesAt && at >= period.closesAt)
    problems.push({ field, message: 'Inbjudningarna skickas: välj en tid före sista svarsdag.' });
  return at;
}

function checkReplyTo(v: RoundFormValues, problems: FieldProblem[]): string | null {
  if (!v.reply_to) return null;
  if (!isEmail(v.reply_to) || v.reply_to.length > 254)
    problems.push({ field: 'reply_to', message: 'Svarsadress: ange en e-postadress, t.ex. enkat@region.se, eller lämna fältet tomt.' });
  return v.reply_to.toLowerCase();
}

function checkContact(v: RoundFormValues, problems: FieldProblem[]): void {
  if (!v.contact_name)
    problems.push({ field: 'contact_name', message: 'Ange namnet på kontaktpersonen som de svarande kan vända sig till.' });
  else if (v.contact_name.length > 200)
    problems.push({ field: 'contact_name', message: 'Kontaktpersonens namn får vara högst 200 tecken.' });
  if (!v.contact_email || !isEmail(v.contact_email) || v.contact_email.length > 254)
    problems.push({ field: 'contact_email', message: 'Ange kontaktpersonens e-postadress, t.ex. namn@region.se.' });
}

function checkYesNo(v: RoundFormValues, field: keyof RoundFormValues, label: string, problems: FieldProblem[]): boolean {
  if (v[field] === 'ja') return true;
  if (v[field] !== 'nej') problems.push({ field, message: `Välj ja eller nej: ${label}.` });
  return false;
}

/** "7, 2" → [7, 2]: distinct days 1–90, largest first. */
function checkReminderDays(text: string, problems: FieldProblem[]): number[] {
  const days: number[] = [];
  for (const part of text.split(/[,;\s]+/).filter(Boolean)) {
    const n = /^\d{1,3}$/.test(part) ? Number(part) : NaN;
    if (!(n >= 1 && n <= 90)) {
      problems.push({
        field: 'reminder_days',
        message: 'Påminnelser: skriv antal dagar före sista svarsdag, 1–90, åtskilda med komma, t.ex. 7, 2.',
      });
      break;
    }
    if (!days.includes(n)) days.push(n);
  }
  return days.sort((a, b) => b - a);
}

/** Checks every field; throws ValidationError listing every problem (field names as in the form). */
export function checkRoundForm(v: RoundFormValues): CheckedRoundForm {
  const problems: FieldProblem[] = [];
  if (!v.survey) problems.push({ field: 'survey', message: 'Välj vilken enkät omgången ska använda.' });
  const year = /^\d{4}$/.test(v.year) ? Number(v.year) : NaN;
  if (!(year >= 2000 && year <= 2100)) problems.push({ field: 'year', message: 'Ange år med fyra siffror, t.ex. 2025.' });
  const panelId = /^\d{1,9}$/.test(v.panel) ? Number(v.panel) : NaN;
  if (!panelId) problems.push({ field: 'panel', message: 'Välj vilken panel som ska svara.' });
  const { opensAt, closesAt } = checkPeriod(v, problems);
  checkContact(v, problems);
  const confidential = checkYesNo(v, 'confidential', 'konfidentiell enkät', problems);
  const allowChanges = checkYesNo(v, 'allow_changes', 'får svaret ändras efter inskickning', problems);
  const sendConfirmation = checkYesNo(v, 'send_confirmation', 'bekräftelse via e-post', problems);
  const reminderDays = checkReminderDays(v.reminder_days, problems);
  const replyTo = checkReplyTo(v, problems);
  const invitationsAt = checkInvitationTime(v.invitations_date, v.invitations_time, { opensAt, closesAt }, problems);
  if (problems.length) throw new ValidationError(problems);
  return {
    survey: v.survey,
    year,
    panelId,
    opensAt,
    closesAt,
    contactName: v.contact_name,
    contactEmail: v.contact_email.toLowerCase(),
    confidential,
    allowChanges,
    sendConfirmation,
    reminderDays,
    replyTo,
    invitationsAt,
  };
}

async function roundRowFrom(db: Knex, config: RoundsConfig, form: CheckedRoundForm, exceptRoundId: number | null): Promise<RoundRowInput> {
  const problems: FieldProblem[] = [];
  const panel = await findPanel(db, form.panelId);
  if (!panel) problems.push({ field: 'panel', message: 'Välj en panel i listan.' });
  let survey: Awaited<ReturnType<typeof resolveSurveyChoice>> | null = null;
  try {
    survey = await resolveSurveyChoice(db, config.surveysDir, form.survey);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    problems.push(...e.problems);
  }
  if (survey && panel) {
    const clash = await otherRoundExists(db, { surveyId: survey.definition.id, year: form.year, panelId: panel.id, exceptRoundId });
    if (clash)
      problems.push({
        field: 'year',
        message: `Det finns redan en omgång av den här enkäten för ${form.year} och panelen ”${panel.name}”.`,
      });
  }
  if (problems.length || !survey) throw new ValidationError(problems);
  const vars = placeholderValues(config);
  return {
    surveyVersionId: survey.versionId,
    surveyId: survey.definition.id,
    year: form.year,
    panelId: form.panelId,
    title: `${renderText(survey.definition.title.sv, vars)} ${form.year}`,
    opensAt: form.opensAt,
    closesAt: form.closesAt,
    contactName: form.contactName,
    contactEmail: form.contactEmail,
    confidential: form.confidential,
    allowChanges: form.allowChanges,
    sendConfirmation: form.sendConfirmation,
    reminderDays: form.reminderDays,
    replyTo: form.replyTo,
    invitationsAt: form.invitationsAt,
  };
}

/** The round a new one is made from ("Skapa omgång från förra året"), or null; a form naming a round that is gone is refused. */
async function sourceRoundOf(db: Knex, values: RoundFormValues): Promise<Round | null> {
  if (!values.copy_from) return null;
  const id = /^\d{1,9}$/.test(values.copy_from) ? Number(values.copy_from) : 0;
  const source = id ? await findRound(db, id) : null;
  if (!source)
    throw new ValidationError([
      { field: '', message: 'Omgången som den nya skulle göras från finns inte längre. Börja om från listan över omgångar.' },
    ]);
  return source;
}

/**
 * What a round made from last year's brings along besides its settings: the e-mail templates
 * (when asked), and the panel's members of last year when the panel has none for the new year
 * (when asked). Test answers and links never come along: they belong to the round they were made in.
 */
async function bringAlong(trx: Knex, actor: Actor, source: Round, row: RoundRowInput, id: number, values: RoundFormValues) {
  const templates = values.copy_templates === 'ja' ? await copyRoundTemplates(trx, source.id, id, nowIso()) : 0;
  let members = 0;
  if (values.copy_members === 'ja' && (await panelMembersForYear(trx, row.panelId, row.year)).length === 0)
    members = await addMembers(trx, row.panelId, row.year, await activeMemberIds(trx, source.panelId, source.year));
  if (members)
    await audit(
      trx,
      actor,
      'panel.members_copied',
      { type: 'panel', id: row.panelId },
      { fromYear: source.year, toYear: row.year, added: members },
    );
  return { fromRoundId: source.id, templates, members };
}

export async function createRound(db: Knex, config: RoundsConfig, actor: Actor, values: RoundFormValues): Promise<number> {
  const source = await sourceRoundOf(db, values);
  const row = await roundRowFrom(db, config, checkRoundForm(values), null);
  return inTransaction(db, async (trx) => {
    const id = await insertRound(trx, { ...row, createdBy: actor.userId });
    const copied = source ? await bringAlong(trx, actor, source, row, id, values) : null;
    await audit(
      trx,
      actor,
      'rounds.create',
      { type: 'round', id },
      { surveyId: row.surveyId, surveyVersionId: row.surveyVersionId, year: row.year, panelId: row.panelId, ...(copied ?? {}) },
    );
    return id;
  });
}

/** Only a draft (utkast) can be edited; an open round's settings are fixed. */
export async function updateRound(db: Knex, config: RoundsConfig, actor: Actor, id: number, values: RoundFormValues): Promise<void> {
  const round = await getRound(db, id);
  if (round.state !== 'utkast') throw new ConflictError('Bara en omgång som är utkast kan ändras.', 'not_draft');
  const row = await roundRowFrom(db, config, checkRoundForm(values), id);
  if (!(await updateDraftRound(db, id, row))) throw new ConflictError('Bara en omgång som är utkast kan ändras.', 'not_draft');
  const changed = (Object.keys(row) as Array<keyof RoundRowInput>).filter(
    (k) => JSON.stringify(row[k]) !== JSON.stringify((round as unknown as Record<string, unknown>)[k]),
  );
  await audit(db, actor, 'rounds.update', { type: 'round', id }, { fields: changed });
}

/**
 * Schedules the invitations of a draft or open round at a Stockholm date and time (an empty date
 * takes the schedule away: the invitations are then sent by hand). Refused once the scheduled
 * invitations have been queued, and for a closed round.
 */
export async function scheduleInvitations(
  db: Knex,
  actor: Actor,
  id: number,
  input: { date: string; time: string },
): Promise<string | null> {
  const round = await getRound(db, id);
  if (round.state !== 'utkast' && round.state !== 'oppen')
    throw new ConflictError('Inbjudningar kan bara schemaläggas för en omgång som är utkast eller öppen.', 'round_closed');
  const problems: FieldProblem[] = [];
  const at = checkInvitationTime(input.date.trim(), input.time.trim(), round, problems);
  if (problems.length) throw new ValidationError(problems);
  if (!(await setInvitationsAt(db, id, at)))
    throw new ConflictError('De schemalagda inbjudningarna har redan skickats.', 'invitations_queued');
  await audit(db, actor, 'rounds.invitations_scheduled', { type: 'round', id }, { invitationsAt: at });
  return at;
}

// ---------------------------------------------------------------------------------------------
// Transitions
// ---------------------------------------------------------------------------------------------

/** Creates an invitation for every active organisation in the panel that year that has none yet. Returns how many are invited. */
export async function syncInvitations(db: Knex, roundId: number): Promise<number> {
  const round = await getRound(db, roundId);
  for (const m of await panelMembersForYear(db, round.panelId, round.year)) await ensureInvitation(db, roundId, m.id);
  return countActiveInvitations(db, roundId);
}

/**
 * utkast → öppen. Pins the survey version (a file-based round gets the file's current content),
 * then invites every organisation in the panel for the year.
 */
export async function openRound(
  db: Knex,
  config: RoundsConfig,
  actor: Actor,
  id: number,
  now: Date = new Date(),
): Promise<{ invited: number; surveyVersionId: number }> {
  const round = await getRound(db, id);
  if (!canTransition(round.state, 'oppen') || round.state !== 'utkast') throw refuse(round, 'oppen');
  const problems: FieldProblem[] = [];
  if (!round.opensAt || !round.closesAt)
    problems.push({ field: 'closes_date', message: 'Ange när omgången öppnar och stänger innan den öppnas.' });
  else if (new Date(round.closesAt).getTime() <= now.getTime())
    problems.push({ field: 'closes_date', message: 'Sista svarsdag har redan passerat. Ändra stängningstiden innan omgången öppnas.' });
  const members = await panelMembersForYear(db, round.panelId, round.year);
  if (members.length === 0)
    problems.push({
      field: 'panel',
      message: `Panelen har inga aktiva organisationer för ${round.year}. Lägg till organisationer i panelen för året först.`,
    });
  if (problems.length) throw new ValidationError(problems);

  // Pin: a file-based round gets the file as it reads now (kept if the file has been removed).
  let versionId = round.surveyVersionId;
  const current = await getSurveyVersion(db, round.surveyVersionId);
  if (current.source === 'file') {
    const loaded = (await currentSurveysOrRefuse(config.surveysDir)).find((s) => s.definition.id === round.surveyId);
    if (loaded) versionId = await pinSurveyVersion(db, loaded, 'file');
  }
  const invited = await inTransaction(db, async (trx) => {
    const moved = await setRoundState(trx, id, 'utkast', 'oppen', { surveyVersionId: versionId });
    if (!moved) throw refuse(await getRound(trx, id), 'oppen');
    const n = await syncInvitations(trx, id);
    await audit(trx, actor, 'rounds.open', { type: 'round', id }, { surveyVersionId: versionId, invited: n });
    return n;
  });
  return { invited, surveyVersionId: versionId };
}

/** What closing a round leaves behind, for the confirmation page: who has not answered, who has an unsent draft. */
export interface ClosingSummary {
  round: Round;
  invited: number;
  submitted: number;
  notAnswered: number;
  drafts: number;
  /** The organisations with a draft that is not submitted (coordinators may see who has answered, also in a confidential round). */
  draftOrganisations: Array<{ organisationId: number; name: string; savedAt: string | null }>;
  responseRate: string;
  /** Closing now is before the closing time the respondents were told. */
  early: boolean;
}

export async function closingSummary(db: Knex, id: number, now: Date = new Date()): Promise<ClosingSummary> {
  const round = await getRound(db, id);
  const counts = (await invitationCounts(db, [id])).get(id)!;
  const rows = await organisationStatusRows(db, id);
  const draftOrganisations = rows
    .filter((r) => r.responseStatus === 'draft')
    .map((r) => ({ organisationId: r.organisationId, name: r.name, savedAt: r.startedAt }));
  const submitted = Math.min(counts.submitted, counts.invited);
  return {
    round,
    invited: counts.invited,
    submitted,
    notAnswered: counts.invited - submitted,
    drafts: draftOrganisations.length,
    draftOrganisations,
    responseRate: formatResponseRate(submitted, counts.invited),
    early: !!round.closesAt && now.getTime() < new Date(round.closesAt).getTime(),
  };
}

/**
 * öppen → stängd. The round's e-mails that were never delivered (failed, bounced) lose their
 * bodies, which hold personal links: while the round is open a failed message keeps its body so
 * it can be retried by hand; once the round is closed the links take no answers, so there is
 * nothing left to retry (after a reopen, reminders make new links).
 */
export async function closeRound(db: Knex, actor: Actor, id: number): Promise<void> {
  const round = await getRound(db, id);
  if (!canTransition(round.state, 'stangd')) throw refuse(round, 'stangd');
  await inTransaction(db, async (trx) => {
    if (!(await setRoundState(trx, id, round.state, 'stangd', { closedAt: nowIso() }))) throw refuse(await getRound(trx, id), 'stangd');
    await clearUndeliveredMailBodies(trx, id);
    await audit(trx, actor, 'rounds.close', { type: 'round', id });
  });
}

export async function publishRound(db: Knex, actor: Actor, id: number): Promise<void> {
  const round = await getRound(db, id);
  if (!canTransition(round.state, 'publicerad')) throw refuse(round, 'publicerad');
  if (!(await setRoundState(db, id, round.state, 'publicerad'))) throw refuse(await getRound(db, id), 'publicerad');
  await audit(db, actor, 'rounds.publish', { type: 'round', id });
}

/**
 * stängd → öppen, with a reason (kept in the audit log). When the closing time has passed, a new
 * one (Stockholm date + time) is required, since a round that closes in the past is closed for
 * respondents anyway.
 */
export async function reopenRound(
  db: Knex,
  actor: Actor,
  id: number,
  input: { reason: string; closesDate: string; closesTime: string },
  now: Date = new Date(),
): Promise<void> {
  const round = await getRound(db, id);
  if (round.state !== 'stangd') throw refuse(round, 'oppen');
  // Its answers were imported, not given through personal links: opened, its organisations would
  // read "submitted" without having answered and get no reminders.
  if (round.imported)
    throw new ConflictError(
      'Omgången är importerad (svaren kommer från ett tidigare verktyg) och kan inte öppnas. Skapa en ny omgång för ett år som inte har någon.',
      'imported_round',
    );
  const problems: FieldProblem[] = [];
  const reason = input.reason.trim();
  if (!reason) problems.push({ field: 'reason', message: 'Skriv varför omgången öppnas igen.' });
  else if (reason.length > 1000) problems.push({ field: 'reason', message: 'Skälet får vara högst 1 000 tecken.' });
  let closesAt = round.closesAt;
  if (input.closesDate) {
    const r = stockholmToUtc(input.closesDate, input.closesTime || '23:59');
    if (!r.ok) problems.push(timeProblem('closes', r.reason, input.closesDate, input.closesTime));
    else closesAt = r.iso;
  }
  if (!problems.some((p) => p.field.startsWith('closes')) && (!closesAt || new Date(closesAt).getTime() <= now.getTime()))
    problems.push({ field: 'closes_date', message: 'Ange en ny sista svarsdag som ligger framåt i tiden.' });
  if (problems.length) throw new ValidationError(problems);
  await inTransaction(db, async (trx) => {
    if (!(await setRoundState(trx, id, 'stangd', 'oppen', { closesAt, closedAt: null }))) throw refuse(await getRound(trx, id), 'oppen');
    await syncInvitations(trx, id);
    await audit(trx, actor, 'rounds.reopen', { type: 'round', id }, { reason, closesAt, previousClosesAt: round.closesAt });
  });
}

// ---------------------------------------------------------------------------------------------
// Lists and follow-up
// ---------------------------------------------------------------------------------------------

export interface RoundListItem extends Round {
  panelName: string;
  stateLabel: string;
  counts: InvitationCounts;
  /** "x av N" – submitted of invited; for a draft, of the panel's organisations that year. */
  responseRate: string;
}

export async function listRounds(db: Knex): Promise<RoundListItem[]> {
  const rows = await listRoundRows(db);
  const counts = await invitationCounts(
    db,
    rows.map((r) => r.id),
  );
  const out: RoundListItem[] = [];
  for (const r of rows) {
    const c = counts.get(r.id)!;
    let rate: string;
    if (r.state === 'utkast') rate = formatResponseRate(0, (await panelMembersForYear(db, r.panelId, r.year)).length);
    else rate = formatResponseRate(Math.min(c.submitted, c.invited), c.invited);
    out.push({ ...r, stateLabel: ROUND_STATE_LABELS[r.state], counts: c, responseRate: rate });
  }
  return out;
}

export type OrganisationStatus = 'not_opened' | 'opened' | 'started' | 'submitted';
export const ORGANISATION_STATUS_LABELS: Record<OrganisationStatus, string> = {
  not_opened: 'Inte öppnad',
  opened: 'Öppnad',
  started: 'Påbörjad',
  submitted: 'Inskickad',
};

export interface RoundDetail {
  round: Round;
  panelName: string;
  stateLabel: string;
  counts: InvitationCounts;
  responseRate: string;
  survey: { hash: string; source: SurveyVersionSource; title: string; versionLabel: string | null; versionId: number };
  /** Per organisation; null when the viewer may not see who answered (an analyst, confidential round). */
  organisations: Array<{
    organisationId: number;
    name: string;
    status: OrganisationStatus;
    statusLabel: string;
    openedAt: string | null;
    startedAt: string | null;
    submittedAt: string | null;
    revision: number;
  }> | null;
  /** Whether staff may open one organisation's answers (never in a confidential round). */
  answersVisible: boolean;
  allowedTransitions: RoundState[];
}

/**
 * Confidential rounds: analysts see only the counts, never which organisation answered;
 * coordinators see who has answered (to follow up) but not what — in a confidential round no
 * staff role can open one organisation's answers.
 */
export function mayListOrganisations(round: Pick<Round, 'confidential'>, role: Role): boolean {
  return !round.confidential || role === 'coordinator' || role === 'admin';
}

export async function roundDetail(
  db: Knex,
  config: Pick<Config, 'regionName' | 'strategyName'>,
  id: number,
  viewerRole: Role,
): Promise<RoundDetail> {
  const round = await getRound(db, id);
  const panel = await findPanel(db, round.panelId);
  const counts = (await invitationCounts(db, [id])).get(id)!;
  const version = await getSurveyVersion(db, round.surveyVersionId);
  let organisations: RoundDetail['organisations'] = null;
  if (mayListOrganisations(round, viewerRole)) {
    organisations = (await organisationStatusRows(db, id)).map((r) => {
      const status: OrganisationStatus =
        r.responseStatus === 'submitted'
          ? 'submitted'
          : r.responseStatus === 'draft'
            ? 'started'
            : r.firstOpenedAt
              ? 'opened'
              : 'not_opened';
      return {
        organisationId: r.organisationId,
        name: r.name,
        status,
        statusLabel: ORGANISATION_STATUS_LABELS[status],
        openedAt: r.firstOpenedAt,
        startedAt: r.startedAt,
        submittedAt: r.submittedAt,
        revision: r.revision,
      };
    });
  }
  const invited = round.state === 'utkast' ? (await panelMembersForYear(db, round.panelId, round.year)).length : counts.invited;
  return {
    round,
    panelName: panel?.name ?? '–',
    stateLabel: ROUND_STATE_LABELS[round.state],
    counts,
    responseRate: formatResponseRate(Math.min(counts.submitted, invited), invited),
    survey: {
      hash: version.hash,
      source: version.source,
      title: renderText(version.definition.title.sv, placeholderValues(config)),
      versionLabel: version.definition.version ?? null,
      versionId: version.id,
    },
    organisations,
    answersVisible: !round.confidential,
    allowedTransitions: ROUND_TRANSITIONS[round.state],
  };
}

// ---------------------------------------------------------------------------------------------
// Personal links
// ---------------------------------------------------------------------------------------------

export interface PersonalLink {
  organisationId: number;
  contactId: number;
  invitationId: number;
  /** The plaintext token; only its hash is stored, so this is the one chance to use it. */
  token: string;
}

/**
 * Personal links for an open round: one new token per active (not erased) contact of every
 * invited organisation — or only of `organisationIds`. Organisations added to the panel for the
 * year since the round opened are invited first. Pass a transaction as `db` to issue the tokens
 * in the same transaction as the e-mails that carry them. Each call makes new tokens; earlier
 * ones keep working until the round closes. Contacts that have opted out or bounced are
 * included: whether to e-mail them is the mail area's decision.
 */
export async function linksForRound(
  db: Knex,
  roundId: number,
  opts: { organisationIds?: number[]; cause?: LinkCause } = {},
): Promise<PersonalLink[]> {
  const cause = opts.cause ?? { actor: SYSTEM, via: 'links' };
  const round = await getRound(db, roundId);
  if (round.state !== 'oppen') throw new ConflictError('Länkar kan bara skapas för en öppen omgång.', 'round_not_open');
  await syncInvitations(db, roundId);
  const invitations = await activeInvitations(db, roundId, opts.organisationIds);
  const invitationOf = new Map(invitations.map((i) => [i.organisationId, i.id]));
  const links: PersonalLink[] = [];
  for (const c of await linkableContacts(db, [...invitationOf.keys()])) {
    const invitationId = invitationOf.get(c.organisationId);
    if (invitationId === undefined) continue;
    links.push({ organisationId: c.organisationId, contactId: c.id, invitationId, token: await issueToken(db, invitationId, c.id, cause) });
  }
  return links;
}

/**
 * A personal link for one organisation made by hand (for a phone follow-up): a token tied to
 * no contact. Returns the token — shown once, never stored in plain text.
 */
export async function manualLink(db: Knex, actor: Actor, roundId: number, organisationId: number): Promise<string> {
  const round = await getRound(db, roundId);
  if (round.state !== 'oppen') throw new ConflictError('En personlig länk kan bara skapas när omgången är öppen.', 'round_not_open');
  let invitation = await findInvitation(db, roundId, organisationId);
  if (!invitation) {
    const members = await panelMembersForYear(db, round.panelId, round.year);
    if (!members.some((m) => m.id === organisationId)) throw new NotFoundError('Organisationen är inte inbjuden till omgången.');
    invitation = { id: await ensureInvitation(db, roundId, organisationId), revoked: false };
  }
  if (invitation.revoked) throw new ConflictError('Organisationens inbjudan är återkallad.', 'invitation_revoked');
  // A hand-made link is seen by the staff member who makes it. In a confidential round no staff
  // member may be able to read what an organisation answers — also not later, with a link kept
  // from before the organisation began — so none is made there.
  if (round.confidential)
    throw new ConflictError(
      'Omgången är konfidentiell. En personlig länk som visas här skulle kunna öppna organisationens svar, så den kan inte skapas. Skicka en påminnelse i stället: den går direkt till organisationens kontaktpersoner.',
      'confidential_round',
    );
  const token = await issueToken(db, invitation.id, null, { actor, via: 'manual' });
  await audit(db, actor, 'rounds.manual_link', { type: 'round', id: roundId }, { organisationId, invitationId: invitation.id });
  return token;
}

/** manualLink as the round's page shows it: the link (shown once) and whose it is. */
export async function manualLinkFor(
  db: Knex,
  config: Pick<Config, 'baseUrl'>,
  actor: Actor,
  roundId: number,
  organisationId: number,
): Promise<{ url: string; organisationName: string }> {
  const token = await manualLink(db, actor, roundId, organisationId);
  return { url: respondentUrl(config.baseUrl, token), organisationName: (await organisationName(db, organisationId)) ?? '' };
}

/** The panels a round can be for, as the round and import forms list them. */
export async function panelChoices(db: Knex): Promise<Array<{ value: string; label: string }>> {
  return (await listPanels(db)).map((p) => ({ value: String(p.id), label: p.name }));
}
