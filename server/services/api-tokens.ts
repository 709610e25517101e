// Read-only API tokens, created by an admin; only the hash is kept.
import type { Knex } from 'knex';
import { nowIso } from '../db';
import { type Actor, audit } from './audit';
import { hashToken, newToken } from '../lib/tokens';

export interface ApiTokenRow {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function createApiToken(db: Knex, actor: Actor, name: string): Promise<string> {
  const token = 'pp_' + newToken();
  const [row] = await db('api_tokens')
    .insert({ name, token_hash: hashToken(token), created_by: actor.userId, created_at: nowIso() })
    .returning('id');
  await audit(db, actor, 'api_token.created', { type: 'api_token', id: Number(typeof row === 'object' ? row.id : row) });
  return token;
}

export async function listApiTokens(db: Knex): Promise<ApiTokenRow[]> {
  const rows = await db('api_tokens').orderBy('id', 'desc');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    name: String(r.name),
    createdAt: String(r.created_at),
    lastUsedAt: (r.last_used_at as string) ?? null,
    revokedAt: (r.revoked_at as string) ?? null,
  }));
}

export async function revokeApiToken(db: Knex, actor: Actor, id: number): Promise<void> {
  await db('api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: nowIso() });
  await audit(db, actor, 'api_token.revoked', { type: 'api_token', id });
}

/** The token's id when it is valid and not revoked. */
export async function verifyApiToken(db: Knex, token: string): Promise<number | null> {
  if (!/^pp_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await db('api_tokens')
    .where({ token_hash: hashToken(token) })
    .whereNull('revoked_at')
    .first();
  if (!row) return null;
  await db('api_tokens').where({ id: row.id }).update({ last_used_at: nowIso() });
  return Number(row.id);
}
