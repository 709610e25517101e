// Pending CSV imports of the register: the parsed rows are kept here between the preview and the
// confirm step (so any app instance can finish an import another instance previewed). Rows hold
// contact data, so they expire after an hour and are deleted after use or by the purge command.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('register_imports', (t) => {
    t.string('id', 64).primary(); // random, unguessable
    t.integer('user_id').nullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('file_name', 300).nullable();
    t.integer('row_count').notNullable();
    t.text('content').notNullable(); // JSON: the parsed rows and column names
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('register_imports');
}
