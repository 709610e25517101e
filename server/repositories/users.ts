import type { Knex } from 'knex';
import { bool, nowIso } from '../db';

export type Role = 'admin' | 'coordinator' | 'analyst';
export const ROLES: Role[] = ['admin', 'coordinator', 'analyst'];

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

function toUser(r: Record<string, unknown>): UserWithHash {
  return {
    id: Number(r.id),
    email: String(r.email),
    name: String(r.name),
    role: r.role as Role,
    active: bool(r.active),
    sessionEpoch: Number(r.session_epoch),
    locale: String(r.locale),
    hasPassword: !!r.password_hash,
    passwordHash: (r.password_hash as string) ?? null,
    lastLoginAt: (r.last_login_at as string) ?? null,
    createdAt: String(r.created_at),
  };
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
  return rows.map(toUser);
}

export async function countUsers(db: Knex): Promise<number> {
  const r = await db('users').count<{ n: number }[]>({ n: '*' });
  return Number(r[0].n);
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
  return Number(typeof row === 'object' ? row.id : row);
}

export async function updateUser(
  db: Knex,
  id: number,
  patch: Partial<{ name: string; role: Role; active: boolean; passwordHash: string; locale: string; lastLoginAt: string }>,
): Promise<void> {
  const row: Record<string, unknown> = { updated_at: nowIso() };
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
