// Checking a staff member's password, and the audit trail of every sign-in: each success and each
// failure is written to the audit log with the account's id (when there is one), the method and the
// reason, never with the e-mail address that was typed or the client's address.
import { hash, verify } from '@node-rs/argon2';
import type { Knex } from 'knex';
import { nowIso } from '../db';
import { findUserByEmail, updateUser, type User, type UserWithHash } from '../repositories/users';
import { audit } from './audit';

export type SignInFailure =
  'unknown_account' | 'wrong_password' | 'no_password' | 'inactive' | 'rate_limited' | 'wrong_code' | 'sso_refused';

export type PasswordCheck = { ok: true; user: User } | { ok: false; reason: SignInFailure; userId: number | null };

// A hash of a random password, verified against when the e-mail is unknown so that a failed
// sign-in takes as long for an unknown account as for a known one.
let dummyHash: Promise<string> | null = null;

function withoutHash(u: UserWithHash): User {
  const { passwordHash: _omit, ...user } = u;
  return user;
}

export async function checkPassword(db: Knex, email: string, password: string): Promise<PasswordCheck> {
  const user = await findUserByEmail(db, email);
  if (!user?.passwordHash) {
    dummyHash ??= hash('not-a-real-password-' + Math.random());
    await verify(await dummyHash, password).catch(() => false);
    return { ok: false, reason: user ? 'no_password' : 'unknown_account', userId: user?.id ?? null };
  }
  const ok = await verify(user.passwordHash, password).catch(() => false);
  if (!ok) return { ok: false, reason: 'wrong_password', userId: user.id };
  if (!user.active) return { ok: false, reason: 'inactive', userId: user.id };
  return { ok: true, user: withoutHash(user) };
}

/** A completed sign-in: the audit entry and the account's last sign-in time. */
export async function recordSignIn(db: Knex, userId: number, method: string): Promise<void> {
  await updateUser(db, userId, { lastLoginAt: nowIso() });
  await audit(db, { userId, label: 'user' }, 'auth.login', { type: 'user', id: userId }, { method });
}

/** A refused sign-in (ids and reasons only). */
export async function recordSignInFailure(
  db: Knex,
  userId: number | null,
  method: string,
  reason: SignInFailure,
  detail?: string,
): Promise<void> {
  await audit(db, { userId: null, label: 'system' }, 'auth.login_failed', userId ? { type: 'user', id: userId } : null, {
    method,
    reason,
    ...(detail ? { detail } : {}),
  });
}

export async function recordSignOut(db: Knex, userId: number, method: string): Promise<void> {
  await audit(db, { userId, label: 'user' }, 'auth.logout', { type: 'user', id: userId }, { method });
}
