// Panels (a named set of organisations, e.g. "Partnerskapet för regional utveckling") and who is
// in them per year.
import type { Knex } from 'knex';
import { nowIso } from '../db';
import type { PanelRow } from './tables';

export interface Panel {
  id: number;
  slug: string;
  name: string;
  description: string | null;
  createdAt: string;
}

/** Rows per insert or whereIn (SQLite allows 999 bound values per statement). */
const CHUNK = 500;

function toPanel(r: PanelRow): Panel {
  return { id: r.id, slug: r.slug, name: r.name, description: r.description ?? null, createdAt: r.created_at };
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
  return row.id;
}

export async function updatePanel(db: Knex, id: number, p: { name: string; description: string | null }): Promise<void> {
  await db('panels').where({ id }).update({ name: p.name, description: p.description });
}

/** Number of member organisations per panel and year. */
export async function membershipCounts(db: Knex): Promise<Array<{ panelId: number; year: number; count: number }>> {
  const rows = await db('panel_memberships').select('panel_id', 'year').count({ n: '*' }).groupBy('panel_id', 'year').orderBy('year');
  return rows.map((r) => ({ panelId: r.panel_id, year: r.year, count: Number(r.n) }));
}

export async function memberIds(db: Knex, panelId: number, year: number): Promise<number[]> {
  return db('panel_memberships').where({ panel_id: panelId, year }).pluck('organisation_id');
}

/** The members of the panel in the year whose organisation is active. */
export async function activeMemberIds(db: Knex, panelId: number, year: number): Promise<number[]> {
  const rows = await db('panel_memberships as m')
    .join('organisations as o', 'o.id', 'm.organisation_id')
    .where({ 'm.panel_id': panelId, 'm.year': year, 'o.active': true })
    .select<Array<{ id: number }>>('o.id');
  return rows.map((r) => r.id);
}

/** Adds the organisations to the panel for the year; those already in it are left as they are. Returns how many were added. */
export async function addMembers(db: Knex, panelId: number, year: number, organisationIds: number[]): Promise<number> {
  const existing = new Set(await memberIds(db, panelId, year));
  const add = [...new Set(organisationIds)].filter((id) => !existing.has(id));
  for (let i = 0; i < add.length; i += CHUNK) {
    await db('panel_memberships').insert(add.slice(i, i + CHUNK).map((organisation_id) => ({ panel_id: panelId, organisation_id, year })));
  }
  return add.length;
}

export async function removeMembers(db: Knex, panelId: number, year: number, organisationIds: number[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < organisationIds.length; i += CHUNK) {
    n += await db('panel_memberships')
      .where({ panel_id: panelId, year })
      .whereIn('organisation_id', organisationIds.slice(i, i + CHUNK))
      .delete();
  }
  return n;
}
