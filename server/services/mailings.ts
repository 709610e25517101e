// E-mail to the partnership: invitations, reminders (by hand and scheduled), confirmations,
// templates per round, opt-out and the follow-up of a round.
//
// Transactional outbox: sending writes the invitations, their link tokens, the opt-out tokens
// and the rendered messages (email_outbox) in ONE transaction and returns; the worker
// (server/mail/worker.ts) sends them. Messages are rendered when queued, because a personal link
// exists in plaintext only at that moment (only its hash is stored).
//
// Who is reachable: a contact with a valid e-mail address that is active, not erased, not opted
// out and not bounced. A reminder goes only to invited organisations that have not submitted.
import type { Knex } from 'knex';
import type { Config } from '../config';
import { nowIso } from '../db';
import { oneClickUnsubscribeUrl, optOutUrl, respondentUrl } from '../lib/links';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isLocale, type Locale } from '../i18n';
import { enqueue, newMessageId, newOptOutToken, requeue } from '../mail/outbox';
import {
  defaultTemplate,
  type EmailKind,
  renderEmail,
  type RenderedEmail,
  templateValues,
  type TemplateSource,
  validateTemplate,
} from '../mail/templates';
import {
  contactsOfOrganisation,
  contactsOfRound,
  deleteRoundTemplate,
  findMailRound,
  findRoundTemplate,
  invitationsOfRound,
  lastLocaleByOrganisation,
  type MailContactRow,
  type MailOrganisation,
  type MailRound,
  openRoundsWithReminders,
  organisationsOfRound,
  outboxCountsByOrganisation,
  type OrgMailCounts,
  responsesOfRound,
  saveRoundTemplate,
} from '../repositories/mailings';
import { audit, type Actor, SYSTEM } from './audit';
import { ensureInvitation, issueToken } from './invitations';
import { formatResponseRateWithPercent } from './numbers';
import { organisationTypeLabel } from './organisation-types';
import { hashToken, looksLikeToken } from '../lib/tokens';
import { inTransaction } from '../repositories/transaction';

type MailDeps = { db: Knex; config: Config };

const EMAIL_RE = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\.]{2,}$/;
export function isValidEmail(v: string | null | undefined): v is string {
  return typeof v === 'string' && v.length <= 254 && EMAIL_RE.test(v.trim());
}

export interface MailContact extends MailContactRow {
  reachable: boolean;
  /** Why the contact cannot be e-mailed (Swedish), or null. */
  reason: string | null;
}

export function reachability(c: MailContactRow): MailContact {
  let reason: string | null = null;
  if (c.erasedAt) reason = 'Kontaktuppgifterna är raderade';
  else if (!c.active) reason = 'Kontakten är inaktiv';
  else if (!isValidEmail(c.email)) reason = c.email ? 'Ogiltig e-postadress' : 'Saknar e-postadress';
  else if (c.optedOutAt) reason = 'Har avregistrerat sig från utskick';
  else if (c.bouncedAt) reason = `E-post har studsat${c.bounceReason ? ` (${c.bounceReason})` : ''}`;
  return { ...c, reachable: reason === null, reason };
}

/** List-Unsubscribe (RFC 2369) and one-click List-Unsubscribe-Post (RFC 8058) headers. */
export function unsubscribeHeaders(config: Pick<Config, 'baseUrl'>, token: string, locale: Locale): Record<string, string> {
  return {
    'List-Unsubscribe': `<${oneClickUnsubscribeUrl(config.baseUrl, token)}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'Content-Language': locale,
    'Auto-Submitted': 'auto-generated',
  };
}

export async function requireRound(db: Knex, roundId: number): Promise<MailRound> {
  const round = await findMailRound(db, roundId);
  if (!round) throw new NotFoundError('Enkätomgången finns inte.');
  return round;
}

function requireOpen(round: MailRound): void {
  if (round.state !== 'oppen')
    throw new ConflictError(
      'Enkätomgången är inte öppen. Inbjudningar och påminnelser kan bara skickas medan omgången är öppen.',
      'round_not_open',
    );
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

export async function templateFor(
  db: Knex,
  roundId: number,
  kind: EmailKind,
  locale: Locale,
): Promise<TemplateSource & { custom: boolean }> {
  const stored = await findRoundTemplate(db, roundId, kind, locale);
  if (stored) return { subject: stored.subject, body: stored.body, custom: true };
  return { ...defaultTemplate(kind, locale), custom: false };
}

export async function saveTemplate(
  db: Knex,
  actor: Actor,
  roundId: number,
  kind: EmailKind,
  locale: Locale,
  input: TemplateSource,
): Promise<void> {
  await requireRound(db, roundId);
  const t = { subject: input.subject.trim(), body: input.body.replace(/\r\n?/g, '\n') };
  validateTemplate(t);
  await saveRoundTemplate(db, roundId, kind, locale, t, nowIso());
  await audit(db, actor, 'mail.template_saved', { type: 'round', id: roundId }, { kind, locale });
}

export async function resetTemplate(db: Knex, actor: Actor, roundId: number, kind: EmailKind, locale: Locale): Promise<void> {
  await requireRound(db, roundId);
  if (await deleteRoundTemplate(db, roundId, kind, locale))
    await audit(db, actor, 'mail.template_reset', { type: 'round', id: roundId }, { kind, locale });
}

interface RenderFor {
  round: MailRound;
  organisationName: string;
  contact: Pick<MailContactRow, 'name'>;
  link: string | null;
  optOut: string;
  receiptCode?: string | null;
}

function render(config: Config, template: TemplateSource, locale: Locale, f: RenderFor): RenderedEmail {
  const values = templateValues(config, locale, {
    organisation: f.organisationName,
    contactName: f.contact.name,
    link: f.link,
    closesAt: f.round.closesAt,
    surveyTitle: f.round.title,
    year: f.round.year,
    coordinatorName: f.round.contactName,
    coordinatorEmail: f.round.contactEmail,
    optOutLink: f.optOut,
    receiptCode: f.receiptCode ?? null,
  });
  return renderEmail(template, values, locale, config.baseUrl);
}

export const PREVIEW_TOKEN = 'exempellank-skapas-vid-utskicket';

/** A rendered e-mail for one contact without writing anything (the links are examples). */
export async function previewEmail(
  deps: MailDeps,
  roundId: number,
  kind: EmailKind,
  locale: Locale,
  contactId: number | null,
  override?: TemplateSource,
): Promise<{ email: RenderedEmail; contact: MailContact | null; organisationName: string } | null> {
  const round = await requireRound(deps.db, roundId);
  const orgs = await organisationsOfRound(deps.db, round);
  const contacts = (await contactsOfRound(deps.db, round)).map(reachability);
  const contact = contacts.find((c) => c.id === contactId) ?? contacts.find((c) => c.reachable) ?? contacts[0] ?? null;
  const org = orgs.find((o) => o.id === contact?.organisationId) ?? orgs[0];
  const template = override ?? (await templateFor(deps.db, roundId, kind, locale));
  const email = render(deps.config, template, locale, {
    round,
    organisationName: org?.name ?? 'Exempelorganisationen',
    contact: { name: contact?.name ?? null },
    link: kind === 'confirmation' && !round.allowChanges ? null : respondentUrl(deps.config.baseUrl, PREVIEW_TOKEN),
    optOut: optOutUrl(deps.config.baseUrl, PREVIEW_TOKEN),
    receiptCode: kind === 'confirmation' ? 'ABCD-1234' : null,
  });
  return { email, contact, organisationName: org?.name ?? '' };
}

// ---------------------------------------------------------------------------------------------
// Recipients
// ---------------------------------------------------------------------------------------------

export interface PlannedOrganisation extends MailOrganisation {
  typeLabel: string;
  contacts: MailContact[];
  reachable: MailContact[];
  invitedAt: string | null;
  submitted: boolean;
}

export interface RecipientPlan {
  round: MailRound;
  organisations: PlannedOrganisation[];
  /** Contacts that cannot be e-mailed, with the reason. */
  unreachable: Array<MailContact & { organisationName: string }>;
  /** Organisations without any reachable contact. */
  organisationsWithoutRecipient: PlannedOrganisation[];
}

export async function recipientPlan(db: Knex, round: MailRound): Promise<RecipientPlan> {
  const [orgs, contacts, invitations, responses] = [
    await organisationsOfRound(db, round),
    (await contactsOfRound(db, round)).map(reachability),
    await invitationsOfRound(db, round.id),
    await responsesOfRound(db, round.id),
  ];
  const byOrg = new Map<number, MailContact[]>();
  for (const c of contacts) byOrg.set(c.organisationId, [...(byOrg.get(c.organisationId) ?? []), c]);
  const organisations: PlannedOrganisation[] = orgs.map((o) => {
    const cs = byOrg.get(o.id) ?? [];
    const inv = invitations.get(o.id);
    return {
      ...o,
      typeLabel: organisationTypeLabel(o.type),
      contacts: cs,
      reachable: cs.filter((c) => c.reachable),
      invitedAt: inv && !inv.revokedAt ? inv.invitedAt : null,
      submitted: responses.get(o.id)?.status === 'submitted',
    };
  });
  return {
    round,
    organisations,
    unreachable: organisations.flatMap((o) =>
      o.contacts.filter((c) => !c.reachable && !c.erasedAt).map((c) => ({ ...c, organisationName: o.name })),
    ),
    organisationsWithoutRecipient: organisations.filter((o) => o.reachable.length === 0),
  };
}

/** Organisations a reminder goes to: invited, not revoked, not submitted. */
export function reminderTargets(plan: RecipientPlan): PlannedOrganisation[] {
  return plan.organisations.filter((o) => o.invitedAt && !o.submitted);
}

function pickOrganisations(plan: RecipientPlan, organisationIds: number[] | null): PlannedOrganisation[] {
  if (!organisationIds) return plan.organisations;
  const known = new Map(plan.organisations.map((o) => [o.id, o]));
  const unknown = organisationIds.filter((id) => !known.has(id));
  if (unknown.length)
    throw new ValidationError([
      { field: 'organisationIds', message: 'En vald organisation hör inte till enkätomgången. Ladda om sidan och välj igen.' },
    ]);
  return organisationIds.map((id) => known.get(id)!);
}

// ---------------------------------------------------------------------------------------------
// Queueing: invitations, reminders, confirmations
// ---------------------------------------------------------------------------------------------

async function queueFor(
  trx: Knex,
  config: Config,
  round: MailRound,
  kind: 'invitation' | 'reminder' | 'confirmation',
  template: TemplateSource,
  locale: Locale,
  org: { id: number; name: string },
  contact: MailContact,
  invitationId: number | null,
  receiptCode?: string | null,
): Promise<number> {
  const link = invitationId ? respondentUrl(config.baseUrl, await issueToken(trx, invitationId, contact.id)) : null;
  const optOut = await newOptOutToken(trx, contact.id);
  const email = render(config, template, locale, {
    round,
    organisationName: org.name,
    contact,
    link,
    optOut: optOutUrl(config.baseUrl, optOut.token),
    receiptCode,
  });
  return enqueue(trx, {
    kind,
    roundId: round.id,
    organisationId: org.id,
    contactId: contact.id,
    to: contact.email!.trim(),
    subject: email.subject,
    text: email.text,
    html: email.html,
    headers: unsubscribeHeaders(config, optOut.token, locale),
    messageId: newMessageId(config.baseUrl),
    optOutTokenId: optOut.id,
  });
}

export interface SendInput {
  /** null: every organisation of the round not yet invited; otherwise exactly these. */
  organisationIds: number[] | null;
  locale: Locale;
}

export interface SendResult {
  organisations: number;
  messages: number;
}

/** "Skicka inbjudningar": invitations, tokens and outbox rows in one transaction. */
export async function sendInvitations(deps: MailDeps, actor: Actor, roundId: number, input: SendInput): Promise<SendResult> {
  const { db, config } = deps;
  const template = await templateFor(db, roundId, 'invitation', input.locale);
  validateTemplate(template);
  const result = await inTransaction(db, async (trx) => {
    const round = await requireRound(trx, roundId);
    requireOpen(round);
    const plan = await recipientPlan(trx, round);
    const chosen = input.organisationIds
      ? pickOrganisations(plan, input.organisationIds)
      : plan.organisations.filter((o) => o.inPanel && !o.invitedAt);
    const targets = chosen.filter((o) => o.reachable.length > 0);
    if (!targets.length) {
      throw new ValidationError([
        {
          field: 'organisationIds',
          message: input.organisationIds
            ? 'Ingen av de valda organisationerna har en kontaktperson som kan nås med e-post.'
            : 'Det finns ingen organisation kvar att bjuda in: alla har redan fått en inbjudan eller saknar kontaktperson med e-postadress.',
        },
      ]);
    }
    const now = nowIso();
    let messages = 0;
    for (const org of targets) {
      const invitationId = await ensureInvitation(trx, round.id, org.id);
      for (const c of org.reachable) {
        await queueFor(trx, config, round, 'invitation', template, input.locale, org, c, invitationId);
        messages++;
      }
      await trx('invitations').where({ id: invitationId }).whereNull('invited_at').update({ invited_at: now });
    }
    await audit(
      trx,
      actor,
      'mail.invitations_queued',
      { type: 'round', id: round.id },
      { organisations: targets.length, messages, locale: input.locale },
    );
    return { organisations: targets.length, messages };
  });
  return result;
}

/** Locale per organisation for reminders and confirmations: that of its last invitation, else the default. */
async function localesFor(db: Knex, config: Config, roundId: number): Promise<(orgId: number) => Locale> {
  const last = await lastLocaleByOrganisation(db, roundId);
  return (orgId) => {
    const l = last.get(orgId);
    return isLocale(l) ? l : config.defaultLocale;
  };
}

/** Queues a reminder to every reachable contact of every invited organisation that has not submitted. */
async function queueReminders(trx: Knex, config: Config, round: MailRound, organisationIds: number[] | null): Promise<SendResult> {
  const plan = await recipientPlan(trx, round);
  let targets = reminderTargets(plan);
  if (organisationIds) targets = targets.filter((o) => organisationIds.includes(o.id));
  const localeOf = await localesFor(trx, config, round.id);
  const templates = new Map<Locale, TemplateSource>();
  const invitations = await invitationsOfRound(trx, round.id);
  let messages = 0;
  let organisations = 0;
  for (const org of targets) {
    if (!org.reachable.length) continue;
    const locale = localeOf(org.id);
    if (!templates.has(locale)) {
      const t = await templateFor(trx, round.id, 'reminder', locale);
      validateTemplate(t);
      templates.set(locale, t);
    }
    organisations++;
    for (const c of org.reachable) {
      await queueFor(trx, config, round, 'reminder', templates.get(locale)!, locale, org, c, invitations.get(org.id)!.invitationId);
      messages++;
    }
  }
  return { organisations, messages };
}

/** "Påminn de som inte svarat", by hand. */
export async function sendReminders(
  deps: MailDeps,
  actor: Actor,
  roundId: number,
  organisationIds: number[] | null = null,
): Promise<SendResult> {
  return inTransaction(deps.db, async (trx) => {
    const round = await requireRound(trx, roundId);
    requireOpen(round);
    const r = await queueReminders(trx, deps.config, round, organisationIds);
    if (!r.messages)
      throw new ValidationError([
        {
          field: '',
          message:
            'Det finns ingen att påminna: alla inbjudna organisationer har svarat eller saknar kontaktperson som kan nås med e-post.',
        },
      ]);
    await audit(trx, actor, 'mail.reminders_queued', { type: 'round', id: round.id }, { ...r, scheduled: false });
    return r;
  });
}

/**
 * The scheduler (run by the worker once a minute): for each open round with reminder_days, a
 * reminder is due `d` days before closes_at. Each (round, d) is queued once — recorded in
 * mail_reminder_runs, whose unique key also keeps two app instances from both queueing it.
 * When several are due at once (the app was down), only the latest is sent and the others are
 * recorded as skipped; a due time before the first invitation went out is skipped too.
 */
export async function queueScheduledReminders(deps: MailDeps, now: Date): Promise<number> {
  let total = 0;
  for (const round of await openRoundsWithReminders(deps.db)) {
    const closes = new Date(round.closesAt!).getTime();
    if (now.getTime() >= closes) continue;
    const done = new Set(
      (await deps.db('mail_reminder_runs').where({ round_id: round.id }).select('days_before')).map((r: { days_before: number }) =>
        Number(r.days_before),
      ),
    );
    const due = round.reminderDays.filter((d) => !done.has(d) && now.getTime() >= closes - d * 86400_000).sort((a, b) => a - b);
    if (!due.length) continue;
    const firstInvited = await deps
      .db('invitations')
      .where({ round_id: round.id })
      .whereNotNull('invited_at')
      .min({ first: 'invited_at' })
      .first();
    total += await inTransaction(deps.db, async (trx) => {
      let queued = 0;
      for (const d of due) {
        const dueAt = closes - d * 86400_000;
        const send = d === due[0] && !!firstInvited?.first && new Date(firstInvited.first).getTime() < dueAt;
        const [claimed] = await trx('mail_reminder_runs')
          .insert({ round_id: round.id, days_before: d, outcome: send ? 'queued' : 'skipped', messages: 0, created_at: nowIso() })
          .onConflict(['round_id', 'days_before'])
          .ignore()
          .returning('id');
        if (!claimed || !send) continue; // another instance got there first, or skipped
        const r = await queueReminders(trx, deps.config, round, null);
        await trx('mail_reminder_runs').where({ round_id: round.id, days_before: d }).update({ messages: r.messages });
        await audit(trx, SYSTEM, 'mail.reminders_queued', { type: 'round', id: round.id }, { ...r, scheduled: true, daysBefore: d });
        queued += r.messages;
      }
      return queued;
    });
  }
  return total;
}

/**
 * The confirmation e-mail after a response is submitted, when the round has send_confirmation.
 * Call inside the transaction that submits (services/responses.ts → queueConfirmation). Goes to
 * the contact who submitted, or — when the link had no contact — to every reachable contact of
 * the organisation. When the round allows changes, the e-mail carries a new personal link.
 */
export async function queueConfirmationEmail(trx: Knex, config: Config, responseId: number): Promise<number> {
  const response = await trx('responses')
    .where({ id: responseId })
    .first('id', 'round_id', 'organisation_id', 'status', 'submitted_by_contact_id', 'receipt_code');
  if (!response || response.status !== 'submitted') return 0;
  const round = await findMailRound(trx, Number(response.round_id));
  if (!round || !round.sendConfirmation) return 0;
  const org = await trx('organisations').where({ id: response.organisation_id }).first('id', 'name');
  if (!org) return 0;
  const all = (await contactsOfOrganisation(trx, Number(org.id))).map(reachability);
  const submitter = response.submitted_by_contact_id ? all.find((c) => c.id === Number(response.submitted_by_contact_id)) : undefined;
  const recipients = submitter ? (submitter.reachable ? [submitter] : []) : all.filter((c) => c.reachable);
  if (!recipients.length) return 0;
  const locale = (await localesFor(trx, config, round.id))(Number(org.id));
  const template = await templateFor(trx, round.id, 'confirmation', locale);
  validateTemplate(template);
  const invitation =
    round.allowChanges && round.state === 'oppen' ? (await invitationsOfRound(trx, round.id)).get(Number(org.id)) : undefined;
  for (const c of recipients) {
    await queueFor(
      trx,
      config,
      round,
      'confirmation',
      template,
      locale,
      { id: Number(org.id), name: String(org.name) },
      c,
      invitation && !invitation.revokedAt ? invitation.invitationId : null,
      response.receipt_code ?? null,
    );
  }
  return recipients.length;
}

// ---------------------------------------------------------------------------------------------
// Retry by hand
// ---------------------------------------------------------------------------------------------

export async function retryMessage(db: Knex, actor: Actor, outboxId: number): Promise<boolean> {
  const row = await db('email_outbox as o')
    .leftJoin('contacts as c', 'c.id', 'o.contact_id')
    .where('o.id', outboxId)
    .first('o.id', 'o.round_id', 'c.opted_out_at', 'c.erased_at');
  if (!row) throw new NotFoundError('Meddelandet finns inte.');
  if (row.opted_out_at || row.erased_at)
    throw new ConflictError('Mottagaren har avregistrerat sig eller raderats; meddelandet skickas inte igen.');
  const ok = await requeue(db, outboxId);
  if (ok) await audit(db, actor, 'mail.retried', { type: 'email_outbox', id: outboxId }, { roundId: row.round_id });
  return ok;
}

/** Every failed message of a round back to the queue (except to opted-out or erased contacts). */
export async function retryFailedOfRound(db: Knex, actor: Actor, roundId: number | null): Promise<number> {
  const q = db('email_outbox as o')
    .leftJoin('contacts as c', 'c.id', 'o.contact_id')
    .where('o.status', 'failed')
    .whereNull('c.opted_out_at')
    .whereNull('c.erased_at')
    .select('o.id');
  if (roundId) q.where('o.round_id', roundId);
  let n = 0;
  for (const r of await q) if (await requeue(db, Number(r.id))) n++;
  if (n) await audit(db, actor, 'mail.retried', roundId ? { type: 'round', id: roundId } : null, { messages: n });
  return n;
}

// ---------------------------------------------------------------------------------------------
// Opt-out
// ---------------------------------------------------------------------------------------------

export interface OptOutState {
  tokenId: number;
  contactId: number;
  alreadyOptedOut: boolean;
  erased: boolean;
}

/** Looks an opt-out token up (GET changes nothing). */
export async function findOptOut(db: Knex, token: string): Promise<OptOutState | null> {
  if (!looksLikeToken(token)) return null;
  const row = await db('mail_optout_tokens as t')
    .join('contacts as c', 'c.id', 't.contact_id')
    .where('t.token_hash', hashToken(token))
    .first('t.id', 't.contact_id', 'c.opted_out_at', 'c.erased_at');
  if (!row) return null;
  return { tokenId: Number(row.id), contactId: Number(row.contact_id), alreadyOptedOut: !!row.opted_out_at, erased: !!row.erased_at };
}

/** Opts the contact out (POST from the confirmation page or a one-click List-Unsubscribe-Post). */
export async function optOut(db: Knex, token: string, via: 'page' | 'one-click'): Promise<OptOutState | null> {
  const state = await findOptOut(db, token);
  if (!state) return null;
  if (state.alreadyOptedOut) return state;
  await inTransaction(db, async (trx) => {
    const now = nowIso();
    await trx('contacts').where({ id: state.contactId }).whereNull('opted_out_at').update({ opted_out_at: now, updated_at: now });
    await trx('mail_optout_tokens').where({ id: state.tokenId }).update({ used_at: now });
    // Messages still waiting for this contact are not sent.
    await trx('email_outbox')
      .where({ contact_id: state.contactId, status: 'queued' })
      .update({ status: 'failed', last_error: 'Mottagaren har avregistrerat sig; skickades inte.', text_body: null, html_body: null });
    await audit(trx, { userId: null, label: 'respondent' }, 'mail.opted_out', { type: 'contact', id: state.contactId }, { via });
  });
  return { ...state, alreadyOptedOut: true };
}

// ---------------------------------------------------------------------------------------------
// Follow-up
// ---------------------------------------------------------------------------------------------

export interface FollowUpRow {
  organisationId: number;
  name: string;
  type: string;
  typeLabel: string;
  contacts: number;
  reachableContacts: number;
  invitedAt: string | null;
  mail: OrgMailCounts;
  openedAt: string | null;
  startedAt: string | null;
  submittedAt: string | null;
  submitted: boolean;
}

export interface FollowUpTotals {
  organisations: number;
  invited: number;
  delivered: number;
  bounced: number;
  opened: number;
  started: number;
  submitted: number;
  responseRate: string;
}

export interface FollowUp {
  round: MailRound;
  rows: FollowUpRow[];
  totals: FollowUpTotals;
  byType: Array<{ type: string; typeLabel: string } & FollowUpTotals>;
  optedOut: Array<{ contactId: number; name: string | null; organisationName: string; optedOutAt: string }>;
  bounced: Array<{
    contactId: number;
    name: string | null;
    email: string | null;
    organisationName: string;
    bouncedAt: string;
    reason: string | null;
  }>;
}

function totalsOf(rows: FollowUpRow[]): FollowUpTotals {
  const submitted = rows.filter((r) => r.submitted).length;
  return {
    organisations: rows.length,
    invited: rows.filter((r) => r.invitedAt).length,
    delivered: rows.filter((r) => r.mail.sent > 0).length,
    bounced: rows.filter((r) => r.mail.bounced > 0).length,
    opened: rows.filter((r) => r.openedAt).length,
    started: rows.filter((r) => r.startedAt).length,
    submitted,
    responseRate: formatResponseRateWithPercent(submitted, rows.length),
  };
}

/**
 * Per organisation: invited, e-mails delivered/bounced, opened the link, started, submitted —
 * and the totals. The response rate's denominator is every organisation of the round (the panel
 * that year, plus any invited from outside it).
 */
export async function followUp(db: Knex, roundId: number): Promise<FollowUp> {
  const round = await requireRound(db, roundId);
  const plan = await recipientPlan(db, round);
  const invitations = await invitationsOfRound(db, roundId);
  const responses = await responsesOfRound(db, roundId);
  const mail = await outboxCountsByOrganisation(db, roundId);
  const rows: FollowUpRow[] = plan.organisations.map((o) => {
    const inv = invitations.get(o.id);
    const resp = responses.get(o.id);
    return {
      organisationId: o.id,
      name: o.name,
      type: o.type,
      typeLabel: o.typeLabel,
      contacts: o.contacts.filter((c) => !c.erasedAt).length,
      reachableContacts: o.reachable.length,
      invitedAt: o.invitedAt,
      mail: mail.get(o.id) ?? { queued: 0, sent: 0, bounced: 0, failed: 0, lastReminderAt: null },
      openedAt: inv?.firstOpenedAt ?? null,
      startedAt: resp ? resp.startedAt : null,
      submittedAt: resp?.status === 'submitted' ? resp.submittedAt : null,
      submitted: resp?.status === 'submitted',
    };
  });
  const types = [...new Set(rows.map((r) => r.type))].sort((a, b) =>
    organisationTypeLabel(a).localeCompare(organisationTypeLabel(b), 'sv'),
  );
  const orgName = new Map(plan.organisations.map((o) => [o.id, o.name]));
  const contacts = plan.organisations.flatMap((o) => o.contacts).filter((c) => !c.erasedAt);
  return {
    round,
    rows,
    totals: totalsOf(rows),
    byType: types.map((t) => ({ type: t, typeLabel: organisationTypeLabel(t), ...totalsOf(rows.filter((r) => r.type === t)) })),
    optedOut: contacts
      .filter((c) => c.optedOutAt)
      .map((c) => ({ contactId: c.id, name: c.name, organisationName: orgName.get(c.organisationId) ?? '', optedOutAt: c.optedOutAt! })),
    bounced: contacts
      .filter((c) => c.bouncedAt)
      .map((c) => ({
        contactId: c.id,
        name: c.name,
        email: c.email,
        organisationName: orgName.get(c.organisationId) ?? '',
        bouncedAt: c.bouncedAt!,
        reason: c.bounceReason,
      })),
  };
}

/** A cell that a spreadsheet would read as a formula gets a leading apostrophe. */
export function csvSafe(v: string | null | undefined): string {
  const s = (v ?? '').replace(/\r\n?|\n/g, ' ');
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

function csvCell(v: string): string {
  return /[";\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The organisations that have not submitted, one line per contact, for phone follow-up (UTF-8 with BOM, semicolons). */
export async function nonRespondersCsv(db: Knex, actor: Actor, roundId: number): Promise<{ csv: string; organisations: number }> {
  const f = await followUp(db, roundId);
  const plan = await recipientPlan(db, f.round);
  const contactsOf = new Map(plan.organisations.map((o) => [o.id, o.contacts.filter((c) => !c.erasedAt)]));
  const header = ['Organisation', 'Typ', 'Kontaktperson', 'E-post', 'Telefon', 'E-poststatus', 'Inbjuden', 'Öppnat länken', 'Påbörjat'];
  const lines = [header];
  const yesNo = (v: unknown) => (v ? 'ja' : 'nej');
  const missing = f.rows.filter((r) => !r.submitted);
  for (const r of missing) {
    const cs = contactsOf.get(r.organisationId) ?? [];
    const base = [r.name, r.typeLabel];
    const tail = [yesNo(r.invitedAt), yesNo(r.openedAt), yesNo(r.startedAt)];
    if (!cs.length) lines.push([...base, '', '', '', 'Saknar kontaktperson', ...tail]);
    for (const c of cs) lines.push([...base, c.name ?? '', c.email ?? '', c.phone ?? '', c.reason ?? 'Kan nås', ...tail]);
  }
  await audit(db, actor, 'mail.nonresponders_exported', { type: 'round', id: roundId }, { organisations: missing.length });
  return {
    csv: '\uFEFF' + lines.map((l) => l.map((v) => csvCell(csvSafe(v))).join(';')).join('\r\n') + '\r\n',
    organisations: missing.length,
  };
}
