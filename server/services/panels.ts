// Panels and who is in them per year: create, rename, set the members of a year, copy a year's
// members to another year.
import type { Knex } from 'knex';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors';
import { existingOrganisationIds, listOrganisations, type Organisation } from '../repositories/organisations';
import {
  activeMemberIds,
  addMembers,
  findPanel,
  findPanelBySlug,
  insertPanel,
  memberIds,
  membershipCounts,
  listPanels,
  type Panel,
  removeMembers,
  updatePanel,
} from '../repositories/panels';
import { type Actor, audit } from './audit';
import { inTransaction } from '../repositories/transaction';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,79}$/;

export function panelInputProblems(input: { slug?: string; name: string; description?: string }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.slug !== undefined && !SLUG_PATTERN.test(input.slug))
    problems.push({
      field: 'slug',
      message: 'Kortnamnet får bara innehålla små bokstäver a–z, siffror och bindestreck (högst 80 tecken), t.ex. "partnerskapet".',
    });
  if (!input.name.trim()) problems.push({ field: 'name', message: 'Ange panelens namn.' });
  else if (input.name.trim().length > 200) problems.push({ field: 'name', message: 'Namnet får vara högst 200 tecken långt.' });
  if ((input.description ?? '').length > 2000)
    problems.push({ field: 'description', message: 'Beskrivningen får vara högst 2 000 tecken lång.' });
  return problems;
}

// For the pages that choose a panel: every panel by name, and one panel (null when missing).
export { findPanel, listPanels, type Panel };

export interface PanelSummary extends Panel {
  years: Array<{ year: number; count: number }>;
  latestYear: number | null;
  latestCount: number;
}

export async function panelSummaries(db: Knex): Promise<PanelSummary[]> {
  const counts = await membershipCounts(db);
  return (await listPanels(db)).map((p) => {
    const years = counts.filter((c) => c.panelId === p.id).map((c) => ({ year: c.year, count: c.count }));
    const latest = years[years.length - 1];
    return { ...p, years, latestYear: latest?.year ?? null, latestCount: latest?.count ?? 0 };
  });
}

export async function createPanel(db: Knex, actor: Actor, input: { slug: string; name: string; description: string }): Promise<number> {
  const slug = input.slug.trim().toLowerCase();
  const problems = panelInputProblems({ ...input, slug });
  if (problems.length) throw new ValidationError(problems);
  if (await findPanelBySlug(db, slug))
    throw new ValidationError([{ field: 'slug', message: `Det finns redan en panel med kortnamnet "${slug}".` }]);
  return inTransaction(db, async (trx) => {
    const id = await insertPanel(trx, { slug, name: input.name.trim(), description: input.description.trim() || null });
    await audit(trx, actor, 'panel.created', { type: 'panel', id });
    return id;
  });
}

export async function editPanel(db: Knex, actor: Actor, id: number, input: { name: string; description: string }): Promise<void> {
  if (!(await findPanel(db, id))) throw new NotFoundError('Panelen finns inte.');
  const problems = panelInputProblems(input);
  if (problems.length) throw new ValidationError(problems);
  await inTransaction(db, async (trx) => {
    await updatePanel(trx, id, { name: input.name.trim(), description: input.description.trim() || null });
    await audit(trx, actor, 'panel.updated', { type: 'panel', id }, { fields: ['name', 'description'] });
  });
}

export interface PanelYearView {
  panel: Panel;
  year: number;
  years: Array<{ year: number; count: number }>;
  organisations: Array<Organisation & { member: boolean }>;
  memberCount: number;
}

/** The checklist for one year: every active organisation plus inactive ones that are members. */
export async function panelYear(db: Knex, id: number, year: number): Promise<PanelYearView> {
  const panel = await findPanel(db, id);
  if (!panel) throw new NotFoundError('Panelen finns inte.');
  const members = new Set(await memberIds(db, id, year));
  const organisations = (await listOrganisations(db))
    .filter((o) => o.active || members.has(o.id))
    .map((o) => ({ ...o, member: members.has(o.id) }));
  const years = (await membershipCounts(db)).filter((c) => c.panelId === id).map((c) => ({ year: c.year, count: c.count }));
  return { panel, year, years, organisations, memberCount: members.size };
}

/** Makes exactly these organisations the panel's members for the year. */
export async function setPanelMembers(
  db: Knex,
  actor: Actor,
  id: number,
  year: number,
  organisationIds: number[],
): Promise<{ added: number; removed: number }> {
  if (!(await findPanel(db, id))) throw new NotFoundError('Panelen finns inte.');
  const wanted = [...new Set(organisationIds)];
  if (wanted.length) {
    const found = await existingOrganisationIds(db, wanted);
    if (found.size !== wanted.length)
      throw new ValidationError([
        {
          field: 'organisations',
          message: 'En eller flera av de valda organisationerna finns inte längre. Ladda om sidan och försök igen.',
        },
      ]);
  }
  return inTransaction(db, async (trx) => {
    const current = await memberIds(trx, id, year);
    const wantedSet = new Set(wanted);
    const removed = await removeMembers(
      trx,
      id,
      year,
      current.filter((o) => !wantedSet.has(o)),
    );
    const added = await addMembers(trx, id, year, wanted);
    await audit(trx, actor, 'panel.members_set', { type: 'panel', id }, { year, added, removed, members: wanted.length });
    return { added, removed };
  });
}

/** Adds the active members of `fromYear` to `toYear` (members already in `toYear` stay). */
export async function copyPanelMembers(db: Knex, actor: Actor, id: number, fromYear: number, toYear: number): Promise<number> {
  if (!(await findPanel(db, id))) throw new NotFoundError('Panelen finns inte.');
  if (fromYear === toYear)
    throw new ValidationError([{ field: 'to', message: 'Välj ett annat år att kopiera till än det du kopierar från.' }]);
  // Organisations that have been deactivated since are not copied.
  const from = await activeMemberIds(db, id, fromYear);
  if (from.length === 0)
    throw new ValidationError([{ field: 'from', message: `Panelen har inga aktiva medlemmar ${fromYear} att kopiera.` }]);
  return inTransaction(db, async (trx) => {
    const added = await addMembers(trx, id, toYear, from);
    await audit(trx, actor, 'panel.members_copied', { type: 'panel', id }, { fromYear, toYear, added });
    return added;
  });
}
