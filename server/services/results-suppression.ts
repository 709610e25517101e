// The one place the results page asks which groups must stay hidden (DOMAIN rule 8): an adapter
// over the breakdowns' suppression (services/suppression.ts, the rule indicators.breakdowns uses).
// suppressAcross is what the page uses for a question's figures: the rule's primary and secondary
// suppression over the type and municipality tables together (rules 1–3), once by size and once
// per answer option, since the page shows a group's share of every option. suppressGroups is the
// same rule for one table (the group of organisations that responded, behind the free-text answers).
import { suppressBreakdowns, suppressTable } from './suppression';

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

/** One organisation's answer to one question (matrix statement): its groups and the options it chose. */
export interface MemberAnswer {
  organisationId: number;
  /** The organisation type and municipality ('' for none). */
  type: string;
  municipality: string;
  /** The options chosen (several for a multiple choice; none for a free-text answer). */
  codes: readonly string[];
}

const DIMENSIONS = ['type', 'municipality'] as const;

/**
 * Which groups of both dimensions are hidden for one question, judged as the breakdowns judge
 * them: the type and the municipality tables together (so that no hidden group can be worked out
 * by combining what the two tables show — rule 3 of services/suppression.ts), once by size and
 * once per answer option (the page shows a group's share of every option). `outside` are the
 * codes outside the share's denominator (Vet ej under an `exclude` policy).
 */
export function suppressAcross(
  answers: readonly MemberAnswer[],
  minN: number,
  outside: readonly string[] = [],
): Record<(typeof DIMENSIONS)[number], Map<string, GroupVerdict>> {
  const groupsOf = (by: (typeof DIMENSIONS)[number]) => {
    const groups = new Map<string, MemberAnswer[]>();
    for (const a of answers) groups.set(a[by], [...(groups.get(a[by]) ?? []), a]);
    return [...groups].sort(([a], [b]) => a.localeCompare(b, 'sv'));
  };
  const grouped = DIMENSIONS.map(groupsOf);
  const inShare = (a: MemberAnswer) => a.codes.length === 0 || a.codes.some((c) => !outside.includes(c));
  const table = (numeratorOf: (members: MemberAnswer[]) => number) =>
    DIMENSIONS.map((by, i) => ({
      key: by,
      cells: grouped[i].map(([key, members]) => {
        const n = members.filter(inShare).length;
        return {
          key,
          n,
          numerator: Math.min(n, numeratorOf(members)),
          answered: members.length,
          members: members.map((m) => m.organisationId),
        };
      }),
    }));
  const codes = new Set(answers.flatMap((a) => a.codes.filter((c) => !outside.includes(c))));
  const tableSets = [
    table((members) => members.filter(inShare).length),
    ...[...codes].map((code) => table((members) => members.filter((m) => m.codes.includes(code)).length)),
  ];
  const verdicts = DIMENSIONS.map(
    (_, i) => new Map<string, GroupVerdict>(grouped[i].map(([key]) => [key, { hidden: false, reason: null }])),
  );
  for (const tables of tableSets) {
    suppressBreakdowns(tables, minN).forEach((decision, i) => {
      for (const d of decision.cells) {
        if (!d.hidden) continue;
        const was = verdicts[i].get(d.key)!;
        verdicts[i].set(d.key, { hidden: true, reason: was.reason === 'primary' ? 'primary' : (d.reason ?? 'secondary') });
      }
    });
  }
  return { type: verdicts[0], municipality: verdicts[1] };
}
