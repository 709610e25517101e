// The counters behind every rate limit, in the database so that every app instance counts the
// same hits. A counter is a fixed window: the first hit opens it (`reset_at` = now + window), each
// further hit in the window adds one, and the first hit after `reset_at` starts a new window. The
// increment is one atomic upsert, so two instances hitting the same key at once both count.
import type { Knex } from 'knex';

export interface Counter {
  hits: number;
  /** ms since 1970 */
  resetAt: number;
}

/** Adds one hit (or `by` hits) to `key` and returns the counter after it. */
export async function hitCounter(db: Knex, key: string, windowMs: number, now = Date.now(), by = 1): Promise<Counter> {
  return (await addHits(db, [{ key, by }], windowMs, now)).get(key) ?? { hits: by, resetAt: now + windowMs };
}

/**
 * Adds `by` hits to each key (all with the same window) in one upsert, and returns the counters
 * after it: what an instance counted in memory since its last flush, written at once instead of
 * a statement per key (with many respondents each counter gets about one hit a second). Give it
 * at most a few hundred keys (three bound values each).
 */
export async function addHits(
  db: Knex,
  hits: Array<{ key: string; by: number }>,
  windowMs: number,
  now = Date.now(),
): Promise<Map<string, Counter>> {
  if (!hits.length) return new Map();
  const resetAt = now + windowMs;
  const rows = await db('rate_limits')
    .insert(hits.map((h) => ({ key: h.key, hits: h.by, reset_at: resetAt })))
    .onConflict('key')
    .merge({
      hits: db.raw('case when rate_limits.reset_at <= ? then excluded.hits else rate_limits.hits + excluded.hits end', [now]),
      reset_at: db.raw('case when rate_limits.reset_at <= ? then excluded.reset_at else rate_limits.reset_at end', [now]),
    })
    .returning(['key', 'hits', 'reset_at']);
  return new Map(
    (rows as Array<{ key: string; hits: number | string; reset_at: number | string }>).map((r) => [
      r.key,
      { hits: Number(r.hits), resetAt: Number(r.reset_at) },
    ]),
  );
}

/** The live counters among `keys` (a key without hits in its window is left out). */
export async function readCounters(db: Knex, keys: string[], now = Date.now()): Promise<Map<string, Counter>> {
  if (!keys.length) return new Map();
  const rows = await db('rate_limits').whereIn('key', keys).where('reset_at', '>', now).select('key', 'hits', 'reset_at');
  return new Map(rows.map((r) => [r.key, { hits: Number(r.hits), resetAt: Number(r.reset_at) }]));
}

/** Takes one hit back (a request that turned out not to count). */
export async function takeBackHit(db: Knex, key: string, now = Date.now()): Promise<void> {
  await db('rate_limits').where({ key }).where('reset_at', '>', now).where('hits', '>', 0).decrement('hits', 1);
}

export async function deleteCounters(db: Knex, keys: string[]): Promise<void> {
  if (keys.length) await db('rate_limits').whereIn('key', keys).delete();
}

/** Removes the counters whose window is over (they would start afresh anyway). */
export async function deleteExpiredCounters(db: Knex, now = Date.now()): Promise<number> {
  return db('rate_limits').where('reset_at', '<=', now).delete();
}
