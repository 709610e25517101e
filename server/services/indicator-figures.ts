// The indicator figures computed once and kept (issue 10). A figure (a row of the year's table,
// an indicator's breakdowns) is kept in the database under a stamp: the formula version, the
// counters of its year, of the year before (last year's value, the arrow) and of year 0 (the
// indicators' definitions, organisation types and municipalities), and the placeholder values.
// The database's triggers bump a year's counter in the same transaction as every change the
// figures depend on — a submit, an import, a target, a meeting's attendance, a round's survey
// version, a publication… — so a kept figure is current exactly while its stamp matches, on
// every app instance at once. Computing under an older stamp than the data it saw only costs a
// recomputation: the stamp is read before the figures are.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import { indicatorCacheMode } from '../config';
import { generationsOf, keepFigures, keptFigures } from '../repositories/indicator-figures';
import type { PlaceholderValues } from '../surveys/schema';

/** Raise when the computation changes: figures kept by an older version are then recomputed. */
const FORMULA_VERSION = 1;

/** The stamp the figures of `year` are computed under now. */
async function stampOf(db: Knex, year: number, vars: PlaceholderValues | null): Promise<string> {
  const g = await generationsOf(db, [year, year - 1, 0]);
  const varsHash = createHash('sha256')
    .update(JSON.stringify(Object.entries(vars ?? {}).sort(([a], [b]) => a.localeCompare(b))))
    .digest('hex')
    .slice(0, 16);
  return `v${FORMULA_VERSION}:${g.get(year)}:${g.get(year - 1)}:${g.get(0)}:${varsHash}`;
}

/** What a figure looks like once kept (JSON drops undefined fields). */
function asKept(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);
}

export class StaleFigureError extends Error {}

function verify(year: number, kept: Map<string, unknown>, live: Map<string, unknown>): void {
  for (const [key, payload] of kept) {
    if (!isDeepStrictEqual(payload, asKept(live.get(key)))) {
      throw new StaleFigureError(
        `The kept indicator figure ${key} of ${year} differs from the live one: a change it depends on did not bump indicator_generations.`,
      );
    }
  }
}

/** Keeps what was computed; a failed write (a busy or read-only database) only costs a recomputation. */
async function keep(db: Knex, year: number, stamp: string, computed: Map<string, unknown>): Promise<void> {
  try {
    await keepFigures(
      db,
      year,
      stamp,
      [...computed].map(([key, payload]) => ({ key, payload: asKept(payload) })),
    );
  } catch (err) {
    process.emitWarning(`Indikatorvärdena för ${year} kunde inte sparas för nästa visning: ${(err as Error).message}`, 'IndicatorFigures');
  }
}

/**
 * The figures of `year` under `keys`: the kept ones that are current, the others computed by
 * `compute` (given the keys it must compute, returning a figure for each) and kept. `vars`: the
 * placeholder values the figures contain (null when they contain none).
 */
export async function keptOrComputed<T>(
  db: Knex,
  year: number,
  vars: PlaceholderValues | null,
  keys: string[],
  compute: (keys: string[]) => Promise<Map<string, T>>,
): Promise<Map<string, T>> {
  const mode = indicatorCacheMode();
  if (mode === 'off' || keys.length === 0) return compute(keys);
  const stamp = await stampOf(db, year, vars);
  const current = new Map((await keptFigures(db, year, keys)).filter((f) => f.stamp === stamp).map((f) => [f.key, f.payload]));
  if (mode === 'verify') {
    const live = await compute(keys);
    verify(year, current, live);
    await keep(db, year, stamp, new Map([...live].filter(([key]) => !current.has(key))));
    return new Map(keys.map((k) => [k, asKept(live.get(k)) as T]));
  }
  const missing = keys.filter((k) => !current.has(k));
  const computed = missing.length > 0 ? await compute(missing) : new Map<string, T>();
  await keep(db, year, stamp, computed);
  // the computed ones as they will come back kept, so every view gets the same shape
  return new Map(keys.map((k) => [k, (current.has(k) ? current.get(k) : asKept(computed.get(k))) as T]));
}
