// A round's own e-mail templates (table round_templates): subject and body per kind and locale,
// written by a coordinator. Without one, the shipped default (views/emails/) is used.
import type { Knex } from 'knex';

export interface StoredTemplate {
  subject: string;
  body: string;
  updatedAt: string;
}

export async function findRoundTemplate(db: Knex, roundId: number, kind: string, locale: string): Promise<StoredTemplate | null> {
  const r = await db('round_templates').where({ round_id: roundId, kind, locale }).first();
  return r ? { subject: r.subject, body: r.body, updatedAt: r.updated_at } : null;
}

export async function saveRoundTemplate(
  db: Knex,
  roundId: number,
  kind: string,
  locale: string,
  t: { subject: string; body: string },
  now: string,
): Promise<void> {
  await db('round_templates')
    .insert({ round_id: roundId, kind, locale, subject: t.subject, body: t.body, updated_at: now })
    .onConflict(['round_id', 'kind', 'locale'])
    .merge({ subject: t.subject, body: t.body, updated_at: now });
}

/** Deletes the round's own template; returns how many rows went (0 when the default was in use). */
export async function deleteRoundTemplate(db: Knex, roundId: number, kind: string, locale: string): Promise<number> {
  return Number(await db('round_templates').where({ round_id: roundId, kind, locale }).delete());
}

/** Copies every template of one round to another (a round made from last year's); returns how many. */
export async function copyRoundTemplates(db: Knex, fromRoundId: number, toRoundId: number, now: string): Promise<number> {
  const rows = await db('round_templates').where({ round_id: fromRoundId }).select('kind', 'locale', 'subject', 'body');
  if (rows.length === 0) return 0;
  await db('round_templates').insert(
    rows.map((r) => ({ round_id: toRoundId, kind: r.kind, locale: r.locale, subject: r.subject, body: r.body, updated_at: now })),
  );
  return rows.length;
}

/** How many templates of its own the round has. */
export async function countRoundTemplates(db: Knex, roundId: number): Promise<number> {
  const [row] = await db('round_templates').where({ round_id: roundId }).count<Array<{ n: number | string }>>({ n: '*' });
  return Number(row?.n ?? 0);
}
