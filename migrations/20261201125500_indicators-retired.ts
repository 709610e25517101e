// Indicators that are no longer declared in any survey file are kept (their targets, values,
// comments and publications refer to them) but marked retired, so the indicator table no longer
// lists them. Sync clears the mark when the indicator comes back.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('indicators', (t) => {
    t.timestamp('retired_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('indicators', (t) => {
    t.dropColumn('retired_at');
  });
}
