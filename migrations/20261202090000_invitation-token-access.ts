// What a personal link may do (issue 9): 'answer' opens and changes the organisation's answer;
// 'status' only tells whether the organisation has answered. In a confidential round a link
// issued after the organisation began answering — to a contact who had no link before, or after
// the organisation submitted — gets 'status', so no staff member can read or change the answer
// through a link they had sent to an address of their own. Links made before keep 'answer'.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invitation_tokens', (t) => {
    t.string('access', 16).notNullable().defaultTo('answer');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invitation_tokens', (t) => {
    t.dropColumn('access');
  });
}
