// Panels (a named set of organisations, e.g. "Partnerskapet för regional utveckling") and who is
// in them per year.
import type { Knex } from 'knex';
import { nowIso } from '../db';

export interface Panel {
  id: number;
  slug: string;
  name: string;
  description: string | null;
  createdAt: string;
}

function toPanel(r: Record<string, unknown>): Panel {
  return {
    id: Number(r.id),
    slug: String(r.slug),
    name: String(r.name),
    description: r.description === null || r.description === undefined ? null : String(r.description),
    createdAt: String(r.created_at),
  };
}

export async function listPanels(db: Knex): Promise<Panel[]> {
  return (await db('panels').orderBy('name')).map(toPanel);
}

export async function findPanel(db: Knex, id: number): Promise<Panel | null> {
  const r = await db('panels').where({ id }).first();
  return r ? toPanel(r) : null;
}

export async function findPanelBySlug(db: Knex, slug: string): Promise<Panel | null> {
  const r = await db('panels').where({ slug }).first();
  return r ? toPanel(r) : null;
}

export async function insertPanel(db: Knex, p: { slug: string; name: string; description: string | null }): Promise<number> {
  const [row] = await db('panels').insert({ slug: p.slug, name: p.name, description: p.description, created_at: nowIso() }).returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export async function updatePanel(db: Knex, id: number, p: { name: string; description: string | null }): Promise<void> {
  await db('panels').where({ id }).update({ name: p.name, description: p.description });
}

/** Number of member organisations per panel and year. */
export async function membershipCounts(db: Knex): Promise<Array<{ panelId: number; year: number; count: number }>> {
  const rows = await db('panel_memberships').select('panel_id', 'year').count({ n: '*' }).groupBy('panel_id', 'year').orderBy('year');
  return rows.map((r: Record<string, unknown>) => ({ panelId: Number(r.panel_id), year: Number(r.year), count: Number(r.n) }));
}

export async function memberIds(db: Knex, panelId: number, year: number): Promise<number[]> {
  const rows = await db('panel_memberships').where({ panel_id: panelId, year }).select('organisation_id');
  return rows.map((r: Record<string, unknown>) => Number(r.organisation_id));
}

/** Adds the organisations to the panel for the year; those already in it are left as they are. Returns how many were added. */
export async function addMembers(db: Knex, panelId: number, year: number, organisationIds: number[]): Promise<number> {
  const existing = new Set(await memberIds(db, panelId, year));
  const add = [...new Set(organisationIds)].filter((id) => !existing.has(id));
  for (let i = 0; i < add.length; i += 500) {
    await db('panel_memberships').insert(add.slice(i, i + 500).map((organisation_id) => ({ panel_id: panelId, organisation_id, year })));
  }
  return add.length;
}

export async function removeMembers(db: Knex, panelId: number, year: number, organisationIds: number[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < organisationIds.length; i += 500) {
    n += await db('panel_memberships')
      .where({ panel_id: panelId, year })
      .whereIn('organisation_id', organisationIds.slice(i, i + 500))
      .delete();
  }
  return n;
}
