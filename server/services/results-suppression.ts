// The one place the results page asks which groups must stay hidden (DOMAIN rule 8): an adapter
// over the breakdowns' suppression, so the page hides exactly what an indicator's breakdown hides.
//
// Today the rule is numbers.suppressCells (primary: 0 < n < minN; secondary: more cells hidden
// until no hidden cell can be worked out from the total), judged on the size breakdowns() in
// services/indicators.ts gives a cell. When the breakdown suppression moves into one pure function
// (services/suppression.ts), this adapter calls that instead; nothing else on the page changes.
import { suppressCells } from './numbers';

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
 * Which groups of one breakdown (every group of one dimension, for one figure) are hidden.
 * A group whose share rests on fewer than minN organisations counts as small even when more
 * answered (as in breakdowns(): with `exclude`, a group that answered only Vet ej would otherwise
 * reveal that). When the small groups cannot be protected at all, every group is hidden.
 */
export function suppressGroups(cells: readonly GroupCell[], minN: number): Map<string, GroupVerdict> {
  const sized = cells.map((c) => ({
    key: c.key,
    n: c.answered > 0 && c.denominator < minN ? Math.max(1, Math.min(c.denominator, minN - 1)) : c.answered,
  }));
  const total = sized.reduce((a, c) => a + c.n, 0);
  const result = suppressCells(sized, minN, total);
  return new Map(
    result.cells.map((c) => {
      const hidden = c.hidden || result.totalMustBeHidden;
      return [c.key, { hidden, reason: hidden ? (c.reason ?? 'secondary') : null }];
    }),
  );
}
