// Survey versions (a pinned copy of a survey file), rounds, invitations with their
// link tokens (hashes only), responses, answers and every kept revision of a response.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('survey_versions', (t) => {
    t.increments('id').primary();
    t.string('survey_id', 80).notNullable();
    t.string('content_hash', 64).notNullable();
    t.text('definition').notNullable(); // canonical JSON of the validated definition
    t.string('title', 300).notNullable();
    t.string('source', 20).notNullable().defaultTo('file'); // file | upload
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['survey_id', 'content_hash']);
  });
  await knex.schema.createTable('rounds', (t) => {
    t.increments('id').primary();
    t.integer('survey_version_id').notNullable().references('id').inTable('survey_versions');
    t.string('survey_id', 80).notNullable();
    t.integer('year').notNullable();
    t.integer('panel_id').notNullable().references('id').inTable('panels');
    t.string('title', 300).notNullable();
    t.string('state', 20).notNullable().defaultTo('utkast'); // utkast | oppen | stangd | publicerad
    t.timestamp('opens_at', { useTz: true }).nullable();
    t.timestamp('closes_at', { useTz: true }).nullable();
    t.string('contact_name', 200).nullable();
    t.string('contact_email', 254).nullable();
    t.boolean('confidential').notNullable().defaultTo(false);
    t.boolean('allow_changes').notNullable().defaultTo(true);
    t.boolean('send_confirmation').notNullable().defaultTo(true);
    t.json('reminder_days').nullable(); // e.g. [7, 2]
    t.boolean('imported').notNullable().defaultTo(false);
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['survey_id', 'year']);
  });
  await knex.schema.createTable('invitations', (t) => {
    t.increments('id').primary();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('organisation_id').notNullable().references('id').inTable('organisations');
    t.timestamp('invited_at', { useTz: true }).nullable();
    t.timestamp('first_opened_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['round_id', 'organisation_id']);
  });
  // A personal link: one per contact and sending; only the SHA-256 of the token is kept.
  await knex.schema.createTable('invitation_tokens', (t) => {
    t.increments('id').primary();
    t.integer('invitation_id').notNullable().references('id').inTable('invitations').onDelete('CASCADE');
    t.integer('contact_id').nullable().references('id').inTable('contacts').onDelete('SET NULL');
    t.string('token_hash', 64).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
  // One response per organisation per round: the organisation's answer.
  await knex.schema.createTable('responses', (t) => {
    t.increments('id').primary();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('organisation_id').notNullable().references('id').inTable('organisations');
    t.string('status', 20).notNullable(); // draft | submitted
    t.integer('version').notNullable().defaultTo(1); // bumped on every save: a stale form is detected
    t.integer('revision').notNullable().defaultTo(0); // number of submitted revisions
    t.integer('saved_by_contact_id').nullable().references('id').inTable('contacts').onDelete('SET NULL');
    t.timestamp('saved_at', { useTz: true }).nullable();
    t.timestamp('started_at', { useTz: true }).nullable();
    t.timestamp('submitted_at', { useTz: true }).nullable();
    t.integer('submitted_by_contact_id').nullable().references('id').inTable('contacts').onDelete('SET NULL');
    t.string('receipt_code', 40).nullable();
    t.string('source', 20).notNullable().defaultTo('web'); // web | import
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['round_id', 'organisation_id']);
  });
  // One row per chosen option (several for multiple choice) or free text.
  // item_id is the matrix statement id, '' for ordinary questions.
  await knex.schema.createTable('answers', (t) => {
    t.increments('id').primary();
    t.integer('response_id').notNullable().references('id').inTable('responses').onDelete('CASCADE');
    t.string('question_id', 80).notNullable();
    t.string('item_id', 80).notNullable().defaultTo('');
    t.string('option_code', 80).nullable();
    t.text('text_value').nullable();
    t.index(['response_id']);
    t.index(['question_id', 'option_code']);
  });
  await knex.schema.createTable('response_revisions', (t) => {
    t.increments('id').primary();
    t.integer('response_id').notNullable().references('id').inTable('responses').onDelete('CASCADE');
    t.integer('revision').notNullable();
    t.string('kind', 20).notNullable(); // draft | submitted
    t.json('answers').notNullable();
    t.integer('contact_id').nullable().references('id').inTable('contacts').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['response_id']);
  });
  await knex.schema.createTable('round_templates', (t) => {
    t.increments('id').primary();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.string('kind', 20).notNullable(); // invitation | reminder | confirmation
    t.string('locale', 5).notNullable();
    t.string('subject', 300).notNullable();
    t.text('body').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['round_id', 'kind', 'locale']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'round_templates',
    'response_revisions',
    'answers',
    'responses',
    'invitation_tokens',
    'invitations',
    'rounds',
    'survey_versions',
  ])
    await knex.schema.dropTable(t);
}
