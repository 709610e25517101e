// Where a round's reminders stand: when the last one went and to how many, when the next
// scheduled one goes, and the check that asks before a reminder goes out less than a day after
// the previous one. "The last reminder" is read from the audit log's mail.reminders_queued entries
// (one per reminder sent, by hand or by the scheduler, written in the transaction that queued it).
import type { Knex } from 'knex';
import { ValidationError } from '../errors';
import type { MailRound } from '../repositories/mailings';
import { reminderDaysDone } from '../repositories/reminder-runs';
import { listAudit } from './audit';
import { formatStockholmDeadline } from './stockholm-time';

const DAY_MS = 86400_000;

export interface LastReminder {
  at: string;
  organisations: number;
  messages: number;
  scheduled: boolean;
  /** Who sent it (a staff account's name); null for the scheduler. */
  byName: string | null;
}

export async function lastReminder(db: Knex, roundId: number): Promise<LastReminder | null> {
  const [entry] = await listAudit(db, { limit: 1, entityType: 'round', entityId: String(roundId), action: 'mail.reminders_queued' });
  if (!entry) return null;
  const d = entry.details ?? {};
  return {
    at: entry.at,
    organisations: Number(d.organisations ?? 0),
    messages: Number(d.messages ?? 0),
    scheduled: d.scheduled === true,
    byName: entry.actorName,
  };
}

/** When the next scheduled reminder of an open round goes (its time, days before closing), or null when none is left. */
export async function nextScheduledReminder(
  db: Knex,
  round: Pick<MailRound, 'id' | 'state' | 'closesAt' | 'reminderDays'>,
  now: Date = new Date(),
): Promise<{ at: string; daysBefore: number } | null> {
  if (round.state !== 'oppen' || !round.closesAt || !round.reminderDays.length) return null;
  const closes = new Date(round.closesAt).getTime();
  if (closes <= now.getTime()) return null;
  const done = await reminderDaysDone(db, round.id);
  const left = round.reminderDays
    .filter((d) => !done.has(d))
    .map((d) => ({ daysBefore: d, ms: Math.max(closes - d * DAY_MS, now.getTime()) }))
    .sort((a, b) => a.ms - b.ms);
  return left.length ? { at: new Date(left[0].ms).toISOString(), daysBefore: left[0].daysBefore } : null;
}

/** Whether the last reminder went less than a day before `now`. */
export function isRecent(last: LastReminder | null, now: Date = new Date()): boolean {
  return !!last && now.getTime() - new Date(last.at).getTime() < DAY_MS;
}

/**
 * A reminder less than a day after the previous one is sent only when the coordinator has said
 * so (the box on the reminder page): otherwise a ValidationError on the field confirm_recent.
 */
export async function assertReminderNotTooSoon(db: Knex, roundId: number, confirmed: boolean, now: Date = new Date()): Promise<void> {
  const last = await lastReminder(db, roundId);
  if (confirmed || !isRecent(last, now)) return;
  const hours = Math.floor((now.getTime() - new Date(last!.at).getTime()) / 3600_000);
  const ago = hours < 1 ? 'mindre än en timme' : hours === 1 ? 'en timme' : `${hours} timmar`;
  throw new ValidationError([
    {
      field: 'confirm_recent',
      message: `Den senaste påminnelsen skickades för ${ago} sedan (${formatStockholmDeadline(last!.at)}) till ${last!.organisations} organisationer. Kryssa i rutan om du vill skicka en ny påminnelse ändå.`,
    },
  ]);
}
