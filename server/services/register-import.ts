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
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { nowIso, refreshStatistics } from '../db';
import { ConflictError, ValidationError } from '../errors';
import {
  insertContacts,
  insertOrganisations,
  type NewContact,
  registerSnapshot,
  updateContact,
  updateOrganisation,
} from '../repositories/organisations';
import { addMembers, findPanel, findPanelBySlug, insertPanel, type Panel } from '../repositories/panels';
import {
  deleteExpiredRegisterImports,
  deleteRegisterImport,
  findRegisterImport,
  insertRegisterImport,
} from '../repositories/register-imports';
import { type Actor, audit } from './audit';
import {
  type CsvRow,
  type ImportField,
  type ImportPlan,
  nameKey,
  type ParsedCsv,
  type PlannedOrganisation,
  planImport,
} from './csv-import';
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
  const result = await inTransaction(db, async (trx): Promise<ImportResult> => {
    const plan = planImport(parsed, await registerSnapshot(trx));
    if (plan.problems.length) return { plan, imported: false };
    await updateKnownOrganisations(trx, plan.organisations);
    await insertNewOrganisations(trx, plan.organisations);
    await writeContacts(trx, plan.organisations);
    const panel = opts.panel && opts.year ? await joinPanel(trx, actor, opts.panel, opts.year, plan.organisations) : undefined;
    await audit(trx, actor, 'register.imported', null, {
      ...plan.counts,
      ...(panel ? { panelId: panel.id, year: panel.year, membershipsAdded: panel.added } : {}),
    });
    return { plan, imported: true, panel };
  });
  if (result.imported) await refreshStatistics(db); // a bulk load: the planner's statistics (issue 10)
  return result;
}

/** Organisations already in the register: fill in what the file gives. */
async function updateKnownOrganisations(trx: Knex, organisations: PlannedOrganisation[]): Promise<void> {
  for (const g of organisations) {
    if (g.existingId === null) continue;
    await updateOrganisation(trx, g.existingId, {
      type: g.type ?? undefined,
      municipality: g.municipality || undefined,
      organisationNumber: g.organisationNumber || undefined,
    });
  }
}

/**
 * New organisations; each gets its id (existingId from then on). The inserted rows come back with
 * their number and name, which are unique among the new organisations of the file (the plan
 * grouped rows by them).
 */
async function insertNewOrganisations(trx: Knex, organisations: PlannedOrganisation[]): Promise<void> {
  const fresh = organisations.filter((g) => g.existingId === null);
  const inserted = await insertOrganisations(
    trx,
    fresh.map((g) => ({ name: g.name, organisationNumber: g.organisationNumber, type: g.type ?? 'annan', municipality: g.municipality })),
  );
  const byNumber = new Map<string, number>();
  const byName = new Map<string, number>();
  for (const r of inserted) {
    if (r.organisationNumber) byNumber.set(r.organisationNumber, r.id);
    else byName.set(nameKey(r.name), r.id);
  }
  for (const g of fresh) {
    const id = g.organisationNumber ? byNumber.get(g.organisationNumber) : byName.get(nameKey(g.name));
    if (id === undefined) throw new Error('import: an inserted organisation was not returned');
    g.existingId = id;
  }
}

/** Contacts: one already at the organisation is updated (empty cells keep what it had), the others are added. */
async function writeContacts(trx: Knex, organisations: PlannedOrganisation[]): Promise<void> {
  const fresh: NewContact[] = [];
  for (const g of organisations) {
    for (const c of g.contacts) {
      if (c.existingId !== null) {
        await updateContact(trx, c.existingId, {
          name: c.name,
          phone: c.phone || undefined,
          role: c.role || undefined,
          language: c.language ?? undefined,
        });
      } else {
        fresh.push({
          organisationId: g.existingId!,
          name: c.name,
          email: c.email,
          phone: c.phone,
          role: c.role,
          language: c.language ?? 'sv',
        });
      }
    }
  }
  await insertContacts(trx, fresh);
}

/** Makes every organisation of the file a member of the panel for the year (creating a panel named by its slug). */
async function joinPanel(
  trx: Knex,
  actor: Actor,
  which: NonNullable<ImportOptions['panel']>,
  year: number,
  organisations: PlannedOrganisation[],
): Promise<NonNullable<ImportResult['panel']>> {
  let panel: Panel | null = 'id' in which ? await findPanel(trx, which.id) : await findPanelBySlug(trx, which.slug);
  let created = false;
  if (!panel && 'slug' in which) {
    const id = await insertPanel(trx, { slug: which.slug, name: which.name?.trim() || which.slug, description: null });
    panel = await findPanel(trx, id);
    created = true;
    await audit(trx, actor, 'panel.created', { type: 'panel', id });
  }
  if (!panel) throw new ValidationError([{ field: 'panel', message: 'Panelen finns inte.' }]);
  const added = await addMembers(
    trx,
    panel.id,
    year,
    organisations.map((g) => g.existingId!),
  );
  return { id: panel.id, slug: panel.slug, name: panel.name, created, year, added };
}

// ---------------------------------------------------------------------------------------------
// The web import: a preview (the file compared with the register, nothing written) is kept for an
// hour for the user who made it, until it is confirmed or cancelled.
// ---------------------------------------------------------------------------------------------

export const PENDING_IMPORT_MINUTES = 60;

export interface PendingImport {
  id: string;
  fileName: string | null;
  rows: CsvRow[];
  columns: Partial<Record<ImportField, string>>;
  options: { panelId?: number; year?: number };
}

type PendingContent = Pick<PendingImport, 'rows' | 'columns' | 'options'>;

/**
 * The file compared with the register as it is now. When it has no problems, the preview is kept
 * and `importId` names it (for confirmImport); expired previews are deleted.
 */
export async function previewImport(
  db: Knex,
  userId: number,
  upload: { fileName: string | null; parsed: Pick<ParsedCsv, 'rows' | 'columns'>; options: PendingImport['options'] },
): Promise<{ plan: ImportPlan; importId: string | null }> {
  const plan = planImport(upload.parsed, await registerSnapshot(db));
  if (plan.problems.length) return { plan, importId: null };
  const id = crypto.randomBytes(20).toString('hex');
  const now = new Date();
  const content: PendingContent = { rows: upload.parsed.rows, columns: upload.parsed.columns, options: upload.options };
  await deleteExpiredRegisterImports(db, now.toISOString());
  await insertRegisterImport(db, {
    id,
    userId,
    fileName: upload.fileName ? upload.fileName.slice(0, 300) : null,
    rowCount: upload.parsed.rows.length,
    content: JSON.stringify(content),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + PENDING_IMPORT_MINUTES * 60_000).toISOString(),
  });
  return { plan, importId: id };
}

/** The user's preview if it exists and has not expired. */
async function findPendingImport(db: Knex, id: string, userId: number): Promise<PendingImport | null> {
  if (!/^[a-f0-9]{40}$/.test(id)) return null;
  const stored = await findRegisterImport(db, id, userId, nowIso());
  if (!stored) return null;
  const content = JSON.parse(stored.content) as PendingContent;
  return { id, fileName: stored.fileName, ...content };
}

/**
 * Imports the previewed file (checked again against the register as it is now) and forgets the
 * preview. A ConflictError when the preview has expired or was used already.
 */
export async function confirmImport(
  db: Knex,
  actor: Actor,
  importId: string,
  userId: number,
): Promise<{ result: ImportResult; pending: PendingImport }> {
  const pending = await findPendingImport(db, importId, userId);
  if (!pending)
    throw new ConflictError(
      'Förhandsgranskningen finns inte längre (den gäller i en timme och kan användas en gång). Ladda upp filen igen.',
      'import_expired',
    );
  const { panelId, year } = pending.options;
  const result = await importRegister(db, actor, pending, panelId && year ? { panel: { id: panelId }, year } : {});
  await deleteRegisterImport(db, pending.id);
  return { result, pending };
}

/** Forgets the user's preview (nothing was imported). */
export async function cancelImport(db: Knex, importId: string, userId: number): Promise<void> {
  const pending = await findPendingImport(db, importId, userId);
  if (pending) await deleteRegisterImport(db, pending.id);
}
