// One-time setup links (the first admin, a new account, a new password): only the SHA-256 of a
// link's token is stored.
import type { Knex } from 'knex';
import { nowIso } from '../db';

export type SetupPurpose = 'first_admin' | 'account_setup';

export interface SetupToken {
  id: number;
  purpose: SetupPurpose;
  userId: number | null;
  expiresAt: string;
}

export async function insertSetupToken(
  db: Knex,
  t: { tokenHash: string; purpose: SetupPurpose; userId: number | null; expiresAt: string; createdAt: string },
): Promise<void> {
  await db('setup_tokens').insert({
    token_hash: t.tokenHash,
    purpose: t.purpose,
    user_id: t.userId,
    expires_at: t.expiresAt,
    created_at: t.createdAt,
  });
}

/** The link with this hash that has not been used nor revoked (it may have expired). */
export async function findUnusedSetupToken(db: Knex, tokenHash: string): Promise<SetupToken | null> {
  const row = await db('setup_tokens').where({ token_hash: tokenHash }).whereNull('used_at').whereNull('revoked_at').first();
  if (!row) return null;
  return { id: row.id, purpose: row.purpose as SetupPurpose, userId: row.user_id ?? null, expiresAt: row.expires_at };
}

/** Marks the link used; false when it already was (a second, simultaneous use). */
export async function claimSetupToken(db: Knex, id: number, at: string): Promise<boolean> {
  const claimed = await db('setup_tokens').where({ id }).whereNull('used_at').update({ used_at: at });
  return claimed === 1;
}

/**
 * Voids every unused, unrevoked password link of the account; returns how many. A link is void once
 * another link of the account was used, the password changed or the account deactivated.
 */
export async function revokeOpenSetupTokens(db: Knex, userId: number): Promise<number> {
  return db('setup_tokens').where({ user_id: userId }).whereNull('used_at').whereNull('revoked_at').update({ revoked_at: nowIso() });
}
