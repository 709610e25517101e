// Password links (setup_tokens): revoking every open link of an account at once. The rest of the
// table's queries are still in services/accounts.ts (issue 8 moves them here).
import type { Knex } from 'knex';
import { nowIso } from '../db';

/** Voids every unused, unrevoked password link of the account; returns how many. */
export async function revokeOpenSetupTokens(db: Knex, userId: number): Promise<number> {
  return db('setup_tokens').where({ user_id: userId }).whereNull('used_at').whereNull('revoked_at').update({ revoked_at: nowIso() });
}
