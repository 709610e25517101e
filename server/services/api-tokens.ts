// Read-only API tokens, created by an admin; only the hash is kept.
import type { Knex } from 'knex';
import { nowIso } from '../db';
import { ValidationError } from '../errors';
import * as tokens from '../repositories/api-tokens';
import { type Actor, audit } from './audit';
import { hashToken, newToken } from '../lib/tokens';

export type ApiTokenRow = tokens.ApiToken;

/** A new token (shown once); its name says who uses it, e.g. "Målstyrningssystemet". */
export async function createApiToken(db: Knex, actor: Actor, name: string): Promise<string> {
  const trimmed = name.trim();
  if (!trimmed) throw new ValidationError([{ field: 'name', message: 'Ange ett namn på nyckeln, t.ex. "Målstyrningssystemet".' }]);
  const token = 'pp_' + newToken();
  const id = await tokens.insertApiToken(db, { name: trimmed, tokenHash: hashToken(token), createdBy: actor.userId, createdAt: nowIso() });
  await audit(db, actor, 'api_token.created', { type: 'api_token', id });
  return token;
}

export async function listApiTokens(db: Knex): Promise<ApiTokenRow[]> {
  return tokens.listApiTokens(db);
}

export async function revokeApiToken(db: Knex, actor: Actor, id: number): Promise<void> {
  await tokens.revokeApiToken(db, id, nowIso());
  await audit(db, actor, 'api_token.revoked', { type: 'api_token', id });
}

/** How often a key's last use is written: to the nearest five minutes, so an API call rarely writes. */
const LAST_USED_EVERY_MS = 5 * 60_000;

/** The token's id when it is valid and not revoked. */
export async function verifyApiToken(db: Knex, token: string): Promise<number | null> {
  if (!/^pp_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const found = await tokens.findLiveApiToken(db, hashToken(token));
  if (found === null) return null;
  const now = new Date();
  if (found.lastUsedAt === null || now.getTime() - new Date(found.lastUsedAt).getTime() >= LAST_USED_EVERY_MS)
    await tokens.touchApiToken(db, found.id, now.toISOString());
  return found.id;
}
