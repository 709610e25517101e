// Staff accounts: argon2id password hashes, one-time setup links (the first admin has no
// default password), roles, deactivation that ends every session of the account.
import { hash, verify } from '@node-rs/argon2';
import type { Knex } from 'knex';
import { nowIso } from '../db';
import { ConflictError, type FieldProblem, NotFoundError, ValidationError } from '../errors';
import {
  claimSetupToken,
  findUnusedSetupToken,
  insertSetupToken,
  revokeOpenSetupTokens,
  type SetupPurpose,
} from '../repositories/setup-tokens';
import {
  bumpSessionEpoch,
  countOtherActiveAdmins,
  countUsers,
  findUserByEmail,
  findUserById,
  insertUser,
  listUsers,
  type Role,
  ROLES,
  updateUser,
  type User,
  withoutHash,
} from '../repositories/users';
import { type Actor, audit } from './audit';
import { hashToken, looksLikeToken, newToken } from '../lib/tokens';
import { inTransaction } from '../repositories/transaction';
import { weakPasswordMessage } from './password-strength';

export { ROLES };

export const MIN_PASSWORD_LENGTH = 12;
export const SETUP_LINK_HOURS = 72;
// A hash of a random password, verified against when the e-mail is unknown so that
// a failed login takes as long for an unknown account as for a known one.
let dummyHash: Promise<string> | null = null;

export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function authenticate(db: Knex, email: string, password: string): Promise<User | null> {
  const user = await findUserByEmail(db, email);
  if (!user || !user.passwordHash) {
    dummyHash ??= hash('not-a-real-password-' + Math.random());
    await verify(await dummyHash, password).catch(() => false);
    return null;
  }
  const ok = await verify(user.passwordHash, password).catch(() => false);
  if (!ok || !user.active) return null;
  await updateUser(db, user.id, { lastLoginAt: nowIso() });
  return user;
}

/** `userInputs`: the account's e-mail address and name, which a password must not be built on. */
export function passwordProblems(password: string, confirm: string, userInputs: string[] = []): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (password.length < MIN_PASSWORD_LENGTH)
    problems.push({ field: 'password', message: `Lösenordet ska vara minst ${MIN_PASSWORD_LENGTH} tecken långt.` });
  if (password.length > 200) problems.push({ field: 'password', message: 'Lösenordet får vara högst 200 tecken långt.' });
  const weak = password.length >= MIN_PASSWORD_LENGTH ? weakPasswordMessage(password, userInputs) : null;
  if (weak) problems.push({ field: 'password', message: weak });
  if (password !== confirm) problems.push({ field: 'confirm', message: 'Lösenorden är inte lika.' });
  return problems;
}

/** A one-time link that lets its holder set a password (first admin or a new account). */
export async function createSetupLink(db: Knex, purpose: SetupPurpose, userId: number | null): Promise<string> {
  const token = newToken();
  await insertSetupToken(db, {
    tokenHash: hashToken(token),
    purpose,
    userId,
    expiresAt: new Date(Date.now() + SETUP_LINK_HOURS * 3600_000).toISOString(),
    createdAt: nowIso(),
  });
  return token;
}

export interface SetupTokenInfo {
  id: number;
  purpose: SetupPurpose;
  user: User | null;
}

export async function findSetupToken(db: Knex, token: string): Promise<SetupTokenInfo | null> {
  if (!looksLikeToken(token)) return null;
  const row = await findUnusedSetupToken(db, hashToken(token));
  if (!row || row.expiresAt < nowIso()) return null;
  if (row.purpose === 'first_admin' && (await countUsers(db)) > 0) return null;
  const user = row.userId ? await findUserById(db, row.userId) : null;
  if (user && !user.active) return null;
  return { id: row.id, purpose: row.purpose, user };
}

/** If nobody can log in yet, a link to create the first admin (printed at start). */
export async function firstAdminLinkIfNeeded(db: Knex): Promise<string | null> {
  if ((await countUsers(db)) > 0) return null;
  return createSetupLink(db, 'first_admin', null);
}

/** What a password must not be built on: the account's e-mail address and name, and the app's name. */
function ownWords(user: User | null, input: { name?: string; email?: string }): string[] {
  return [input.email, input.name, user?.email, user?.name, 'partnerpuls'].filter((w): w is string => !!w);
}

export async function completeSetup(
  db: Knex,
  token: string,
  input: { name?: string; email?: string; password: string; confirm: string },
): Promise<User> {
  const pre = await findSetupToken(db, token);
  const problems: FieldProblem[] = [];
  if (pre?.purpose === 'first_admin') {
    if (!input.name || !input.name.trim()) problems.push({ field: 'name', message: 'Ange ditt namn.' });
    if (!input.email || !isEmail(input.email))
      problems.push({ field: 'email', message: 'Ange en giltig e-postadress, t.ex. namn@region.se.' });
  }
  problems.push(...passwordProblems(input.password, input.confirm, ownWords(pre?.user ?? null, input)));
  if (problems.length) throw new ValidationError(problems);
  const passwordHash = await hashPassword(input.password);
  return inTransaction(db, async (trx) => {
    const info = await findSetupToken(trx, token);
    if (!info) throw new ConflictError('Länken är inte giltig längre. Be en administratör om en ny.', 'setup_link_invalid');
    let userId: number;
    if (info.purpose === 'first_admin') {
      userId = await insertUser(trx, { email: input.email!, name: input.name!, role: 'admin', passwordHash });
      await audit(trx, { userId, label: 'user' }, 'account.first_admin_created', { type: 'user', id: userId });
    } else {
      if (!info.user) throw new NotFoundError();
      userId = info.user.id;
      await updateUser(trx, userId, { passwordHash });
      await bumpSessionEpoch(trx, userId);
      await audit(trx, { userId, label: 'user' }, 'account.password_set', { type: 'user', id: userId });
    }
    // claimed once: a second, simultaneous use of the same link finds it used and rolls back
    if (!(await claimSetupToken(trx, info.id, nowIso()))) throw new ConflictError('Länken är redan använd.', 'setup_link_invalid');
    // once one link of the account is used, every other open link of it is void
    await revokeOpenSetupTokens(trx, userId);
    return (await findUserById(trx, userId))!;
  });
}

export function isEmail(v: string): boolean {
  return /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[a-z]{2,}$/i.test(v.trim()) && v.trim().length <= 254;
}

export async function createAccount(
  db: Knex,
  actor: Actor,
  input: { email: string; name: string; role: string },
): Promise<{ user: User; setupToken: string }> {
  const problems: FieldProblem[] = [];
  if (!input.name?.trim()) problems.push({ field: 'name', message: 'Ange namn.' });
  if (!input.email || !isEmail(input.email)) problems.push({ field: 'email', message: 'Ange en giltig e-postadress.' });
  if (!ROLES.includes(input.role as Role))
    problems.push({ field: 'role', message: 'Välj en roll: administratör, samordnare eller analytiker.' });
  if (problems.length) throw new ValidationError(problems);
  if (await findUserByEmail(db, input.email))
    throw new ValidationError([{ field: 'email', message: 'Det finns redan ett konto med den e-postadressen.' }]);
  return inTransaction(db, async (trx) => {
    const id = await insertUser(trx, { email: input.email, name: input.name, role: input.role as Role });
    const setupToken = await createSetupLink(trx, 'account_setup', id);
    await audit(trx, actor, 'account.created', { type: 'user', id }, { role: input.role });
    return { user: (await findUserById(trx, id))!, setupToken };
  });
}

export async function changeRole(db: Knex, actor: Actor, userId: number, role: string): Promise<void> {
  if (!ROLES.includes(role as Role)) throw new ValidationError([{ field: 'role', message: 'Okänd roll.' }]);
  const user = await findUserById(db, userId);
  if (!user) throw new NotFoundError('Kontot finns inte.');
  if (user.role === 'admin' && role !== 'admin') await assertAnotherActiveAdmin(db, userId);
  await inTransaction(db, async (trx) => {
    await updateUser(trx, userId, { role: role as Role });
    await bumpSessionEpoch(trx, userId);
    await audit(trx, actor, 'account.role_changed', { type: 'user', id: userId }, { from: user.role, to: role });
  });
}

async function assertAnotherActiveAdmin(db: Knex, exceptId: number): Promise<void> {
  if ((await countOtherActiveAdmins(db, exceptId)) === 0) throw new ConflictError('Det måste finnas minst en aktiv administratör.');
}

/** Deactivates the account and ends all of its sessions. */
export async function setActive(db: Knex, actor: Actor, userId: number, active: boolean): Promise<void> {
  const user = await findUserById(db, userId);
  if (!user) throw new NotFoundError('Kontot finns inte.');
  if (!active && user.role === 'admin') await assertAnotherActiveAdmin(db, userId);
  await inTransaction(db, async (trx) => {
    await updateUser(trx, userId, { active });
    await bumpSessionEpoch(trx, userId);
    // a password link made before (or during) a deactivation never works after it
    await revokeOpenSetupTokens(trx, userId);
    await audit(trx, actor, active ? 'account.activated' : 'account.deactivated', { type: 'user', id: userId });
  });
}

export async function newSetupLinkFor(db: Knex, actor: Actor, userId: number): Promise<string> {
  const user = await findUserById(db, userId);
  if (!user) throw new NotFoundError('Kontot finns inte.');
  if (!user.active) throw new ConflictError('Kontot är avstängt. Aktivera det först, skapa sedan en ny lösenordslänk.', 'account_inactive');
  const token = await createSetupLink(db, 'account_setup', userId);
  await audit(db, actor, 'account.setup_link_created', { type: 'user', id: userId });
  return token;
}

/** Every staff account, by name (without password hashes). */
export async function listAccounts(db: Knex): Promise<User[]> {
  return listUsers(db);
}

/**
 * The user a login session belongs to: the account must still be active and the session made in
 * its current epoch (deactivating, a role change or a new password ends older sessions).
 */
export async function sessionUser(db: Knex, userId: number, epoch: number | undefined): Promise<User | null> {
  const user = await findUserById(db, userId);
  if (!user || !user.active || user.sessionEpoch !== epoch) return null;
  return withoutHash(user);
}
