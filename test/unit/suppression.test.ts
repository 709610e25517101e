// Breakdown suppression (services/suppression.ts, DOMAIN.md rule 8, issue 9 item 6): worked
// cases, and property tests that play the reader — from the shown cells and the total, no hidden
// cell's count or share may be worked out.
import fc from 'fast-check';
import { type SuppressionCell, suppressBreakdowns, suppressTable, type TableDecision } from '../../server/services/suppression';

const hiddenKeys = (d: TableDecision) =>
  Object.fromEntries(d.cells.filter((c) => c.hidden).map((c) => [c.key, `${c.reason}:${c.ground ?? ''}`]));

describe('worked cases', () => {
  it('a small cell is hidden, and the next smallest too, so it cannot be worked out by subtraction', () => {
    const d = suppressTable(
      [
        { key: 'kommun', n: 6, numerator: 3 },
        { key: 'larosate', n: 3, numerator: 2 },
        { key: 'foretag', n: 7, numerator: 3 },
      ],
      5,
    );
    expect(hiddenKeys(d)).toEqual({ larosate: 'primary:', kommun: 'secondary:size' });
  });

  it('hidden cells that together are all 0 % (while the total is not) give their shares away: one more is hidden', () => {
    // kommun 3 (0 of 3) and lärosäte 6 (0 of 6) hidden: total 10 of 29 minus företag 10 of 20 = 0 of 9 → both 0 %
    const d = suppressTable(
      [
        { key: 'kommun', n: 3, numerator: 0 },
        { key: 'larosate', n: 6, numerator: 0 },
        { key: 'foretag', n: 20, numerator: 10 },
      ],
      5,
    );
    expect(hiddenKeys(d)).toEqual({ kommun: 'primary:', larosate: 'secondary:size', foretag: 'secondary:share' });
    // and all 100 %
    const full = suppressTable(
      [
        { key: 'a', n: 2, numerator: 2 },
        { key: 'b', n: 5, numerator: 5 },
        { key: 'c', n: 9, numerator: 4 },
        { key: 'd', n: 11, numerator: 3 },
      ],
      5,
    );
    expect(hiddenKeys(full)).toEqual({ a: 'primary:', b: 'secondary:size', c: 'secondary:share' });
  });

  it('a total of 0 % or 100 % tells every share itself: only the counts are protected', () => {
    const d = suppressTable(
      [
        { key: 'a', n: 2, numerator: 0 },
        { key: 'b', n: 5, numerator: 0 },
        { key: 'c', n: 9, numerator: 0 },
      ],
      5,
    );
    expect(hiddenKeys(d)).toEqual({ a: 'primary:', b: 'secondary:size' });
  });

  it('two small cells whose counts are pinned by their bounds (4 + 4 with minN 5: both must be 4) need a third', () => {
    const d = suppressTable(
      [
        { key: 'a', n: 4, numerator: 1 },
        { key: 'b', n: 4, numerator: 2 },
        { key: 'c', n: 6, numerator: 3 },
        { key: 'd', n: 20, numerator: 9 },
      ],
      5,
    );
    expect(hiddenKeys(d)).toEqual({ a: 'primary:', b: 'primary:', c: 'secondary:size' });
  });

  it('every cell small and together fewer than minN: the whole table is hidden', () => {
    const d = suppressTable(
      [
        { key: 'a', n: 1, numerator: 1 },
        { key: 'b', n: 2, numerator: 1 },
      ],
      5,
    );
    expect(d.allHidden).toBe(true);
    expect(d.cells.every((c) => c.hidden)).toBe(true);
  });

  it('an empty cell is shown (no answer in it); a group that answered only "Vet ej" (exclude: n = 0) is hidden', () => {
    const d = suppressTable(
      [
        { key: 'empty', n: 0, numerator: 0, answered: 0 },
        { key: 'vetej', n: 0, numerator: 0, answered: 1 },
        { key: 'big', n: 10, numerator: 6, answered: 10 },
      ],
      5,
    );
    expect(hiddenKeys(d)).toEqual({ vetej: 'primary:', big: 'secondary:size' });
  });

  it('across tables: a shown municipality holding exactly the organisations of a hidden type gives that type away', () => {
    // types: kommun {1..6}, larosate {7,8,9} (small), foretag {10..19}; municipality Uppstad = {1..6} exactly
    const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const x = (members: number[]) => members.filter((m) => m % 2 === 0).length;
    const cell = (key: string, members: number[]): SuppressionCell => ({ key, n: members.length, numerator: x(members), members });
    const types = [cell('kommun', ids(1, 6)), cell('larosate', ids(7, 9)), cell('foretag', ids(10, 19))];
    const municipalities = [cell('Uppstad', ids(1, 6)), cell('Nedby', [...ids(7, 9), ...ids(10, 14)]), cell('Mellby', ids(15, 19))];
    // one table at a time: lärosäte and kommun hidden in the type table, nothing in the municipality table
    expect(hiddenKeys(suppressTable(types, 5))).toEqual({ larosate: 'primary:', kommun: 'secondary:size' });
    // together: Uppstad = kommun would give kommun, and so lärosäte, away; Uppstad is hidden (and its table protected)
    const [byType, byMunicipality] = suppressBreakdowns(
      [
        { key: 'type', cells: types },
        { key: 'municipality', cells: municipalities },
      ],
      5,
    );
    expect(hiddenKeys(byType)).toEqual({ larosate: 'primary:', kommun: 'secondary:size' });
    expect(byMunicipality.cells.find((c) => c.key === 'Uppstad')).toMatchObject({ hidden: true, reason: 'secondary', ground: 'linked' });
    expect(byMunicipality.cells.filter((c) => c.hidden).length).toBeGreaterThanOrEqual(2);
  });

  it('refuses inconsistent input', () => {
    expect(() => suppressTable([{ key: 'a', n: 3, numerator: 4 }], 5)).toThrow(RangeError);
    expect(() => suppressTable([{ key: 'a', n: 8, numerator: 1 }], 5, { n: 7, numerator: 1 })).toThrow(/total/);
    expect(() =>
      suppressTable(
        [
          { key: 'a', n: 1, numerator: 0 },
          { key: 'a', n: 2, numerator: 0 },
        ],
        5,
      ),
    ).toThrow(/duplicate/);
  });
});

// ---------------------------------------------------------------------------------------------
// The reader, by brute force
// ---------------------------------------------------------------------------------------------

/**
 * Every assignment of (n, x) to the hidden cells that agrees with what a reader sees: the shown
 * cells, the total, and each hidden cell's label (primary: 1 … minN − 1 organisations; secondary:
 * a non-empty cell, so at least minN). Calls `visit` with the hidden cells' n and x.
 */
function consistentWorlds(
  hidden: Array<{ primary: boolean }>,
  minN: number,
  blockN: number,
  blockX: number,
  visit: (ns: number[], xs: number[]) => void,
): void {
  const ns: number[] = [];
  const xs: number[] = [];
  const go = (i: number, nLeft: number, xLeft: number) => {
    if (i === hidden.length) {
      if (nLeft === 0 && xLeft === 0) visit([...ns], [...xs]);
      return;
    }
    const [lo, hi] = hidden[i].primary ? [1, minN - 1] : [minN, nLeft];
    for (let n = lo; n <= Math.min(hi, nLeft); n++) {
      for (let x = 0; x <= Math.min(n, xLeft); x++) {
        ns.push(n);
        xs.push(x);
        go(i + 1, nLeft - n, xLeft - x);
        ns.pop();
        xs.pop();
      }
    }
  };
  go(0, blockN, blockX);
}

const tableArb = fc
  .record({
    minN: fc.integer({ min: 3, max: 6 }),
    cells: fc.array(
      fc.integer({ min: 0, max: 12 }).chain((n) => fc.integer({ min: 0, max: n }).map((x) => ({ n, x }))),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map(({ minN, cells }) => ({ minN, cells: cells.map((c, i) => ({ key: `c${i}`, n: c.n, numerator: c.x })) }));

describe('property: the reader cannot work out a hidden cell (one table)', () => {
  it('every hidden cell can have at least two counts and, unless the total is 0 % or 100 %, two shares', () => {
    fc.assert(
      fc.property(tableArb, ({ minN, cells }) => {
        const d = suppressTable(cells, minN);
        if (d.allHidden) return; // nothing is shown but the total
        const hidden = cells.filter((_, i) => d.cells[i].hidden);
        if (hidden.length === 0) {
          expect(cells.every((c) => c.n === 0 || c.n >= minN)).toBe(true);
          return;
        }
        const total = { n: cells.reduce((s, c) => s + c.n, 0), x: cells.reduce((s, c) => s + c.numerator, 0) };
        const shown = cells.filter((_, i) => !d.cells[i].hidden);
        const blockN = total.n - shown.reduce((s, c) => s + c.n, 0);
        const blockX = total.x - shown.reduce((s, c) => s + c.numerator, 0);
        const labels = hidden.map((_, k) => ({ primary: d.cells[cells.indexOf(hidden[k])].reason === 'primary' }));
        const counts = hidden.map(() => new Set<number>());
        const shares = hidden.map(() => new Set<string>());
        consistentWorlds(labels, minN, blockN, blockX, (ns, xs) =>
          ns.forEach((n, k) => {
            counts[k].add(n);
            shares[k].add(`${xs[k] / n}`);
          }),
        );
        const extreme = total.x === 0 || total.x === total.n;
        hidden.forEach((c, k) => {
          expect(counts[k].has(c.n)).toBe(true); // the real world is among them
          expect(counts[k].size).toBeGreaterThanOrEqual(2);
          if (!extreme) expect(shares[k].size).toBeGreaterThanOrEqual(2);
        });
        // and no shown cell is below minN
        shown.forEach((c) => expect(c.n === 0 || c.n >= minN).toBe(true));
      }),
      { numRuns: 1500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Two tables of the same organisations: exact rational elimination (independent of the
// implementation's arithmetic modulo a prime)
// ---------------------------------------------------------------------------------------------

type Fraction = [bigint, bigint];
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
function norm([p, q]: Fraction): Fraction {
  if (q < 0n) [p, q] = [-p, -q];
  const g = gcd(p, q) || 1n;
  return [p / g, q / g];
}
const sub = (a: Fraction, b: Fraction): Fraction => norm([a[0] * b[1] - b[0] * a[1], a[1] * b[1]]);
const mul = (a: Fraction, b: Fraction): Fraction => norm([a[0] * b[0], a[1] * b[1]]);
const div = (a: Fraction, b: Fraction): Fraction => norm([a[0] * b[1], a[1] * b[0]]);

/** Is `target` a rational combination of `vectors`? */
function inRationalSpan(vectors: number[][], target: number[]): boolean {
  const rows: Fraction[][] = vectors.map((v) => v.map((x) => [BigInt(x), 1n] as Fraction));
  const basis: Array<{ pivot: number; row: Fraction[] }> = [];
  const reduce = (row: Fraction[]) => {
    let r = row;
    for (const b of basis) {
      const f = r[b.pivot];
      if (f[0] !== 0n) r = r.map((x, i) => sub(x, mul(f, b.row[i])));
    }
    return r;
  };
  for (const row of rows) {
    const r = reduce(row);
    const pivot = r.findIndex((x) => x[0] !== 0n);
    if (pivot < 0) continue;
    basis.push({ pivot, row: r.map((x) => div(x, r[pivot])) });
  }
  return reduce(target.map((x) => [BigInt(x), 1n] as Fraction)).every((x) => x[0] === 0n);
}

describe('property: across the type and the municipality table no small cell is a combination of what is shown', () => {
  it('holds for random partnerships', () => {
    const orgArb = fc.record({ type: fc.integer({ min: 0, max: 3 }), municipality: fc.integer({ min: 0, max: 4 }), yes: fc.boolean() });
    fc.assert(
      fc.property(fc.array(orgArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 3, max: 5 }), (orgs, minN) => {
        const tableOf = (by: 'type' | 'municipality') => {
          const keys = [...new Set(orgs.map((o) => o[by]))].sort();
          return keys.map((k) => {
            const members = orgs.map((o, i) => ({ o, i })).filter(({ o }) => o[by] === k);
            return {
              key: `${by}${k}`,
              n: members.length,
              numerator: members.filter(({ o }) => o.yes).length,
              members: members.map((m) => m.i),
            };
          });
        };
        const tables = [
          { key: 'type', cells: tableOf('type') },
          { key: 'municipality', cells: tableOf('municipality') },
        ];
        const decisions = suppressBreakdowns(tables, minN);
        // fewer than minN organisations in all: the total itself is such a small group (its own
        // rule, item 3), and a cell that is all of them is the total
        if (orgs.length < minN) return;
        const vector = (members: number[]) => orgs.map((_, i) => (members.includes(i) ? 1 : 0));
        const known = [orgs.map(() => 1)];
        tables.forEach((t, ti) => t.cells.forEach((c, ci) => !decisions[ti].cells[ci].hidden && known.push(vector(c.members))));
        tables.forEach((t, ti) =>
          t.cells.forEach((c, ci) => {
            const d = decisions[ti].cells[ci];
            if (c.n > 0 && c.n < minN) expect(d).toMatchObject({ hidden: true, reason: 'primary' });
            if (d.reason === 'primary') expect(inRationalSpan(known, vector(c.members))).toBe(false);
          }),
        );
      }),
      { numRuns: 400 },
    );
  });
});
