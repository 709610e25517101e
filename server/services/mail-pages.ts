// The view models of the e-mail pages (routes/mail.ts → views/pages/mail/*.hbs): every figure and
// text a page shows, prepared here so the route only parses the request and renders.
import { type FieldProblem, NotFoundError } from '../errors';
import type { Locale } from '../i18n';
import {
  EMAIL_KINDS,
  EMAIL_LOCALES,
  type EmailKind,
  KIND_LABELS,
  LOCALE_LABELS,
  PLACEHOLDERS,
  type TemplateSource,
  validateTemplate,
} from '../mail/templates';
import { simpleParser } from 'mailparser';
import { redactLinkTokens } from '../lib/links';
import type { Mailer } from '../mail/transport';
import type { MailRound } from '../repositories/mailings';
import { OUTBOX_STATUSES } from '../repositories/outbox';
import { followUp } from './mail-follow-up';
import { isRecent, lastReminder, nextScheduledReminder } from './reminder-status';
import { formatStockholmDeadline, utcToStockholm } from './stockholm-time';
import {
  type EmailPreview,
  type MailContact,
  type MailDeps,
  OUTBOX_STATUS_LABELS,
  outboxMessages,
  outboxStatusCounts,
  outboxStatusOf,
  type PlannedOrganisation,
  previewEmail,
  recipientPlan,
  reminderTargets,
  requireRound,
  type SendResult,
  sendFormFields,
  templateFor,
  waitingMessageCount,
} from './mailings';

/** What the e-mail pages need: the database, config and the mailer (its description, and the .eml files in file mode). */
export type MailPageDeps = MailDeps & { mailer: Mailer };

const ROUND_STATE_LABELS: Record<string, string> = { utkast: 'Utkast', oppen: 'Öppen', stangd: 'Stängd', publicerad: 'Publicerad' };

/** The round and its state, as every round page shows them. */
function roundHeader(round: MailRound) {
  return { round, isOpen: round.state === 'oppen', stateLabel: ROUND_STATE_LABELS[round.state] ?? round.state };
}

/** A kind of e-mail from the URL, or null for none we have. */
export function emailKindOf(v: unknown): EmailKind | null {
  return EMAIL_KINDS.find((k) => k === v) ?? null;
}

/** The choices of "show the message as it becomes for …", the previewed contact selected. */
function contactChoices(
  organisations: PlannedOrganisation[],
  contactsOf: (o: PlannedOrganisation) => MailContact[],
  preview: EmailPreview | null,
) {
  return organisations.flatMap((o) =>
    contactsOf(o).map((c) => ({ id: c.id, label: `${c.name ?? '–'} (${o.name})`, selected: c.id === preview?.contact?.id })),
  );
}

const notErased = (o: PlannedOrganisation) => o.contacts.filter((c) => !c.erasedAt);

function previewHtmlUrl(roundId: number, kind: EmailKind, locale: Locale, preview: EmailPreview | null): string {
  return `/rounds/${roundId}/mail/preview/${kind}/${preview?.locale ?? locale}${preview?.contact ? `?contact=${preview.contact.id}` : ''}`;
}

const reachableCount = (organisations: PlannedOrganisation[]) => organisations.reduce((n, o) => n + o.reachable.length, 0);

/** "Utskick och svarsfrekvens": the response rate, the progress of the sending, the tables. */
export async function followUpPage(deps: MailPageDeps, roundId: number) {
  const f = await followUp(deps.db, roundId);
  const counts = await outboxStatusCounts(deps.db, f.round.id);
  return {
    title: 'Utskick och svarsfrekvens',
    ...roundHeader(f.round),
    f,
    counts,
    pending: counts.queued + counts.sending,
    done: counts.sent + counts.bounced + counts.failed,
    mailer: mailerLabel(deps.mailer),
  };
}

/** The "send automatically" form of the invitations page: what is scheduled, and the fields. */
function scheduleView(round: MailRound, typed?: { date: string; time: string }) {
  const at = utcToStockholm(round.invitationsAt);
  return {
    canSchedule: (round.state === 'utkast' || round.state === 'oppen') && !round.invitationsQueuedAt,
    scheduledText: round.invitationsAt ? formatStockholmDeadline(round.invitationsAt) : null,
    queuedAt: round.invitationsQueuedAt,
    date: typed?.date ?? at?.date ?? '',
    time: typed?.time ?? at?.time ?? '08:00',
  };
}

export interface SendForm {
  /** The language of every message; null: each contact's own language. */
  locale: Locale | null;
  /** The contact to preview the message for (else the first reachable one). */
  contactId: number | null;
  scope?: 'not_invited' | 'chosen';
  /** The scheduling form as typed, when it comes back with errors. */
  schedule?: { date: string; time: string };
  /** The organisations ticked when the form comes back with errors. */
  selected?: number[];
  errors?: FieldProblem[];
}

/** "Skicka inbjudningar": who gets one, who cannot be reached, and a preview. */
export async function sendPage(deps: MailPageDeps, roundId: number, form: SendForm) {
  const round = await requireRound(deps.db, roundId);
  const plan = await recipientPlan(deps.db, round);
  const preview = await previewEmail(deps, roundId, 'invitation', form.locale, form.contactId);
  const notInvited = plan.organisations.filter((o) => o.inPanel && !o.invitedAt);
  const selected = new Set(form.selected ?? []);
  return {
    title: 'Skicka inbjudningar',
    ...roundHeader(round),
    organisations: plan.organisations.map((o) => ({ ...o, reachableCount: o.reachable.length, checked: selected.has(o.id) })),
    notInvitedCount: notInvited.length,
    notInvitedMessages: reachableCount(notInvited),
    notInvitedReachableOrgs: notInvited.filter((o) => o.reachable.length > 0).length,
    allMessages: reachableCount(plan.organisations),
    unreachable: plan.unreachable,
    withoutRecipient: plan.organisationsWithoutRecipient,
    contacts: contactChoices(plan.organisations, notErased, preview),
    locales: [
      { value: 'contact', label: 'Varje kontaktpersons eget språk', selected: form.locale === null },
      ...EMAIL_LOCALES.map((l) => ({ value: l, label: `${LOCALE_LABELS[l]} till alla`, selected: l === form.locale })),
    ],
    // (not `locale`: that name is the interface language of the page, res.locals.locale)
    mailLocale: form.locale ?? 'contact',
    preview,
    previewHtmlUrl: previewHtmlUrl(roundId, 'invitation', preview.locale, preview),
    scope: form.scope ?? 'not_invited',
    errors: form.errors,
    schedule: scheduleView(round, form.schedule),
    ...(await sendFormFields(deps.db, roundId, 'invitation')),
  };
}

/**
 * The message after a press of a send form: queued now, or — when the send had been made already
 * (a second press, or another tab) — when it was made and how far it has come.
 */
export function sendResultMessage(kind: 'invitation' | 'reminder', r: SendResult): { kind: 'success' | 'info'; message: string } {
  const words = kind === 'invitation' ? { done: 'Inbjudningarna', many: 'inbjudningar' } : { done: 'Påminnelserna', many: 'påminnelser' };
  const made = r.alreadyMade;
  if (!made) {
    const tail = kind === 'invitation' ? ' Sidan visar hur utskicket går.' : '';
    return {
      kind: 'success',
      message: `${r.messages} ${words.many} till ${r.organisations} organisationer ligger i kö och skickas nu.${tail}`,
    };
  }
  const at = utcToStockholm(made.createdAt)?.time.replace(':', '.') ?? '–';
  const again = made.samePress
    ? ''
    : ` Vill du skicka fler, öppna sidan ${kind === 'invitation' ? 'Skicka inbjudningar' : 'Påminn de som inte svarat'} igen.`;
  return {
    kind: 'info',
    message:
      `${words.done} är redan skickade (kl. ${at}): ${made.messages} ${words.many} till ${made.organisations} organisationer. ` +
      `Skickade hittills: ${made.sent} av ${made.total}.${again}`,
  };
}

/** The reminder form as sent, when it comes back with errors: the organisations ticked, the box for a recent reminder. */
export interface RemindForm {
  selected: number[] | null;
  confirmRecent: boolean;
}

/**
 * "Påminn de som inte svarat": when the last reminder went and to how many, when the next
 * scheduled one goes, the organisations to pick from (all ticked at first), the contacts left out,
 * and a preview. When the last reminder went less than a day ago the form asks to confirm.
 */
export async function remindPage(
  deps: MailPageDeps,
  roundId: number,
  contactId: number | null,
  errors?: FieldProblem[],
  form: RemindForm = { selected: null, confirmRecent: false },
) {
  const round = await requireRound(deps.db, roundId);
  const last = await lastReminder(deps.db, roundId);
  const next = await nextScheduledReminder(deps.db, round);
  const targets = reminderTargets(await recipientPlan(deps.db, round));
  const firstTarget = targets.flatMap((o) => o.reachable)[0];
  const preview = await previewEmail(deps, roundId, 'reminder', null, contactId ?? firstTarget?.id ?? null);
  const locale = preview.locale;
  return {
    title: 'Påminn de som inte svarat',
    ...roundHeader(round),
    lastReminder: last ? { ...last, atText: formatStockholmDeadline(last.at) } : null,
    recent: isRecent(last),
    confirmRecent: form.confirmRecent,
    nextReminderText: next ? formatStockholmDeadline(next.at) : null,
    targets: targets.map((o) => ({
      ...o,
      reachableCount: o.reachable.length,
      checked: o.reachable.length > 0 && (form.selected === null || form.selected.includes(o.id)),
    })),
    messages: reachableCount(targets),
    targetsWithoutRecipient: targets.filter((o) => o.reachable.length === 0),
    excluded: targets.flatMap((o) =>
      o.contacts.filter((c) => !c.reachable && !c.erasedAt).map((c) => ({ ...c, organisationName: o.name })),
    ),
    contacts: contactChoices(targets, (o) => o.reachable, preview),
    preview,
    previewHtmlUrl: previewHtmlUrl(roundId, 'reminder', locale, preview),
    ...(await sendFormFields(deps.db, roundId, 'reminder')),
    reminderDays: round.reminderDays.join(' och '),
    errors,
  };
}

/** "E-postmallar": every kind and locale, and whether the round has its own text. */
export async function templatesPage(deps: MailDeps, roundId: number) {
  const round = await requireRound(deps.db, roundId);
  const items = [];
  for (const kind of EMAIL_KINDS) {
    for (const locale of EMAIL_LOCALES) {
      const t = await templateFor(deps.db, roundId, kind, locale);
      items.push({ kind, locale, kindLabel: KIND_LABELS[kind], localeLabel: LOCALE_LABELS[locale], subject: t.subject, custom: t.custom });
    }
  }
  return { title: 'E-postmallar', round, items };
}

export interface TemplateForm {
  kind: EmailKind;
  locale: Locale;
  contactId: number | null;
  /** The text in the form, when it is not the stored one. */
  draft?: TemplateSource;
  /** Preview the draft without saving: refused (ValidationError) when the draft is not a valid template. */
  previewed?: boolean;
  /** The draft was refused: the form shows the problems and no preview (the draft may not even parse). */
  errors?: FieldProblem[];
}

/** The editor of one template: subject and body, the placeholders, and a preview. */
export async function templateEditPage(deps: MailPageDeps, roundId: number, form: TemplateForm) {
  const { kind, locale } = form;
  if (form.previewed && form.draft) validateTemplate(form.draft);
  const round = await requireRound(deps.db, roundId);
  const stored = await templateFor(deps.db, roundId, kind, locale);
  const preview = form.errors ? null : await previewEmail(deps, roundId, kind, locale, form.contactId, form.draft);
  const plan = await recipientPlan(deps.db, round);
  return {
    title: `E-postmall: ${KIND_LABELS[kind]} (${LOCALE_LABELS[locale].toLowerCase()})`,
    round,
    kind,
    // (not `locale`: that name is the interface language of the page, res.locals.locale)
    templateLocale: locale,
    kindLabel: KIND_LABELS[kind],
    localeLabel: LOCALE_LABELS[locale],
    values: form.draft ?? stored,
    custom: stored.custom,
    placeholders: PLACEHOLDERS,
    preview,
    previewHtmlUrl: previewHtmlUrl(roundId, kind, locale, preview),
    contacts: contactChoices(plan.organisations, notErased, preview),
    previewed: form.previewed,
    errors: form.errors,
  };
}

/** The HTML version of a preview, as a page of its own. */
export async function previewHtml(
  deps: MailDeps,
  roundId: number,
  kind: EmailKind,
  locale: Locale,
  contactId: number | null,
): Promise<string> {
  return (await previewEmail(deps, roundId, kind, locale, contactId)).email.html;
}

/** How the pages say where e-mail goes: the SMTP server (no credentials), or files — never the server's folders. */
function mailerLabel(mailer: Mailer): { key: string; values: Record<string, string> } {
  if (mailer.kind === 'file') return { key: 'som .eml-filer på servern (ingen SMTP-server är inställd)', values: {} };
  return { key: '%{server}', values: { server: mailer.description } };
}

/** "Utkorgen": the counts, the latest messages (of one status, or all), and in file mode the written .eml files. */
export async function outboxPage(deps: MailPageDeps, status: string) {
  const chosen = outboxStatusOf(status);
  const files = deps.mailer.listFiles ? await deps.mailer.listFiles(100) : null;
  return {
    title: 'Utkorgen',
    rows: await outboxMessages(deps.db, { status: chosen, limit: 200 }),
    counts: await outboxStatusCounts(deps.db),
    waiting: await waitingMessageCount(deps.db),
    statuses: OUTBOX_STATUSES.map((s) => ({ value: s, label: OUTBOX_STATUS_LABELS[s], selected: s === chosen })),
    fileMode: deps.mailer.kind === 'file',
    files,
    mailer: mailerLabel(deps.mailer),
    workerOn: deps.config.outboxWorker,
  };
}

/** The header lines the viewer shows, in this order. */
const EML_HEADERS = ['from', 'to', 'subject', 'date', 'message-id', 'content-language', 'list-unsubscribe', 'list-unsubscribe-post'];

/**
 * One written .eml file, decoded (quoted-printable, base64, MIME parts) and with every link's
 * secret token taken out (lib/links.redactLinkTokens): the header lines and the text part. A
 * coordinator sees what the recipient got, never a link that works — in a confidential round a
 * working personal link would open the organisation's answer. (The file on disk keeps the working
 * link: it is the message itself; see the README on OUTBOX_DIR.)
 */
export async function emlFilePage(deps: Pick<MailPageDeps, 'mailer'>, name: string) {
  const raw = deps.mailer.readFile ? await deps.mailer.readFile(name) : null;
  if (raw === null) throw new NotFoundError('Filen finns inte.');
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipImageLinks: true, skipTextLinks: true });
  const lines = mail.headerLines
    .filter((h) => EML_HEADERS.includes(h.key))
    .sort((a, b) => EML_HEADERS.indexOf(a.key) - EML_HEADERS.indexOf(b.key))
    .map((h) => h.line.replace(/\r?\n[ \t]+/g, ' '));
  const text = `${lines.join('\n')}\n\n${mail.text ?? ''}`;
  return { title: 'E-postmeddelande', name, raw: redactLinkTokens(text), hasHtml: typeof mail.html === 'string' };
}
