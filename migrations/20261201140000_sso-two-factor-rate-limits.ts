// Issue 13 and issue 9 (11–14): sign-in through OpenID Connect providers (an account's identity
// at a provider), two-factor authentication for local accounts (TOTP and recovery codes), rate-limit
// counters shared by every app instance, and password links that can be revoked.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Which provider subject belongs to which account (matched on e-mail at the first sign-in).
  await knex.schema.createTable('user_identities', (t) => {
    t.increments('id').primary();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('provider', 40).notNullable(); // the name in OIDC_PROVIDERS
    t.string('subject', 255).notNullable(); // the provider's `sub` claim
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_login_at', { useTz: true }).nullable();
    t.unique(['provider', 'subject']);
    t.index(['user_id']);
  });
  // One TOTP secret per account, encrypted with a key derived from SESSION_SECRET.
  await knex.schema.createTable('user_totp', (t) => {
    t.integer('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
    t.text('secret_encrypted').notNullable();
    t.bigInteger('last_time_step').notNullable().defaultTo(0); // a code is accepted once
    t.timestamp('enabled_at', { useTz: true }).notNullable();
  });
  // Recovery codes: shown once, only their SHA-256 is kept.
  await knex.schema.createTable('user_recovery_codes', (t) => {
    t.increments('id').primary();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.index(['user_id']);
  });
  // Fixed-window counters of the rate limits, shared by every instance. `reset_at` in ms since 1970.
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 200).primary();
    t.integer('hits').notNullable();
    t.bigInteger('reset_at').notNullable().index();
  });
  // A password link is void once another link of the account was used, the password changed or
  // the account was deactivated.
  await knex.schema.alterTable('setup_tokens', (t) => {
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('setup_tokens', (t) => {
    t.dropColumn('revoked_at');
  });
  for (const t of ['rate_limits', 'user_recovery_codes', 'user_totp', 'user_identities']) await knex.schema.dropTable(t);
}
