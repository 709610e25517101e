// Attendance recorded by the check-in link before check-ins became claims was one person's word:
// it becomes a claim waiting for the coordinator's confirmation, and stops counting until then.
// (Published years keep their published figures.)
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  const rows = await knex('attendance').where({ source: 'checkin' }).select('id', 'meeting_id', 'organisation_id', 'created_at');
  for (const r of rows as Array<{ id: number; meeting_id: number; organisation_id: number; created_at: string }>) {
    await knex('meeting_checkins')
      .insert({
        meeting_id: r.meeting_id,
        organisation_id: r.organisation_id,
        browser_hash: null,
        created_at: r.created_at,
        confirmed_at: null,
      })
      .onConflict(['meeting_id', 'organisation_id'])
      .ignore();
    await knex('attendance').where({ id: r.id }).delete();
  }
}

export async function down(knex: Knex): Promise<void> {
  const rows = await knex('meeting_checkins').whereNull('confirmed_at').select('meeting_id', 'organisation_id', 'created_at');
  for (const r of rows as Array<{ meeting_id: number; organisation_id: number; created_at: string }>) {
    await knex('attendance')
      .insert({ meeting_id: r.meeting_id, organisation_id: r.organisation_id, source: 'checkin', created_at: r.created_at })
      .onConflict(['meeting_id', 'organisation_id'])
      .ignore();
  }
}
