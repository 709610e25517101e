// GDPR basics: erasing a contact person, and the retention purge.
//
// Erasing keeps the organisation, its responses and answers (they are the organisation's, not the
// person's): the contact row stays as an empty shell (so ids in responses and invitations still
// point somewhere), its name, e-mail, phone and role become null, every e-mail in the outbox to
// the contact loses its address, subject and body, the contact's personal links are revoked,
// pending register imports whose file holds the contact's e-mail address are deleted, and the
// .eml files of the contact's e-mails (file mode, OUTBOX_DIR) are deleted. The audit entry holds
// only the contact id.
//
// Order: the database first (one transaction), then the .eml files — files are not
// transactional. A file that survives (a message written by the worker at that very moment, a
// failed unlink) is deleted by the next purge, which deletes the files of every cleared row.
//
// Retention (RETENTION_MONTHS, default 36): `npm run cli -- purge` erases contacts that are
// inactive — or whose organisation is inactive — and have not been changed for that long (as
// above), clears address, subject and body of outbox e-mails older than that, deletes audit
// entries older than that, deletes pending imports that have expired, and deletes the .eml files
// of cleared outbox rows and any .eml file older than the retention time.
import type { Knex } from 'knex';
import type { Config } from '../config';
import { nowIso } from '../db';
import { NotFoundError } from '../errors';
import { deleteEmlFileNames, deleteEmlFiles, listEmlFiles } from '../mail/eml-files';
import { countAuditEntriesBefore, deleteAuditEntriesBefore } from '../repositories/audit';
import {
  clearOldOutbox,
  clearOutboxOfContacts,
  countOutboxToClear,
  emailsOfContacts,
  eraseContactRows,
  outboxFileStates,
  outboxIdsOfContact,
  purgeableContactIds,
} from '../repositories/gdpr';
import { findContact } from '../repositories/organisations';
import {
  countExpiredRegisterImports,
  deleteExpiredRegisterImports,
  deletePendingImportsMentioning,
} from '../repositories/register-imports';
import { type Actor, audit } from './audit';
import { revokeContactTokens } from './invitations';
import { inTransaction } from '../repositories/transaction';

/** What an erased or purged e-mail's subject becomes (a template may put the name in it). */
export const ERASED_SUBJECT = '(raderad)';

async function eraseRows(trx: Knex, contactIds: number[], now: string): Promise<void> {
  for (let i = 0; i < contactIds.length; i += 500) {
    const ids = contactIds.slice(i, i + 500);
    const emails = await emailsOfContacts(trx, ids);
    await eraseContactRows(trx, ids, now);
    await clearOutboxOfContacts(trx, ids, ERASED_SUBJECT);
    await revokeContactTokens(trx, ids, now);
    await deletePendingImportsMentioning(trx, emails);
  }
}

/** Erases the contact's personal data. Returns the organisation id (for the redirect). */
export async function eraseContact(db: Knex, config: Pick<Config, 'outboxDir'>, actor: Actor, contactId: number): Promise<number> {
  const c = await findContact(db, contactId);
  if (!c) throw new NotFoundError('Kontaktpersonen finns inte.');
  if (c.erasedAt) return c.organisationId;
  await inTransaction(db, async (trx) => {
    await eraseRows(trx, [contactId], nowIso());
    await audit(trx, actor, 'contact.erased', { type: 'contact', id: contactId });
  });
  // After the commit (see the top of this file): the contact's .eml files.
  await deleteEmlFiles(config.outboxDir, await outboxIdsOfContact(db, contactId));
  return c.organisationId;
}

export function retentionCutoff(retentionMonths: number, now = new Date()): string {
  const d = new Date(now.getTime());
  d.setUTCMonth(d.getUTCMonth() - retentionMonths);
  return d.toISOString();
}

export interface PurgeReport {
  cutoff: string;
  dryRun: boolean;
  contactsErased: number;
  outboxCleared: number;
  auditDeleted: number;
  importsDeleted: number;
  /** .eml files in OUTBOX_DIR of cleared outbox rows, or older than the cutoff. */
  emlFilesDeleted: number;
}

/**
 * The .eml files the purge deletes: those of outbox rows that are cleared (no address left: the
 * contact is erased, or an earlier purge cleared it), that this run clears (older than the cutoff,
 * or to a contact this run erases), and every file older than the cutoff (also one whose row is
 * gone, e.g. after the database was replaced).
 */
async function staleEmlFiles(trx: Knex, outboxDir: string, cutoff: string, erasingContactIds: number[]): Promise<string[]> {
  const files = await listEmlFiles(outboxDir);
  if (!files.length) return [];
  const cutoffMs = new Date(cutoff).getTime();
  const erasing = new Set(erasingContactIds);
  const stale = new Set<number>();
  for (const r of await outboxFileStates(trx, [...new Set(files.map((f) => f.outboxId))])) {
    const old = new Date(r.createdAt).getTime() < cutoffMs;
    if (old || r.toAddress === null || (r.contactId !== null && erasing.has(r.contactId))) stale.add(r.id);
  }
  return files.filter((f) => stale.has(f.outboxId) || f.modifiedAt.getTime() < cutoffMs).map((f) => f.name);
}

/** What a purge with this cutoff would do, and the .eml files it would delete (nothing is changed). */
async function planPurge(
  trx: Knex,
  outboxDir: string,
  cutoff: string,
  now: Date,
): Promise<{ contactIds: number[]; emlFiles: string[]; counts: Omit<PurgeReport, 'cutoff' | 'dryRun'> }> {
  const contactIds = await purgeableContactIds(trx, cutoff);
  const emlFiles = await staleEmlFiles(trx, outboxDir, cutoff, contactIds);
  const counts = {
    contactsErased: contactIds.length,
    outboxCleared: await countOutboxToClear(trx, cutoff),
    auditDeleted: await countAuditEntriesBefore(trx, cutoff),
    importsDeleted: await countExpiredRegisterImports(trx, now.toISOString()),
    emlFilesDeleted: emlFiles.length,
  };
  return { contactIds, emlFiles, counts };
}

export async function purge(
  db: Knex,
  actor: Actor,
  settings: Pick<Config, 'retentionMonths' | 'outboxDir'>,
  opts: { dryRun?: boolean; now?: Date } = {},
): Promise<PurgeReport> {
  const { retentionMonths, outboxDir } = settings;
  const now = opts.now ?? new Date();
  const cutoff = retentionCutoff(retentionMonths, now);
  const dryRun = !!opts.dryRun;
  const { report, emlFiles } = await inTransaction(db, async (trx) => {
    const plan = await planPurge(trx, outboxDir, cutoff, now);
    const report: PurgeReport = { cutoff, dryRun, ...plan.counts };
    if (dryRun) return { report, emlFiles: plan.emlFiles };
    await eraseRows(trx, plan.contactIds, nowIso());
    await clearOldOutbox(trx, cutoff, ERASED_SUBJECT);
    await deleteAuditEntriesBefore(trx, cutoff);
    await deleteExpiredRegisterImports(trx, now.toISOString());
    // Entries for the erased contacts hold only their ids; one summary entry for the run.
    await audit(trx, actor, 'gdpr.purged', null, { retentionMonths, ...plan.counts });
    return { report, emlFiles: plan.emlFiles };
  });
  // Files after the commit (see the top of this file).
  if (!dryRun) report.emlFilesDeleted = await deleteEmlFileNames(outboxDir, emlFiles);
  return report;
}
