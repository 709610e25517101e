// Scheduled reminders already handled (table mail_reminder_runs): one row per round and "days
// before closing", whose unique key keeps two app instances from both queueing the same reminder.
import type { Knex } from 'knex';
import { nowIso } from '../db';

/** The days-before-closing of the round's scheduled reminders that are already queued or skipped. */
export async function reminderDaysDone(db: Knex, roundId: number): Promise<Set<number>> {
  const rows = await db('mail_reminder_runs').where({ round_id: roundId }).select('days_before');
  return new Set(rows.map((r) => Number(r.days_before)));
}

/**
 * Records the reminder `daysBefore` of the round as queued or skipped. False when it was already
 * recorded (by this or another instance): then nothing is to be queued.
 */
export async function claimReminderRun(db: Knex, roundId: number, daysBefore: number, outcome: 'queued' | 'skipped'): Promise<boolean> {
  const [claimed] = await db('mail_reminder_runs')
    .insert({ round_id: roundId, days_before: daysBefore, outcome, messages: 0, created_at: nowIso() })
    .onConflict(['round_id', 'days_before'])
    .ignore()
    .returning('id');
  return Boolean(claimed);
}

export async function setReminderRunMessages(db: Knex, roundId: number, daysBefore: number, messages: number): Promise<void> {
  await db('mail_reminder_runs').where({ round_id: roundId, days_before: daysBefore }).update({ messages });
}
