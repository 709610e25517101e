// Which subject at which OpenID Connect provider is which Partnerpuls account. See
// migrations/20261201140000_sso-two-factor-rate-limits.ts.
import type { Knex } from 'knex';
import { nowIso } from '../db';

export async function findUserIdByIdentity(db: Knex, provider: string, subject: string): Promise<number | null> {
  const r = await db('user_identities').where({ provider, subject }).first('user_id');
  return r ? Number(r.user_id) : null;
}

/** The subject the account already has at the provider, if any. */
export async function subjectOfUser(db: Knex, provider: string, userId: number): Promise<string | null> {
  const r = await db('user_identities').where({ provider, user_id: userId }).first('subject');
  return r ? r.subject : null;
}

export async function linkIdentity(db: Knex, provider: string, subject: string, userId: number): Promise<void> {
  await db('user_identities').insert({ provider, subject, user_id: userId, created_at: nowIso(), last_login_at: nowIso() });
}

export async function touchIdentity(db: Knex, provider: string, subject: string): Promise<void> {
  await db('user_identities').where({ provider, subject }).update({ last_login_at: nowIso() });
}
