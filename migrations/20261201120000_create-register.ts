// The partnership register: organisations, their contacts, panels and who is in them per year.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organisations', (t) => {
    t.increments('id').primary();
    t.string('name', 300).notNullable();
    t.string('organisation_number', 20).nullable().unique();
    t.string('type', 40).notNullable();
    t.string('municipality', 100).nullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['name']);
  });
  await knex.schema.createTable('contacts', (t) => {
    t.increments('id').primary();
    t.integer('organisation_id').notNullable().references('id').inTable('organisations');
    t.string('name', 200).nullable(); // null once erased
    t.string('email', 254).nullable(); // null once erased
    t.string('phone', 40).nullable();
    t.string('role', 200).nullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('opted_out_at', { useTz: true }).nullable();
    t.timestamp('bounced_at', { useTz: true }).nullable();
    t.string('bounce_reason', 500).nullable();
    t.timestamp('erased_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['organisation_id']);
    t.index(['email']);
  });
  await knex.schema.createTable('panels', (t) => {
    t.increments('id').primary();
    t.string('slug', 80).notNullable().unique();
    t.string('name', 200).notNullable();
    t.text('description').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('panel_memberships', (t) => {
    t.increments('id').primary();
    t.integer('panel_id').notNullable().references('id').inTable('panels').onDelete('CASCADE');
    t.integer('organisation_id').notNullable().references('id').inTable('organisations');
    t.integer('year').notNullable();
    t.unique(['panel_id', 'organisation_id', 'year']);
    t.index(['panel_id', 'year']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('panel_memberships');
  await knex.schema.dropTable('panels');
  await knex.schema.dropTable('contacts');
  await knex.schema.dropTable('organisations');
}
