// E-mail: opt-out links and the record of scheduled reminders.
// - mail_optout_tokens: every e-mail carries its own opt-out link with a 256-bit token; only the
//   SHA-256 is kept, with the contact it opts out (and the outbox row it was made for).
// - mail_reminder_runs: one row per round and "days before closing" once the scheduled reminder
//   has been queued (or skipped), so the scheduler queues each scheduled reminder exactly once,
//   also with several app instances (the unique key decides).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mail_optout_tokens', (t) => {
    t.increments('id').primary();
    t.string('token_hash', 64).notNullable().unique();
    t.integer('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
    t.integer('outbox_id').nullable().references('id').inTable('email_outbox').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.index(['contact_id']);
  });
  await knex.schema.createTable('mail_reminder_runs', (t) => {
    t.increments('id').primary();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('days_before').notNullable();
    t.string('outcome', 20).notNullable(); // queued | skipped
    t.integer('messages').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['round_id', 'days_before']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mail_reminder_runs');
  await knex.schema.dropTable('mail_optout_tokens');
}
