// The audit log: who did what. Entries hold ids, field names and non-personal values only —
// never a copy of a contact's name, e-mail or phone (so erasing a contact erases it everywhere).
import type { Knex } from 'knex';
import { nowIso } from '../db';

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
  await db('audit_log').insert({
    at: nowIso(),
    actor_user_id: actor.userId,
    actor: actor.label,
    action,
    entity_type: entity?.type ?? null,
    entity_id: entity?.id === null || entity?.id === undefined ? null : String(entity.id),
    details: details ? JSON.stringify(details) : null,
  });
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  actorName: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  details: Record<string, unknown> | null;
}

export async function listAudit(db: Knex, opts: { limit?: number; entityType?: string; entityId?: string } = {}): Promise<AuditRow[]> {
  const q = db('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .select('a.*', 'u.name as actor_name')
    .orderBy('a.id', 'desc')
    .limit(opts.limit ?? 200);
  if (opts.entityType) q.where('a.entity_type', opts.entityType);
  if (opts.entityId) q.where('a.entity_id', opts.entityId);
  const rows = await q;
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    at: String(r.at),
    actor: String(r.actor),
    actorName: (r.actor_name as string) ?? null,
    action: String(r.action),
    entityType: (r.entity_type as string) ?? null,
    entityId: (r.entity_id as string) ?? null,
    details: r.details ? (typeof r.details === 'string' ? JSON.parse(r.details) : (r.details as Record<string, unknown>)) : null,
  }));
}
