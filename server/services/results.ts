// The results of a round, question by question: for every question (every matrix statement) the
// number of organisations that answered (n), the count and share of every option, the Vet ej
// share, and the free-text answers — for all respondents, or for one group of organisations (an
// organisation type or a municipality). The figures are counts from the database (grouped SQL in
// repositories/results.ts), shares from the counts (services/numbers.ts), so an indicator
// question shows exactly the distribution the indicator is computed from.
//
// Narrowing to a group follows the breakdowns (DOMAIN rule 8): a group's figures are shown only
// when its breakdown cell would be shown (primary and secondary suppression, through the one
// adapter in ./results-suppression.ts), per question, since each question has its own n. The
// free-text answers of a group are shown only when the group's respondents are not suppressed.
import type { Knex } from 'knex';
import { type IndicatorRecord, listIndicators, roundFor } from '../repositories/indicators';
import {
  answeredByGroup,
  answersWithOrganisation,
  choiceCountsByGroup,
  type GroupDimension,
  type GroupFilter,
  invitedByGroup,
  type OrganisationAnswerRow,
  respondentsByGroup,
  type RoundKey,
  textAnswers,
} from '../repositories/results';
import type { Round } from '../repositories/rounds';
import { isChoiceQuestion, type Question, type ScaleOption, type SurveyDefinition, type SurveyIndicator } from '../surveys/schema';
import { answerRefs } from './answers';
import { computeShare, DEFAULT_MIN_N, type Share } from './numbers';
import { type GroupVerdict, type MemberAnswer, suppressAcross, suppressGroups } from './results-suppression';
import { getSurveyVersion } from './survey-versions';

export type { GroupDimension, GroupFilter } from '../repositories/results';

/** A round as the results need it (a Round, or the RoundRef the indicators use for last year). */
export type ResultsRound = RoundKey & Pick<Round, 'surveyVersionId' | 'confidential'>;

/** An indicator fed by one question of the survey: what its share is made of. */
export interface QuestionIndicator {
  id: string;
  name: string;
  numerator: string[];
  dontKnowPolicy: SurveyIndicator['dontKnowPolicy'];
  minN: number;
}

export interface OptionCount {
  code: string;
  /** The option as defined in the round's pinned survey version; null for a code the version does not have. */
  option: ScaleOption | null;
  count: number;
}

/** One answerable item: a question, or one statement of a matrix question. */
export interface ItemCounts {
  /** `question` or `matrix.statement` (the form field, the CSV column). */
  ref: string;
  question: Question;
  statementId?: string;
  /** Submitted responses with an answer to it (n). */
  answered: number;
  /** Choice questions: every option in survey order, then codes the version does not have. */
  options: OptionCount[];
  /** Sum of the option counts (more than `answered` for a multiple-choice question). */
  optionSum: number;
  /** Organisations that chose the Vet ej option; null when the question has none. */
  dontKnow: number | null;
  /** Indicators computed from this item. */
  indicators: QuestionIndicator[];
  /** The indicator's share from these counts, by indicator id (null when the counts cannot give one). */
  shares: Map<string, Share | null>;
  /** minN of the breakdown suppression for this item. */
  minN: number;
  /** When narrowed to a group: whether the group's figures are hidden, and why. */
  verdict: GroupVerdict | null;
  /** Text questions: the answers (names only outside a confidential round), sorted. */
  texts: Array<{ text: string; organisation: string | null }>;
}

export interface RoundCounts {
  round: ResultsRound;
  definition: SurveyDefinition;
  filter: GroupFilter | null;
  /** Invited organisations (of the group): the indicators' rule. */
  invited: number;
  /** Submitted responses (of the group). */
  responded: number;
  /** When narrowed to a group: whether the group's respondents (and so its free-text answers) are hidden. */
  respondentsVerdict: GroupVerdict | null;
  /** The smallest group size shown, for the page's text (the largest minN of the survey's indicators, default 5). */
  minN: number;
  items: ItemCounts[];
}

/** The counts of one round per group of the dimension (a whole round is the sum over its groups). */
interface GroupedCounts {
  invited: Map<string, number>;
  respondents: Map<string, number>;
  /** ref → group → n */
  answered: Map<string, Map<string, number>>;
  /** ref → group → code → n */
  choices: Map<string, Map<string, Map<string, number>>>;
}

/** '' stands for organisations without a municipality in maps keyed by group. */
const groupKey = (key: string | null): string => key ?? '';
const refOf = (questionId: string, itemId: string): string => (itemId ? `${questionId}.${itemId}` : questionId);

async function groupedCounts(db: Knex, round: ResultsRound, by: GroupDimension): Promise<GroupedCounts> {
  const counts: GroupedCounts = { invited: new Map(), respondents: new Map(), answered: new Map(), choices: new Map() };
  for (const r of await invitedByGroup(db, round, by)) counts.invited.set(groupKey(r.key), r.n);
  for (const r of await respondentsByGroup(db, round.id, by)) counts.respondents.set(groupKey(r.key), r.n);
  for (const r of await answeredByGroup(db, round.id, by)) {
    const ref = refOf(r.questionId, r.itemId);
    if (!counts.answered.has(ref)) counts.answered.set(ref, new Map());
    counts.answered.get(ref)!.set(groupKey(r.key), r.n);
  }
  for (const r of await choiceCountsByGroup(db, round.id, by)) {
    const ref = refOf(r.questionId, r.itemId);
    if (!counts.choices.has(ref)) counts.choices.set(ref, new Map());
    const byGroup = counts.choices.get(ref)!;
    if (!byGroup.has(groupKey(r.key))) byGroup.set(groupKey(r.key), new Map());
    byGroup.get(groupKey(r.key))!.set(r.code, r.n);
  }
  return counts;
}

/** The sum over the selected group (or every group). */
function selected(values: Map<string, number> | undefined, filter: GroupFilter | null): number {
  if (!values) return 0;
  if (filter) return values.get(groupKey(filter.key)) ?? 0;
  return [...values.values()].reduce((a, b) => a + b, 0);
}

function selectedCodes(byGroup: Map<string, Map<string, number>> | undefined, filter: GroupFilter | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, codes] of byGroup ?? []) {
    if (filter && key !== groupKey(filter.key)) continue;
    for (const [code, n] of codes) out.set(code, (out.get(code) ?? 0) + n);
  }
  return out;
}

/** The survey's indicators that are computed from `ref`, with what their share needs. */
function indicatorsOf(indicators: IndicatorRecord[], ref: string): QuestionIndicator[] {
  return indicators.flatMap((ind) => {
    const def = ind.definition;
    if (def.kind !== 'survey' || def.question !== ref) return [];
    return [{ id: ind.id, name: ind.name, numerator: def.numerator, dontKnowPolicy: def.dontKnowPolicy, minN: def.minN ?? DEFAULT_MIN_N }];
  });
}

/** The largest minN of the survey's indicators (default 5): the size below which a group is never shown. */
function surveyMinN(indicators: IndicatorRecord[]): number {
  return Math.max(DEFAULT_MIN_N, ...indicators.map((i) => i.definition.minN ?? DEFAULT_MIN_N));
}

function optionCounts(question: Question, counts: Map<string, number>): OptionCount[] {
  const options = isChoiceQuestion(question) ? question.options : [];
  const known = options.map((o) => ({ code: o.code, option: o, count: counts.get(o.code) ?? 0 }));
  const codes = new Set(options.map((o) => o.code));
  const unknown = [...counts]
    .filter(([code]) => !codes.has(code))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, count]) => ({ code, option: null, count }));
  return [...known, ...unknown];
}

function dontKnowCodes(question: Question): string[] {
  return isChoiceQuestion(question) ? question.options.filter((o) => o.dontKnow).map((o) => o.code) : [];
}

/**
 * An indicator's share from an item's counts: the rule of services/indicators.ts (numbers.computeShare).
 * Null when the numerator codes are not options of the round's version, or a response has more than one option.
 */
function shareOf(
  ind: QuestionIndicator,
  item: Pick<ItemCounts, 'question' | 'answered'>,
  counts: Map<string, number>,
  who: Who,
): Share | null {
  const codes = isChoiceQuestion(item.question) ? item.question.options.map((o) => o.code) : [];
  if (ind.numerator.some((c) => !codes.includes(c))) return null;
  const sum = [...counts.values()].reduce((a, b) => a + b, 0);
  if (sum !== item.answered || who.responded < item.answered) return null;
  return computeShare({
    counts,
    numeratorCodes: ind.numerator,
    dontKnowCodes: dontKnowCodes(item.question),
    policy: ind.dontKnowPolicy,
    invited: Math.max(who.invited, who.responded),
    responded: who.responded,
    unanswered: who.responded - item.answered,
  });
}

interface Who {
  invited: number;
  responded: number;
}

/** Per question (matrix statement): each organisation's answer, with its groups — for the suppression across tables. */
function memberAnswers(rows: readonly OrganisationAnswerRow[]): Map<string, MemberAnswer[]> {
  const byRef = new Map<string, Map<number, MemberAnswer>>();
  for (const r of rows) {
    const ref = refOf(r.questionId, r.itemId);
    const members = byRef.get(ref) ?? new Map<number, MemberAnswer>();
    const m = members.get(r.organisationId) ?? {
      organisationId: r.organisationId,
      type: groupKey(r.type),
      municipality: groupKey(r.municipality),
      codes: [],
    };
    members.set(r.organisationId, r.code === null ? m : { ...m, codes: [...m.codes, r.code] });
    byRef.set(ref, members);
  }
  return new Map([...byRef].map(([ref, members]) => [ref, [...members.values()]]));
}

/**
 * Whether the selected group's figure for an item is hidden: the item's breakdowns over every
 * group of both dimensions, as the indicator page judges them (the size of a cell is what the
 * figure rests on — for an indicator with the `exclude` policy, the answers minus Vet ej).
 */
function verdictOf(
  members: readonly MemberAnswer[],
  question: Question,
  indicators: QuestionIndicator[],
  minN: number,
  filter: GroupFilter,
): GroupVerdict {
  const excludes = indicators.some((i) => i.dontKnowPolicy === 'exclude');
  const verdicts = suppressAcross(members, minN, excludes ? dontKnowCodes(question) : []);
  return verdicts[filter.by].get(groupKey(filter.key)) ?? { hidden: false, reason: null };
}

/** Respondents of the selected group: hidden when the group of organisations that responded would be. */
function respondentsVerdict(grouped: GroupedCounts, minN: number, filter: GroupFilter): GroupVerdict {
  const cells = [...grouped.respondents].map(([key, n]) => ({ key, answered: n, denominator: n }));
  return suppressGroups(cells, minN).get(groupKey(filter.key)) ?? { hidden: false, reason: null };
}

function byText(a: { text: string; organisation: string | null }, b: { text: string; organisation: string | null }): number {
  return (a.organisation ?? '').localeCompare(b.organisation ?? '', 'sv') || a.text.localeCompare(b.text, 'sv');
}

/**
 * The counts of a round, for all respondents or one group. `indicators` are the survey's
 * indicators (their definitions say which items feed which share and the minN of each item).
 * `texts: false` leaves the free-text answers out (the export's distribution sheet needs none).
 */
export async function countRound(
  db: Knex,
  round: ResultsRound,
  definition: SurveyDefinition,
  indicators: IndicatorRecord[],
  filter: GroupFilter | null,
  opts: { texts: boolean } = { texts: true },
): Promise<RoundCounts> {
  const grouped = await groupedCounts(db, round, filter?.by ?? 'type');
  const who = { invited: selected(grouped.invited, filter), responded: selected(grouped.respondents, filter) };
  const minN = surveyMinN(indicators);
  const respondents = filter ? respondentsVerdict(grouped, minN, filter) : null;
  const members = filter ? memberAnswers(await answersWithOrganisation(db, round.id)) : new Map<string, MemberAnswer[]>();
  const texts =
    respondents?.hidden || !opts.texts ? [] : await textAnswers(db, round.id, filter, { withOrganisation: !round.confidential });
  const items = answerRefs(definition).map(({ ref, question, statementId }): ItemCounts => {
    const itemIndicators = indicatorsOf(indicators, ref);
    const itemMinN = itemIndicators.length > 0 ? Math.max(...itemIndicators.map((i) => i.minN)) : minN;
    const counts = selectedCodes(grouped.choices.get(ref), filter);
    const answered = selected(grouped.answered.get(ref), filter);
    const dk = dontKnowCodes(question);
    const item = { question, answered };
    const verdict = !filter
      ? null
      : question.type === 'text'
        ? respondents
        : verdictOf(members.get(ref) ?? [], question, itemIndicators, itemMinN, filter);
    return {
      ref,
      question,
      statementId,
      answered,
      options: optionCounts(question, counts),
      optionSum: [...counts.values()].reduce((a, b) => a + b, 0),
      dontKnow: dk.length > 0 ? dk.reduce((a, code) => a + (counts.get(code) ?? 0), 0) : null,
      indicators: itemIndicators,
      shares: new Map(itemIndicators.map((ind) => [ind.id, shareOf(ind, item, counts, who)])),
      minN: itemMinN,
      verdict,
      texts: texts
        .filter((t) => refOf(t.questionId, t.itemId) === ref)
        .map((t) => ({ text: t.text, organisation: t.organisation }))
        .sort(byText),
    };
  });
  return { round, definition, filter, invited: who.invited, responded: who.responded, respondentsVerdict: respondents, minN, items };
}

/** The survey's indicators (current definitions: one rule for the whole series, as the indicators use). */
export async function surveyIndicators(db: Knex, surveyId: string): Promise<IndicatorRecord[]> {
  return (await listIndicators(db)).filter((i) => i.surveyId === surveyId && i.definition.kind === 'survey');
}

/** The groups a round's results can be narrowed to: every organisation type and municipality among its invited organisations. */
export async function groupChoices(db: Knex, round: ResultsRound): Promise<Record<GroupDimension, Array<string | null>>> {
  const keys = async (by: GroupDimension) => (await invitedByGroup(db, round, by)).map((r) => r.key);
  return { type: await keys('type'), municipality: await keys('municipality') };
}

/** The same survey's round the year before (the rule the indicators use for last year), or null. */
export async function previousRound(db: Knex, surveyId: string, year: number): Promise<(ResultsRound & { year: number }) | null> {
  const r = await roundFor(db, surveyId, year - 1);
  return r ? { id: r.id, panelId: r.panelId, year: r.year, surveyVersionId: r.surveyVersionId, confidential: r.confidential } : null;
}

export async function definitionOf(db: Knex, round: Pick<ResultsRound, 'surveyVersionId'>): Promise<SurveyDefinition> {
  return (await getSurveyVersion(db, round.surveyVersionId)).definition;
}
