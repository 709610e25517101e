// One row per send of invitations or reminders (the coordinator's press of "Skicka inbjudningar"
// or "Påminn de som inte svarat", or a scheduled reminder), so a send is made once:
// - request_key is unique: the send-request id from the form (random, one per rendering of the
//   page), or "reminder:<round>:<days before closing>" for a scheduled reminder. A second press of
//   the same form — a double click, a retried request, another app instance — finds the first.
// - email_outbox.send_id ties each queued e-mail to its send, unique per send, organisation and
//   contact: one send can never queue two e-mails to the same contact. (No foreign key: adding one
//   to an existing table would make SQLite rebuild email_outbox; the send rows are never deleted
//   before their round, and the id is only read together with its round.)
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mail_sends', (t) => {
    t.increments('id').primary();
    t.string('request_key', 100).notNullable().unique();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.string('kind', 20).notNullable(); // invitation | reminder
    t.string('scope', 20).notNullable(); // not_invited | chosen | not_submitted | scheduled
    t.integer('requested_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.integer('organisations').notNullable().defaultTo(0);
    t.integer('messages').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['round_id', 'kind']);
  });
  await knex.schema.alterTable('email_outbox', (t) => {
    t.integer('send_id').nullable();
    t.unique(['send_id', 'organisation_id', 'contact_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_outbox', (t) => {
    t.dropUnique(['send_id', 'organisation_id', 'contact_id']);
    t.dropColumn('send_id');
  });
  await knex.schema.dropTable('mail_sends');
}
