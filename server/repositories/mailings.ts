// The partnership as the e-mail needs it: the round, the organisations of its panel with their
// contacts (and whether each may be e-mailed), their responses. The outbox, invitations, opt-out
// tokens, reminder runs and templates have their own repositories (outbox.ts, invitations.ts,
// optout.ts, reminder-runs.ts, round-templates.ts).
import type { Knex } from 'knex';
import { bool, isPostgres, json } from '../db';
import type { ContactRow, RoundRow } from './tables';

export interface MailRound {
  id: number;
  title: string;
  year: number;
  panelId: number;
  state: string;
  opensAt: string | null;
  closesAt: string | null;
  contactName: string | null;
  contactEmail: string | null;
  /** Reply-To of every e-mail of the round: the reply address set, else the contact person's address. */
  replyTo: string | null;
  /** When the invitations are sent by the scheduler, and when they were queued. */
  invitationsAt: string | null;
  invitationsQueuedAt: string | null;
  allowChanges: boolean;
  confidential: boolean;
  sendConfirmation: boolean;
  reminderDays: number[];
}

function toRound(r: RoundRow): MailRound {
  const days = json<unknown>(r.reminder_days);
  return {
    id: Number(r.id),
    title: r.title,
    year: Number(r.year),
    panelId: Number(r.panel_id),
    state: r.state,
    opensAt: r.opens_at,
    closesAt: r.closes_at,
    contactName: r.contact_name,
    contactEmail: r.contact_email,
    replyTo: r.reply_to || r.contact_email || null,
    invitationsAt: r.invitations_at ?? null,
    invitationsQueuedAt: r.invitations_queued_at ?? null,
    allowChanges: bool(r.allow_changes),
    confidential: bool(r.confidential),
    sendConfirmation: bool(r.send_confirmation),
    reminderDays: Array.isArray(days) ? days.map(Number).filter((d) => Number.isInteger(d) && d > 0 && d < 366) : [],
  };
}

export async function findMailRound(db: Knex, id: number): Promise<MailRound | null> {
  const r = await db('rounds').where({ id }).first();
  return r ? toRound(r) : null;
}

/** Open rounds whose scheduled invitations are due at `now` and not yet queued (for the scheduler). */
export async function roundsWithDueInvitations(db: Knex, now: string): Promise<MailRound[]> {
  const rows = await db('rounds')
    .where({ state: 'oppen' })
    .whereNull('invitations_queued_at')
    .where('invitations_at', '<=', now)
    .orderBy('id');
  return rows.map(toRound);
}

/**
 * Takes the round's scheduled invitations for this instance: a conditional update only one
 * instance wins (on PostgreSQL the second waits for the first's transaction, then finds the
 * column set). False when another instance — or an earlier run — already took them.
 */
export async function claimScheduledInvitations(db: Knex, roundId: number, now: string): Promise<boolean> {
  const n = await db('rounds')
    .where({ id: roundId, state: 'oppen' })
    .whereNull('invitations_queued_at')
    .where('invitations_at', '<=', now)
    .update({ invitations_queued_at: now });
  return Number(n) === 1;
}

/** Open rounds with scheduled reminders and a closing time (for the scheduler). */
export async function openRoundsWithReminders(db: Knex): Promise<MailRound[]> {
  const rows = await db('rounds').where({ state: 'oppen' }).whereNotNull('closes_at').whereNotNull('reminder_days');
  return rows.map(toRound).filter((r) => r.reminderDays.length > 0);
}

export interface MailOrganisation {
  id: number;
  name: string;
  type: string;
  inPanel: boolean;
}

type OrganisationColumns = { id: number; name: string; type: string };

/**
 * The organisations of the round: every active organisation in the round's panel that year,
 * plus any organisation that already has an invitation for the round.
 */
export async function organisationsOfRound(db: Knex, round: MailRound): Promise<MailOrganisation[]> {
  const inPanel = await db('panel_memberships as m')
    .join('organisations as o', 'o.id', 'm.organisation_id')
    .where({ 'm.panel_id': round.panelId, 'm.year': round.year })
    .where('o.active', true)
    .select<OrganisationColumns[]>('o.id', 'o.name', 'o.type');
  const invited = await db('invitations as i')
    .join('organisations as o', 'o.id', 'i.organisation_id')
    .where('i.round_id', round.id)
    .select<OrganisationColumns[]>('o.id', 'o.name', 'o.type');
  const out = new Map<number, MailOrganisation>();
  const add = (r: OrganisationColumns, inPanel: boolean) => {
    if (!out.has(Number(r.id))) out.set(Number(r.id), { id: Number(r.id), name: r.name, type: r.type, inPanel });
  };
  for (const r of inPanel) add(r, true);
  for (const r of invited) add(r, false);
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name, 'sv'));
}

export interface MailContactRow {
  id: number;
  organisationId: number;
  name: string | null;
  email: string | null;
  phone: string | null;
  active: boolean;
  optedOutAt: string | null;
  bouncedAt: string | null;
  bounceReason: string | null;
  erasedAt: string | null;
  /** The language of the contact's e-mails (sv | en). */
  language: string;
}

const CONTACT_COLUMNS = [
  'id',
  'organisation_id',
  'name',
  'email',
  'phone',
  'active',
  'opted_out_at',
  'bounced_at',
  'bounce_reason',
  'erased_at',
  'language',
] as const;

function toContact(r: Pick<ContactRow, (typeof CONTACT_COLUMNS)[number]>): MailContactRow {
  return {
    id: Number(r.id),
    organisationId: Number(r.organisation_id),
    name: r.name,
    email: r.email,
    phone: r.phone,
    active: bool(r.active),
    optedOutAt: r.opted_out_at,
    bouncedAt: r.bounced_at,
    bounceReason: r.bounce_reason,
    erasedAt: r.erased_at,
    language: r.language,
  };
}

/** The contacts of the round's organisations (panel members and invited ones), in a stable order. */
export async function contactsOfRound(db: Knex, round: MailRound): Promise<MailContactRow[]> {
  const rows = await db('contacts')
    .select(...CONTACT_COLUMNS)
    .where((w) => {
      w.whereIn(
        'organisation_id',
        db('panel_memberships').select('organisation_id').where({ panel_id: round.panelId, year: round.year }),
      ).orWhereIn('organisation_id', db('invitations').select('organisation_id').where({ round_id: round.id }));
    })
    .orderBy(['organisation_id', 'id']);
  return rows.map(toContact);
}

export async function contactsOfOrganisation(db: Knex, organisationId: number): Promise<MailContactRow[]> {
  const rows = await db('contacts')
    .select(...CONTACT_COLUMNS)
    .where('organisation_id', organisationId)
    .orderBy('id');
  return rows.map(toContact);
}

/** These contacts by id (a missing id is left out), e.g. to check before sending that each may still be e-mailed. */
export async function contactsByIds(db: Knex, ids: number[]): Promise<Map<number, MailContactRow>> {
  if (!ids.length) return new Map();
  const rows = await db('contacts')
    .select(...CONTACT_COLUMNS)
    .whereIn('id', ids);
  return new Map(rows.map((r) => [Number(r.id), toContact(r)]));
}

/** After a permanent (5xx) reply: the contact's address has bounced. */
export async function markContactBounced(db: Knex, contactId: number, reason: string, now: string): Promise<void> {
  await db('contacts')
    .where({ id: contactId })
    .update({ bounced_at: now, bounce_reason: reason.slice(0, 500), updated_at: now });
}

/** The contact asked for no more e-mail (a second opt-out keeps the first time). */
export async function markContactOptedOut(db: Knex, contactId: number, now: string): Promise<void> {
  await db('contacts').where({ id: contactId }).whereNull('opted_out_at').update({ opted_out_at: now, updated_at: now });
}

export interface ResponseState {
  status: string;
  startedAt: string | null;
  submittedAt: string | null;
}

/** The round's responses by organisation id. */
export async function responsesOfRound(db: Knex, roundId: number): Promise<Map<number, ResponseState>> {
  const rows = await db('responses')
    .where({ round_id: roundId })
    .select('organisation_id', 'status', 'started_at', 'created_at', 'submitted_at');
  return new Map(
    rows.map((r) => [
      Number(r.organisation_id),
      { status: r.status, startedAt: r.started_at ?? r.created_at, submittedAt: r.submitted_at },
    ]),
  );
}

export interface SubmittedResponse {
  roundId: number;
  organisationId: number;
  organisationName: string;
}

/** A submitted response with its organisation's name (for the confirmation e-mail); null when not submitted or missing. */
export async function findSubmittedResponse(db: Knex, responseId: number): Promise<SubmittedResponse | null> {
  const row = await db('responses as r')
    .join('organisations as o', 'o.id', 'r.organisation_id')
    .where('r.id', responseId)
    .where('r.status', 'submitted')
    .first<{ round_id: number; organisation_id: number; name: string } | undefined>('r.round_id', 'r.organisation_id', 'o.name');
  if (!row) return null;
  return { roundId: Number(row.round_id), organisationId: Number(row.organisation_id), organisationName: row.name };
}

/** A submit's confirmation, queued in the submit's transaction for the outbox worker. */
export interface QueuedConfirmation {
  id: number;
  responseId: number;
  /** The contact whose link submitted; null for a link made by hand (or a contact since deleted). */
  contactId: number | null;
  receiptCode: string | null;
}

export async function insertQueuedConfirmation(trx: Knex, c: Omit<QueuedConfirmation, 'id'>, at: string): Promise<void> {
  await trx('confirmation_queue').insert({
    response_id: c.responseId,
    contact_id: c.contactId,
    receipt_code: c.receiptCode,
    created_at: at,
  });
}

/**
 * Up to `limit` queued confirmations, oldest first, for the transaction that prepares and then
 * deletes them. PostgreSQL: locked until it ends, skipping rows another worker holds; SQLite: the
 * transaction holds the write lock already (repositories/transaction.ts).
 */
export async function claimQueuedConfirmations(trx: Knex, limit: number): Promise<QueuedConfirmation[]> {
  const q = trx('confirmation_queue').orderBy('id').limit(limit).select('id', 'response_id', 'contact_id', 'receipt_code');
  const rows = await (isPostgres(trx) ? q.forUpdate().skipLocked() : q);
  return rows.map((r) => ({
    id: Number(r.id),
    responseId: Number(r.response_id),
    contactId: r.contact_id === null ? null : Number(r.contact_id),
    receiptCode: r.receipt_code ?? null,
  }));
}

/** Whether any confirmation waits (a read: an empty queue costs the worker no write transaction). */
export async function anyQueuedConfirmation(db: Knex): Promise<boolean> {
  return (await db('confirmation_queue').first('id')) !== undefined;
}

export async function deleteQueuedConfirmations(trx: Knex, ids: number[]): Promise<void> {
  if (ids.length) await trx('confirmation_queue').whereIn('id', ids).delete();
}

/** Contacts whose address bounced since `since`, newest first, with their organisation (the start page). */
export async function recentlyBouncedContacts(
  db: Knex,
  since: string,
  limit: number,
): Promise<Array<{ id: number; name: string | null; organisationId: number; organisationName: string; bouncedAt: string }>> {
  const rows = await db('contacts as c')
    .join('organisations as o', 'o.id', 'c.organisation_id')
    .where('c.bounced_at', '>=', since)
    .whereNull('c.erased_at')
    .orderBy('c.bounced_at', 'desc')
    .limit(limit)
    .select<Array<{ id: number; name: string | null; organisation_id: number; organisation_name: string; bounced_at: string }>>(
      'c.id',
      'c.name',
      'c.organisation_id',
      'o.name as organisation_name',
      'c.bounced_at',
    );
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    organisationId: Number(r.organisation_id),
    organisationName: r.organisation_name,
    bouncedAt: r.bounced_at,
  }));
}
