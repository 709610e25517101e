// Årshjul meetings and attendance; indicators, targets (målvärde), historical/manual values,
// comments and published snapshots; the e-mail outbox.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('meetings', (t) => {
    t.increments('id').primary();
    t.integer('panel_id').notNullable().references('id').inTable('panels');
    t.integer('year').notNullable();
    t.string('type', 20).notNullable(); // arbetsmote | riktningsmote | arskonferens
    t.string('held_on', 10).notNullable(); // YYYY-MM-DD
    t.string('place', 200).nullable();
    t.string('checkin_token_hash', 64).nullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['panel_id', 'year']);
  });
  await knex.schema.createTable('attendance', (t) => {
    t.increments('id').primary();
    t.integer('meeting_id').notNullable().references('id').inTable('meetings').onDelete('CASCADE');
    t.integer('organisation_id').notNullable().references('id').inTable('organisations');
    t.string('source', 20).notNullable().defaultTo('checklist'); // checklist | checkin
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['meeting_id', 'organisation_id']);
  });
  await knex.schema.createTable('indicators', (t) => {
    t.string('id', 80).primary();
    t.string('survey_id', 80).nullable();
    t.string('kind', 20).notNullable(); // survey | attendance | manual
    t.text('name').notNullable();
    t.string('goal', 300).nullable();
    t.string('level', 20).nullable(); // effektmal | namndmal | uppdrag
    t.string('unit', 20).notNullable().defaultTo('percent');
    t.string('direction', 10).notNullable().defaultTo('higher');
    t.json('definition').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('indicator_targets', (t) => {
    t.increments('id').primary();
    t.string('indicator_id', 80).notNullable().references('id').inTable('indicators');
    t.integer('year').notNullable();
    t.decimal('target', 9, 4).notNullable();
    t.integer('set_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('set_at', { useTz: true }).notNullable();
    t.unique(['indicator_id', 'year']);
  });
  // Values from earlier tools (since 2019) and for manual indicators, with their source.
  await knex.schema.createTable('indicator_values', (t) => {
    t.increments('id').primary();
    t.string('indicator_id', 80).notNullable().references('id').inTable('indicators');
    t.integer('year').notNullable();
    t.integer('numerator').nullable();
    t.integer('denominator').nullable();
    t.decimal('value', 12, 6).nullable();
    t.string('source', 300).notNullable();
    t.text('comment').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['indicator_id', 'year']);
  });
  await knex.schema.createTable('indicator_comments', (t) => {
    t.increments('id').primary();
    t.string('indicator_id', 80).notNullable().references('id').inTable('indicators');
    t.integer('year').notNullable();
    t.text('comment').nullable();
    t.string('status_override', 20).nullable(); // helt | delvis | inte_alls | varde_saknas
    t.text('status_reason').nullable();
    t.integer('updated_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['indicator_id', 'year']);
  });
  // A published year is frozen as a snapshot; a correction is a new version with a reason.
  await knex.schema.createTable('publications', (t) => {
    t.increments('id').primary();
    t.integer('year').notNullable();
    t.integer('version').notNullable();
    t.text('reason').nullable();
    t.json('snapshot').notNullable();
    t.integer('published_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('published_at', { useTz: true }).notNullable();
    t.unique(['year', 'version']);
  });
  await knex.schema.createTable('email_outbox', (t) => {
    t.increments('id').primary();
    t.string('kind', 20).notNullable(); // invitation | reminder | confirmation | account | other
    t.integer('round_id').nullable().references('id').inTable('rounds').onDelete('SET NULL');
    t.integer('organisation_id').nullable().references('id').inTable('organisations');
    t.integer('contact_id').nullable().references('id').inTable('contacts').onDelete('SET NULL');
    t.string('to_address', 254).nullable(); // cleared when the contact is erased
    t.string('subject', 300).notNullable();
    t.text('text_body').nullable(); // cleared after sending: it holds the personal link
    t.text('html_body').nullable();
    t.json('headers').nullable();
    t.string('message_id', 200).notNullable().unique();
    t.string('status', 20).notNullable().defaultTo('queued'); // queued | sending | sent | failed | bounced
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    t.timestamp('claimed_at', { useTz: true }).nullable();
    t.string('claimed_by', 100).nullable();
    t.timestamp('sent_at', { useTz: true }).nullable();
    t.text('last_error').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['status', 'next_attempt_at']);
    t.index(['round_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'email_outbox',
    'publications',
    'indicator_comments',
    'indicator_values',
    'indicator_targets',
    'indicators',
    'attendance',
    'meetings',
  ])
    await knex.schema.dropTable(t);
}
