// The List-Unsubscribe header holds an opt-out token in plaintext. It leaves the `headers` column
// (which stays for the follow-up: Content-Language, Auto-Submitted) for a column of its own that
// is cleared together with the bodies once a message is sent, bounced or given up — so only the
// token's hash (mail_optout_tokens) outlives the e-mail, as with the personal links.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_outbox', (t) => {
    t.text('list_unsubscribe').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_outbox', (t) => {
    t.dropColumn('list_unsubscribe');
  });
}
