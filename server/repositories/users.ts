// Staff accounts (admin, coordinator, analyst).
import type { Knex } from 'knex';
import { bool, nowIso } from '../db';
import type { Role } from '../lib/roles';
import type { UserRow } from './tables';

export { type Role, ROLES } from '../lib/roles';

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  sessionEpoch: number;
  locale: string;
  hasPassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface UserWithHash extends User {
  passwordHash: string | null;
}

function toUser(r: UserRow): UserWithHash {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role as Role,
    active: bool(r.active),
    sessionEpoch: Number(r.session_epoch),
    locale: r.locale,
    hasPassword: !!r.password_hash,
    passwordHash: r.password_hash ?? null,
    lastLoginAt: r.last_login_at ?? null,
    createdAt: r.created_at,
  };
}

/** The account without its password hash (for a request's user and the admin's list). */
export function withoutHash(user: UserWithHash): User {
  const { passwordHash: _omit, ...rest } = user;
  return rest;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserByEmail(db: Knex, email: string): Promise<UserWithHash | null> {
  const r = await db('users')
    .where({ email: normaliseEmail(email) })
    .first();
  return r ? toUser(r) : null;
}

export async function findUserById(db: Knex, id: number): Promise<UserWithHash | null> {
  const r = await db('users').where({ id }).first();
  return r ? toUser(r) : null;
}

export async function listUsers(db: Knex): Promise<User[]> {
  const rows = await db('users').orderBy('name');
  return rows.map((r) => withoutHash(toUser(r)));
}

export async function countUsers(db: Knex): Promise<number> {
  const [r] = await db('users').count({ n: '*' });
  return Number(r?.n ?? 0);
}

/** How many active admins there are besides this account. */
export async function countOtherActiveAdmins(db: Knex, exceptId: number): Promise<number> {
  const [r] = await db('users').where({ role: 'admin', active: true }).whereNot({ id: exceptId }).count({ n: '*' });
  return Number(r?.n ?? 0);
}

export async function insertUser(db: Knex, u: { email: string; name: string; role: Role; passwordHash?: string | null }): Promise<number> {
  const now = nowIso();
  const [row] = await db('users')
    .insert({
      email: normaliseEmail(u.email),
      name: u.name.trim(),
      role: u.role,
      password_hash: u.passwordHash ?? null,
      active: true,
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return row.id;
}

export async function updateUser(
  db: Knex,
  id: number,
  patch: Partial<{ name: string; role: Role; active: boolean; passwordHash: string; locale: string; lastLoginAt: string }>,
): Promise<void> {
  const row: Partial<UserRow> = { updated_at: nowIso() };
  if (patch.name !== undefined) row.name = patch.name;
  if (patch.role !== undefined) row.role = patch.role;
  if (patch.active !== undefined) row.active = patch.active;
  if (patch.passwordHash !== undefined) row.password_hash = patch.passwordHash;
  if (patch.locale !== undefined) row.locale = patch.locale;
  if (patch.lastLoginAt !== undefined) row.last_login_at = patch.lastLoginAt;
  await db('users').where({ id }).update(row);
}

/** Ends every session of the user: sessions carry the epoch they were made in. */
export async function bumpSessionEpoch(db: Knex, id: number): Promise<void> {
  await db('users').where({ id }).increment('session_epoch', 1);
}
