// Data for 20261202130000: a round closed before closed_at existed gets the best time there is —
// its closing time when it had passed by the last change of the round, else the last change
// (which, for a closed round, is when it was closed or published). Rounds that never closed stay null.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  const rows: Array<{ id: number; closes_at: string | Date | null; updated_at: string | Date }> = await knex('rounds')
    .whereIn('state', ['stangd', 'publicerad'])
    .whereNull('closed_at')
    .select('id', 'closes_at', 'updated_at');
  for (const r of rows) {
    const updated = new Date(r.updated_at).getTime();
    const closes = r.closes_at === null ? null : new Date(r.closes_at).getTime();
    const closedAt = new Date(closes !== null && closes <= updated ? closes : updated).toISOString();
    await knex('rounds').where({ id: r.id }).update({ closed_at: closedAt });
  }
}

export async function down(): Promise<void> {
  // the schema migration's down drops the column
}
