// Which cells of a breakdown are hidden (DOMAIN.md rule 8) — the one place for the rule, used by
// every page and export that shows breakdowns (the indicator page via indicators.breakdowns, and
// any results page with filters). Pure: counts in, decisions out; no database, no formatting.
//
// A breakdown shows, per group (organisation type, municipality …), the share x/n of its
// organisations. The whole group's figure (the total) is always shown beside it. What a reader
// must not be able to work out, for any hidden cell: how many organisations are behind it, and
// what share of them is in the numerator.
//
// 1. Primary: a cell whose share rests on fewer than minN organisations (0 < answered, n < minN)
//    is hidden. An empty cell (nobody answered) is shown: it holds no organisation's answer.
// 2. Secondary, per table: the hidden cells together (plus any organisations the table does not
//    list) are the total minus the shown cells, so that "block" is known. It is safe when
//      - it holds no primary cell, or
//      - it has at least minN organisations, every hidden cell's count can take at least two values
//        within what the reader knows (a primary cell has 1 … minN − 1, any other non-empty cell at
//        least minN — the labels on the page say which is which), and
//      - its share is neither 0 % nor 100 % while the total's is not (the complementary
//        disclosure: hidden cells that together are all 0 % or all 100 % give every hidden share
//        away). With 0 < x < n for the block and two or more cells, every hidden cell's share can
//        take two values.
//    Until it is safe, the smallest shown non-empty cell (ties: first in input order) is hidden too.
// 3. Across tables (type and municipality of the same answers): when every cell lists the
//    organisations behind it (`members`), no primary cell may be a linear combination of what is
//    shown — the total and the shown cells of every table (a municipality that holds exactly the
//    organisations of a hidden type would give that type away). Checked by Gaussian elimination
//    modulo a large prime (a combination over the rationals is one modulo p as well, so no
//    disclosure is missed; at worst a cell is hidden that need not be). Until none is, the
//    smallest shown cell of another table whose hiding breaks the combination is hidden.
// When no choice of cells is safe (e.g. every cell small and together fewer than minN), the whole
// table is hidden (`allHidden`).

export interface SuppressionCell {
  key: string;
  /** The organisations behind the cell's share (its denominator): what the cell shows as n. */
  n: number;
  /** Of those, how many are in the numerator. */
  numerator: number;
  /** Organisations that answered, "Vet ej" included (≥ n; default n). 0 = an empty cell. */
  answered?: number;
  /** Ids of the organisations behind the cell (those that answered): enables the check across tables. */
  members?: readonly (string | number)[];
}

export interface SuppressionTable {
  key: string;
  cells: readonly SuppressionCell[];
}

export interface SuppressionTotal {
  /** The whole group's n (denominator) and numerator; each table's cells add up to at most this. */
  n: number;
  numerator: number;
}

/** primary: too few organisations; secondary: hidden to protect another hidden cell. */
export type HiddenReason = 'primary' | 'secondary';
/** Why a secondary cell is hidden: subtraction from the total, the block's all-0/all-100 share, or another table. */
export type SecondaryGround = 'size' | 'share' | 'linked';

export interface CellDecision {
  key: string;
  hidden: boolean;
  reason: HiddenReason | null;
  ground: SecondaryGround | null;
}

export interface TableDecision {
  key: string;
  cells: CellDecision[];
  /** No cell can be shown without giving a small one away: show none of the table. */
  allHidden: boolean;
}

interface Work {
  cell: SuppressionCell;
  answered: number;
  decision: CellDecision;
}

interface WorkTable {
  key: string;
  cells: Work[];
  unlisted: { n: number; numerator: number };
  allHidden: boolean;
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer count, got ${String(value)}`);
}

function checkCell(cell: SuppressionCell): number {
  const answered = cell.answered ?? cell.n;
  assertCount(`n of cell ${cell.key}`, cell.n);
  assertCount(`numerator of cell ${cell.key}`, cell.numerator);
  assertCount(`answered of cell ${cell.key}`, answered);
  if (cell.numerator > cell.n) throw new RangeError(`numerator of cell ${cell.key} exceeds its n`);
  if (cell.n > answered) throw new RangeError(`n of cell ${cell.key} exceeds answered`);
  return answered;
}

function workTable(table: SuppressionTable, minN: number, total: SuppressionTotal | undefined): WorkTable {
  const seen = new Set<string>();
  const cells = table.cells.map((cell): Work => {
    if (seen.has(cell.key)) throw new RangeError(`duplicate cell key ${cell.key} in table ${table.key}`);
    seen.add(cell.key);
    const answered = checkCell(cell);
    const primary = answered > 0 && cell.n < minN;
    return { cell, answered, decision: { key: cell.key, hidden: primary, reason: primary ? 'primary' : null, ground: null } };
  });
  const listedN = cells.reduce((s, w) => s + w.cell.n, 0);
  const listedX = cells.reduce((s, w) => s + w.cell.numerator, 0);
  const whole = total ?? { n: listedN, numerator: listedX };
  if (whole.n < listedN || whole.numerator < listedX) throw new RangeError(`the cells of table ${table.key} add up to more than the total`);
  return { key: table.key, cells, unlisted: { n: whole.n - listedN, numerator: whole.numerator - listedX }, allHidden: false };
}

const isPrimary = (w: Work) => w.decision.reason === 'primary';
const hiddenNonEmpty = (t: WorkTable) => t.cells.filter((w) => w.decision.hidden && w.answered > 0);

/** Bounds a reader knows for a hidden cell's n: primary 1 … minN − 1 (0 when all answered "Vet ej"), other non-empty cells ≥ minN. */
function boundsOf(w: Work, minN: number): [number, number] {
  return isPrimary(w) ? [w.cell.n === 0 ? 0 : 1, minN - 1] : [minN, Number.POSITIVE_INFINITY];
}

/** Can every hidden cell's n take at least two values, given the block's sum and each cell's bounds? */
function countsUndetermined(block: Work[], unlistedN: number, minN: number): boolean {
  const bounds = block.map((w) => boundsOf(w, minN));
  if (unlistedN > 0) bounds.push([0, Number.POSITIVE_INFINITY]); // organisations the table does not list
  const sum = block.reduce((s, w) => s + w.cell.n, 0) + unlistedN;
  const loSum = bounds.reduce((s, b) => s + b[0], 0);
  const unbounded = bounds.filter((b) => b[1] === Number.POSITIVE_INFINITY).length;
  const finiteHiSum = bounds.reduce((s, b) => (b[1] === Number.POSITIVE_INFINITY ? s : s + b[1]), 0);
  return block.every((w, i) => {
    const [lo, hi] = bounds[i];
    if (hi <= lo) return true; // the bounds alone tell it (minN ≤ 2): nothing more to protect
    // the others together hold at most othersHi: infinite when one of them is unbounded
    const own = hi === Number.POSITIVE_INFINITY;
    const othersHi = unbounded - (own ? 1 : 0) > 0 ? Number.POSITIVE_INFINITY : finiteHiSum - (own ? 0 : hi);
    const max = Math.min(hi, sum - (loSum - lo));
    const min = Math.max(lo, sum - othersHi);
    return max > min;
  });
}

/** The table's secondary problem, or null when its block is safe (rule 2). */
function blockProblem(t: WorkTable, minN: number, totalShareIsExtreme: boolean): SecondaryGround | null {
  const block = hiddenNonEmpty(t);
  if (!block.some(isPrimary)) return null;
  const n = block.reduce((s, w) => s + w.cell.n, 0) + t.unlisted.n;
  const x = block.reduce((s, w) => s + w.cell.numerator, 0) + t.unlisted.numerator;
  const size = block.reduce((s, w) => s + w.answered, 0) + t.unlisted.n;
  if (block.length + (t.unlisted.n > 0 ? 1 : 0) < 2 || size < minN || !countsUndetermined(block, t.unlisted.n, minN)) return 'size';
  if (!totalShareIsExtreme && (n === 0 || x === 0 || x === n)) return 'share';
  return null;
}

/** The smallest shown non-empty cell of the table (ties: first in input order), or undefined. */
function smallestShown(t: WorkTable): Work | undefined {
  let next: Work | undefined;
  for (const w of t.cells) if (!w.decision.hidden && w.answered > 0 && (next === undefined || w.answered < next.answered)) next = w;
  return next;
}

function hide(w: Work, ground: SecondaryGround): void {
  w.decision.hidden = true;
  w.decision.reason = 'secondary';
  w.decision.ground = ground;
}

/** Rule 2 for one table until safe; true when it hid a cell. */
function secureTable(t: WorkTable, minN: number, totalShareIsExtreme: boolean): boolean {
  let changed = false;
  for (let problem = blockProblem(t, minN, totalShareIsExtreme); problem !== null; problem = blockProblem(t, minN, totalShareIsExtreme)) {
    const next = smallestShown(t);
    if (!next) {
      t.allHidden = true;
      return changed;
    }
    hide(next, problem);
    changed = true;
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------
// Rule 3: linear combinations across tables (vectors over the organisations, modulo a prime)
// ---------------------------------------------------------------------------------------------

const P = 2305843009213693951n; // 2^61 − 1, a Mersenne prime

function modInverse(a: bigint): bigint {
  // Fermat: a^(P−2) mod P
  let result = 1n;
  let base = ((a % P) + P) % P;
  let e = P - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % P;
    base = (base * base) % P;
    e >>= 1n;
  }
  return result;
}

/** A row-echelon basis over GF(P); `inSpan` tells whether a vector is a combination of the added ones. */
class Span {
  private rows: Array<{ pivot: number; v: bigint[] }> = [];
  constructor(private readonly size: number) {}

  private reduce(vector: readonly bigint[]): bigint[] {
    const v = [...vector];
    for (const { pivot, v: row } of this.rows) {
      const f = v[pivot];
      if (f === 0n) continue;
      for (let i = 0; i < this.size; i++) if (row[i] !== 0n) v[i] = (((v[i] - f * row[i]) % P) + P) % P;
    }
    return v;
  }

  add(vector: readonly bigint[]): void {
    const v = this.reduce(vector);
    const pivot = v.findIndex((x) => x !== 0n);
    if (pivot < 0) return;
    const inv = modInverse(v[pivot]);
    const row = v.map((x) => (x * inv) % P);
    for (const other of this.rows) {
      const f = other.v[pivot];
      if (f !== 0n) for (let i = 0; i < this.size; i++) other.v[i] = (((other.v[i] - f * row[i]) % P) + P) % P;
    }
    this.rows.push({ pivot, v: row });
  }

  inSpan(vector: readonly bigint[]): boolean {
    return this.reduce(vector).every((x) => x === 0n);
  }
}

function linkedCheckApplies(tables: WorkTable[]): boolean {
  return tables.length > 1 && tables.every((t) => t.unlisted.n === 0 && t.cells.every((w) => w.answered === 0 || w.cell.members));
}

/** The primary cells that are a combination of what is shown, when `except` is hidden as well. */
function disclosedPrimaries(tables: WorkTable[], index: Map<string | number, number>, except?: Work): Work[] {
  const size = index.size;
  const vectorOf = (w: Work) => {
    const v = new Array<bigint>(size).fill(0n);
    for (const m of w.cell.members ?? []) v[index.get(m)!] = 1n;
    return v;
  };
  const span = new Span(size);
  span.add(new Array<bigint>(size).fill(1n)); // the total
  for (const t of tables) for (const w of t.cells) if (!w.decision.hidden && w !== except && w.answered > 0) span.add(vectorOf(w));
  return tables.flatMap((t) => t.cells.filter((w) => isPrimary(w) && w.answered > 0 && span.inSpan(vectorOf(w))));
}

/** Rule 3 once: hides one cell when a primary cell is a combination of what is shown; true when it did. */
function secureAcrossTables(tables: WorkTable[]): boolean {
  if (!linkedCheckApplies(tables)) return false;
  const index = new Map<string | number, number>();
  for (const t of tables) for (const w of t.cells) for (const m of w.cell.members ?? []) if (!index.has(m)) index.set(m, index.size);
  const disclosed = disclosedPrimaries(tables, index);
  if (disclosed.length === 0) return false;
  const own = tables.find((t) => t.cells.includes(disclosed[0]))!;
  const candidates = tables
    .filter((t) => t !== own)
    .flatMap((t) => t.cells.filter((w) => !w.decision.hidden && w.answered > 0))
    .sort((a, b) => a.answered - b.answered);
  if (candidates.length === 0) return false;
  const breaking = candidates.find((w) => !disclosedPrimaries(tables, index, w).includes(disclosed[0]));
  hide(breaking ?? candidates[0], 'linked');
  return true;
}

function sumOf(cells: readonly SuppressionCell[]): SuppressionTotal {
  return { n: cells.reduce((s, c) => s + c.n, 0), numerator: cells.reduce((s, c) => s + c.numerator, 0) };
}

/**
 * The cells to hide in one or more breakdowns of the same answers (DOMAIN rule 8; the rules are
 * described at the top of this file). `total` is the whole group's figure, shown beside the
 * breakdowns; without it each table's cells are taken to add up to the total. Returns, per table
 * and in input order, whether each cell is hidden and why.
 */
export function suppressBreakdowns(tables: readonly SuppressionTable[], minN: number, total?: SuppressionTotal): TableDecision[] {
  assertCount('minN', minN);
  if (total) {
    assertCount('total n', total.n);
    assertCount('total numerator', total.numerator);
  }
  const work = tables.map((t) => workTable(t, minN, total));
  // When the total is 0 % or 100 %, it tells every cell's share itself: the share rule has nothing to protect.
  const whole = total ?? sumOf(tables[0]?.cells ?? []);
  const totalShareIsExtreme = whole.n === 0 || whole.numerator === 0 || whole.numerator === whole.n;
  let changed = true;
  while (changed) {
    changed = false;
    for (const t of work) if (!t.allHidden && secureTable(t, minN, totalShareIsExtreme)) changed = true;
    if (!changed) changed = secureAcrossTables(work);
  }
  return work.map((t) => ({
    key: t.key,
    allHidden: t.allHidden,
    cells: t.cells.map((w) =>
      t.allHidden && !w.decision.hidden ? { ...w.decision, hidden: true, reason: 'secondary', ground: 'size' } : { ...w.decision },
    ),
  }));
}

/** One table on its own (no check across tables). */
export function suppressTable(cells: readonly SuppressionCell[], minN: number, total?: SuppressionTotal): TableDecision {
  return suppressBreakdowns([{ key: 'table', cells }], minN, total)[0];
}
