// Issue 10: a submit queues its confirmation e-mail as one row here, in its own transaction; the
// outbox worker prepares the e-mail (recipients, language, template, a new personal link) and
// writes it to email_outbox, deleting the row in the same transaction — so a confirmation is
// neither lost (a crash before the worker ran leaves the row) nor written twice (two workers on
// PostgreSQL skip each other's locked rows). What the submit knew is kept: who submitted and the
// receipt code of that submit.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('confirmation_queue', (t) => {
    t.increments('id').primary();
    t.integer('response_id').notNullable().references('id').inTable('responses').onDelete('CASCADE');
    t.integer('contact_id').nullable().references('id').inTable('contacts').onDelete('SET NULL');
    t.string('receipt_code', 32).nullable();
    t.string('created_at', 32).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('confirmation_queue');
}
