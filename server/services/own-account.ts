// A staff member's own account: who is signing in, and changing one's own password (the current
// password, then a new one that passes the same rules as a password link's). A change voids every
// open password link of the account and ends its other sessions.
import { verify } from '@node-rs/argon2';
import type { Knex } from 'knex';
import { type FieldProblem, ValidationError } from '../errors';
import { revokeOpenSetupTokens } from '../repositories/setup-tokens';
import { inTransaction } from '../repositories/transaction';
import { bumpSessionEpoch, findUserById, updateUser, type User } from '../repositories/users';
import { hashPassword, passwordProblems } from './accounts';
import { audit } from './audit';

/** The account when it exists and is active (without its password hash). */
export async function findAccount(db: Knex, userId: number): Promise<User | null> {
  const u = await findUserById(db, userId);
  if (!u?.active) return null;
  const { passwordHash: _omit, ...user } = u;
  return user;
}

/**
 * Changes the password; returns the account's new session epoch (the caller's own session keeps
 * going with it, every other session of the account ends). Throws a ValidationError naming the field.
 */
export async function changeOwnPassword(
  db: Knex,
  userId: number,
  input: { current: string; password: string; confirm: string },
): Promise<{ ok: true; epoch: number } | { ok: false; wrongCurrent: true }> {
  const u = await findUserById(db, userId);
  if (!u?.active) throw new ValidationError([{ field: 'current', message: 'Kontot är avstängt.' }]);
  if (!u.passwordHash || !(await verify(u.passwordHash, input.current).catch(() => false))) return { ok: false, wrongCurrent: true };
  const problems: FieldProblem[] = passwordProblems(input.password, input.confirm, [u.email, u.name, 'partnerpuls']);
  if (input.password && input.password === input.current)
    problems.push({ field: 'password', message: 'Det nya lösenordet ska vara ett annat än det nuvarande.' });
  if (problems.length) throw new ValidationError(problems);
  const passwordHash = await hashPassword(input.password);
  return inTransaction(db, async (trx) => {
    await updateUser(trx, userId, { passwordHash });
    await bumpSessionEpoch(trx, userId);
    await revokeOpenSetupTokens(trx, userId);
    await audit(trx, { userId, label: 'user' }, 'account.password_changed', { type: 'user', id: userId });
    const after = await findUserById(trx, userId);
    return { ok: true as const, epoch: after?.sessionEpoch ?? 0 };
  });
}
