// The kept indicator figures (issue 10): a counter per year that the database's triggers bump on
// every change the figures depend on (migrations/20261210100200_indicator-generation-triggers.ts),
// and the figures computed under a stamp of those counters.
import type { Knex } from 'knex';
import { json, nowIso } from '../db';

/** The counters of `years` (0 for a year that has never changed). */
export async function generationsOf(db: Knex, years: number[]): Promise<Map<number, number>> {
  const rows = await db('indicator_generations').whereIn('year', years).select('year', 'generation');
  const out = new Map(years.map((y) => [y, 0]));
  for (const r of rows) out.set(Number(r.year), Number(r.generation));
  return out;
}

export interface KeptFigure {
  key: string;
  stamp: string;
  payload: unknown;
}

/** The kept figures of a year among `keys`, whatever their stamp. */
export async function keptFigures(db: Knex, year: number, keys: string[]): Promise<KeptFigure[]> {
  if (keys.length === 0) return [];
  const rows = await db('indicator_figures').where({ year }).whereIn('key', keys).select('key', 'stamp', 'payload');
  return rows.map((r) => ({ key: r.key, stamp: r.stamp, payload: json<unknown>(r.payload) }));
}

/** Keeps figures of a year computed under `stamp` (replacing what was kept under any stamp). */
export async function keepFigures(db: Knex, year: number, stamp: string, figures: Array<{ key: string; payload: unknown }>): Promise<void> {
  if (figures.length === 0) return;
  const computedAt = nowIso();
  const rows = figures.map((f) => ({ year, key: f.key, stamp, payload: JSON.stringify(f.payload), computed_at: computedAt }));
  await db('indicator_figures').insert(rows).onConflict(['year', 'key']).merge(['stamp', 'payload', 'computed_at']);
}
