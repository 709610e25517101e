// Scheduled background jobs across all app instances: one row per job (the daily housekeeping,
// the record of the last backup). An instance runs a job only while it holds the row's lease
// (holder + lease_until, taken with a conditional update), so a job runs once however many
// instances there are; next_run_at says when it is due again.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('background_leases', (t) => {
    t.string('name', 50).primary();
    t.string('holder', 100).nullable();
    t.timestamp('lease_until', { useTz: true }).nullable();
    t.timestamp('next_run_at', { useTz: true }).nullable();
    t.timestamp('last_started_at', { useTz: true }).nullable();
    t.timestamp('last_finished_at', { useTz: true }).nullable();
    t.text('last_result').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('background_leases');
}
