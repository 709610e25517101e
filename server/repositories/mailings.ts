// Queries for e-mail sending and follow-up: the round as the mail needs it, the organisations of
// its panel with their contacts, invitations, responses and outbox counts per organisation.
import type { Knex } from 'knex';
import { bool, json } from '../db';

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
  allowChanges: boolean;
  sendConfirmation: boolean;
  reminderDays: number[];
}

function toRound(r: Record<string, unknown>): MailRound {
  const days = json<unknown>(r.reminder_days);
  return {
    id: Number(r.id),
    title: String(r.title),
    year: Number(r.year),
    panelId: Number(r.panel_id),
    state: String(r.state),
    opensAt: (r.opens_at as string) ?? null,
    closesAt: (r.closes_at as string) ?? null,
    contactName: (r.contact_name as string) ?? null,
    contactEmail: (r.contact_email as string) ?? null,
    allowChanges: bool(r.allow_changes),
    sendConfirmation: bool(r.send_confirmation),
    reminderDays: Array.isArray(days) ? days.map(Number).filter((d) => Number.isInteger(d) && d > 0 && d < 366) : [],
  };
}

export async function findMailRound(db: Knex, id: number): Promise<MailRound | null> {
  const r = await db('rounds').where({ id }).first();
  return r ? toRound(r) : null;
}

/** Open rounds with scheduled reminders and a closing time (for the scheduler). */
export async function openRoundsWithReminders(db: Knex): Promise<MailRound[]> {
  const rows = await db('rounds').where({ state: 'oppen' }).whereNotNull('closes_at').whereNotNull('reminder_days');
  return rows.map(toRound).filter((r: MailRound) => r.reminderDays.length > 0);
}

export interface MailOrganisation {
  id: number;
  name: string;
  type: string;
  inPanel: boolean;
}

/**
 * The organisations of the round: every active organisation in the round's panel that year,
 * plus any organisation that already has an invitation for the round.
 */
export async function organisationsOfRound(db: Knex, round: MailRound): Promise<MailOrganisation[]> {
  const inPanel = await db('panel_memberships as m')
    .join('organisations as o', 'o.id', 'm.organisation_id')
    .where({ 'm.panel_id': round.panelId, 'm.year': round.year })
    .where('o.active', true)
    .select('o.id', 'o.name', 'o.type');
  const invited = await db('invitations as i')
    .join('organisations as o', 'o.id', 'i.organisation_id')
    .where('i.round_id', round.id)
    .select('o.id', 'o.name', 'o.type');
  const out = new Map<number, MailOrganisation>();
  for (const r of inPanel) out.set(Number(r.id), { id: Number(r.id), name: String(r.name), type: String(r.type), inPanel: true });
  for (const r of invited)
    if (!out.has(Number(r.id))) out.set(Number(r.id), { id: Number(r.id), name: String(r.name), type: String(r.type), inPanel: false });
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
}

function toContact(r: Record<string, unknown>): MailContactRow {
  return {
    id: Number(r.id),
    organisationId: Number(r.organisation_id),
    name: (r.name as string) ?? null,
    email: (r.email as string) ?? null,
    phone: (r.phone as string) ?? null,
    active: bool(r.active),
    optedOutAt: (r.opted_out_at as string) ?? null,
    bouncedAt: (r.bounced_at as string) ?? null,
    bounceReason: (r.bounce_reason as string) ?? null,
    erasedAt: (r.erased_at as string) ?? null,
  };
}

const CONTACT_COLUMNS = [
  'c.id',
  'c.organisation_id',
  'c.name',
  'c.email',
  'c.phone',
  'c.active',
  'c.opted_out_at',
  'c.bounced_at',
  'c.bounce_reason',
  'c.erased_at',
];

/** The contacts of the round's organisations (panel members and invited ones), in a stable order. */
export async function contactsOfRound(db: Knex, round: MailRound): Promise<MailContactRow[]> {
  const rows = await db('contacts as c')
    .select(CONTACT_COLUMNS)
    .where((w) =>
      w
        .whereIn(
          'c.organisation_id',
          db('panel_memberships').select('organisation_id').where({ panel_id: round.panelId, year: round.year }),
        )
        .orWhereIn('c.organisation_id', db('invitations').select('organisation_id').where({ round_id: round.id })),
    )
    .orderBy(['c.organisation_id', 'c.id']);
  return rows.map(toContact);
}

export async function findContact(db: Knex, id: number): Promise<MailContactRow | null> {
  const r = await db('contacts as c').select(CONTACT_COLUMNS).where('c.id', id).first();
  return r ? toContact(r) : null;
}

export async function contactsOfOrganisation(db: Knex, organisationId: number): Promise<MailContactRow[]> {
  return (await db('contacts as c').select(CONTACT_COLUMNS).where('c.organisation_id', organisationId).orderBy('c.id')).map(toContact);
}

export interface InvitationState {
  invitationId: number;
  invitedAt: string | null;
  firstOpenedAt: string | null;
  revokedAt: string | null;
}

export async function invitationsOfRound(db: Knex, roundId: number): Promise<Map<number, InvitationState>> {
  const rows = await db('invitations')
    .where({ round_id: roundId })
    .select('id', 'organisation_id', 'invited_at', 'first_opened_at', 'revoked_at');
  return new Map(
    rows.map((r: Record<string, unknown>) => [
      Number(r.organisation_id),
      {
        invitationId: Number(r.id),
        invitedAt: (r.invited_at as string) ?? null,
        firstOpenedAt: (r.first_opened_at as string) ?? null,
        revokedAt: (r.revoked_at as string) ?? null,
      },
    ]),
  );
}

export interface ResponseState {
  status: string;
  startedAt: string | null;
  submittedAt: string | null;
}

export async function responsesOfRound(db: Knex, roundId: number): Promise<Map<number, ResponseState>> {
  const rows = await db('responses')
    .where({ round_id: roundId })
    .select('organisation_id', 'status', 'started_at', 'created_at', 'submitted_at');
  return new Map(
    rows.map((r: Record<string, unknown>) => [
      Number(r.organisation_id),
      {
        status: String(r.status),
        startedAt: ((r.started_at ?? r.created_at) as string) ?? null,
        submittedAt: (r.submitted_at as string) ?? null,
      },
    ]),
  );
}

export interface OrgMailCounts {
  queued: number;
  sent: number;
  bounced: number;
  failed: number;
  lastReminderAt: string | null;
}

/** Outbox rows of the round per organisation and status. */
export async function outboxCountsByOrganisation(db: Knex, roundId: number): Promise<Map<number, OrgMailCounts>> {
  const rows = await db('email_outbox')
    .where({ round_id: roundId })
    .whereNotNull('organisation_id')
    .select('organisation_id', 'status', 'kind')
    .count<Array<{ organisation_id: number; status: string; kind: string; n: number }>>({ n: '*' })
    .max({ last: 'created_at' })
    .groupBy('organisation_id', 'status', 'kind');
  const out = new Map<number, OrgMailCounts>();
  for (const r of rows as unknown as Array<{ organisation_id: number; status: string; kind: string; n: number; last: string }>) {
    const id = Number(r.organisation_id);
    const c = out.get(id) ?? { queued: 0, sent: 0, bounced: 0, failed: 0, lastReminderAt: null };
    const n = Number(r.n);
    if (r.status === 'queued' || r.status === 'sending') c.queued += n;
    else if (r.status === 'sent') c.sent += n;
    else if (r.status === 'bounced') c.bounced += n;
    else if (r.status === 'failed') c.failed += n;
    if (r.kind === 'reminder' && (!c.lastReminderAt || r.last > c.lastReminderAt)) c.lastReminderAt = r.last;
    out.set(id, c);
  }
  return out;
}

/** The locale of the latest invitation or reminder to each organisation of the round (Content-Language header). */
export async function lastLocaleByOrganisation(db: Knex, roundId: number): Promise<Map<number, string>> {
  const rows = await db('email_outbox')
    .where({ round_id: roundId })
    .whereIn('kind', ['invitation', 'reminder'])
    .whereNotNull('organisation_id')
    .orderBy('id')
    .select('organisation_id', 'headers');
  const out = new Map<number, string>();
  for (const r of rows) {
    const h = json<Record<string, string>>(r.headers) ?? {};
    if (h['Content-Language']) out.set(Number(r.organisation_id), h['Content-Language']);
  }
  return out;
}

export interface StoredTemplate {
  subject: string;
  body: string;
  updatedAt: string;
}

export async function findRoundTemplate(db: Knex, roundId: number, kind: string, locale: string): Promise<StoredTemplate | null> {
  const r = await db('round_templates').where({ round_id: roundId, kind, locale }).first();
  return r ? { subject: String(r.subject), body: String(r.body), updatedAt: String(r.updated_at) } : null;
}

export async function listRoundTemplates(db: Knex, roundId: number): Promise<Array<{ kind: string; locale: string; updatedAt: string }>> {
  const rows = await db('round_templates').where({ round_id: roundId }).select('kind', 'locale', 'updated_at');
  return rows.map((r: Record<string, unknown>) => ({ kind: String(r.kind), locale: String(r.locale), updatedAt: String(r.updated_at) }));
}

export async function saveRoundTemplate(
  db: Knex,
  roundId: number,
  kind: string,
  locale: string,
  t: { subject: string; body: string },
  now: string,
): Promise<void> {
  await db('round_templates')
    .insert({ round_id: roundId, kind, locale, subject: t.subject, body: t.body, updated_at: now })
    .onConflict(['round_id', 'kind', 'locale'])
    .merge({ subject: t.subject, body: t.body, updated_at: now });
}

export async function deleteRoundTemplate(db: Knex, roundId: number, kind: string, locale: string): Promise<number> {
  return Number(await db('round_templates').where({ round_id: roundId, kind, locale }).delete());
}
