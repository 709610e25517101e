// E-mail to the partnership: invitations, reminders (by hand and scheduled), confirmations,
// templates per round, opt-out, retries and the outbox worker's wiring. The follow-up of a round
// is in mail-follow-up.ts, the pages' view models in mail-pages.ts.
//
// Transactional outbox: sending writes the invitations, their link tokens, the opt-out tokens
// and the rendered messages (email_outbox) in ONE transaction and returns; the worker
// (server/mail/worker.ts) sends them. Messages are rendered when queued, because a personal link
// exists in plaintext only at that moment (only its hash is stored).
//
// Who is reachable: a contact with a valid e-mail address that is active, not erased, not opted
// out and not bounced. A reminder goes only to invited organisations that have not submitted.
import { readBounceMailbox } from './bounces';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { nowIso } from '../db';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isLocale, type Locale } from '../i18n';
import { oneClickUnsubscribeUrl, optOutUrl, respondentUrl } from '../lib/links';
import { hashToken, looksLikeToken, newToken } from '../lib/tokens';
import {
  defaultTemplate,
  type EmailKind,
  renderEmail,
  type RenderedEmail,
  templateValues,
  type TemplateSource,
  validateTemplate,
} from '../mail/templates';
import { type Mailer, newMessageId } from '../mail/transport';
import { type BatchResult, OutboxWorker, type WorkerDeps, type WorkerOptions } from '../mail/worker';
import { firstInvitedAt, invitationsOfRound, markInvited } from '../repositories/invitations';
import {
  contactsOfOrganisation,
  contactsOfRound,
  findMailRound,
  findSubmittedResponse,
  markContactOptedOut,
  type MailContactRow,
  type MailOrganisation,
  type MailRound,
  claimScheduledInvitations,
  openRoundsWithReminders,
  organisationsOfRound,
  responsesOfRound,
  roundsWithDueInvitations,
} from '../repositories/mailings';
import { findOptOutToken, insertOptOutToken, linkOptOutToken, markOptOutTokenUsed } from '../repositories/optout';
import {
  failedMessageIds,
  failQueuedOfContact,
  findRetryTarget,
  insertOutboxMessage,
  lastLocaleByContact,
  listOutbox,
  OUTBOX_STATUSES,
  type OutboxCounts,
  outboxCounts,
  type OutboxListItem,
  type OutboxStatus,
  requeueFailed,
} from '../repositories/outbox';
import { claimReminderRun, reminderDaysDone, setReminderRunMessages } from '../repositories/reminder-runs';
import { deleteRoundTemplate, findRoundTemplate, saveRoundTemplate } from '../repositories/round-templates';
import { inTransaction } from '../repositories/transaction';
import { audit, type Actor, SYSTEM } from './audit';
import { ensureInvitation, issueToken, type LinkCause } from './invitations';
import { organisationTypeLabel } from './organisation-types';

export type MailDeps = { db: Knex; config: Config };

const DAY_MS = 86400_000;

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

/** Reply-To: a reply to any e-mail of the round goes to the round's reply address (the contact person's by default). */
export function replyToHeader(round: Pick<MailRound, 'replyTo'>): Record<string, string> {
  return isValidEmail(round.replyTo) ? { 'Reply-To': round.replyTo.trim() } : {};
}

/** The language of a contact's e-mails: the contact's own (sv by default). */
export function contactLocale(contact: Pick<MailContactRow, 'language'>, fallback: Locale): Locale {
  return isLocale(contact.language) ? contact.language : fallback;
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

export interface EmailPreview {
  email: RenderedEmail;
  contact: MailContact | null;
  organisationName: string;
  /** The language the preview is in. */
  locale: Locale;
}

/** Whom a preview is for: the chosen contact, else the first reachable one, else the first; and their organisation. */
async function previewRecipient(db: Knex, round: MailRound, contactId: number | null) {
  const orgs = await organisationsOfRound(db, round);
  const contacts = (await contactsOfRound(db, round)).map(reachability);
  const contact = contacts.find((c) => c.id === contactId) ?? contacts.find((c) => c.reachable) ?? contacts[0] ?? null;
  return { contact, org: orgs.find((o) => o.id === contact?.organisationId) ?? orgs[0] };
}

/** A rendered e-mail for one contact without writing anything (the links are examples); `locale` null: the contact's own language. */
export async function previewEmail(
  deps: MailDeps,
  roundId: number,
  kind: EmailKind,
  chosenLocale: Locale | null,
  contactId: number | null,
  override?: TemplateSource,
): Promise<EmailPreview> {
  const round = await requireRound(deps.db, roundId);
  const { contact, org } = await previewRecipient(deps.db, round, contactId);
  const locale = chosenLocale ?? contactLocale(contact ?? { language: '' }, deps.config.defaultLocale);
  const template = override ?? (await templateFor(deps.db, roundId, kind, locale));
  const email = render(deps.config, template, locale, {
    round,
    organisationName: org?.name ?? 'Exempelorganisationen',
    contact: { name: contact ? contact.name : null },
    link: kind === 'confirmation' && !round.allowChanges ? null : respondentUrl(deps.config.baseUrl, PREVIEW_TOKEN),
    optOut: optOutUrl(deps.config.baseUrl, PREVIEW_TOKEN),
    receiptCode: kind === 'confirmation' ? 'ABCD-1234' : null,
  });
  return { email, contact, organisationName: org?.name ?? '', locale };
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

function pickOrganisations(plan: RecipientPlan, organisationIds: number[]): PlannedOrganisation[] {
  const known = new Map(plan.organisations.map((o) => [o.id, o]));
  const chosen = organisationIds.map((id) => known.get(id));
  if (chosen.some((o) => o === undefined))
    throw new ValidationError([
      { field: 'organisationIds', message: 'En vald organisation hör inte till enkätomgången. Ladda om sidan och välj igen.' },
    ]);
  return chosen.filter((o): o is PlannedOrganisation => o !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Queueing: invitations, reminders, confirmations
// ---------------------------------------------------------------------------------------------

/** One e-mail to queue: what it is, in which words, to whom, and whose personal link it carries. */
interface QueuedEmail {
  round: MailRound;
  kind: 'invitation' | 'reminder' | 'confirmation';
  template: TemplateSource;
  locale: Locale;
  organisation: { id: number; name: string };
  contact: MailContact;
  /** A new personal link of this invitation goes into the e-mail; null for none. */
  invitationId: number | null;
  /** Who caused the e-mail (and so its link): audited with every link. */
  cause: LinkCause;
  receiptCode?: string | null;
}

/**
 * An opt-out link token for a contact: 256 random bits, only the SHA-256 stored (table
 * mail_optout_tokens). Made when a message is queued, so every e-mail has its own link.
 */
async function newOptOutToken(db: Knex, contactId: number): Promise<{ token: string; id: number }> {
  const token = newToken();
  return { token, id: await insertOptOutToken(db, hashToken(token), contactId) };
}

/** Renders the e-mail with new link tokens and writes it to the outbox (inside the caller's transaction). */
async function queueEmail(trx: Knex, config: Config, m: QueuedEmail): Promise<number> {
  const link = m.invitationId ? respondentUrl(config.baseUrl, await issueToken(trx, m.invitationId, m.contact.id, m.cause)) : null;
  const optOut = await newOptOutToken(trx, m.contact.id);
  const email = render(config, m.template, m.locale, {
    round: m.round,
    organisationName: m.organisation.name,
    contact: m.contact,
    link,
    optOut: optOutUrl(config.baseUrl, optOut.token),
    receiptCode: m.receiptCode,
  });
  const outboxId = await insertOutboxMessage(trx, {
    kind: m.kind,
    roundId: m.round.id,
    organisationId: m.organisation.id,
    contactId: m.contact.id,
    to: m.contact.email!.trim(),
    subject: email.subject,
    text: email.text,
    html: email.html,
    headers: { ...unsubscribeHeaders(config, optOut.token, m.locale), ...replyToHeader(m.round) },
    messageId: newMessageId(config.baseUrl),
  });
  await linkOptOutToken(trx, optOut.id, outboxId);
  return outboxId;
}

export interface SendInput {
  /** null: every organisation of the round not yet invited; otherwise exactly these. */
  organisationIds: number[] | null;
  /** The language of every message; null: each contact's own language. */
  locale: Locale | null;
}

export interface SendResult {
  organisations: number;
  messages: number;
}

/** The organisations that get an invitation: the chosen ones, or those of the panel not yet invited — with a reachable contact. */
function invitationTargets(plan: RecipientPlan, organisationIds: number[] | null): PlannedOrganisation[] {
  const chosen = organisationIds ? pickOrganisations(plan, organisationIds) : plan.organisations.filter((o) => o.inPanel && !o.invitedAt);
  const targets = chosen.filter((o) => o.reachable.length > 0);
  if (!targets.length) {
    throw new ValidationError([
      {
        field: 'organisationIds',
        message: organisationIds
          ? 'Ingen av de valda organisationerna har en kontaktperson som kan nås med e-post.'
          : 'Det finns ingen organisation kvar att bjuda in: alla har redan fått en inbjudan eller saknar kontaktperson med e-postadress.',
      },
    ]);
  }
  return targets;
}

/**
 * One invitation e-mail per reachable contact of each target, in `locale` or — when null — in each
 * contact's own language; returns how many were queued.
 */
async function queueInvitations(
  trx: Knex,
  config: Config,
  actor: Actor,
  round: MailRound,
  targets: PlannedOrganisation[],
  locale: Locale | null,
): Promise<number> {
  const now = nowIso();
  const templateOf = templatesByLocale(trx, round.id, 'invitation');
  const cause: LinkCause = { actor, via: 'invitation' };
  let messages = 0;
  for (const organisation of targets) {
    const invitationId = await ensureInvitation(trx, round.id, organisation.id);
    for (const contact of organisation.reachable) {
      const l = locale ?? contactLocale(contact, config.defaultLocale);
      await queueEmail(trx, config, {
        round,
        kind: 'invitation',
        template: await templateOf(l),
        locale: l,
        organisation,
        contact,
        invitationId,
        cause,
      });
      messages++;
    }
    await markInvited(trx, invitationId, now);
  }
  return messages;
}

/** "Skicka inbjudningar": invitations, tokens and outbox rows in one transaction. */
export async function sendInvitations(deps: MailDeps, actor: Actor, roundId: number, input: SendInput): Promise<SendResult> {
  const { db, config } = deps;
  if (input.locale) validateTemplate(await templateFor(db, roundId, 'invitation', input.locale));
  return inTransaction(db, async (trx) => {
    const round = await requireRound(trx, roundId);
    requireOpen(round);
    const targets = invitationTargets(await recipientPlan(trx, round), input.organisationIds);
    const messages = await queueInvitations(trx, config, actor, round, targets, input.locale);
    await audit(
      trx,
      actor,
      'mail.invitations_queued',
      { type: 'round', id: round.id },
      { organisations: targets.length, messages, locale: input.locale ?? 'contact' },
    );
    return { organisations: targets.length, messages };
  });
}

/**
 * The scheduled invitations (run by the worker once a minute): each open round whose
 * invitations_at has come is taken by one instance only (claimScheduledInvitations, in the same
 * transaction as the e-mails), which invites every organisation of the panel not yet invited, each
 * contact in their own language. A round past its closing time is taken and nothing is sent.
 */
export async function queueScheduledInvitations(deps: MailDeps, now: Date): Promise<number> {
  let total = 0;
  for (const due of await roundsWithDueInvitations(deps.db, now.toISOString())) {
    total += await inTransaction(deps.db, async (trx) => {
      if (!(await claimScheduledInvitations(trx, due.id, now.toISOString()))) return 0; // another instance took them
      const round = await requireRound(trx, due.id);
      const closed = !!round.closesAt && new Date(round.closesAt).getTime() <= now.getTime();
      const plan = await recipientPlan(trx, round);
      const targets = closed ? [] : plan.organisations.filter((o) => o.inPanel && !o.invitedAt && o.reachable.length > 0);
      const messages = await queueInvitations(trx, deps.config, SYSTEM, round, targets, null);
      const details = {
        organisations: targets.length,
        messages,
        locale: 'contact',
        scheduled: true,
        ...(closed ? { skipped: 'closed' } : {}),
      };
      await audit(trx, SYSTEM, 'mail.invitations_queued', { type: 'round', id: round.id }, details);
      return messages;
    });
  }
  return total;
}

/**
 * The language of a contact's reminders and confirmations: that of the latest invitation or
 * reminder the contact got in the round (a coordinator may have chosen one language for all),
 * else the contact's own.
 */
async function localesFor(db: Knex, config: Config, roundId: number): Promise<(contact: MailContactRow) => Locale> {
  const last = await lastLocaleByContact(db, roundId);
  return (contact) => {
    const l = last.get(contact.id);
    return isLocale(l) ? l : contactLocale(contact, config.defaultLocale);
  };
}

/** The round's (validated) template of a kind per locale, each read once. */
function templatesByLocale(db: Knex, roundId: number, kind: EmailKind): (locale: Locale) => Promise<TemplateSource> {
  const loaded = new Map<Locale, TemplateSource>();
  return async (locale) => {
    let t = loaded.get(locale);
    if (!t) {
      t = await templateFor(db, roundId, kind, locale);
      validateTemplate(t);
      loaded.set(locale, t);
    }
    return t;
  };
}

/** Queues a reminder to every reachable contact of every invited organisation that has not submitted. */
async function queueReminders(
  trx: Knex,
  config: Config,
  actor: Actor,
  round: MailRound,
  organisationIds: number[] | null,
): Promise<SendResult> {
  const cause: LinkCause = { actor, via: 'reminder' };
  const plan = await recipientPlan(trx, round);
  const targets = reminderTargets(plan).filter((o) => o.reachable.length > 0 && (!organisationIds || organisationIds.includes(o.id)));
  const localeOf = await localesFor(trx, config, round.id);
  const templateOf = templatesByLocale(trx, round.id, 'reminder');
  const invitations = await invitationsOfRound(trx, round.id);
  let messages = 0;
  for (const organisation of targets) {
    const invitationId = invitations.get(organisation.id)!.invitationId;
    for (const contact of organisation.reachable) {
      const locale = localeOf(contact);
      await queueEmail(trx, config, {
        round,
        kind: 'reminder',
        template: await templateOf(locale),
        locale,
        organisation,
        contact,
        invitationId,
        cause,
      });
      messages++;
    }
  }
  return { organisations: targets.length, messages };
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
    const r = await queueReminders(trx, deps.config, actor, round, organisationIds);
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
  for (const round of await openRoundsWithReminders(deps.db)) total += await queueDueRemindersOfRound(deps, round, now);
  return total;
}

/** The scheduled reminders of one round that are due at `now` and not yet handled; returns how many messages were queued. */
async function queueDueRemindersOfRound(deps: MailDeps, round: MailRound, now: Date): Promise<number> {
  const closes = new Date(round.closesAt!).getTime();
  if (now.getTime() >= closes) return 0;
  const done = await reminderDaysDone(deps.db, round.id);
  const due = round.reminderDays.filter((d) => !done.has(d) && now.getTime() >= closes - d * DAY_MS).sort((a, b) => a - b);
  if (!due.length) return 0;
  const firstInvited = await firstInvitedAt(deps.db, round.id);
  return inTransaction(deps.db, async (trx) => {
    let queued = 0;
    for (const d of due) {
      // only the latest (fewest days before closing), and only when the invitations went out before it was due
      const send = d === due[0] && !!firstInvited && new Date(firstInvited).getTime() < closes - d * DAY_MS;
      const claimed = await claimReminderRun(trx, round.id, d, send ? 'queued' : 'skipped');
      if (!claimed || !send) continue; // another instance got there first, or skipped
      const r = await queueReminders(trx, deps.config, SYSTEM, round, null);
      await setReminderRunMessages(trx, round.id, d, r.messages);
      await audit(trx, SYSTEM, 'mail.reminders_queued', { type: 'round', id: round.id }, { ...r, scheduled: true, daysBefore: d });
      queued += r.messages;
    }
    return queued;
  });
}

/** The contact who submitted when the link had one (if reachable), otherwise every reachable contact. */
function confirmationRecipients(contacts: MailContact[], submittedBy: number | null): MailContact[] {
  const submitter = submittedBy ? contacts.find((c) => c.id === submittedBy) : undefined;
  if (submitter) return submitter.reachable ? [submitter] : [];
  return contacts.filter((c) => c.reachable);
}

/**
 * When the round allows changes and is open, the confirmation carries a new link of the
 * organisation's invitation — except in a confidential round: a link issued after the submit
 * could not open the answer there (services/invitations.ts), and the links the organisation
 * already has keep working.
 */
async function changeLinkInvitation(db: Knex, round: MailRound, organisationId: number): Promise<number | null> {
  if (!round.allowChanges || round.state !== 'oppen' || round.confidential) return null;
  const invitation = (await invitationsOfRound(db, round.id)).get(organisationId);
  return invitation && !invitation.revokedAt ? invitation.invitationId : null;
}

/**
 * The confirmation e-mail after a response is submitted, when the round has send_confirmation.
 * Call inside the transaction that submits (services/responses.ts → queueConfirmation). Goes to
 * the contact who submitted, or — when the link had no contact — to every reachable contact of
 * the organisation. When the round allows changes, the e-mail carries a new personal link.
 */
export async function queueConfirmationEmail(trx: Knex, config: Config, responseId: number): Promise<number> {
  const response = await findSubmittedResponse(trx, responseId);
  if (!response) return 0;
  const round = await findMailRound(trx, response.roundId);
  if (!round || !round.sendConfirmation) return 0;
  const contacts = (await contactsOfOrganisation(trx, response.organisationId)).map(reachability);
  const recipients = confirmationRecipients(contacts, response.submittedByContactId);
  if (!recipients.length) return 0;
  const localeOf = await localesFor(trx, config, round.id);
  const templateOf = templatesByLocale(trx, round.id, 'confirmation');
  const invitationId = await changeLinkInvitation(trx, round, response.organisationId);
  const organisation = { id: response.organisationId, name: response.organisationName };
  for (const contact of recipients) {
    const locale = localeOf(contact);
    await queueEmail(trx, config, {
      round,
      kind: 'confirmation',
      template: await templateOf(locale),
      locale,
      organisation,
      contact,
      invitationId,
      cause: { actor: { userId: null, label: 'respondent' }, via: 'confirmation' },
      receiptCode: response.receiptCode,
    });
  }
  return recipients.length;
}

// ---------------------------------------------------------------------------------------------
// The outbox: the worker's wiring, listing, retry by hand
// ---------------------------------------------------------------------------------------------

/** What the outbox worker runs on: the database, config, a logger and the mailer. */
export type OutboxDeps = MailDeps & { logger: Logger; mailer: Mailer };

/**
 * The worker's dependencies, with what it needs from the services handed over as functions (the
 * worker sits below the services): the audit log, as the system, and the reminder scheduler.
 */
export function outboxWorkerDeps(deps: OutboxDeps): WorkerDeps {
  const { db, config, logger, mailer } = deps;
  return {
    db,
    config,
    logger,
    mailer,
    audit: (action, entity, details) => audit(db, SYSTEM, action, entity, details),
    queueScheduledReminders: (now) => queueScheduledReminders({ db, config }, now),
    queueScheduledInvitations: (now) => queueScheduledInvitations({ db, config }, now),
    readBounceMailbox: config.bounceImapUrl ? () => readBounceMailbox(db, config, logger) : undefined,
  };
}

/** A worker for the CLI, tests and benchmarks (the app's own is started by background.ts). */
export function outboxWorker(deps: OutboxDeps, options: WorkerOptions = {}): OutboxWorker {
  return new OutboxWorker(outboxWorkerDeps(deps), options);
}

/** Sends everything due now and returns (the CLI, for a deployment without a worker in the app). */
export function sendDueMail(deps: OutboxDeps): Promise<BatchResult> {
  return outboxWorker(deps, { schedulerEveryMs: 0 }).drain();
}

export const OUTBOX_STATUS_LABELS: Record<OutboxStatus, string> = {
  queued: 'I kö',
  sending: 'Skickas',
  sent: 'Skickat',
  failed: 'Misslyckades',
  bounced: 'Studsade',
};

/** A status from a form or query string, or undefined for none or an unknown one. */
export function outboxStatusOf(v: string): OutboxStatus | undefined {
  return OUTBOX_STATUSES.find((s) => s === v);
}

/** What an outbox message is, as the outbox page says it. */
export const OUTBOX_KIND_LABELS: Record<string, string> = {
  invitation: 'Inbjudan',
  reminder: 'Påminnelse',
  confirmation: 'Bekräftelse',
  account: 'Kontolänk',
  other: 'Övrigt',
};

export type OutboxEntry = OutboxListItem & { statusLabel: string; kindLabel: string };

/** The latest outbox messages (newest first), with a label for each status and kind. */
export async function outboxMessages(
  db: Knex,
  opts: { status?: OutboxStatus; roundId?: number; limit?: number } = {},
): Promise<OutboxEntry[]> {
  return (await listOutbox(db, opts)).map((m) => ({
    ...m,
    statusLabel: OUTBOX_STATUS_LABELS[m.status] ?? 'Okänd status',
    kindLabel: OUTBOX_KIND_LABELS[m.kind] ?? OUTBOX_KIND_LABELS.other,
  }));
}

/** Messages per status, for one round or all. */
export function outboxStatusCounts(db: Knex, roundId?: number): Promise<OutboxCounts> {
  return outboxCounts(db, roundId);
}

export async function retryMessage(db: Knex, actor: Actor, outboxId: number): Promise<boolean> {
  const target = await findRetryTarget(db, outboxId);
  if (!target) throw new NotFoundError('Meddelandet finns inte.');
  if (target.recipientGone) throw new ConflictError('Mottagaren har avregistrerat sig eller raderats; meddelandet skickas inte igen.');
  const ok = await requeueFailed(db, outboxId);
  if (ok) await audit(db, actor, 'mail.retried', { type: 'email_outbox', id: outboxId }, { roundId: target.roundId });
  return ok;
}

/** Every failed message of a round back to the queue (except to opted-out or erased contacts). */
export async function retryFailedOfRound(db: Knex, actor: Actor, roundId: number | null): Promise<number> {
  let n = 0;
  for (const id of await failedMessageIds(db, roundId)) if (await requeueFailed(db, id)) n++;
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
  const found = await findOptOutToken(db, hashToken(token));
  if (!found) return null;
  return { tokenId: found.tokenId, contactId: found.contactId, alreadyOptedOut: !!found.optedOutAt, erased: !!found.erasedAt };
}

/** Opts the contact out (POST from the confirmation page or a one-click List-Unsubscribe-Post). */
export async function optOut(db: Knex, token: string, via: 'page' | 'one-click'): Promise<OptOutState | null> {
  const state = await findOptOut(db, token);
  if (!state) return null;
  if (state.alreadyOptedOut) return state;
  await inTransaction(db, async (trx) => {
    const now = nowIso();
    await markContactOptedOut(trx, state.contactId, now);
    await markOptOutTokenUsed(trx, state.tokenId, now);
    // Messages still waiting for this contact are not sent.
    await failQueuedOfContact(trx, state.contactId, 'Mottagaren har avregistrerat sig; skickades inte.');
    await audit(trx, { userId: null, label: 'respondent' }, 'mail.opted_out', { type: 'contact', id: state.contactId }, { via });
  });
  return { ...state, alreadyOptedOut: true };
}
