// The year's report (the page that goes into the annual report, its Word and PDF versions and
// the CLI): the symbol legend, the summary per goal level, then per goal level and goal one block
// per indicator — utfall, målvärde, colour and arrow with their texts, the change and whether it
// is statistically clear, response rate, Vet ej, the distribution, the analyst's comment, a
// drafted comment and the series since the first year with a value as a chart and a table.
// Every figure comes from the indicator table (services/indicators.ts: the published snapshot
// for a published year, else the live computation), presented by indicator-view.presentRow.
import type { Knex } from 'knex';
import { NotFoundError } from '../errors';
import { translator, type Locale } from '../i18n';
import { findIndicator, type IndicatorRecord, listIndicators, roundFor } from '../repositories/indicators';
import { findRound } from '../repositories/rounds';
import { localize, type PlaceholderValues, resolveQuestionRef } from '../surveys/schema';
import { fromFirstValue, type SeriesPoint, seriesChartSvg } from './charts/series';
import { COLOUR_SYMBOLS, type IndicatorFormValues, indicatorPage, type PresentedRow, presentRow } from './indicator-view';
import { groupByLevel, indicatorSeries, indicatorTable, LEVEL_LABELS } from './indicators';
import { type Colour, COLOUR_LABELS, STATUS_LABELS, type Status, TREND_LABELS } from './numbers';
import { draftComment, type DraftContext } from './report-comment';
import { utcToStockholm } from './stockholm-time';
import { getSurveyVersion } from './survey-versions';

const MONTHS = ['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti', 'september', 'oktober', 'november', 'december'];
const MEETING_LABELS: Record<string, string> = {
  arbetsmote: 'arbetsmötet',
  riktningsmote: 'riktningsmötet',
  arskonferens: 'årskonferensen',
};

export interface ReportChart {
  id: string;
  svg: string;
  /** The text alternative's short form, also the figure's caption. */
  caption: string;
  svgUrl: string;
  pngUrl: string;
}

export interface ReportBlock extends PresentedRow {
  questionText: string | null;
  measuredMonth: string | null;
  draft: string;
  /** The series from the first year with a value (for the chart and its table). */
  series: PresentedRow[];
  chart: ReportChart | null;
}

export interface ReportLevel {
  level: string;
  label: string;
  count: number;
  summary: Record<Colour, number>;
  goals: Array<{ goal: string; blocks: ReportBlock[] }>;
}

export interface ReportModel {
  title: string;
  year: number;
  regionName: string;
  locale: Locale;
  publication: { version: number; publishedAt: string } | null;
  legend: { colours: Array<{ colour: Colour; symbol: string; label: string }>; trends: string[]; statuses: string[] };
  levels: ReportLevel[];
  withoutValue: string[];
  hasRows: boolean;
}

/** The question text as the respondents read it, and the month the round closed. */
async function measuredContext(db: Knex, ind: IndicatorRecord, year: number, vars: PlaceholderValues): Promise<DraftContext> {
  const def = ind.definition;
  const ctx: DraftContext = { questionText: null, measuredMonth: null, meetingLabel: null };
  if (def.kind === 'attendance') return { ...ctx, meetingLabel: MEETING_LABELS[def.meetingType] ?? def.meetingType };
  if (def.kind !== 'survey' || !ind.surveyId) return ctx;
  const round = await roundFor(db, ind.surveyId, year);
  if (!round) return ctx;
  const ref = resolveQuestionRef((await getSurveyVersion(db, round.surveyVersionId)).definition, def.question);
  const question = ref ? localize(ref.question.text, 'sv', vars) : null;
  const statement = ref?.statement ? localize(ref.statement.text, 'sv', vars) : null;
  const closes = utcToStockholm((await findRound(db, round.id))?.closesAt);
  const measuredMonth = closes ? `${MONTHS[Number(closes.date.slice(5, 7)) - 1]} ${closes.date.slice(0, 4)}` : null;
  return { ...ctx, questionText: question && statement ? `${question} – ${statement}` : question, measuredMonth };
}

function seriesPoints(series: PresentedRow[]): SeriesPoint[] {
  return series.map((r) => ({
    year: r.year,
    value: r.value,
    display: r.display,
    target: r.target,
    ciLow: r.hasCi ? r.ciLow : null,
    ciHigh: r.hasCi ? r.ciHigh : null,
  }));
}

/** The series of one indicator up to `year`, from its first year with a value, presented. */
export async function reportSeries(db: Knex, id: string, year: number, vars: PlaceholderValues): Promise<PresentedRow[]> {
  return fromFirstValue((await indicatorSeries(db, id, year, vars)).map((r) => presentRow(r)));
}

/** The chart of an indicator's series as SVG, with its text alternative in the reader's language. */
export async function seriesChart(series: PresentedRow[], name: string, year: number, locale: Locale): Promise<ReportChart | null> {
  if (series.length < 2) return null;
  const t = translator(locale);
  const id = `diagram-${series[0].id}`;
  const caption = t('%{name}: utfall per år %{from}–%{to}', { name, from: series[0].year, to: series[series.length - 1].year });
  const svg = await seriesChartSvg(seriesPoints(series), { title: caption, valueLabel: t('Utfall'), targetLabel: t('Målvärde') }, id);
  const base = `/rapport/${year}/diagram/${series[0].id}`;
  return { id, svg, caption, svgUrl: `${base}.svg`, pngUrl: `${base}.png` };
}

async function blockOf(
  db: Knex,
  row: PresentedRow,
  ind: IndicatorRecord | undefined,
  vars: PlaceholderValues,
  locale: Locale,
): Promise<ReportBlock> {
  const ctx = ind ? await measuredContext(db, ind, row.year, vars) : { questionText: null, measuredMonth: null, meetingLabel: null };
  const series = await reportSeries(db, row.id, row.year, vars);
  return {
    ...row,
    questionText: ctx.questionText,
    measuredMonth: ctx.measuredMonth,
    draft: draftComment(row, ctx),
    series,
    chart: await seriesChart(series, row.name, row.year, locale),
  };
}

function legendOf(locale: Locale): ReportModel['legend'] {
  const lang = locale === 'en' ? 'en' : 'sv';
  const colours = (['green', 'yellow', 'red', 'missing'] as Colour[]).map((c) => ({
    colour: c,
    symbol: COLOUR_SYMBOLS[c],
    label: COLOUR_LABELS[lang][c],
  }));
  const trends = [TREND_LABELS[lang].improved, TREND_LABELS[lang].unchanged, TREND_LABELS[lang].worsened];
  const statuses = (['helt', 'delvis', 'inte_alls', 'varde_saknas'] as Status[]).map((s) => STATUS_LABELS[lang][s]);
  return { colours, trends, statuses };
}

/** The whole report for a year, in the reader's language (labels; the figures are the same). */
export async function reportModel(
  db: Knex,
  year: number,
  vars: PlaceholderValues,
  regionName: string,
  locale: Locale,
): Promise<ReportModel> {
  const table = await indicatorTable(db, year, vars);
  const definitions = new Map((await listIndicators(db, { includeRetired: true })).map((i) => [i.id, i]));
  const levels: ReportLevel[] = [];
  for (const group of groupByLevel(table.rows.map((r) => presentRow(r)))) {
    const goals: ReportLevel['goals'] = [];
    for (const g of group.goals) {
      const blocks: ReportBlock[] = [];
      for (const row of g.rows) blocks.push(await blockOf(db, row, definitions.get(row.id), vars, locale));
      goals.push({ goal: g.goal, blocks });
    }
    const count = group.goals.reduce((a, g) => a + g.rows.length, 0);
    levels.push({ level: group.level, label: LEVEL_LABELS[group.level] ?? 'Utan målnivå', count, summary: group.summary, goals });
  }
  const pub = table.publication;
  return {
    title: 'Indikatorer %{year}',
    year,
    regionName,
    locale,
    publication: pub ? { version: pub.version, publishedAt: pub.publishedAt } : null,
    legend: legendOf(locale),
    levels,
    withoutValue: table.rows.filter((r) => r.value === null).map((r) => r.name),
    hasRows: table.rows.length > 0,
  };
}

/** One indicator's series chart for a year (the SVG and PNG downloads). */
export async function reportChartOf(db: Knex, id: string, year: number, vars: PlaceholderValues, locale: Locale): Promise<ReportChart> {
  const ind = await findIndicator(db, id);
  if (!ind) throw new NotFoundError('Indikatorn finns inte.');
  const chart = await seriesChart(await reportSeries(db, id, year, vars), ind.name, year, locale);
  if (!chart) throw new NotFoundError('Indikatorn har för få år med värde för ett diagram.');
  return chart;
}

/**
 * The indicator's page (indicator-view.indicatorPage) with its series chart and the drafted
 * comment; `takeDraft` (?forslag=1) puts the draft into the comment field for the analyst to edit.
 */
export async function indicatorPageWithChart(
  db: Knex,
  id: string,
  year: number,
  vars: PlaceholderValues,
  locale: Locale,
  opts: { typed?: IndicatorFormValues; takeDraft?: boolean } = {},
) {
  const page = await indicatorPage(db, id, year, vars, opts.typed);
  const draft = draftComment(page.row, await measuredContext(db, page.indicator, year, vars));
  const series = fromFirstValue(page.series);
  const takeDraft = opts.takeDraft === true && opts.typed === undefined;
  return {
    ...page,
    chart: await seriesChart(series, page.indicator.name, year, locale),
    draft,
    draftTaken: takeDraft,
    comment: takeDraft ? draft : page.comment,
  };
}
