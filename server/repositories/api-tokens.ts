// Read-only API tokens: only the SHA-256 of a token is stored.
import type { Knex } from 'knex';
import type { ApiTokenRow } from './tables';

export interface ApiToken {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function toApiToken(r: ApiTokenRow): ApiToken {
  return { id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at ?? null, revokedAt: r.revoked_at ?? null };
}

export async function insertApiToken(
  db: Knex,
  t: { name: string; tokenHash: string; createdBy: number | null; createdAt: string },
): Promise<number> {
  const [row] = await db('api_tokens')
    .insert({ name: t.name, token_hash: t.tokenHash, created_by: t.createdBy, created_at: t.createdAt })
    .returning('id');
  return row.id;
}

/** Newest first. */
export async function listApiTokens(db: Knex): Promise<ApiToken[]> {
  return (await db('api_tokens').orderBy('id', 'desc')).map(toApiToken);
}

export async function revokeApiToken(db: Knex, id: number, at: string): Promise<void> {
  await db('api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: at });
}

/** The id and last use of the token with this hash that is not revoked. */
export async function findLiveApiToken(db: Knex, tokenHash: string): Promise<{ id: number; lastUsedAt: string | null } | null> {
  const row = await db('api_tokens').where({ token_hash: tokenHash }).whereNull('revoked_at').first('id', 'last_used_at');
  return row ? { id: row.id, lastUsedAt: row.last_used_at ?? null } : null;
}

export async function touchApiToken(db: Knex, id: number, at: string): Promise<void> {
  await db('api_tokens').where({ id }).update({ last_used_at: at });
}
