// The one place the results page asks which groups must stay hidden (DOMAIN rule 8): an adapter
// over the breakdowns' suppression (services/suppression.ts, the rule indicators.breakdowns uses).
// It applies the rule's primary and secondary suppression (rules 1 and 2: a group too small itself,
// further groups until no hidden one can be worked out from the total, and — once per answer
// option, since the page shows a group's share of every option — hidden groups that together chose
// an option 0 % or 100 % while the whole round did not). Not applied: the rule's check across the
// type and municipality tables (rule 3), which needs the organisations behind each cell; the page
// shows one dimension at a time.
import { suppressTable } from './suppression';

export interface GroupCell {
  /** The group's key: an organisation type code or a municipality ('' for none). */
  key: string;
  /** Organisations in the group behind the figure (that answered the question, or that responded). */
  answered: number;
  /** The denominator of the group's share (answered, or answered minus Vet ej under an `exclude` policy). */
  denominator: number;
  /** Per answer option shown as a share of `denominator`: how many of the group chose it (≤ denominator). */
  counts?: ReadonlyMap<string, number>;
}

export interface GroupVerdict {
  hidden: boolean;
  /** primary: the group itself is too small; secondary: hidden to protect another small group. */
  reason: 'primary' | 'secondary' | null;
}

/**
 * Which groups of one breakdown (every group of one dimension, for one question) are hidden.
 * A group whose share rests on fewer than minN organisations counts as small even when more
 * answered (with `exclude`, a group that answered only Vet ej). When the small groups cannot be
 * protected at all, every group is hidden.
 */
export function suppressGroups(cells: readonly GroupCell[], minN: number): Map<string, GroupVerdict> {
  const sized = cells.map((c) => {
    const n = Math.max(0, c.denominator);
    return { key: c.key, n, answered: Math.max(c.answered, n), counts: c.counts };
  });
  // numerator = n: every share 100 %, as the total's, so only the size grounds apply …
  const tables = [sized.map(({ key, n, answered }) => ({ key, n, numerator: n, answered }))];
  // … and one table per option, so that the hidden groups' shares of no option can be worked out
  const options = new Set(sized.flatMap((c) => [...(c.counts?.keys() ?? [])]));
  for (const code of options)
    tables.push(sized.map(({ key, n, answered, counts }) => ({ key, n, numerator: Math.min(n, counts?.get(code) ?? 0), answered })));
  const verdicts = new Map<string, GroupVerdict>(sized.map((c) => [c.key, { hidden: false, reason: null }]));
  for (const table of tables) {
    for (const d of suppressTable(table, minN).cells) {
      if (!d.hidden) continue;
      const was = verdicts.get(d.key)!;
      const reason = d.reason ?? 'secondary';
      verdicts.set(d.key, { hidden: true, reason: was.reason === 'primary' ? 'primary' : reason });
    }
  }
  return verdicts;
}
