// The survey editor and test answers.
// - survey_versions: who made a version (created_by), the version it was made from
//   (parent_version_id; null for a file, an upload or a survey started from scratch) and a note
//   ("what changed"); versions made in the browser have source 'editor'.
// - survey_drafts: a version being edited in the browser. The document is the survey in the
//   shape of its YAML file (JSON); a draft is only ever saved when it is a valid survey. Marking
//   it ready makes it a survey version (immutable) and removes the draft. `revision` is bumped on
//   every save, so a stale form never overwrites a newer save silently; `confirmed` lists the
//   changes of the public interface (ids, codes, options an indicator counts) the editor has
//   explicitly accepted.
// - round_test_links: a test link per round (only the SHA-256 of the token is kept).
// - test_responses: answers given through a test link. A table of their own, so no query for a
//   figure, an export, a response rate or the raw answers (all of which read `responses` and
//   `answers`) can ever count them.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('survey_versions', (t) => {
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.integer('parent_version_id').nullable().references('id').inTable('survey_versions');
    t.string('note', 500).nullable();
  });
  await knex.schema.createTable('survey_drafts', (t) => {
    t.increments('id').primary();
    t.string('survey_id', 80).notNullable();
    t.integer('parent_version_id').nullable().references('id').inTable('survey_versions');
    t.text('document').notNullable();
    t.text('confirmed').notNullable().defaultTo('[]');
    t.string('note', 500).nullable();
    t.integer('revision').notNullable().defaultTo(1);
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.integer('updated_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['survey_id']);
  });
  await knex.schema.createTable('round_test_links', (t) => {
    t.increments('id').primary();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique();
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.index(['round_id']);
  });
  await knex.schema.createTable('test_responses', (t) => {
    t.increments('id').primary();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('test_link_id').nullable().references('id').inTable('round_test_links').onDelete('SET NULL');
    t.integer('survey_version_id').notNullable().references('id').inTable('survey_versions');
    t.text('answers').notNullable(); // JSON: the checked answers, as stored for a real response
    t.string('locale', 5).notNullable();
    t.timestamp('submitted_at', { useTz: true }).notNullable();
    t.index(['round_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('test_responses');
  await knex.schema.dropTable('round_test_links');
  await knex.schema.dropTable('survey_drafts');
  await knex.schema.alterTable('survey_versions', (t) => {
    t.dropColumn('note');
    t.dropColumn('parent_version_id');
    t.dropColumn('created_by');
  });
}
