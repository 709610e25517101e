// Writing an import into the register: all or nothing, in one transaction. The plan is made
// inside the transaction from the register as it is then, so a change since the preview is seen.
// Used by the web import (after its preview) and by `npm run cli -- import organisations`.
//
// Rules (also in docs/register.md):
// - an organisation in the file that is already in the register (same organisation number, or the
//   same name when the file gives no number) is updated, not duplicated; empty cells do not
//   overwrite what the register holds, and its active/inactive state is left as it is;
// - a contact whose e-mail address is already at the same organisation is updated; new
//   addresses become new contacts;
// - optionally every organisation of the file is made a member of a panel for a year (the panel is
//   created when it does not exist).
import type { Knex } from 'knex';
import { nowIso } from '../db';
import { ValidationError } from '../errors';
import { registerSnapshot } from '../repositories/organisations';
import { addMembers, findPanelBySlug, insertPanel } from '../repositories/panels';
import { type Actor, audit } from './audit';
import { type ImportPlan, nameKey, type ParsedCsv, planImport } from './csv-import';
import { panelInputProblems } from './panels';
import { inTransaction } from '../repositories/transaction';

export interface ImportOptions {
  /** Make every organisation of the file a member of this panel (created when missing) for `year`. */
  panel?: { slug: string; name?: string } | { id: number };
  year?: number;
}

export interface ImportResult {
  plan: ImportPlan;
  /** false when the plan had problems: nothing was written. */
  imported: boolean;
  panel?: { id: number; slug: string; name: string; created: boolean; year: number; added: number };
}

const CHUNK = 500;

export async function importRegister(
  db: Knex,
  actor: Actor,
  parsed: Pick<ParsedCsv, 'rows' | 'columns'>,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  if (opts.panel && !opts.year)
    throw new ValidationError([{ field: 'year', message: 'Ange vilket år organisationerna ska vara med i panelen.' }]);
  if (opts.panel && 'slug' in opts.panel) {
    const problems = panelInputProblems({ slug: opts.panel.slug, name: opts.panel.name ?? opts.panel.slug });
    if (problems.length) throw new ValidationError(problems);
  }
  return inTransaction(db, async (trx) => {
    const plan = planImport(parsed, await registerSnapshot(trx));
    if (plan.problems.length) return { plan, imported: false };
    const now = nowIso();

    // Organisations already in the register: fill in what the file gives.
    for (const g of plan.organisations) {
      if (g.existingId === null) continue;
      const patch: Record<string, unknown> = { updated_at: now };
      if (g.type) patch.type = g.type;
      if (g.municipality) patch.municipality = g.municipality;
      if (g.organisationNumber) patch.organisation_number = g.organisationNumber;
      await trx('organisations').where({ id: g.existingId }).update(patch);
    }

    // New organisations, in chunks; the inserted rows come back with their number and name, which
    // are unique among the new organisations of the file (the plan grouped rows by them).
    const fresh = plan.organisations.filter((g) => g.existingId === null);
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const chunk = fresh.slice(i, i + CHUNK);
      const inserted: Array<{ id: number; name: string; organisation_number: string | null }> = await trx('organisations')
        .insert(
          chunk.map((g) => ({
            name: g.name,
            organisation_number: g.organisationNumber,
            type: g.type ?? 'annan',
            municipality: g.municipality,
            active: true,
            created_at: now,
            updated_at: now,
          })),
        )
        .returning(['id', 'name', 'organisation_number']);
      const byNumber = new Map<string, number>();
      const byName = new Map<string, number>();
      for (const r of inserted) {
        if (r.organisation_number) byNumber.set(String(r.organisation_number), Number(r.id));
        else byName.set(nameKey(String(r.name)), Number(r.id));
      }
      for (const g of chunk) {
        const id = g.organisationNumber ? byNumber.get(g.organisationNumber) : byName.get(nameKey(g.name));
        if (id === undefined) throw new Error('import: an inserted organisation was not returned');
        g.existingId = id;
      }
    }

    // Contacts.
    const newContacts: Record<string, unknown>[] = [];
    for (const g of plan.organisations) {
      for (const c of g.contacts) {
        if (c.existingId !== null) {
          const patch: Record<string, unknown> = { updated_at: now, name: c.name };
          if (c.phone) patch.phone = c.phone;
          if (c.role) patch.role = c.role;
          await trx('contacts').where({ id: c.existingId }).update(patch);
        } else {
          newContacts.push({
            organisation_id: g.existingId,
            name: c.name,
            email: c.email,
            phone: c.phone,
            role: c.role,
            active: true,
            created_at: now,
            updated_at: now,
          });
        }
      }
    }
    for (let i = 0; i < newContacts.length; i += CHUNK) await trx('contacts').insert(newContacts.slice(i, i + CHUNK));

    // Panel membership for the year.
    let panel: ImportResult['panel'];
    if (opts.panel && opts.year) {
      let p = 'id' in opts.panel ? await trx('panels').where({ id: opts.panel.id }).first() : await findPanelBySlug(trx, opts.panel.slug);
      let created = false;
      if (!p && 'slug' in opts.panel) {
        const id = await insertPanel(trx, { slug: opts.panel.slug, name: opts.panel.name?.trim() || opts.panel.slug, description: null });
        p = await trx('panels').where({ id }).first();
        created = true;
        await audit(trx, actor, 'panel.created', { type: 'panel', id });
      }
      if (!p) throw new ValidationError([{ field: 'panel', message: 'Panelen finns inte.' }]);
      const panelId = Number(p.id);
      const added = await addMembers(
        trx,
        panelId,
        opts.year,
        plan.organisations.map((g) => g.existingId as number),
      );
      panel = { id: panelId, slug: String(p.slug), name: String(p.name), created, year: opts.year, added };
    }

    await audit(trx, actor, 'register.imported', null, {
      ...plan.counts,
      ...(panel ? { panelId: panel.id, year: panel.year, membershipsAdded: panel.added } : {}),
    });
    return { plan, imported: true, panel };
  });
}
