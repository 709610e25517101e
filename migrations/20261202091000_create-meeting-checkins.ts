// Check-ins through a meeting's link are claims (issue 9): an attendee says "my organisation is
// here", and the coordinator confirms it on the meeting's checklist before it counts as
// attendance. One organisation per browser (browser_hash: the SHA-256 of a random cookie).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('meeting_checkins', (t) => {
    t.increments('id').primary();
    t.integer('meeting_id').notNullable().references('id').inTable('meetings').onDelete('CASCADE');
    t.integer('organisation_id').notNullable().references('id').inTable('organisations');
    t.string('browser_hash', 64).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('confirmed_at', { useTz: true }).nullable();
    t.unique(['meeting_id', 'organisation_id']);
    t.index(['meeting_id', 'browser_hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('meeting_checkins');
}
