// How an indicator row reads on a page: every number through services/numbers.ts, every colour
// with a symbol (shape) and a text label (never colour alone, WCAG 1.4.1), every arrow with text.
// And the view models of the analyst's two indicator pages: the year's table and one indicator.
import type { Knex } from 'knex';
import { NotFoundError } from '../errors';
import { currentYear } from '../lib/year';
import {
  type CommentRecord,
  findComment,
  findIndicator,
  type IndicatorRecord,
  listPublications,
  targetsOf,
  valuesOf,
} from '../repositories/indicators';
import type { IndicatorDefinition, PlaceholderValues } from '../surveys/schema';
import { STATUSES } from './indicator-admin';
import {
  breakdowns,
  FIRST_SERIES_YEAR,
  groupByLevel,
  type IndicatorRow,
  indicatorSeries,
  indicatorTable,
  LEVEL_LABELS,
} from './indicators';
import { colourLabel, formatNumber, formatPercent, formatPp, statusLabel, trendLabel, type Colour } from './numbers';
import { titleOfData } from '../lib/titles';

/** Shapes, so the colours also differ in form: filled circle, triangle, square, hollow circle. */
export const COLOUR_SYMBOLS: Record<Colour, string> = { green: '●', yellow: '▲', red: '■', missing: '○' };

export const ORIGIN_LABELS: Record<IndicatorRow['origin'], string> = {
  survey: 'Beräknat ur enkätsvaren',
  attendance: 'Beräknat ur registrerad närvaro',
  imported: 'Importerat värde',
  manual: 'Manuellt värde',
  none: 'Inget värde',
};

export function formatTarget(target: number | null): string {
  if (target === null) return '–';
  return formatPercent(target, Number.isInteger(target) ? 0 : 1);
}

export function formatInterval(low: number | null, high: number | null): string {
  if (low === null || high === null) return '–';
  return `${formatNumber(low, 1)}–${formatNumber(high, 1)} %`;
}

export interface PresentedRow extends IndicatorRow {
  colourSymbol: string;
  colourLabel: string;
  trendSymbol: string;
  trendLabel: string;
  /** "+39 procentenheter", "−16 procentenheter"; beside "oförändrat" with one decimal or "±0". */
  changeDisplay: string;
  /** The same in two parts, for the English pages: "+39" and "procentenheter" (a translation key). */
  changeAmount: string;
  changeUnit: string;
  clarityText: string;
  targetDisplay: string;
  ciDisplay: string;
  dontKnowDisplay: string;
  dontKnowDisplayOneDecimal: string;
  statusLabel: string;
  originLabel: string;
  previousDisplay: string;
  isImported: boolean;
  hasCi: boolean;
}

/**
 * The change beside the arrow (DOMAIN rule 5: it never contradicts the arrow). Whole
 * procentenheter, except beside "oförändrat": a change below the dead band can round to ±1 whole
 * point (70,6 % → 71,4 % reads "+1 procentenhet"), so there it has one decimal, and a change that
 * rounds to 0,0 reads "±0 procentenheter".
 */
export function formatChange(changePp: number | null, trend: IndicatorRow['trend']): string {
  if (changePp === null) return '–';
  if (trend !== 'unchanged') return formatPp(changePp);
  const oneDecimal = formatPp(changePp, 1);
  return /^0,0 /.test(oneDecimal) ? '±0 procentenheter' : oneDecimal;
}

/** Whether the change is statistically clear, in words; nothing for attendance (a census, DOMAIN rule 6). */
function clarityOf(row: IndicatorRow): string {
  if (row.kind === 'attendance' || row.changePp === null) return '';
  if (row.changeIsClear === true) return 'Förändringen är statistiskt säkerställd';
  if (row.changeIsClear === false) return 'Förändringen är inte statistiskt säkerställd';
  return 'Statistisk säkerhet kan inte bedömas (antal saknas för ett av åren)';
}

export function presentRow<R extends IndicatorRow>(row: R): R & PresentedRow {
  const arrow = row.trend === 'none' ? '' : row.trend === 'unchanged' ? '→' : (row.changePp ?? 0) > 0 ? '↑' : '↓';
  const changeDisplay = formatChange(row.changePp, row.trend);
  const unitAt = changeDisplay.lastIndexOf(' ');
  const census = row.kind === 'attendance';
  return {
    ...row,
    colourSymbol: COLOUR_SYMBOLS[row.colour],
    colourLabel: colourLabel(row.colour),
    trendSymbol: arrow,
    trendLabel: trendLabel(row.trend),
    changeDisplay,
    changeAmount: unitAt < 0 ? changeDisplay : changeDisplay.slice(0, unitAt),
    changeUnit: unitAt < 0 ? '' : changeDisplay.slice(unitAt + 1),
    clarityText: clarityOf(row),
    targetDisplay: formatTarget(row.target),
    ciDisplay: census ? '–' : formatInterval(row.ciLow, row.ciHigh),
    dontKnowDisplay: row.dontKnowShare === null ? '–' : formatPercent(row.dontKnowShare, 0),
    dontKnowDisplayOneDecimal: row.dontKnowShare === null ? '–' : formatPercent(row.dontKnowShare, 1),
    statusLabel: statusLabel(row.status),
    originLabel: ORIGIN_LABELS[row.origin],
    previousDisplay: formatPercent(row.previousValue, 0),
    isImported: row.origin === 'imported' || row.origin === 'manual',
    hasCi: !census && row.ciLow !== null && row.ciHigh !== null,
  };
}

// ---------------------------------------------------------------------------------------------
// The pages
// ---------------------------------------------------------------------------------------------

/** How many years back from the newest the year menu offers (at least back to FIRST_SERIES_YEAR). */
const YEAR_CHOICES_BACK = 8;

const KIND_LABELS: Record<IndicatorDefinition['kind'], string> = {
  survey: 'Enkätindikator',
  attendance: 'Närvaroindikator',
  manual: 'Manuell indikator',
};

/** The year menu: from this year (or a later chosen one) back to 2019 or eight years, newest first. */
export function yearChoices(year: number): Array<{ value: number; selected: boolean }> {
  const newest = Math.max(year, currentYear());
  const out: Array<{ value: number; selected: boolean }> = [];
  for (let y = newest; y >= Math.min(FIRST_SERIES_YEAR, newest - YEAR_CHOICES_BACK); y--) out.push({ value: y, selected: y === year });
  return out;
}

/** The year's indicator table: per goal level and goal, with the summary and the published versions. */
export async function indicatorTablePage(db: Knex, year: number, vars: PlaceholderValues) {
  const table = await indicatorTable(db, year, vars);
  const publication = table.publication;
  return {
    title: 'Indikatorer',
    year,
    years: yearChoices(year),
    groups: groupByLevel(table.rows.map((row) => presentRow(row))),
    hasRows: table.rows.length > 0,
    publication: publication
      ? { version: publication.version, publishedAt: publication.publishedAt, by: publication.publishedByName }
      : null,
    anyDiffers: table.rows.some((row) => row.differsFrom.length > 0),
    /** Named before the publish button: they would be reported as "värde saknas". */
    withoutValue: table.rows.filter((row) => row.value === null).map((row) => row.name),
    publications: await listPublications(db, year),
  };
}

/** "5 procentenheter", "1 procentenhet", "2,5 procentenheter". */
function formatPpAmount(pp: number): string {
  return `${formatNumber(pp, Number.isInteger(pp) ? 0 : 1)} ${pp === 1 ? 'procentenhet' : 'procentenheter'}`;
}

function policyText(def: IndicatorDefinition): string | null {
  if (def.kind !== 'survey') return null;
  return def.dontKnowPolicy === 'include' ? 'include – Vet ej räknas med i nämnaren' : 'exclude – Vet ej räknas inte med i nämnaren';
}

/** "Så räknas indikatorn": the definition in words. */
function definitionText(def: IndicatorDefinition) {
  return {
    policy: policyText(def),
    question: def.kind === 'survey' ? def.question : null,
    numerator: def.kind === 'survey' ? def.numerator.join(', ') : null,
    meetingType: def.kind === 'attendance' ? def.meetingType : null,
    kind: KIND_LABELS[def.kind],
    tolerance: formatPpAmount(def.tolerance),
    deadBand: formatPpAmount(def.deadBand),
    minN: def.minN,
    direction: def.direction === 'higher' ? 'Högre är bättre' : 'Lägre är bättre',
    defaultTarget: formatTarget(def.target ?? null),
  };
}

/** The fields of the forms on an indicator's page (kept as typed when the page is shown again with a problem). */
export const INDICATOR_FORM_FIELDS = [
  'target',
  'comment',
  'status',
  'reason',
  'value',
  'numerator',
  'denominator',
  'source',
  'valueComment',
] as const;
export type IndicatorFormValues = Record<(typeof INDICATOR_FORM_FIELDS)[number], string>;

/** What the forms of the indicator's page hold: what was typed (after a problem), else what is stored. */
function formState(row: IndicatorRow, comment: CommentRecord | null, typed: IndicatorFormValues | undefined) {
  if (typed) {
    return {
      comment: typed.comment,
      statusOverride: typed.status,
      statusReason: typed.reason,
      targetValue: typed.target,
      formValues: typed,
    };
  }
  return {
    comment: comment?.comment ?? '',
    statusOverride: comment?.statusOverride ?? '',
    statusReason: comment?.statusReason ?? '',
    targetValue: row.targetSource === 'set' && row.target !== null ? String(row.target).replace('.', ',') : '',
    formValues: {},
  };
}

/** The set targets and the stored (imported or hand-entered) values of an indicator, every year. */
async function storedFigures(db: Knex, id: string) {
  return {
    targets: (await targetsOf(db, id)).map((t) => ({ year: t.year, display: formatTarget(t.target), setAt: t.setAt })),
    storedValues: (await valuesOf(db, id)).map((v) => ({
      ...v,
      display: v.value !== null ? formatPercent(v.value, 1) : `${v.numerator} av ${v.denominator}`,
    })),
  };
}

async function requireIndicator(db: Knex, id: string): Promise<IndicatorRecord> {
  const indicator = await findIndicator(db, id);
  if (!indicator) throw new NotFoundError('Indikatorn finns inte.');
  return indicator;
}

/**
 * One indicator's page for a year: the figure (published, with the live one beside it when they
 * differ), the definition in words, the distribution, the series with its chart, the breakdowns,
 * and the forms for comment, status, target and values (holding `typed` after a problem).
 */
export async function indicatorPage(db: Knex, id: string, year: number, vars: PlaceholderValues, typed?: IndicatorFormValues) {
  const indicator = await requireIndicator(db, id);
  const tableRow = (await indicatorTable(db, year, vars, [id])).rows.find((x) => x.id === id);
  if (!tableRow) throw new NotFoundError('Indikatorn finns inte längre i enkätfilerna.');
  const row = presentRow(tableRow);
  const series = (await indicatorSeries(db, id, year, vars)).map((x) => presentRow(x));
  return {
    ...titleOfData(indicator.name),
    indicator,
    levelLabel: LEVEL_LABELS[indicator.level ?? ''] ?? '',
    definitionText: definitionText(indicator.definition),
    year,
    years: yearChoices(year),
    row,
    live: tableRow.live ? presentRow(tableRow.live) : null,
    series,
    breakdowns: await breakdowns(db, indicator, year),
    ...formState(row, await findComment(db, id, year), typed),
    statuses: STATUSES.map((s) => ({ value: s, label: statusLabel(s) })),
    ...(await storedFigures(db, id)),
  };
}
