// GDPR basics: erasing a contact person, and the retention purge.
//
// Erasing keeps the organisation, its responses and answers (they are the organisation's, not the
// person's): the contact row stays as an empty shell (so ids in responses and invitations still
// point somewhere), its name, e-mail, phone and role become null, and every e-mail in the outbox
// to the contact loses its address and body. The audit entry holds only the contact id.
//
// Retention (RETENTION_MONTHS, default 36): `npm run cli -- purge` erases contacts that are
// inactive — or whose organisation is inactive — and have not been changed for that long, clears
// address and body of outbox e-mails older than that, deletes audit entries older than that, and
// deletes pending imports that have expired.
import type { Knex } from 'knex';
import { nowIso } from '../db';
import { NotFoundError } from '../errors';
import { findContact } from '../repositories/organisations';
import { Actor, audit } from './audit';

async function eraseRows(trx: Knex, contactIds: number[], now: string): Promise<void> {
  for (let i = 0; i < contactIds.length; i += 500) {
    const ids = contactIds.slice(i, i + 500);
    await trx('contacts')
      .whereIn('id', ids)
      .update({ name: null, email: null, phone: null, role: null, bounce_reason: null, active: false, erased_at: now, updated_at: now });
    await trx('email_outbox').whereIn('contact_id', ids).update({ to_address: null, text_body: null, html_body: null, headers: null });
  }
}

/** Erases the contact's personal data. Returns the organisation id (for the redirect). */
export async function eraseContact(db: Knex, actor: Actor, contactId: number): Promise<number> {
  const c = await findContact(db, contactId);
  if (!c) throw new NotFoundError('Kontaktpersonen finns inte.');
  if (c.erasedAt) return c.organisationId;
  await db.transaction(async (trx) => {
    await eraseRows(trx, [contactId], nowIso());
    await audit(trx, actor, 'contact.erased', { type: 'contact', id: contactId });
  });
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
}

export async function purge(db: Knex, actor: Actor, retentionMonths: number, opts: { dryRun?: boolean; now?: Date } = {}): Promise<PurgeReport> {
  const now = opts.now ?? new Date();
  const cutoff = retentionCutoff(retentionMonths, now);
  const dryRun = !!opts.dryRun;
  return db.transaction(async (trx) => {
    const contactIds = (
      await trx('contacts as c')
        .join('organisations as o', 'o.id', 'c.organisation_id')
        .whereNull('c.erased_at')
        .where('c.updated_at', '<', cutoff)
        .where((w) => w.where('c.active', false).orWhere((w2) => w2.where('o.active', false).where('o.updated_at', '<', cutoff)))
        .select('c.id')
    ).map((r: { id: number }) => Number(r.id));
    const outbox = trx('email_outbox')
      .where('created_at', '<', cutoff)
      .whereNotIn('status', ['queued', 'sending'])
      .where((w) => w.whereNotNull('text_body').orWhereNotNull('html_body').orWhereNotNull('to_address'));
    const audits = trx('audit_log').where('at', '<', cutoff);
    const imports = trx('register_imports').where('expires_at', '<', now.toISOString());
    const count = async (q: Knex.QueryBuilder) => Number((await q.clone().count({ n: '*' }))[0].n);
    const report: PurgeReport = {
      cutoff,
      dryRun,
      contactsErased: contactIds.length,
      outboxCleared: await count(outbox),
      auditDeleted: await count(audits),
      importsDeleted: await count(imports),
    };
    if (dryRun) return report;
    const stamp = nowIso();
    await eraseRows(trx, contactIds, stamp);
    await outbox.clone().update({ to_address: null, text_body: null, html_body: null, headers: null });
    await audits.clone().delete();
    await imports.clone().delete();
    // Entries for the erased contacts hold only their ids; one summary entry for the run.
    await audit(trx, actor, 'gdpr.purged', null, {
      retentionMonths,
      contactsErased: report.contactsErased,
      outboxCleared: report.outboxCleared,
      auditDeleted: report.auditDeleted,
      importsDeleted: report.importsDeleted,
    });
    return report;
  });
}
