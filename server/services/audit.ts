// The audit log: who did what. Entries hold ids, field names and non-personal values only —
// never a copy of a contact's name, e-mail or phone (so erasing a contact erases it everywhere).
import type { Knex } from 'knex';
import { nowIso } from '../db';
import { type AuditEntry, insertAuditEntry, listAuditEntries } from '../repositories/audit';

export interface Actor {
  userId: number | null;
  label: 'user' | 'cli' | 'system' | 'respondent' | 'api';
}

export const SYSTEM: Actor = { userId: null, label: 'system' };
export const CLI: Actor = { userId: null, label: 'cli' };

export async function audit(
  db: Knex,
  actor: Actor,
  action: string,
  entity: { type: string; id: string | number | null } | null,
  details?: Record<string, unknown>,
): Promise<void> {
  await insertAuditEntry(db, {
    at: nowIso(),
    actorUserId: actor.userId,
    actor: actor.label,
    action,
    entityType: entity?.type ?? null,
    entityId: entity?.id === null || entity?.id === undefined ? null : String(entity.id),
    details: details ?? null,
  });
}

/** One entry as the admin's audit page shows it. */
export type AuditRow = AuditEntry;

export async function listAudit(
  db: Knex,
  opts: { limit?: number; entityType?: string; entityId?: string; action?: string } = {},
): Promise<AuditRow[]> {
  return listAuditEntries(db, { ...opts, limit: opts.limit ?? 200 });
}
