// The one place the results page asks which groups must stay hidden (DOMAIN rule 8): an adapter
// over the breakdowns' suppression (services/suppression.ts, the rule indicators.breakdowns uses).
// It applies the rule's primary and secondary suppression by size (rules 1 and 2: a group too small
// itself, and further groups until no hidden one can be worked out from the total). Not applied
// yet: the rule's share ground (hidden groups together all 0 % or all 100 % of one option) and
// the check across the type and municipality tables, which need per-figure numerators and the
// organisations behind each cell; the page shows one dimension at a time.
import { suppressTable } from './suppression';

export interface GroupCell {
  /** The group's key: an organisation type code or a municipality ('' for none). */
  key: string;
  /** Organisations in the group behind the figure (that answered the question, or that responded). */
  answered: number;
  /** The denominator of the group's share (answered, or answered minus Vet ej under an `exclude` policy). */
  denominator: number;
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
  // numerator = n: every share 100 %, as the total's, so only the size grounds apply
  const decision = suppressTable(
    cells.map((c) => {
      const n = Math.max(0, c.denominator);
      return { key: c.key, n, numerator: n, answered: Math.max(c.answered, n) };
    }),
    minN,
  );
  return new Map(decision.cells.map((d) => [d.key, { hidden: d.hidden, reason: d.hidden ? (d.reason ?? 'secondary') : null }]));
}
