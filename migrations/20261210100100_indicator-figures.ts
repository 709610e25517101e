// Issue 10: the indicator figures computed once and kept. `indicator_figures` holds computed
// figures (a row of the table, the breakdowns) per year and key, each with the stamp it was
// computed under; `indicator_generations` a counter per year (year 0: what belongs to no year —
// the indicators' definitions, organisations' type and municipality) that every change the figures
// depend on bumps in the same transaction (the triggers of the next migration). A kept figure is
// used only while its stamp still matches the counters, so every app instance sees every change.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('indicator_generations', (t) => {
    t.integer('year').primary();
    t.integer('generation').notNullable().defaultTo(0);
  });
  await knex.schema.createTable('indicator_figures', (t) => {
    t.integer('year').notNullable();
    t.string('key', 120).notNullable(); // row:<indicator> | breakdowns:<indicator>
    t.string('stamp', 200).notNullable();
    t.text('payload').notNullable(); // JSON
    t.timestamp('computed_at', { useTz: true }).notNullable();
    t.primary(['year', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('indicator_figures');
  await knex.schema.dropTable('indicator_generations');
}
