// The results page of a round (/rounds/:id/resultat) as a plain view model: every number and text
// the template shows, formatted here (services/numbers.ts), every chart rendered here (SVG with a
// text alternative; the same numbers in the table under it). The counts come from ./results.ts.
import type { Knex } from 'knex';
import type { Config } from '../config';
import { type Locale, translator } from '../i18n';
import type { Role } from '../repositories/users';
import {
  type LocalizedText,
  localize,
  type PlaceholderValues,
  questionsBySection,
  type Question,
  type SurveyDefinition,
} from '../surveys/schema';
import { questionNumber } from './answers';
import { distributionChart } from './charts/distribution';
import { formatNumber, formatPercent, formatResponseRate, formatShare, roundedPercent } from './numbers';
import { organisationTypeLabel } from './organisation-types';
import {
  countRound,
  definitionOf,
  type GroupDimension,
  type GroupFilter,
  groupChoices,
  type ItemCounts,
  previousRound,
  type RoundCounts,
  surveyIndicators,
} from './results';
import type { GroupVerdict } from './results-suppression';
import { getRound, ROUND_STATE_LABELS } from './rounds';
import { placeholderValues } from './surveys';

// ---------------------------------------------------------------------------------------------
// The group a page is narrowed to: ?urval=typ:kommun or ?urval=kommun:Norrby ("kommun:" = none)
// ---------------------------------------------------------------------------------------------

const PREFIX: Record<GroupDimension, string> = { type: 'typ', municipality: 'kommun' };

export function groupValue(filter: GroupFilter): string {
  return `${PREFIX[filter.by]}:${filter.key ?? ''}`;
}

/** Reads ?urval=…: null for all organisations, 'invalid' for a value that is not a group. */
export function parseGroupValue(v: unknown): GroupFilter | null | 'invalid' {
  if (v === undefined || v === '') return null;
  if (typeof v !== 'string') return 'invalid';
  const m = /^(typ|kommun):(.{0,200})$/s.exec(v);
  if (!m) return 'invalid';
  const by: GroupDimension = m[1] === 'typ' ? 'type' : 'municipality';
  if (by === 'type' && m[2] === '') return 'invalid';
  return { by, key: m[2] === '' ? null : m[2] };
}

function groupLabel(filter: GroupFilter, locale: Locale = 'sv'): string {
  if (filter.by === 'type') return organisationTypeLabel(filter.key ?? '', locale);
  return filter.key ?? translator(locale)('Ingen kommun angiven');
}

interface GroupChoice {
  value: string;
  label: string;
  selected: boolean;
}

/** The groups of the round by dimension, as the filter's choices (the chosen one selected). */
function filterChoices(keys: Record<GroupDimension, Array<string | null>>, filter: GroupFilter | null, locale: Locale) {
  const choices = (by: GroupDimension): GroupChoice[] =>
    keys[by]
      .map((key) => ({ by, key }))
      .map((f) => ({
        value: groupValue(f),
        label: groupLabel(f, locale),
        selected: filter !== null && groupValue(filter) === groupValue(f),
      }))
      .sort((a, b) => a.label.localeCompare(b.label, 'sv'));
  return { types: choices('type'), municipalities: choices('municipality') };
}

// ---------------------------------------------------------------------------------------------
// One item (a question or a matrix statement)
// ---------------------------------------------------------------------------------------------

export interface HiddenView {
  reason: 'primary' | 'secondary';
  minN: number;
}

export interface OptionRowView {
  code: string;
  label: string;
  dontKnow: boolean;
  count: number;
  shareDisplay: string;
  previousCount: string;
  previousShareDisplay: string;
}

export interface ItemView {
  anchor: string;
  ref: string;
  /** The statement of a matrix question; null otherwise. */
  statement: string | null;
  kind: 'choice' | 'text';
  hidden: HiddenView | null;
  n: number;
  responseRate: string;
  dontKnowDisplay: string | null;
  median: string | null;
  indicators: Array<{ id: string; name: string; shareDisplay: string; fraction: string; policyText: string }>;
  rows: OptionRowView[];
  previous: { year: number; n: string; dontKnowDisplay: string | null; hidden: HiddenView | null; textChanged: string | null } | null;
  previousMissing: boolean;
  chart: string | null;
  texts: Array<{ text: string; organisation: string | null }>;
}

const hiddenView = (v: GroupVerdict | null, minN: number): HiddenView | null =>
  v?.hidden ? { reason: v.reason === 'primary' ? 'primary' : 'secondary', minN } : null;

/** "42,9 %" for count of n (one decimal, on the exact fraction); "–" when n is 0. */
const shareText = (count: number, n: number): string => formatShare(count, n, 1);

/** "6,7 % (1 av 15)"; null when the question has no Vet ej option. */
function dontKnowText(item: ItemCounts): string | null {
  if (item.dontKnow === null) return null;
  return `${shareText(item.dontKnow, item.answered)} (${formatResponseRate(item.dontKnow, Math.max(item.answered, item.dontKnow))})`;
}

interface ItemContext {
  locale: Locale;
  vars: PlaceholderValues;
  year: number;
  current: RoundCounts;
  previous: RoundCounts | null;
  previousYear: number | null;
  showIndicators: boolean;
}

const label = (ctx: ItemContext, text: LocalizedText): string => localize(text, ctx.locale, ctx.vars);

function optionLabel(ctx: ItemContext, o: ItemCounts['options'][number]): string {
  return o.option ? label(ctx, o.option.label) : translator(ctx.locale)('Okänd svarskod %{code}', { code: o.code });
}

function optionRows(ctx: ItemContext, item: ItemCounts, prev: ItemCounts | null, prevShown: boolean): OptionRowView[] {
  const rows = item.options.map((o) => {
    const p = prev?.options.find((x) => x.code === o.code);
    return {
      code: o.code,
      label: optionLabel(ctx, o),
      dontKnow: o.option?.dontKnow ?? false,
      count: o.count,
      shareDisplay: shareText(o.count, item.answered),
      previousCount: prev && prevShown ? String(p?.count ?? 0) : '–',
      previousShareDisplay: prev && prevShown ? shareText(p?.count ?? 0, prev.answered) : '–',
    };
  });
  // last year's options that this year's version does not have
  const extra = (prev?.options ?? []).filter((p) => p.count > 0 && !item.options.some((o) => o.code === p.code));
  for (const p of extra)
    rows.push({
      code: p.code,
      label: optionLabel(ctx, p),
      dontKnow: p.option?.dontKnow ?? false,
      count: 0,
      shareDisplay: '–',
      previousCount: prevShown ? String(p.count) : '–',
      previousShareDisplay: prevShown && prev ? shareText(p.count, prev.answered) : '–',
    });
  return rows;
}

function indicatorViews(ctx: ItemContext, item: ItemCounts): ItemView['indicators'] {
  const t = translator(ctx.locale);
  return item.indicators.flatMap((ind) => {
    const share = item.shares.get(ind.id);
    if (!share) return [];
    return [
      {
        id: ind.id,
        name: ind.name,
        shareDisplay: formatPercent(share.displayOneDecimal, 1),
        fraction: formatResponseRate(share.numerator, share.denominator),
        policyText: ind.dontKnowPolicy === 'include' ? t('Vet ej räknas med i nämnaren') : t('Vet ej räknas inte med i nämnaren'),
      },
    ];
  });
}

async function chartOf(ctx: ItemContext, item: ItemCounts, rows: OptionRowView[], prev: ItemCounts | null, prevShown: boolean) {
  const t = translator(ctx.locale);
  const series = [{ name: String(ctx.year), values: rows.map((r) => share(r.count, item.answered, r.shareDisplay)) }];
  if (prev && prevShown && ctx.previousYear !== null) {
    series.push({
      name: String(ctx.previousYear),
      values: rows.map((r) => share(Number(r.previousCount), prev.answered, r.previousShareDisplay)),
    });
  }
  const number = questionNumber(ctx.current.definition, item.question.id);
  const description = series.map((s) => `${s.name}: ${rows.map((r, i) => `${r.label} ${s.values[i].display}`).join('; ')}`).join('. ');
  return distributionChart(
    {
      options: rows.map((r) => r.label),
      series,
      axisTitle:
        item.question.type === 'multiple'
          ? t('Andel av dem som besvarade frågan (flera svar möjliga)')
          : t('Andel av dem som besvarade frågan'),
    },
    {
      id: `chart-${item.ref.replace(/[^a-z0-9_]/g, '-')}`,
      title: t('Svarsfördelning, fråga %{n} (%{years})', { n: number, years: series.map((s) => s.name).join(t(' och ')) }),
      description,
    },
  );
}

const share = (count: number, n: number, display: string) => ({ share: n > 0 ? (100 * count) / n : null, display });

/**
 * The middle answer on an ordered scale (simple-statistics' median over the answers' positions on
 * the scale, Vet ej left out). The median is an option when it lands on one somebody chose;
 * otherwise (an even number of answers whose two middle answers differ) it falls between the
 * nearest chosen options below and above it: "mellan ”Hög” och ”Låg”". Only for single-choice
 * questions and matrix statements with at least three options besides Vet ej.
 */
async function medianText(ctx: ItemContext, item: ItemCounts): Promise<string | null> {
  const ordered = item.options.filter((o) => o.option && !o.option.dontKnow);
  const ordinal = (item.question.type === 'single' || item.question.type === 'matrix') && ordered.length >= 3;
  if (!ordinal || ordered.some((o) => o.option?.exclusive)) return null;
  const positions = ordered.flatMap((o, i) => Array<number>(o.count).fill(i));
  if (positions.length === 0) return null;
  const { median } = await simpleStatistics();
  const m = median(positions);
  const chosen = ordered.map((o, i) => (o.count > 0 ? i : -1)).filter((i) => i >= 0);
  if (Number.isInteger(m) && ordered[m].count > 0) return optionLabel(ctx, ordered[m]);
  const low = Math.max(...chosen.filter((i) => i < m));
  const high = Math.min(...chosen.filter((i) => i > m));
  return translator(ctx.locale)('mellan ”%{low}” och ”%{high}”', {
    low: optionLabel(ctx, ordered[low]),
    high: optionLabel(ctx, ordered[high]),
  });
}

// simple-statistics ships ESM-only types, so this CommonJS build loads it with a dynamic import().
const loadSimpleStatistics = () => import('simple-statistics');
let simpleStatisticsModule: ReturnType<typeof loadSimpleStatistics> | null = null;
const simpleStatistics = () => (simpleStatisticsModule ??= loadSimpleStatistics());

function previousOf(ctx: ItemContext, item: ItemCounts): ItemView['previous'] {
  const prev = ctx.previous?.items.find((x) => x.ref === item.ref);
  if (!prev || ctx.previousYear === null) return null;
  const hidden = hiddenView(prev.verdict, prev.minN);
  const same = (a: LocalizedText, b: LocalizedText) => label(ctx, a) === label(ctx, b);
  return {
    year: ctx.previousYear,
    n: hidden ? '–' : formatNumber(prev.answered),
    dontKnowDisplay: hidden ? null : dontKnowText(prev),
    hidden,
    textChanged: same(prev.question.text, item.question.text) ? null : label(ctx, prev.question.text),
  };
}

/** The figures of a choice item that is shown (not hidden): key figures, table rows and chart. */
async function choiceFigures(ctx: ItemContext, item: ItemCounts) {
  const prevItem = ctx.previous?.items.find((x) => x.ref === item.ref && x.question.type !== 'text') ?? null;
  const previous = previousOf(ctx, item);
  const prevShown = prevItem !== null && !previous?.hidden;
  const rows = optionRows(ctx, item, prevItem, prevShown);
  return {
    dontKnowDisplay: dontKnowText(item),
    median: await medianText(ctx, item),
    indicators: ctx.showIndicators ? indicatorViews(ctx, item) : [],
    rows,
    previous,
    previousMissing: ctx.previous !== null && prevItem === null,
    chart: rows.length > 0 && item.answered > 0 ? await chartOf(ctx, item, rows, prevItem, prevShown) : null,
  };
}

const NO_FIGURES = { dontKnowDisplay: null, median: null, indicators: [], rows: [], previous: null, previousMissing: false, chart: null };

async function itemView(ctx: ItemContext, item: ItemCounts): Promise<ItemView> {
  const hidden = hiddenView(item.verdict, item.minN);
  const statement = item.question.type === 'matrix' ? item.question.statements.find((s) => s.id === item.statementId) : undefined;
  const kind = item.question.type === 'text' ? 'text' : 'choice';
  return {
    anchor: `fraga-${item.ref.replace(/\./g, '-')}`,
    ref: item.ref,
    statement: statement ? label(ctx, statement.text) : null,
    kind,
    hidden,
    n: hidden ? 0 : item.answered,
    responseRate: formatResponseRate(ctx.current.responded, Math.max(ctx.current.invited, ctx.current.responded)),
    ...(kind === 'choice' && !hidden ? await choiceFigures(ctx, item) : NO_FIGURES),
    texts: hidden ? [] : item.texts,
  };
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

const TYPE_LABELS: Record<Question['type'], string> = {
  single: 'Ett svarsalternativ',
  multiple: 'Flera svarsalternativ',
  yesno: 'Ja eller nej',
  matrix: 'Flera påståenden på samma skala',
  text: 'Fritext',
};

async function sectionsOf(ctx: ItemContext, def: SurveyDefinition) {
  const out = [];
  for (const group of questionsBySection(def)) {
    const questions = [];
    for (const q of group.questions) {
      const items = [];
      for (const item of ctx.current.items.filter((i) => i.question.id === q.id)) items.push(await itemView(ctx, item));
      questions.push({
        id: q.id,
        number: questionNumber(def, q.id),
        text: label(ctx, q.text),
        typeLabel: TYPE_LABELS[q.type],
        type: q.type,
        items,
      });
    }
    out.push({ title: group.section ? label(ctx, group.section.title) : null, questions });
  }
  return out;
}

export interface ResultsPageOptions {
  urval?: unknown;
  role: Role;
  locale: Locale;
}

/** The counts of this year and last, for the group asked for (an unknown group: all, with a problem to show). */
async function countsFor(db: Knex, roundId: number, urval: unknown, locale: Locale) {
  const round = await getRound(db, roundId);
  const definition = await definitionOf(db, round);
  const indicators = await surveyIndicators(db, round.surveyId);
  const keys = await groupChoices(db, round);
  const parsed = parseGroupValue(urval);
  const invalid = parsed === 'invalid' || (parsed !== null && !keys[parsed.by].includes(parsed.key));
  const filter = invalid ? null : parsed;
  const current = await countRound(db, round, definition, indicators, filter);
  const prevRound = await previousRound(db, round.surveyId, round.year);
  const previous = prevRound ? await countRound(db, prevRound, await definitionOf(db, prevRound), indicators, filter) : null;
  return { round, definition, current, previous, prevRound, filter, invalid, choices: filterChoices(keys, filter, locale) };
}

export async function resultsPage(
  db: Knex,
  config: Pick<Config, 'regionName' | 'strategyName'>,
  roundId: number,
  opts: ResultsPageOptions,
) {
  const { round, definition, current, previous, prevRound, filter, invalid, choices } = await countsFor(
    db,
    roundId,
    opts.urval,
    opts.locale,
  );
  const vars = placeholderValues(config);
  const ctx: ItemContext = {
    locale: opts.locale,
    vars,
    year: round.year,
    current,
    previous,
    previousYear: prevRound?.year ?? null,
    showIndicators: opts.role === 'analyst' || opts.role === 'admin',
  };
  return {
    title: `Resultat: ${round.title}`,
    round: { id: round.id, title: round.title, year: round.year, confidential: round.confidential, state: round.state },
    stateLabel: ROUND_STATE_LABELS[round.state],
    surveyTitle: localize(definition.title, opts.locale, vars),
    responseRate: formatResponseRate(current.responded, Math.max(current.invited, current.responded)),
    responseShare: current.invited > 0 ? formatPercent(roundedPercent(current.responded, current.invited, 0), 0) : '–',
    hasResponses: current.responded > 0,
    previousYear: prevRound?.year ?? null,
    filter: filter ? { value: groupValue(filter), label: groupLabel(filter, opts.locale), byType: filter.by === 'type' } : null,
    respondentsHidden: hiddenView(current.respondentsVerdict, current.minN),
    minN: current.minN,
    types: choices.types,
    municipalities: choices.municipalities,
    errors: invalid ? [{ field: 'urval', message: 'Urvalet finns inte i omgången. Välj ett urval i listan.' }] : undefined,
    sections: current.responded > 0 ? await sectionsOf(ctx, definition) : [],
    exports: exportLinks(round.id),
  };
}

function exportLinks(roundId: number) {
  const base = `/rounds/${roundId}/resultat/svar`;
  return {
    xlsx: `${base}.xlsx`,
    csv: `${base}.csv`,
    xlsxCodes: `${base}.xlsx?varden=koder`,
    csvCodes: `${base}.csv?varden=koder`,
  };
}
