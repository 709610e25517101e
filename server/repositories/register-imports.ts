// Pending register imports: the parsed rows of a previewed file, kept until the coordinator
// confirms (or for an hour). See migrations/20261201121000_create-register-imports.ts.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { nowIso } from '../db';
import type { CsvRow, ImportField } from '../services/csv-import';

export const PENDING_IMPORT_MINUTES = 60;

export interface PendingImport {
  id: string;
  userId: number | null;
  fileName: string | null;
  rows: CsvRow[];
  columns: Partial<Record<ImportField, string>>;
  options: { panelId?: number; year?: number };
  createdAt: string;
}

export function looksLikeImportId(v: unknown): v is string {
  return typeof v === 'string' && /^[a-f0-9]{40}$/.test(v);
}

export async function savePendingImport(db: Knex, p: Omit<PendingImport, 'id' | 'createdAt'>): Promise<string> {
  const id = crypto.randomBytes(20).toString('hex');
  const now = new Date();
  await db('register_imports').where('expires_at', '<', now.toISOString()).delete();
  await db('register_imports').insert({
    id,
    user_id: p.userId,
    file_name: p.fileName ? p.fileName.slice(0, 300) : null,
    row_count: p.rows.length,
    content: JSON.stringify({ rows: p.rows, columns: p.columns, options: p.options }),
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + PENDING_IMPORT_MINUTES * 60_000).toISOString(),
  });
  return id;
}

/** The pending import if it exists, has not expired and belongs to the user. */
export async function findPendingImport(db: Knex, id: string, userId: number): Promise<PendingImport | null> {
  if (!looksLikeImportId(id)) return null;
  const r = await db('register_imports').where({ id, user_id: userId }).where('expires_at', '>', nowIso()).first();
  if (!r) return null;
  const content = JSON.parse(String(r.content)) as Pick<PendingImport, 'rows' | 'columns' | 'options'>;
  return { id, userId, fileName: r.file_name ?? null, createdAt: String(r.created_at), ...content };
}

export async function deletePendingImport(db: Knex, id: string): Promise<void> {
  await db('register_imports').where({ id }).delete();
}

/**
 * Deletes the pending imports whose file mentions one of these e-mail addresses (any case) —
 * used when those contacts are erased, so a preview cannot bring their data back. Returns how
 * many were deleted.
 */
export async function deletePendingImportsMentioning(db: Knex, emails: string[]): Promise<number> {
  const wanted = emails.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0);
  if (!wanted.length) return 0;
  const pending = (await db('register_imports').select('id', 'content')) as Array<{ id: string; content: string }>;
  const ids = pending.filter((p) => wanted.some((e) => String(p.content).toLowerCase().includes(e))).map((p) => p.id);
  if (!ids.length) return 0;
  return Number(await db('register_imports').whereIn('id', ids).delete());
}
