// Issue 11 (3 and 4): year over year, and the coordinator's control of sending and closing.
// - rounds.closed_at: when the round really closed (an early close is told to respondents as
//   "Enkäten stängdes den 1 december 2026", never as a deadline that has not come yet).
// - rounds.reply_to: the reply address sent as Reply-To on every e-mail of the round; null means
//   the round's contact person's address.
// - rounds.invitations_at: the invitations are sent at this time by the background worker;
//   rounds.invitations_queued_at is set by the one instance that queued them (a conditional update
//   only one instance wins), so the scheduled sending happens once.
// - contacts.language: the language of the contact's e-mails and landing page (sv | en).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rounds', (t) => {
    t.timestamp('closed_at', { useTz: true }).nullable();
    t.string('reply_to', 254).nullable();
    t.timestamp('invitations_at', { useTz: true }).nullable();
    t.timestamp('invitations_queued_at', { useTz: true }).nullable();
  });
  await knex.schema.alterTable('contacts', (t) => {
    t.string('language', 5).notNullable().defaultTo('sv');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('contacts', (t) => {
    t.dropColumn('language');
  });
  await knex.schema.alterTable('rounds', (t) => {
    t.dropColumn('invitations_queued_at');
    t.dropColumn('invitations_at');
    t.dropColumn('reply_to');
    t.dropColumn('closed_at');
  });
}
