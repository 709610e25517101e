// Issue 10: a submit's confirmation e-mail is written in the language of the contact's latest
// invitation or reminder: that lookup reads the organisation's contacts' messages by this index
// instead of every message of the round (it grew with the round). An index only: no table is
// rebuilt, so the indicator triggers (20261210100200) stay as they are.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_outbox', (t) => {
    t.index(['contact_id', 'round_id'], 'email_outbox_contact_round_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_outbox', (t) => {
    t.dropIndex(['contact_id', 'round_id'], 'email_outbox_contact_round_index');
  });
}
