// The audit log (who did what): writing entries, reading the latest, deleting old ones.
import type { Knex } from 'knex';
import { json } from '../db';
import type { AuditRow } from './tables';

export interface NewAuditEntry {
  at: string;
  actorUserId: number | null;
  actor: string;
  action: string;
  entityType: string | null;
  entityId: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  /** The name of the staff account that acted, when it was one. */
  actorName: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  details: Record<string, unknown> | null;
}

export async function insertAuditEntry(db: Knex, e: NewAuditEntry): Promise<void> {
  await db('audit_log').insert({
    at: e.at,
    actor_user_id: e.actorUserId,
    actor: e.actor,
    action: e.action,
    entity_type: e.entityType,
    entity_id: e.entityId,
    details: e.details ? JSON.stringify(e.details) : null,
  });
}

/** The latest entries first, optionally of one entity. */
export async function listAuditEntries(
  db: Knex,
  opts: { limit: number; entityType?: string; entityId?: string; action?: string },
): Promise<AuditEntry[]> {
  let q = db('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .select<Array<AuditRow & { actor_name: string | null }>>('a.*', 'u.name as actor_name')
    .orderBy('a.id', 'desc')
    .limit(opts.limit);
  if (opts.entityType) q = q.where('a.entity_type', opts.entityType);
  if (opts.entityId) q = q.where('a.entity_id', opts.entityId);
  if (opts.action) q = q.where('a.action', opts.action);
  const rows = await q;
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    actorName: r.actor_name ?? null,
    action: r.action,
    entityType: r.entity_type ?? null,
    entityId: r.entity_id ?? null,
    details: r.details ? json<Record<string, unknown>>(r.details) : null,
  }));
}

function olderThan(db: Knex, cutoff: string) {
  return db('audit_log').where('at', '<', cutoff);
}

export async function countAuditEntriesBefore(db: Knex, cutoff: string): Promise<number> {
  const [r] = await olderThan(db, cutoff).count({ n: '*' });
  return Number(r?.n ?? 0);
}

export async function deleteAuditEntriesBefore(db: Knex, cutoff: string): Promise<number> {
  return olderThan(db, cutoff).delete();
}
