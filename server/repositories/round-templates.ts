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
