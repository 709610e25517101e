// The follow-up of a round's e-mail: per organisation invited, delivered or bounced, link opened,
// started, submitted — with the totals, per organisation type — and the export of those who have
// not answered, for phone follow-up.
import type { Knex } from 'knex';
import { type InvitationState, invitationsOfRound } from '../repositories/invitations';
import { type MailRound, type ResponseState, responsesOfRound } from '../repositories/mailings';
import { type OrgMailCounts, outboxCountsByOrganisation } from '../repositories/outbox';
import { audit, type Actor } from './audit';
import { type MailContact, type PlannedOrganisation, recipientPlan, requireRound } from './mailings';
import { formatResponseRateWithPercent } from './numbers';
import { organisationTypeLabel } from './organisation-types';

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

function followUpRow(
  o: PlannedOrganisation,
  invitation: InvitationState | undefined,
  response: ResponseState | undefined,
  mail: OrgMailCounts | undefined,
): FollowUpRow {
  return {
    organisationId: o.id,
    name: o.name,
    type: o.type,
    typeLabel: o.typeLabel,
    contacts: o.contacts.filter((c) => !c.erasedAt).length,
    reachableContacts: o.reachable.length,
    invitedAt: o.invitedAt,
    mail: mail ?? { queued: 0, sent: 0, bounced: 0, failed: 0, lastReminderAt: null },
    openedAt: invitation?.firstOpenedAt ?? null,
    startedAt: response ? response.startedAt : null,
    submittedAt: response?.status === 'submitted' ? response.submittedAt : null,
    submitted: response?.status === 'submitted',
  };
}

/** The totals per organisation type, the types in the order of their Swedish labels. */
function totalsByType(rows: FollowUpRow[]): FollowUp['byType'] {
  const types = [...new Set(rows.map((r) => r.type))].sort((a, b) =>
    organisationTypeLabel(a).localeCompare(organisationTypeLabel(b), 'sv'),
  );
  return types.map((t) => ({ type: t, typeLabel: organisationTypeLabel(t), ...totalsOf(rows.filter((r) => r.type === t)) }));
}

/** The contacts (not erased) who opted out, and those whose address bounced. */
function unreachableLists(organisations: PlannedOrganisation[]): Pick<FollowUp, 'optedOut' | 'bounced'> {
  const orgName = new Map(organisations.map((o) => [o.id, o.name]));
  const contacts = organisations.flatMap((o) => o.contacts).filter((c) => !c.erasedAt);
  const organisationName = (c: MailContact) => orgName.get(c.organisationId) ?? '';
  return {
    optedOut: contacts
      .filter((c) => c.optedOutAt)
      .map((c) => ({ contactId: c.id, name: c.name, organisationName: organisationName(c), optedOutAt: c.optedOutAt! })),
    bounced: contacts
      .filter((c) => c.bouncedAt)
      .map((c) => ({
        contactId: c.id,
        name: c.name,
        email: c.email,
        organisationName: organisationName(c),
        bouncedAt: c.bouncedAt!,
        reason: c.bounceReason,
      })),
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
  const rows = plan.organisations.map((o) => followUpRow(o, invitations.get(o.id), responses.get(o.id), mail.get(o.id)));
  return { round, rows, totals: totalsOf(rows), byType: totalsByType(rows), ...unreachableLists(plan.organisations) };
}

/** A cell that a spreadsheet would read as a formula gets a leading apostrophe. */
export function csvSafe(v: string | null | undefined): string {
  const s = (v ?? '').replace(/\r\n?|\n/g, ' ');
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

function csvCell(v: string): string {
  return /[";\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const NON_RESPONDER_HEADER = [
  'Organisation',
  'Typ',
  'Kontaktperson',
  'E-post',
  'Telefon',
  'E-poststatus',
  'Inbjuden',
  'Öppnat länken',
  'Påbörjat',
];

/** The lines of one organisation that has not submitted: one per contact, or one saying it has none. */
function nonResponderLines(r: FollowUpRow, contacts: MailContact[]): string[][] {
  const yesNo = (v: unknown) => (v ? 'ja' : 'nej');
  const head = [r.name, r.typeLabel];
  const tail = [yesNo(r.invitedAt), yesNo(r.openedAt), yesNo(r.startedAt)];
  if (!contacts.length) return [[...head, '', '', '', 'Saknar kontaktperson', ...tail]];
  return contacts.map((c) => [...head, c.name ?? '', c.email ?? '', c.phone ?? '', c.reason ?? 'Kan nås', ...tail]);
}

/** The organisations that have not submitted, one line per contact, for phone follow-up (UTF-8 with BOM, semicolons). */
export async function nonRespondersCsv(db: Knex, actor: Actor, roundId: number): Promise<{ csv: string; organisations: number }> {
  const f = await followUp(db, roundId);
  const plan = await recipientPlan(db, f.round);
  const contactsOf = new Map(plan.organisations.map((o) => [o.id, o.contacts.filter((c) => !c.erasedAt)]));
  const missing = f.rows.filter((r) => !r.submitted);
  const lines = [NON_RESPONDER_HEADER, ...missing.flatMap((r) => nonResponderLines(r, contactsOf.get(r.organisationId) ?? []))];
  await audit(db, actor, 'mail.nonresponders_exported', { type: 'round', id: roundId }, { organisations: missing.length });
  return {
    csv: '\uFEFF' + lines.map((l) => l.map((v) => csvCell(csvSafe(v))).join(';')).join('\r\n') + '\r\n',
    organisations: missing.length,
  };
}
