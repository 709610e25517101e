// The start page (Översikt): what needs the coordinator's attention now — the open rounds with
// their response rate ("12 av 17"), when the last reminder went and when the next scheduled one
// goes, the closing date, scheduled invitations that wait (also for a round not yet opened), the
// coming årshjul meetings, and e-mail that did not arrive (failed or bounced, the last 30 days).
// Analysts see the rounds and meetings; the e-mail problems are for coordinators (and admins).
import type { Knex } from 'knex';
import { findMailRound, recentlyBouncedContacts } from '../repositories/mailings';
import { upcomingMeetings } from '../repositories/meetings';
import { undeliveredSince } from '../repositories/outbox';
import { invitationCounts, listRoundRows } from '../repositories/rounds';
import type { Role } from '../repositories/users';
import { meetingTypeLabel } from './meetings';
import { formatResponseRate } from './numbers';
import { lastReminder, nextScheduledReminder } from './reminder-status';
import { formatStockholmDeadline, utcToStockholm } from './stockholm-time';

const DAY_MS = 86400_000;

export interface OverviewRound {
  id: number;
  title: string;
  panelName: string;
  responseRate: string;
  closesText: string;
  lastReminderText: string | null;
  lastReminderOrganisations: number;
  nextReminderText: string | null;
  invitationsText: string | null;
}

async function openRoundView(
  db: Knex,
  r: { id: number; title: string; panelName: string; closesAt: string | null },
  counts: Map<number, { invited: number; submitted: number }>,
): Promise<OverviewRound> {
  const c = counts.get(r.id)!;
  const mailRound = (await findMailRound(db, r.id))!;
  const last = await lastReminder(db, r.id);
  const next = await nextScheduledReminder(db, mailRound);
  const waiting = mailRound.invitationsAt && !mailRound.invitationsQueuedAt ? mailRound.invitationsAt : null;
  return {
    id: r.id,
    title: r.title,
    panelName: r.panelName,
    responseRate: formatResponseRate(Math.min(c.submitted, c.invited), c.invited),
    closesText: formatStockholmDeadline(r.closesAt),
    lastReminderText: last ? formatStockholmDeadline(last.at) : null,
    lastReminderOrganisations: last?.organisations ?? 0,
    nextReminderText: next ? formatStockholmDeadline(next.at) : null,
    invitationsText: waiting ? formatStockholmDeadline(waiting) : null,
  };
}

export async function overviewPage(db: Knex, role: Role, now: Date = new Date()) {
  const rows = await listRoundRows(db);
  const open = rows.filter((r) => r.state === 'oppen');
  const counts = await invitationCounts(
    db,
    open.map((r) => r.id),
  );
  const openRounds: OverviewRound[] = [];
  for (const r of open) openRounds.push(await openRoundView(db, r, counts));
  const waitingDrafts = rows
    .filter((r) => r.state === 'utkast' && r.invitationsAt && !r.invitationsQueuedAt)
    .map((r) => ({ id: r.id, title: r.title, invitationsText: formatStockholmDeadline(r.invitationsAt) }));
  const today = utcToStockholm(now.toISOString())!.date;
  const meetings = (await upcomingMeetings(db, today, 5)).map((m) => ({ ...m, typeLabel: meetingTypeLabel(m.type) }));
  const coordinates = role === 'coordinator' || role === 'admin';
  const since = new Date(now.getTime() - 30 * DAY_MS).toISOString();
  return {
    title: 'Översikt',
    openRounds,
    waitingDrafts,
    meetings,
    mail: coordinates ? { ...(await undeliveredSince(db, since)), bouncedContacts: await recentlyBouncedContacts(db, since, 10) } : null,
  };
}
