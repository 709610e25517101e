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
//
// A send is made once (mail_sends): the send transaction first takes the round's send lock
// (repositories/mail-sends.ts lockRoundForSending), then records the send under the form's
// send-request id (unique; one id per rendering of the form). A second press of the same form —
// a double click, a retried request, another app instance — finds the recorded send; a press on
// a page rendered before another send of the same kind (a second tab) finds that newer send.
// Either way nothing is queued and the page says when the send was made and how far it has come.
// Each queued e-mail carries its send's id, unique per send, organisation and contact.
import crypto from 'node:crypto';
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
import { firstInvitedAt, invitationsOfRound, liveInvitationId, markInvited } from '../repositories/invitations';
import {
  anyQueuedConfirmation,
  claimQueuedConfirmations,
  contactsOfOrganisation,
  contactsOfRound,
  deleteQueuedConfirmations,
  findMailRound,
  findSubmittedResponse,
  insertQueuedConfirmation,
  markContactOptedOut,
  type MailContactRow,
  type MailOrganisation,
  type MailRound,
  claimScheduledInvitations,
  type QueuedConfirmation,
  openRoundsWithReminders,
  organisationsOfRound,
  responsesOfRound,
  roundsWithDueInvitations,
} from '../repositories/mailings';
import {
  findSendByKey,
  insertSend,
  latestSendAfter,
  latestSendId,
  lockRoundForSending,
  type MailSend,
  type SendKind,
  sendProgress,
  setSendCounts,
} from '../repositories/mail-sends';
import { findOptOutToken, insertOptOutToken, markOptOutTokenUsed } from '../repositories/optout';
import {
  failedMessageIds,
  failQueuedOfContact,
  findRetryTarget,
  insertOutboxMessage,
  lastLocaleByContact,
  listOutbox,
  makeWaitingDue,
  countWaiting,
  OUTBOX_STATUSES,
  type OutboxCounts,
  outboxCounts,
  type OutboxListItem,
  type OutboxStatus,
  requeueFailed,
} from '../repositories/outbox';
import { claimReminderRun, reminderDaysDone, setReminderRunMessages } from '../repositories/reminder-runs';
import { deleteRoundTemplate, findRoundTemplate, saveRoundTemplate } from '../repositories/round-templates';
import { inTransaction, storageFailureOf } from '../repositories/transaction';
import { audit, type Actor, CLI, SYSTEM } from './audit';
import { ensureInvitation, type LinkCause, recordIssuedToken } from './invitations';
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
  /** The same as a translation key and its values (the mail server's reply is a value, never a key). */
  reasonKey: string | null;
  reasonValues: Record<string, string>;
}

/** Why the contact cannot be e-mailed, as a key and values; null when it can. */
function unreachableBecause(c: MailContactRow): { key: string; values: Record<string, string> } | null {
  const plain = (key: string) => ({ key, values: {} });
  if (c.erasedAt) return plain('Kontaktuppgifterna är raderade');
  if (!c.active) return plain('Kontakten är inaktiv');
  if (!isValidEmail(c.email)) return plain(c.email ? 'Ogiltig e-postadress' : 'Saknar e-postadress');
  if (c.optedOutAt) return plain('Har avregistrerat sig från utskick');
  if (c.bouncedAt)
    return c.bounceReason ? { key: 'E-post har studsat (%{reply})', values: { reply: c.bounceReason } } : plain('E-post har studsat');
  return null;
}

export function reachability(c: MailContactRow): MailContact {
  const why = unreachableBecause(c);
  const reason = why ? why.key.replace('%{reply}', why.values.reply ?? '') : null;
  return { ...c, reachable: why === null, reason, reasonKey: why?.key ?? null, reasonValues: why?.values ?? {} };
}

/** The List-Unsubscribe header value (RFC 2369): the one-click opt-out URL, which holds the token. */
export function listUnsubscribeValue(config: Pick<Config, 'baseUrl'>, token: string): string {
  return `<${oneClickUnsubscribeUrl(config.baseUrl, token)}>`;
}

/**
 * Headers that stay with the outbox row after sending (no tokens). List-Unsubscribe and the
 * one-click List-Unsubscribe-Post (RFC 8058) are added by the worker from the row's
 * list_unsubscribe, which is cleared once the message is sent.
 */
export function storedHeaders(locale: Locale): Record<string, string> {
  return { 'Content-Language': locale, 'Auto-Submitted': 'auto-generated' };
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
  /** The send (mail_sends) this e-mail is part of; none for a confirmation. */
  sendId?: number;
}

/**
 * An e-mail rendered and ready to store: its new personal link token and opt-out token are made
 * (256 random bits each; only their SHA-256 is stored) but nothing is written yet, so the
 * transaction that queues it only inserts rows.
 */
export interface PreparedEmail {
  kind: QueuedEmail['kind'];
  roundId: number;
  organisationId: number;
  contactId: number;
  to: string;
  email: RenderedEmail;
  headers: Record<string, string>;
  /** The List-Unsubscribe value, kept apart from the headers so it can be cleared once sent. */
  listUnsubscribe: string;
  messageId: string;
  /** The send (mail_sends) this e-mail is part of; null for a confirmation. */
  sendId: number | null;
  /** The personal link's token hash and the invitation it belongs to; null when the e-mail carries no link. */
  link: { invitationId: number; tokenHash: string; cause: LinkCause } | null;
  /** Opt-out token (table mail_optout_tokens), made for every e-mail. */
  optOutTokenHash: string;
}

/** Renders the e-mail with new link tokens (nothing written). */
function prepareEmail(config: Config, m: QueuedEmail): PreparedEmail {
  const linkToken = m.invitationId ? newToken() : null;
  const optOutToken = newToken();
  const email = render(config, m.template, m.locale, {
    round: m.round,
    organisationName: m.organisation.name,
    contact: m.contact,
    link: linkToken ? respondentUrl(config.baseUrl, linkToken) : null,
    optOut: optOutUrl(config.baseUrl, optOutToken),
    receiptCode: m.receiptCode,
  });
  return {
    kind: m.kind,
    roundId: m.round.id,
    organisationId: m.organisation.id,
    contactId: m.contact.id,
    to: m.contact.email!.trim(),
    email,
    headers: { ...storedHeaders(m.locale), ...replyToHeader(m.round) },
    listUnsubscribe: listUnsubscribeValue(config, optOutToken),
    messageId: newMessageId(config.baseUrl),
    sendId: m.sendId ?? null,
    link: linkToken && m.invitationId ? { invitationId: m.invitationId, tokenHash: hashToken(linkToken), cause: m.cause } : null,
    optOutTokenHash: hashToken(optOutToken),
  };
}

/** Writes a prepared e-mail to the outbox with its tokens (inside the caller's transaction); returns the outbox id. */
export async function writePreparedEmail(trx: Knex, p: PreparedEmail): Promise<number> {
  if (p.link) await recordIssuedToken(trx, p.link.invitationId, p.contactId, p.link.tokenHash, p.link.cause);
  const outboxId = await insertOutboxMessage(trx, {
    kind: p.kind,
    roundId: p.roundId,
    organisationId: p.organisationId,
    contactId: p.contactId,
    to: p.to,
    subject: p.email.subject,
    text: p.email.text,
    html: p.email.html,
    headers: p.headers,
    listUnsubscribe: p.listUnsubscribe,
    messageId: p.messageId,
    sendId: p.sendId,
  });
  await insertOptOutToken(trx, p.optOutTokenHash, p.contactId, outboxId);
  return outboxId;
}

/** Renders the e-mail with new link tokens and writes it to the outbox (inside the caller's transaction). */
async function queueEmail(trx: Knex, config: Config, m: QueuedEmail): Promise<number> {
  return writePreparedEmail(trx, prepareEmail(config, m));
}

/** Where a press of a send form comes from: the form's send-request id and what the page knew. */
export interface SendRequest {
  /** The form's send-request id (one per rendering of the page); null when the form had none. */
  requestId: string | null;
  /** The latest send of the same kind when the page was rendered (0: none); null: not checked. */
  afterSendId: number | null;
}

export interface SendInput {
  /** null: every organisation of the round not yet invited; otherwise exactly these. */
  organisationIds: number[] | null;
  /** The language of every message; null: each contact's own language. */
  locale: Locale | null;
  request?: SendRequest;
}

export interface SendResult {
  organisations: number;
  messages: number;
  /** Set when nothing was queued because the send had been made already. */
  alreadyMade?: MadeSend;
}

/** An earlier send that a press found: when, how big, and how far it has come. */
export interface MadeSend {
  kind: SendKind;
  createdAt: string;
  organisations: number;
  messages: number;
  sent: number;
  total: number;
  /** True when it is the same press (same send-request id); false for another send made since the page was rendered. */
  samePress: boolean;
}

/** A new, random send-request id for a rendering of a send form. */
export function newSendRequestId(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/** The send-request id and the latest send of the kind, for the hidden fields of a send form. */
export async function sendFormFields(db: Knex, roundId: number, kind: SendKind): Promise<{ sendRequestId: string; afterSendId: number }> {
  return { sendRequestId: newSendRequestId(), afterSendId: await latestSendId(db, roundId, kind) };
}

/** A send-request id as it may come from a form, or null. */
export function sendRequestOf(requestId: string, afterSendId: string): SendRequest {
  return {
    requestId: /^[A-Za-z0-9_-]{16,100}$/.test(requestId) ? requestId : null,
    afterSendId: /^\d{1,9}$/.test(afterSendId) ? Number(afterSendId) : null,
  };
}

async function madeSend(db: Knex, send: MailSend, samePress: boolean): Promise<MadeSend> {
  const progress = await sendProgress(db, send.id);
  const { kind, createdAt, organisations, messages } = send;
  return { kind, createdAt, organisations, messages, ...progress, samePress };
}

interface SendClaim {
  kind: SendKind;
  scope: string;
  request: SendRequest | undefined;
}

/**
 * Inside the send transaction, after the round's send lock: records the send, or returns the
 * earlier send this press duplicates (the same request id, or a newer send than the page knew).
 */
async function claimSend(trx: Knex, actor: Actor, roundId: number, c: SendClaim): Promise<{ sendId: number } | { earlier: MadeSend }> {
  const requestId = c.request?.requestId ?? null;
  const same = requestId ? await findSendByKey(trx, requestId) : null;
  if (same) return { earlier: await madeSend(trx, same, true) };
  const afterId = c.request?.afterSendId ?? null;
  const newer = afterId === null ? null : await latestSendAfter(trx, roundId, c.kind, afterId);
  if (newer) return { earlier: await madeSend(trx, newer, false) };
  const key = requestId ?? `server:${newSendRequestId()}`;
  const created = { requestKey: key, roundId, kind: c.kind, scope: c.scope, requestedBy: actor.userId, createdAt: nowIso() };
  const sendId = await insertSend(trx, created);
  if (sendId === null) return { earlier: await madeSend(trx, (await findSendByKey(trx, key))!, true) };
  return { sendId };
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
  sendId: number | undefined,
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
        sendId,
      });
      messages++;
    }
    await markInvited(trx, invitationId, now);
  }
  return messages;
}

/** "Skicka inbjudningar": invitations, tokens and outbox rows in one transaction — once per press (see the top). */
export async function sendInvitations(deps: MailDeps, actor: Actor, roundId: number, input: SendInput): Promise<SendResult> {
  const { db, config } = deps;
  if (input.locale) validateTemplate(await templateFor(db, roundId, 'invitation', input.locale));
  return inTransaction(db, async (trx) => {
    await lockRoundForSending(trx, roundId);
    const round = await requireRound(trx, roundId);
    requireOpen(round);
    const scope = input.organisationIds ? 'chosen' : 'not_invited';
    const claim = await claimSend(trx, actor, round.id, { kind: 'invitation', scope, request: input.request });
    if ('earlier' in claim) return { organisations: 0, messages: 0, alreadyMade: claim.earlier };
    const targets = invitationTargets(await recipientPlan(trx, round), input.organisationIds);
    const messages = await queueInvitations(trx, config, actor, round, targets, input.locale, claim.sendId);
    await setSendCounts(trx, claim.sendId, targets.length, messages);
    await audit(
      trx,
      actor,
      'mail.invitations_queued',
      { type: 'round', id: round.id },
      { organisations: targets.length, messages, locale: input.locale ?? 'contact', sendId: claim.sendId },
    );
    return { organisations: targets.length, messages };
  });
}

/** The send of scheduled invitations (so a send form rendered before it finds it, like a second tab's). */
function scheduledInvitationSend(roundId: number, now: Date) {
  return {
    requestKey: `invitation:${roundId}:${now.toISOString()}`,
    roundId,
    kind: 'invitation' as const,
    scope: 'scheduled',
    requestedBy: null,
    createdAt: nowIso(),
  };
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
      const sendId = targets.length ? await insertSend(trx, scheduledInvitationSend(round.id, now)) : null;
      const messages = await queueInvitations(trx, deps.config, SYSTEM, round, targets, null, sendId ?? undefined);
      if (sendId !== null) await setSendCounts(trx, sendId, targets.length, messages);
      const details = {
        organisations: targets.length,
        messages,
        locale: 'contact',
        scheduled: true,
        ...(sendId !== null ? { sendId } : {}),
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
async function localesFor(db: Knex, config: Config, roundId: number, contactIds?: number[]): Promise<(contact: MailContactRow) => Locale> {
  const last = await lastLocaleByContact(db, roundId, contactIds);
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
  sendId: number,
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
        sendId,
      });
      messages++;
    }
  }
  return { organisations: targets.length, messages };
}

/** "Påminn de som inte svarat", by hand — once per press (see the top). */
export async function sendReminders(
  deps: MailDeps,
  actor: Actor,
  roundId: number,
  organisationIds: number[] | null = null,
  request?: SendRequest,
  /** Checks for a new press (not a repeated one) before anything is queued, e.g. a second reminder within a day. */
  beforeQueue?: (trx: Knex) => Promise<void>,
): Promise<SendResult> {
  return inTransaction(deps.db, async (trx) => {
    await lockRoundForSending(trx, roundId);
    const round = await requireRound(trx, roundId);
    requireOpen(round);
    const scope = organisationIds ? 'chosen' : 'not_submitted';
    const claim = await claimSend(trx, actor, round.id, { kind: 'reminder', scope, request });
    if ('earlier' in claim) return { organisations: 0, messages: 0, alreadyMade: claim.earlier };
    if (beforeQueue) await beforeQueue(trx);
    const r = await queueReminders(trx, deps.config, actor, round, organisationIds, claim.sendId);
    if (!r.messages)
      throw new ValidationError([
        {
          field: '',
          message:
            'Det finns ingen att påminna: alla inbjudna organisationer har svarat eller saknar kontaktperson som kan nås med e-post.',
        },
      ]);
    await setSendCounts(trx, claim.sendId, r.organisations, r.messages);
    await audit(trx, actor, 'mail.reminders_queued', { type: 'round', id: round.id }, { ...r, scheduled: false, sendId: claim.sendId });
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

/** The send of a scheduled reminder: one per round and "days before closing", like its reminder run. */
function scheduledSend(roundId: number, daysBefore: number) {
  return {
    requestKey: `reminder:${roundId}:${daysBefore}`,
    roundId,
    kind: 'reminder' as const,
    scope: 'scheduled',
    requestedBy: null,
    createdAt: nowIso(),
  };
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
      const sendId = await insertSend(trx, scheduledSend(round.id, d));
      if (sendId === null) continue; // (the run above is the guard; the send's key says the same)
      const r = await queueReminders(trx, deps.config, SYSTEM, round, null, sendId);
      await setSendCounts(trx, sendId, r.organisations, r.messages);
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

/** What a confirmation is prepared from: the response's round and organisation, who submitted, the receipt. */
export interface ConfirmationOf {
  round: MailRound;
  organisation: { id: number; name: string };
  /** The contact whose link submitted; null for a link made by hand. */
  submittedByContactId: number | null;
  /** The organisation's invitation (not revoked): the confirmation's new link belongs to it. */
  invitationId: number | null;
  receiptCode: string | null;
}

/**
 * The confirmation e-mails after a submit, rendered and ready to store (writePreparedEmail): to the
 * contact who submitted, or — when the link had no contact — to every reachable contact of the
 * organisation, each in the language of the contact's last invitation or reminder (else their own). When the round allows changes and is
 * open, each carries a new personal link of the organisation's invitation. [] when the round sends
 * no confirmation or nobody can be reached. Reads only (queueConfirmationEmail writes them).
 */
async function prepareConfirmationEmails(db: Knex, config: Config, c: ConfirmationOf): Promise<PreparedEmail[]> {
  if (!c.round.sendConfirmation) return [];
  const contacts = (await contactsOfOrganisation(db, c.organisation.id)).map(reachability);
  const recipients = confirmationRecipients(contacts, c.submittedByContactId);
  if (!recipients.length) return [];
  const localeOf = await localesFor(
    db,
    config,
    c.round.id,
    recipients.map((r) => r.id),
  );
  const templateOf = templatesByLocale(db, c.round.id, 'confirmation');
  // a new link of the invitation when changes are allowed and the round is open — not in a
  // confidential round: a link issued after the submit could not open the answer there
  // (services/invitations.ts), and the links the organisation already has keep working
  const invitationId = c.round.allowChanges && c.round.state === 'oppen' && !c.round.confidential ? c.invitationId : null;
  const emails: PreparedEmail[] = [];
  for (const contact of recipients) {
    const locale = localeOf(contact);
    emails.push(
      prepareEmail(config, {
        round: c.round,
        kind: 'confirmation',
        template: await templateOf(locale),
        locale,
        organisation: c.organisation,
        contact,
        invitationId,
        cause: { actor: { userId: null, label: 'respondent' }, via: 'confirmation' },
        receiptCode: c.receiptCode,
      }),
    );
  }
  return emails;
}

/**
 * The confirmation e-mail of a submitted response, written to the outbox inside the caller's
 * transaction (the e-mails of prepareConfirmationEmails): to `of.contactId` with `of.receiptCode` —
 * what the submit knew when it queued it. Returns how many e-mails were written.
 */
export async function queueConfirmationEmail(
  trx: Knex,
  config: Config,
  responseId: number,
  of: Pick<QueuedConfirmation, 'contactId' | 'receiptCode'>,
): Promise<number> {
  const response = await findSubmittedResponse(trx, responseId);
  if (!response) return 0;
  const round = await findMailRound(trx, response.roundId);
  if (!round) return 0;
  const emails = await prepareConfirmationEmails(trx, config, {
    round,
    organisation: { id: response.organisationId, name: response.organisationName },
    submittedByContactId: of.contactId,
    invitationId: await liveInvitationId(trx, round.id, response.organisationId),
    receiptCode: of.receiptCode,
  });
  for (const e of emails) await writePreparedEmail(trx, e);
  return emails.length;
}

/**
 * A submit's confirmation, queued as one row in the submit's own transaction: the request writes
 * only that, and the outbox worker prepares the e-mail (prepareQueuedConfirmations) at its next turn.
 */
export async function queueConfirmation(trx: Knex, c: Omit<QueuedConfirmation, 'id'>): Promise<void> {
  await insertQueuedConfirmation(trx, c, nowIso());
}

/** What one preparation of the queued confirmations did. */
export interface PreparedConfirmations {
  /** E-mails written to the outbox. */
  emails: number;
  /** Queued confirmations that could not be prepared (and were taken off the queue), with why. */
  dropped: Array<{ responseId: number; error: string }>;
}

/**
 * The confirmations the submits queued, prepared and written to the outbox — each batch in one
 * transaction that also deletes its queue rows, so none is lost or written twice (on PostgreSQL two
 * workers skip each other's rows). One that cannot be prepared (say, a template broken in the
 * database) is rolled back on its own, taken off the queue and reported, so it does not hold up the
 * others; when the database itself fails, the whole batch stays for the next turn. The outbox
 * worker's first step of every turn.
 */
export async function prepareQueuedConfirmations(deps: MailDeps, batchSize = 50): Promise<PreparedConfirmations> {
  const done: PreparedConfirmations = { emails: 0, dropped: [] };
  if (!(await anyQueuedConfirmation(deps.db))) return done;
  for (;;) {
    const batch = await inTransaction(deps.db, async (trx) => {
      const queued = await claimQueuedConfirmations(trx, batchSize);
      const result: PreparedConfirmations = { emails: 0, dropped: [] };
      for (const q of queued) {
        try {
          // a savepoint: what fails here is undone alone
          result.emails += await inTransaction(trx, (one) => queueConfirmationEmail(one, deps.config, q.responseId, q));
        } catch (err) {
          if (storageFailureOf(err)) throw err;
          result.dropped.push({ responseId: q.responseId, error: err instanceof Error ? err.message : String(err) });
        }
      }
      await deleteQueuedConfirmations(
        trx,
        queued.map((q) => q.id),
      );
      return { claimed: queued.length, result };
    });
    done.emails += batch.result.emails;
    done.dropped.push(...batch.result.dropped);
    if (batch.claimed < batchSize) return done;
  }
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
    prepareConfirmations: () => prepareQueuedConfirmations({ db, config }),
    queueScheduledReminders: (now) => queueScheduledReminders({ db, config }, now),
    queueScheduledInvitations: (now) => queueScheduledInvitations({ db, config }, now),
    readBounceMailbox: config.bounceImapUrl ? () => readBounceMailbox(db, config, logger) : undefined,
  };
}

/** A worker for the CLI, tests and benchmarks (the app's own is started by background.ts). */
export function outboxWorker(deps: OutboxDeps, options: WorkerOptions = {}): OutboxWorker {
  return new OutboxWorker(outboxWorkerDeps(deps), options);
}

/**
 * Sends everything due now and returns (the CLI, for a deployment without a worker in the app).
 * With `now`, messages waiting out a backoff after a temporary error are sent at once too;
 * `onBatch` is told the running totals after each batch (the CLI's progress line).
 */
export async function sendDueMail(
  deps: OutboxDeps,
  opts: { now?: boolean; onBatch?: (total: BatchResult) => void } = {},
): Promise<BatchResult> {
  if (opts.now) await sendWaitingNow(deps.db, CLI);
  const worker = outboxWorker(deps, { schedulerEveryMs: 0 });
  const total: BatchResult = { claimed: 0, sent: 0, retried: 0, failed: 0, bounced: 0, released: 0 };
  for (let batch = await worker.runOnce(); batch.claimed > 0; batch = await worker.runOnce()) {
    for (const k of Object.keys(total) as Array<keyof BatchResult>) total[k] += batch[k];
    opts.onBatch?.(total);
  }
  return total;
}

/** Queued messages waiting for a later try after a temporary error (an SMTP outage). */
export function waitingMessageCount(db: Knex): Promise<number> {
  return countWaiting(db, nowIso());
}

/**
 * "Skicka nu": every queued message waiting out its backoff is due at once; the worker (or
 * `outbox send`) takes it within seconds. Returns how many; audited when there were any.
 */
export async function sendWaitingNow(db: Knex, actor: Actor): Promise<number> {
  const n = await makeWaitingDue(db, nowIso());
  if (n) await audit(db, actor, 'mail.send_now', null, { messages: n });
  return n;
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
