// Staff accounts and roles, one-time setup links, sessions (shared by all app instances),
// API tokens, settings and the audit log.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('email', 254).notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('password_hash', 200).nullable(); // null until the account's setup link is used
    t.string('role', 20).notNullable(); // admin | coordinator | analyst
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('session_epoch').notNullable().defaultTo(0); // bumped to end every session of the user
    t.string('locale', 5).notNullable().defaultTo('sv');
    t.timestamp('last_login_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('setup_tokens', (t) => {
    t.increments('id').primary();
    t.string('token_hash', 64).notNullable().unique();
    t.string('purpose', 20).notNullable(); // first_admin | account_setup
    t.integer('user_id').nullable().references('id').inTable('users').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  // Same layout as connect-session-knex expects.
  await knex.schema.createTable('sessions', (t) => {
    t.string('sid', 255).primary();
    t.json('sess').notNullable();
    t.timestamp('expired', { useTz: true }).notNullable().index();
  });
  await knex.schema.createTable('api_tokens', (t) => {
    t.increments('id').primary();
    t.string('name', 200).notNullable();
    t.string('token_hash', 64).notNullable().unique();
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
  await knex.schema.createTable('settings', (t) => {
    t.string('key', 100).primary();
    t.text('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  // Who did what. Holds ids and field names, never copies of personal data.
  await knex.schema.createTable('audit_log', (t) => {
    t.increments('id').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.integer('actor_user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('actor', 100).notNullable(); // "user", "cli", "system", "respondent"
    t.string('action', 100).notNullable();
    t.string('entity_type', 50).nullable();
    t.string('entity_id', 50).nullable();
    t.json('details').nullable();
    t.index(['entity_type', 'entity_id']);
    t.index(['at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['audit_log', 'settings', 'api_tokens', 'sessions', 'setup_tokens', 'users']) await knex.schema.dropTable(t);
}
