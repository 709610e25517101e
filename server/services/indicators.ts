// Indicators: from answers and attendance to utfall, målvärde, colour and arrow (DOMAIN.md,
// "Rules for the numbers"). Every rule is applied through services/numbers.ts; this file only
// gathers the counts (grouped SQL in repositories/indicators.ts) and puts the row together.
//
// Where a figure comes from, per indicator and year (`origin`):
//   survey     — the survey's round of that year (the newest non-draft round of the survey and
//                year) with at least one submitted response. Counts per option code of the
//                indicator's question (or matrix statement) over the submitted responses. The
//                round's PINNED survey version decides which option is "Vet ej" and the option
//                labels; the numerator codes and the Vet ej policy come from the indicator's
//                current definition (one rule for the whole series).
//                invited = the round's invitations that are not revoked (for a round without
//                invitations — an imported one — the members of the round's panel that year),
//                plus any organisation that submitted; responded = submitted responses;
//                unanswered = submitted responses without an answer to the question.
//   attendance — the meetings of the indicator's type in the year. The panel is the panel of
//                those meetings (the coordinator registers each meeting for a panel). If the
//                year's meetings of that type were held for more than one panel, the panel of
//                the indicator's survey round that year (the årshjul evaluation) is used when it
//                is one of them, otherwise the first registered panel, with a note.
//                numerator = organisations of the panel (membership that year) represented at
//                one or more meetings of the type; denominator = organisations in the panel.
//   imported / manual — a value in indicator_values (CSV import, or typed in by an analyst),
//                used when there is no computed figure for the year. Carries its source.
//   none       — no value ("värde saknas").
// The previous year comes from the same sources — except that a published previous year is
// taken from its published snapshot (the figure that stands in last year's report).
import type { Knex } from 'knex';
import {
  colourFor,
  computeShare,
  formatPercent,
  formatResponseRate,
  isChangeClear,
  NO_VALUE_DISPLAY,
  percentExact,
  roundedPercent,
  roundHalfAwayFromZero,
  statusFromColour,
  trendFor,
  wilsonInterval,
  type Colour,
  type Share,
  type Status,
  type Trend,
  DEFAULT_DEAD_BAND_PP,
  DEFAULT_MIN_N,
  DEFAULT_TOLERANCE_PP,
} from './numbers';
import {
  answeredCount,
  answersByOrganisation,
  type CommentRecord,
  commentsForYear,
  type IndicatorRecord,
  invitedCount,
  latestDataYear,
  latestPublication,
  listIndicators,
  meetingPanels,
  optionCounts,
  panelSize,
  type PublicationRecord,
  representedCount,
  respondedCount,
  roundFor,
  type RoundRef,
  targetsForYears,
  type ValueRecord,
  valuesForYears,
} from '../repositories/indicators';
import { currentYear } from '../lib/year';
import { keptOrComputed } from './indicator-figures';
import { getSurveyVersion } from './survey-versions';
import { organisationTypeLabel } from './organisation-types';
import { type SecondaryGround, suppressBreakdowns } from './suppression';
import {
  type AttendanceIndicator,
  localize,
  type PlaceholderValues,
  type ResolvedQuestionRef,
  resolveQuestionRef,
  splitQuestionRef,
  type SurveyIndicator,
} from '../surveys/schema';

/** The series on an indicator's page starts here (historical values are imported from 2019). */
export const FIRST_SERIES_YEAR = 2019;

export type Origin = 'survey' | 'attendance' | 'imported' | 'manual' | 'none';

export const LEVELS = ['effektmal', 'namndmal', 'uppdrag'] as const;
export const LEVEL_LABELS: Record<string, string> = { effektmal: 'Effektmål', namndmal: 'Nämndmål', uppdrag: 'Uppdrag' };

export interface DistributionEntry {
  code: string;
  label: string;
  dontKnow: boolean;
  inNumerator: boolean;
  count: number;
  /** Share of the organisations that answered the question, exact percent. */
  share: number | null;
  /** One decimal, Swedish: "14,3 %". */
  shareDisplay: string;
}

/** One year's measurement of one indicator, before target, colour and trend. */
export interface Measurement {
  origin: Origin;
  numerator: number | null;
  denominator: number | null;
  dontKnow: number | null;
  unanswered: number | null;
  invited: number | null;
  responded: number | null;
  /** Exact percent. */
  value: number | null;
  /** Whole percent, rounded half away from zero on the exact fraction. */
  displayNumber: number | null;
  displayOneDecimalNumber: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** "Vet ej" as a share of those that answered the question, exact percent. */
  dontKnowShare: number | null;
  distribution: DistributionEntry[];
  /** Why the distribution is not shown (a confidential round with fewer than minN answers), or null. */
  distributionHidden: string | null;
  source: string | null;
  sourceComment: string | null;
  roundId: number | null;
  panelId: number | null;
  confidential: boolean;
  /** Why a value is missing or how it was chosen (Swedish). */
  notes: string[];
}

/**
 * One indicator for one year: the JSON contract of the API, the CLI and the published snapshot
 * (the fields named in the issue, plus the ones the pages need).
 */
export interface IndicatorRow {
  id: string;
  name: string;
  goal: string | null;
  level: string | null;
  year: number;
  kind: 'survey' | 'attendance' | 'manual';
  unit: string;
  direction: 'higher' | 'lower';
  dontKnowPolicy: 'include' | 'exclude' | null;
  numerator: number | null;
  denominator: number | null;
  dontKnow: number | null;
  unanswered: number | null;
  invited: number | null;
  responded: number | null;
  /** Percent, unrounded. */
  value: number | null;
  /** Whole percent as shown in the indicator table: "57 %" ("–" without a value). */
  display: string;
  /** One decimal as shown in analysis views: "57,1 %". */
  displayOneDecimal: string;
  /** Svarsfrekvens "15 av 17" (survey-fed figures only). */
  responseRate: string | null;
  dontKnowShare: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  target: number | null;
  /** 'set' = set by an analyst for the year; 'default' = the value in the definition file. */
  targetSource: 'set' | 'default' | null;
  colour: Colour;
  trend: Trend;
  /** Change since the previous year in procentenheter, unrounded. */
  changePp: number | null;
  /** Newcombe interval for the change excludes 0; null when a year lacks counts. */
  changeIsClear: boolean | null;
  previousYear: number;
  previousValue: number | null;
  status: Status;
  statusOverridden: boolean;
  statusReason: string | null;
  comment: string | null;
  distribution: DistributionEntry[];
  /**
   * Why `distribution` is empty although there are answers: in a confidential round the
   * distribution over the options is shown only when at least minN organisations answered the
   * question (the rule of the breakdown cells). Null when it is shown.
   */
  distributionHidden: string | null;
  origin: Origin;
  /** Where an imported or manual value comes from. */
  source: string | null;
  sourceComment: string | null;
  notes: string[];
  published: boolean;
  publishedVersion?: number;
  publishedAt?: string;
}

function emptyMeasurement(notes: string[] = []): Measurement {
  return {
    origin: 'none',
    numerator: null,
    denominator: null,
    dontKnow: null,
    unanswered: null,
    invited: null,
    responded: null,
    value: null,
    displayNumber: null,
    displayOneDecimalNumber: null,
    ciLow: null,
    ciHigh: null,
    dontKnowShare: null,
    distribution: [],
    distributionHidden: null,
    source: null,
    sourceComment: null,
    roundId: null,
    panelId: null,
    confidential: false,
    notes,
  };
}

/** A share of counts: exact value, both roundings (on the exact fraction) and the Wilson interval. */
function fromCounts(
  x: number,
  n: number,
): Pick<Measurement, 'numerator' | 'denominator' | 'value' | 'displayNumber' | 'displayOneDecimalNumber' | 'ciLow' | 'ciHigh'> {
  const w = wilsonInterval(x, n);
  return {
    numerator: x,
    denominator: n,
    value: percentExact(x, n),
    displayNumber: roundedPercent(x, n, 0),
    displayOneDecimalNumber: roundedPercent(x, n, 1),
    ciLow: w ? w.low : null,
    ciHigh: w ? w.high : null,
  };
}

/** A value from indicator_values (imported history or typed in by hand). */
export function measurementFromValue(ind: Pick<IndicatorRecord, 'kind'>, v: ValueRecord, notes: string[] = []): Measurement {
  const origin: Origin = ind.kind === 'manual' ? 'manual' : 'imported';
  const base = { ...emptyMeasurement(notes), origin, source: v.source, sourceComment: v.comment };
  if (v.numerator !== null && v.denominator !== null && v.denominator > 0) return { ...base, ...fromCounts(v.numerator, v.denominator) };
  if (v.value === null) return base;
  return {
    ...base,
    value: v.value,
    displayNumber: roundHalfAwayFromZero(v.value, 0),
    displayOneDecimalNumber: roundHalfAwayFromZero(v.value, 1),
  };
}

export interface MeasureContext {
  db: Knex;
  vars: PlaceholderValues;
  /** Imported/manual values by `${indicatorId}:${year}` for the years in `loadedYears`. */
  values: Map<string, ValueRecord>;
  loadedYears: Set<number>;
}

export async function measureContext(db: Knex, vars: PlaceholderValues, years: number[]): Promise<MeasureContext> {
  const ctx: MeasureContext = { db, vars, values: new Map(), loadedYears: new Set() };
  await loadValues(ctx, years);
  return ctx;
}

async function loadValues(ctx: MeasureContext, years: number[]): Promise<void> {
  const todo = years.filter((y) => !ctx.loadedYears.has(y));
  if (todo.length === 0) return;
  for (const v of await valuesForYears(ctx.db, todo)) ctx.values.set(`${v.indicatorId}:${v.year}`, v);
  for (const y of todo) ctx.loadedYears.add(y);
}

async function valueOf(ctx: MeasureContext, indicatorId: string, year: number): Promise<ValueRecord | null> {
  await loadValues(ctx, [year]);
  return ctx.values.get(`${indicatorId}:${year}`) ?? null;
}

/** The question of a survey indicator in the round's pinned survey version, or why it cannot be counted. */
async function pinnedQuestion(db: Knex, round: RoundRef, def: SurveyIndicator): Promise<ResolvedQuestionRef | string> {
  const pinned = (await getSurveyVersion(db, round.surveyVersionId)).definition;
  const ref = resolveQuestionRef(pinned, def.question);
  if (!ref) return `Frågan ${def.question} finns inte i den enkätversion som årets omgång använder; ingen andel kan räknas.`;
  const optionCodes = ref.options.map((o) => o.code);
  const missing = def.numerator.filter((c) => !optionCodes.includes(c));
  if (missing.length > 0)
    return `Svarskoderna ${missing.join(', ')} finns inte i frågan ${def.question} i årets enkätversion; ingen andel kan räknas.`;
  return ref;
}

/** Every option of the question with its count and share (one decimal), then any code the question does not have. */
function distributionOf(
  ref: ResolvedQuestionRef,
  def: SurveyIndicator,
  counts: Map<string, number>,
  answered: number,
  vars: PlaceholderValues,
): DistributionEntry[] {
  const entry = (code: string, label: string, dontKnow: boolean, inNumerator: boolean): DistributionEntry => {
    const count = counts.get(code) ?? 0;
    return {
      code,
      label,
      dontKnow,
      inNumerator,
      count,
      share: percentExact(count, answered),
      shareDisplay: formatPercent(roundedPercent(count, answered, 1), 1),
    };
  };
  const known = ref.options.map((o) => entry(o.code, localize(o.label, 'sv', vars), o.dontKnow, def.numerator.includes(o.code)));
  const optionCodes = new Set(ref.options.map((o) => o.code));
  const unknown = [...counts.keys()]
    .filter((code) => !optionCodes.has(code))
    .map((code) => entry(code, `Okänd svarskod ${code}`, false, false));
  return [...known, ...unknown];
}

function fromShare(share: Share): Partial<Measurement> {
  return {
    numerator: share.numerator,
    denominator: share.denominator,
    dontKnow: share.dontKnow,
    unanswered: share.unanswered,
    value: share.value,
    displayNumber: share.display,
    displayOneDecimalNumber: share.displayOneDecimal,
    ciLow: share.ciLow,
    ciHigh: share.ciHigh,
    dontKnowShare: share.dontKnowShare,
  };
}

/** What is known of a round before its answers are counted: who was invited, who responded. */
function roundMeasurement(round: RoundRef, invited: number, responded: number, notes: string[] = []): Measurement {
  return {
    ...emptyMeasurement(notes),
    origin: 'survey',
    invited,
    responded,
    roundId: round.id,
    panelId: round.panelId,
    confidential: round.confidential,
  };
}

/** The measurement of a survey-fed indicator from a round. Null when the round has no submitted response. */
async function measureSurveyRound(ctx: MeasureContext, def: SurveyIndicator, round: RoundRef): Promise<Measurement | null> {
  const { db } = ctx;
  const responded = await respondedCount(db, round.id);
  if (responded === 0) return null;
  const invited = await invitedCount(db, round);
  const base = roundMeasurement(round, invited, responded);
  const ref = await pinnedQuestion(db, round, def);
  if (typeof ref === 'string') return { ...base, notes: [ref] };

  const { questionId, statementId } = splitQuestionRef(def.question);
  const itemId = statementId ?? '';
  const counts = await optionCounts(db, round.id, questionId, itemId);
  const answeredResponses = await answeredCount(db, round.id, questionId, itemId);
  const sum = [...counts.values()].reduce((a, b) => a + b, 0);
  if (sum !== answeredResponses) {
    return {
      ...base,
      notes: [
        `Svaren på fråga ${def.question} är inte entydiga (någon organisation har mer än ett svarsalternativ); ingen andel kan räknas.`,
      ],
    };
  }
  const share = computeShare({
    counts,
    numeratorCodes: def.numerator,
    dontKnowCodes: ref.options.filter((o) => o.dontKnow).map((o) => o.code),
    policy: def.dontKnowPolicy,
    invited,
    responded,
    unanswered: responded - answeredResponses,
  });
  return {
    ...base,
    ...fromShare(share),
    ...confidentialDistribution(round, def, distributionOf(ref, def, counts, share.answered, ctx.vars), share),
  };
}

/**
 * The distribution as it may be shown: in a confidential round only when at least minN
 * organisations answered the question — with one answer, "Mycket högt förtroende 1 (100 %)" is
 * that organisation's answer. Below it, no distribution and the reason.
 */
function confidentialDistribution(
  round: RoundRef,
  def: SurveyIndicator,
  distribution: DistributionEntry[],
  share: Share,
): Pick<Measurement, 'distribution' | 'distributionHidden'> {
  const minN = def.minN ?? DEFAULT_MIN_N;
  if (!round.confidential || share.answered >= minN) return { distribution, distributionHidden: null };
  return {
    distribution: [],
    distributionHidden: `Omgången är konfidentiell och ${share.answered} ${share.answered === 1 ? 'organisation' : 'organisationer'} har besvarat frågan; svarsfördelningen visas först när minst ${minN} har svarat.`,
  };
}

async function measureAttendance(
  ctx: MeasureContext,
  ind: IndicatorRecord,
  def: AttendanceIndicator,
  year: number,
): Promise<Measurement | null> {
  const panels = await meetingPanels(ctx.db, def.meetingType, year);
  if (panels.length === 0) return null;
  const notes: string[] = [];
  let panelId = panels[0].panelId;
  if (panels.length > 1) {
    const round = ind.surveyId ? await roundFor(ctx.db, ind.surveyId, year) : null;
    if (round && panels.some((p) => p.panelId === round.panelId)) panelId = round.panelId;
    notes.push('Årets möten av den här typen är registrerade för flera paneler; andelen räknas för en av dem (se den skriftliga guiden).');
  }
  const n = await panelSize(ctx.db, panelId, year);
  const x = await representedCount(ctx.db, panelId, def.meetingType, year);
  if (n === 0) notes.push('Panelen har inga medlemmar för året; ingen andel kan räknas.');
  // A census of the panel, not a sample: no interval (DOMAIN rule 6).
  return { ...emptyMeasurement(notes), origin: 'attendance', panelId, ...fromCounts(x, n), ciLow: null, ciHigh: null };
}

/** What the year's answers or meetings give for the indicator (no stored value), and the survey round if any. */
async function computedMeasurement(
  ctx: MeasureContext,
  ind: IndicatorRecord,
  year: number,
): Promise<{ computed: Measurement | null; round: RoundRef | null }> {
  const def = ind.definition;
  if (def.kind === 'survey' && ind.surveyId) {
    const round = await roundFor(ctx.db, ind.surveyId, year);
    return { computed: round ? await measureSurveyRound(ctx, def, round) : null, round };
  }
  if (def.kind === 'attendance') return { computed: await measureAttendance(ctx, ind, def, year), round: null };
  return { computed: null, round: null };
}

/**
 * The measurement of an indicator for a year, from the first source that has one (see the top).
 * A stored value (imported or by hand) is used whenever the computation gives no value — also when
 * the year's round has answers but none to this question (e.g. the question was not asked that
 * year): then the row notes why the stored value is used.
 */
export async function measure(ctx: MeasureContext, ind: IndicatorRecord, year: number): Promise<Measurement> {
  const { computed, round } = await computedMeasurement(ctx, ind, year);
  if (computed && computed.value !== null) return computed;
  const v = await valueOf(ctx, ind.id, year);
  if (v) {
    const why = computed
      ? [`Årets underlag ger inget värde (${computed.notes[0] ?? 'inga svar på frågan som räknas'}); det lagrade värdet används.`]
      : [];
    return measurementFromValue(ind, v, why);
  }
  if (computed) return computed;
  // a round without submitted responses: show what is known (invited), no value yet
  if (round) return roundMeasurement(round, await invitedCount(ctx.db, round), 0, ['Inga inskickade svar ännu i årets omgång.']);
  return emptyMeasurement();
}

/**
 * Of these (indicator, year) pairs, the ones whose year has a computed value — where a stored
 * value is not used (the import of historical values warns about them).
 */
export async function yearsWithComputedValue(
  db: Knex,
  vars: PlaceholderValues,
  pairs: Array<{ indicatorId: string; year: number }>,
): Promise<Array<{ indicatorId: string; year: number; display: string }>> {
  const indicators = new Map((await listIndicators(db)).map((i) => [i.id, i]));
  const ctx = await measureContext(db, vars, []);
  const out: Array<{ indicatorId: string; year: number; display: string }> = [];
  for (const p of pairs) {
    const ind = indicators.get(p.indicatorId);
    if (!ind) continue;
    const { computed } = await computedMeasurement(ctx, ind, p.year);
    if (computed && computed.value !== null) out.push({ ...p, display: formatPercent(computed.displayOneDecimalNumber, 1) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rows: measurement + målvärde, colour, trend, status, comment
// ---------------------------------------------------------------------------------------------

interface PreviousFigure {
  numerator: number | null;
  denominator: number | null;
  value: number | null;
}

function settingsOf(ind: IndicatorRecord) {
  const def = ind.definition;
  return {
    tolerance: def.tolerance ?? DEFAULT_TOLERANCE_PP,
    deadBand: def.deadBand ?? DEFAULT_DEAD_BAND_PP,
    minN: def.minN ?? DEFAULT_MIN_N,
    defaultTarget: def.target ?? null,
  };
}

/** Is the change since last year statistically clear (Newcombe)? Null when a year lacks a value or counts. */
function changeClarity(m: Measurement, previous: PreviousFigure | null): boolean | null {
  if (previous === null || m.value === null || previous.value === null) return null;
  if (m.numerator === null || m.denominator === null || previous.numerator === null || previous.denominator === null) return null;
  return isChangeClear(m.numerator, m.denominator, previous.numerator, previous.denominator);
}

/** The counts and the displayed figures of a measurement. */
function figuresOf(
  m: Measurement,
): Pick<
  IndicatorRow,
  | 'numerator'
  | 'denominator'
  | 'dontKnow'
  | 'unanswered'
  | 'invited'
  | 'responded'
  | 'value'
  | 'display'
  | 'displayOneDecimal'
  | 'responseRate'
  | 'dontKnowShare'
  | 'ciLow'
  | 'ciHigh'
> {
  return {
    numerator: m.numerator,
    denominator: m.denominator,
    dontKnow: m.dontKnow,
    unanswered: m.unanswered,
    invited: m.invited,
    responded: m.responded,
    value: m.value,
    display: formatPercent(m.displayNumber, 0),
    displayOneDecimal: formatPercent(m.displayOneDecimalNumber, 1),
    responseRate: m.origin === 'survey' && m.invited !== null && m.responded !== null ? formatResponseRate(m.responded, m.invited) : null,
    dontKnowShare: m.dontKnowShare,
    ciLow: m.ciLow,
    ciHigh: m.ciHigh,
  };
}

/** The målvärde, the colour judged on the displayed value, and the arrow and change since last year (rules 4–6). */
function judgementOf(
  ind: IndicatorRecord,
  m: Measurement,
  previous: PreviousFigure | null,
  setTarget: number | null,
): Pick<IndicatorRow, 'target' | 'targetSource' | 'colour' | 'trend' | 'changePp' | 'changeIsClear'> {
  const s = settingsOf(ind);
  const target = setTarget ?? s.defaultTarget;
  const { trend, changePp } = trendFor({
    current: m.value,
    previous: previous?.value ?? null,
    deadBand: s.deadBand,
    direction: ind.direction,
  });
  return {
    target,
    targetSource: setTarget !== null ? 'set' : s.defaultTarget !== null ? 'default' : null,
    colour: colourFor({ displayed: m.displayNumber, target, tolerance: s.tolerance, direction: ind.direction }),
    trend,
    changePp,
    // attendance counts the whole panel: there is no sampling error to test (DOMAIN rule 6)
    changeIsClear: ind.kind === 'attendance' ? null : changeClarity(m, previous),
  };
}

/** The status from the colour, unless the analyst overrode it (with a reason), and the comment. */
function statusOf(
  colour: Colour,
  comment: CommentRecord | null,
): Pick<IndicatorRow, 'status' | 'statusOverridden' | 'statusReason' | 'comment'> {
  const override = comment?.statusOverride ?? null;
  return {
    status: override ?? statusFromColour(colour),
    statusOverridden: override !== null,
    statusReason: override !== null ? (comment?.statusReason ?? null) : null,
    comment: comment?.comment ?? null,
  };
}

/** Puts one row together from its measurement and last year's figure (pure). */
export function assembleRow(
  ind: IndicatorRecord,
  year: number,
  m: Measurement,
  previous: PreviousFigure | null,
  setTarget: number | null,
  comment: CommentRecord | null,
): IndicatorRow {
  const judgement = judgementOf(ind, m, previous, setTarget);
  return {
    id: ind.id,
    name: ind.name,
    goal: ind.goal,
    level: ind.level,
    year,
    kind: ind.kind,
    unit: ind.unit,
    direction: ind.direction,
    dontKnowPolicy: ind.definition.kind === 'survey' ? ind.definition.dontKnowPolicy : null,
    ...figuresOf(m),
    ...judgement,
    previousYear: year - 1,
    previousValue: previous?.value ?? null,
    ...statusOf(judgement.colour, comment),
    distribution: m.distribution,
    distributionHidden: m.distributionHidden,
    origin: m.origin,
    source: m.source,
    sourceComment: m.sourceComment,
    notes: m.notes,
    published: false,
  };
}

/** The year the indicator pages open on: the newest year with any data behind indicators, else this year. */
export async function defaultIndicatorYear(db: Knex): Promise<number> {
  return (await latestDataYear(db)) ?? currentYear();
}

/**
 * The live rows of a year (whatever has been published), in id order: computed once and kept
 * until something they depend on changes (services/indicator-figures.ts).
 */
export async function computeRows(db: Knex, year: number, vars: PlaceholderValues, onlyIds?: string[]): Promise<IndicatorRow[]> {
  const indicators = (await listIndicators(db)).filter((i) => !onlyIds || onlyIds.includes(i.id));
  const key = (id: string) => `row:${id}`;
  const kept = await keptOrComputed(
    db,
    year,
    vars,
    indicators.map((i) => key(i.id)),
    async (keys) => {
      const rows = await computeRowsNow(
        db,
        year,
        vars,
        indicators.filter((i) => keys.includes(key(i.id))),
      );
      return new Map(rows.map((r) => [key(r.id), r]));
    },
  );
  return indicators.map((i) => kept.get(key(i.id))).filter((r): r is IndicatorRow => r !== undefined);
}

/** The rows of `indicators` for a year, computed from the data now. */
async function computeRowsNow(db: Knex, year: number, vars: PlaceholderValues, indicators: IndicatorRecord[]): Promise<IndicatorRow[]> {
  const ctx = await measureContext(db, vars, [year, year - 1]);
  const targets = new Map((await targetsForYears(db, [year])).map((t) => [t.indicatorId, t.target]));
  const comments = new Map((await commentsForYear(db, year)).map((c) => [c.indicatorId, c]));
  const prevPublication = await latestPublication<IndicatorRow>(db, year - 1);
  const prevPublished = new Map((prevPublication?.snapshot ?? []).map((r) => [r.id, r]));
  const rows: IndicatorRow[] = [];
  for (const ind of indicators) {
    const m = await measure(ctx, ind, year);
    const published = prevPublished.get(ind.id);
    const previous: PreviousFigure = published ?? (await measure(ctx, ind, year - 1));
    rows.push(assembleRow(ind, year, m, previous, targets.get(ind.id) ?? null, comments.get(ind.id) ?? null));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Published figures
// ---------------------------------------------------------------------------------------------

function markPublished(rows: IndicatorRow[], pub: PublicationRecord): IndicatorRow[] {
  return rows.map((r) => ({ ...r, published: true, publishedVersion: pub.version, publishedAt: pub.publishedAt }));
}

/** What other tools get: the published snapshot (published: true) for a published year, else the live rows. */
export async function outputRows(db: Knex, year: number, vars: PlaceholderValues): Promise<IndicatorRow[]> {
  const pub = await latestPublication<IndicatorRow>(db, year);
  if (pub) return markPublished(pub.snapshot, pub);
  return computeRows(db, year, vars);
}

/** The fields whose change makes a published figure "skiljer sig från publicerat". */
export const COMPARED_FIELDS = [
  'numerator',
  'denominator',
  'dontKnow',
  'unanswered',
  'invited',
  'responded',
  'value',
  'target',
  'colour',
  'trend',
  'changePp',
  'status',
] as const;

export const COMPARED_FIELD_LABELS: Record<(typeof COMPARED_FIELDS)[number], string> = {
  numerator: 'täljare',
  denominator: 'nämnare',
  dontKnow: 'Vet ej',
  unanswered: 'obesvarade',
  invited: 'inbjudna',
  responded: 'svarande',
  value: 'utfall',
  target: 'målvärde',
  colour: 'färg',
  trend: 'pil',
  changePp: 'förändring',
  status: 'status',
};

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 1e-9;
  return (a ?? null) === (b ?? null);
}

/** The compared fields on which the live row differs from the published one. */
export function differences(published: IndicatorRow, live: IndicatorRow | undefined): string[] {
  if (!live) return ['indikatorn finns inte längre'];
  return COMPARED_FIELDS.filter((f) => !same(published[f], live[f])).map((f) => COMPARED_FIELD_LABELS[f]);
}

export interface TableRow extends IndicatorRow {
  /** Compared fields that differ between the published and the live figure. */
  differsFrom: string[];
  live: IndicatorRow | null;
}

export interface IndicatorTable {
  year: number;
  publication: PublicationRecord | null;
  rows: TableRow[];
}

/** The year's table: published figures (with the live difference) when published, else live. */
/** The year's table (or only the rows of `onlyIds`: one indicator's page): published figures (with the live difference) when published, else live. */
export async function indicatorTable(db: Knex, year: number, vars: PlaceholderValues, onlyIds?: string[]): Promise<IndicatorTable> {
  const live = await computeRows(db, year, vars, onlyIds);
  const pub = await latestPublication<IndicatorRow>(db, year);
  if (!pub) return { year, publication: null, rows: live.map((r) => ({ ...r, differsFrom: [], live: r })) };
  const liveById = new Map(live.map((r) => [r.id, r]));
  const snapshot = pub.snapshot.filter((r) => !onlyIds || onlyIds.includes(r.id));
  const rows: TableRow[] = markPublished(snapshot, pub).map((r) => ({
    ...r,
    differsFrom: differences(r, liveById.get(r.id)),
    live: liveById.get(r.id) ?? null,
  }));
  const publishedIds = new Set(pub.snapshot.map((r) => r.id));
  for (const r of live) if (!publishedIds.has(r.id)) rows.push({ ...r, differsFrom: ['inte med i publiceringen'], live: r });
  return { year, publication: pub, rows };
}

// ---------------------------------------------------------------------------------------------
// Grouping and summary for the pages
// ---------------------------------------------------------------------------------------------

export interface LevelGroup<R extends IndicatorRow = IndicatorRow> {
  level: string;
  label: string;
  goals: Array<{ goal: string; rows: R[] }>;
  summary: Record<Colour, number>;
}

export function groupByLevel<R extends IndicatorRow>(rows: R[]): LevelGroup<R>[] {
  const order = (l: string | null) => {
    const i = LEVELS.indexOf((l ?? '') as (typeof LEVELS)[number]);
    return i < 0 ? LEVELS.length : i;
  };
  const levels = [...new Set(rows.map((r) => r.level ?? ''))].sort((a, b) => order(a) - order(b));
  return levels.map((level) => {
    const inLevel = rows.filter((r) => (r.level ?? '') === level);
    const goals = [...new Set(inLevel.map((r) => r.goal ?? ''))].map((goal) => ({
      goal,
      rows: inLevel.filter((r) => (r.goal ?? '') === goal),
    }));
    const summary: Record<Colour, number> = { green: 0, yellow: 0, red: 0, missing: 0 };
    for (const r of inLevel) summary[r.colour]++;
    return { level, label: LEVEL_LABELS[level] ?? 'Utan målnivå', goals, summary };
  });
}

// ---------------------------------------------------------------------------------------------
// Series and breakdowns (the indicator's page)
// ---------------------------------------------------------------------------------------------

/** One row per year from 2019 (or earlier data) to `year`: published figures where published. */
export async function indicatorSeries(db: Knex, indicatorId: string, year: number, vars: PlaceholderValues): Promise<IndicatorRow[]> {
  const out: IndicatorRow[] = [];
  for (let y = Math.min(FIRST_SERIES_YEAR, year); y <= year; y++) {
    const pub = await latestPublication<IndicatorRow>(db, y);
    const publishedRow = pub?.snapshot.find((r) => r.id === indicatorId);
    if (pub && publishedRow) out.push(markPublished([publishedRow], pub)[0]);
    else {
      const [row] = await computeRows(db, y, vars, [indicatorId]);
      if (row) out.push(row);
    }
  }
  return out;
}

export interface BreakdownCellView {
  key: string;
  label: string;
  n: number;
  hidden: boolean;
  reason: 'primary' | 'secondary' | null;
  /** Why a secondary cell is hidden (services/suppression.ts): subtraction, the all-0/100 % share, another table. */
  ground: SecondaryGround | null;
  numerator: number | null;
  value: number | null;
  display: string;
}

export interface Breakdown {
  by: 'type' | 'municipality';
  title: string;
  minN: number;
  /** True when no cell can be shown without revealing a small one. */
  allHidden: boolean;
  cells: BreakdownCellView[];
}

const BREAKDOWN_BYS = ['type', 'municipality'] as const;

/** One group of a breakdown before suppression: who is in it, its share's numerator and denominator. */
interface BreakdownGroup {
  key: string;
  members: number[];
  numerator: number;
  denominator: number;
}

/** The groups per organisation type or municipality, in Swedish alphabetical order of the key. */
function breakdownGroups(
  answers: Awaited<ReturnType<typeof answersByOrganisation>>,
  def: SurveyIndicator,
  dontKnowCodes: string[],
  by: 'type' | 'municipality',
): BreakdownGroup[] {
  const groups = new Map<string, BreakdownGroup>();
  for (const a of answers) {
    const key = (by === 'type' ? a.type : a.municipality) ?? '';
    const g = groups.get(key) ?? { key, members: [], numerator: 0, denominator: 0 };
    g.members.push(a.organisationId);
    if (def.numerator.includes(a.code)) g.numerator++;
    if (def.dontKnowPolicy === 'include' || !dontKnowCodes.includes(a.code)) g.denominator++;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.key.localeCompare(b.key, 'sv'));
}

function breakdownLabel(by: 'type' | 'municipality', key: string): string {
  if (key === '') return by === 'type' ? 'Okänd typ' : 'Ingen kommun angiven';
  return by === 'type' ? organisationTypeLabel(key) : key;
}

/**
 * Breakdowns of a survey-fed indicator per organisation type and per municipality (DOMAIN rule 8).
 * A cell's n is its denominator (the answers behind its share). Which cells are hidden is decided
 * by services/suppression.ts for both tables together (primary: fewer than minN behind the share;
 * secondary: so that no hidden cell's count or share can be worked out from the total and the shown
 * cells — by subtraction, from hidden cells that are together all 0 % or all 100 %, or by combining
 * the type and the municipality table). Confidential rounds get the same breakdowns: they are
 * aggregates, and the suppression is what protects single organisations.
 */
export async function breakdowns(db: Knex, ind: IndicatorRecord, year: number): Promise<Breakdown[] | null> {
  const key = `breakdowns:${ind.id}`;
  const kept = await keptOrComputed(db, year, null, [key], async () => new Map([[key, await breakdownsNow(db, ind, year)]]));
  return kept.get(key) ?? null;
}

async function breakdownsNow(db: Knex, ind: IndicatorRecord, year: number): Promise<Breakdown[] | null> {
  const def = ind.definition;
  if (def.kind !== 'survey' || !ind.surveyId) return null;
  const round = await roundFor(db, ind.surveyId, year);
  if (!round) return null;
  const pinned = (await getSurveyVersion(db, round.surveyVersionId)).definition;
  const ref = resolveQuestionRef(pinned, def.question);
  if (!ref) return null;
  const dontKnowCodes = ref.options.filter((o) => o.dontKnow).map((o) => o.code);
  const { questionId, statementId } = splitQuestionRef(def.question);
  const minN = settingsOf(ind).minN;
  const answers = await answersByOrganisation(db, round.id, questionId, statementId ?? '');
  // more than one option from one organisation: the share is not counted (see measure), so neither is a breakdown
  if (new Set(answers.map((a) => a.organisationId)).size !== answers.length) return null;
  const groups = BREAKDOWN_BYS.map((by) => breakdownGroups(answers, def, dontKnowCodes, by));
  const decisions = suppressBreakdowns(
    BREAKDOWN_BYS.map((by, i) => ({
      key: by,
      cells: groups[i].map((g) => ({
        key: g.key,
        n: g.denominator,
        numerator: g.numerator,
        answered: g.members.length,
        members: g.members,
      })),
    })),
    minN,
  );
  return BREAKDOWN_BYS.map((by, i) => ({
    by,
    title: by === 'type' ? 'Per organisationstyp' : 'Per kommun',
    minN,
    allHidden: decisions[i].allHidden,
    cells: groups[i].map((g, k) => {
      const d = decisions[i].cells[k];
      return {
        key: g.key,
        label: breakdownLabel(by, g.key),
        n: d.hidden ? 0 : g.denominator,
        hidden: d.hidden,
        reason: d.reason,
        ground: d.ground,
        numerator: d.hidden ? null : g.numerator,
        value: d.hidden ? null : percentExact(g.numerator, g.denominator),
        display: d.hidden ? NO_VALUE_DISPLAY : formatPercent(roundedPercent(g.numerator, g.denominator, 0), 0),
      };
    }),
  }));
}
