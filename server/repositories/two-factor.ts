// Two-factor authentication of local accounts: the TOTP secret (encrypted by the service) and the
// recovery codes (hashed). See migrations/20261201140000_sso-two-factor-rate-limits.ts.
import type { Knex } from 'knex';
import { nowIso } from '../db';

export interface TotpRecord {
  userId: number;
  secretEncrypted: string;
  lastTimeStep: number;
  enabledAt: string;
}

export async function findTotp(db: Knex, userId: number): Promise<TotpRecord | null> {
  const r = await db('user_totp').where({ user_id: userId }).first();
  return r
    ? { userId: r.user_id, secretEncrypted: r.secret_encrypted, lastTimeStep: Number(r.last_time_step), enabledAt: r.enabled_at }
    : null;
}

/** Replaces the account's secret and recovery codes in one go. */
export async function saveTotp(db: Knex, userId: number, secretEncrypted: string, codeHashes: string[], timeStep: number): Promise<void> {
  await db('user_totp').where({ user_id: userId }).delete();
  await db('user_recovery_codes').where({ user_id: userId }).delete();
  const now = nowIso();
  await db('user_totp').insert({ user_id: userId, secret_encrypted: secretEncrypted, last_time_step: timeStep, enabled_at: now });
  await db('user_recovery_codes').insert(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now })));
}

/** Records that the code of `timeStep` was used; false when that step (or a later one) already was. */
export async function claimTimeStep(db: Knex, userId: number, timeStep: number): Promise<boolean> {
  const n = await db('user_totp').where({ user_id: userId }).where('last_time_step', '<', timeStep).update({ last_time_step: timeStep });
  return n === 1;
}

/** Marks an unused recovery code as used; false when there is none with that hash. */
export async function claimRecoveryCode(db: Knex, userId: number, codeHash: string): Promise<boolean> {
  const n = await db('user_recovery_codes')
    .where({ user_id: userId, code_hash: codeHash })
    .whereNull('used_at')
    .update({ used_at: nowIso() });
  return n === 1;
}

export async function countUnusedRecoveryCodes(db: Knex, userId: number): Promise<number> {
  const r = await db('user_recovery_codes').where({ user_id: userId }).whereNull('used_at').count<{ n: number }[]>({ n: '*' });
  return Number(r[0]?.n ?? 0);
}

export async function deleteTwoFactor(db: Knex, userId: number): Promise<void> {
  await db('user_recovery_codes').where({ user_id: userId }).delete();
  await db('user_totp').where({ user_id: userId }).delete();
}
