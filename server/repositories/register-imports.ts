// Pending register imports: the parsed rows of a previewed file (as JSON text), kept until the
// coordinator confirms or the preview expires. See migrations/20261201121000_create-register-imports.ts.
import type { Knex } from 'knex';

export interface StoredImport {
  id: string;
  userId: number | null;
  fileName: string | null;
  rowCount: number;
  /** JSON text; services/register-import.ts knows its shape. */
  content: string;
  createdAt: string;
  expiresAt: string;
}

export async function insertRegisterImport(db: Knex, i: StoredImport): Promise<void> {
  await db('register_imports').insert({
    id: i.id,
    user_id: i.userId,
    file_name: i.fileName,
    row_count: i.rowCount,
    content: i.content,
    created_at: i.createdAt,
    expires_at: i.expiresAt,
  });
}

/** The user's import with this id that has not expired at `now`. */
export async function findRegisterImport(db: Knex, id: string, userId: number, now: string): Promise<StoredImport | null> {
  const r = await db('register_imports').where({ id, user_id: userId }).where('expires_at', '>', now).first();
  if (!r) return null;
  return {
    id: r.id,
    userId: r.user_id ?? null,
    fileName: r.file_name ?? null,
    rowCount: r.row_count,
    content: r.content,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

export async function deleteRegisterImport(db: Knex, id: string): Promise<void> {
  await db('register_imports').where({ id }).delete();
}

function expired(db: Knex, now: string) {
  return db('register_imports').where('expires_at', '<', now);
}

export async function countExpiredRegisterImports(db: Knex, now: string): Promise<number> {
  const [r] = await expired(db, now).count({ n: '*' });
  return Number(r?.n ?? 0);
}

export async function deleteExpiredRegisterImports(db: Knex, now: string): Promise<number> {
  return expired(db, now).delete();
}

/**
 * Deletes the pending imports whose file mentions one of these e-mail addresses (any case) —
 * used when those contacts are erased, so a preview cannot bring their data back. Returns how
 * many were deleted.
 */
export async function deletePendingImportsMentioning(db: Knex, emails: string[]): Promise<number> {
  const wanted = emails.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0);
  if (!wanted.length) return 0;
  const pending = await db('register_imports').select('id', 'content');
  const ids = pending.filter((p) => wanted.some((e) => p.content.toLowerCase().includes(e))).map((p) => p.id);
  if (!ids.length) return 0;
  return db('register_imports').whereIn('id', ids).delete();
}
