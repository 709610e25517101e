// What analysts change about indicators: targets (målvärde), comments, status overrides,
// values by hand and imported historical values, publishing a year. Every change is audited
// (ids, years and field names only) and validated with a Swedish message naming the field or
// the row; bad input stores nothing.
import type { Knex } from 'knex';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors';
import {
  findIndicator,
  type IndicatorRecord,
  insertPublication,
  listIndicators,
  maxPublicationVersion,
  upsertComment,
  upsertTarget,
  upsertValue,
  deleteValue,
  type ValueRecord,
} from '../repositories/indicators';
import type { PlaceholderValues } from '../surveys/schema';
import { type Actor, audit } from './audit';
import { readCsv } from './csv';
import { listedProblems, tooManyRowsMessage, UPLOAD_LIMITS } from '../lib/upload-limits';
import { normaliseHeader } from './csv-import';
import { computeRows, yearsWithComputedValue } from './indicators';
import type { Status } from './numbers';
import { MAX_YEAR, MIN_YEAR, parseYear } from '../lib/year';
import { inTransaction } from '../repositories/transaction';

export const STATUSES: Status[] = ['helt', 'delvis', 'inte_alls', 'varde_saknas'];
const MAX_COMMENT = 4000;
const MAX_SOURCE = 300;

// ---------------------------------------------------------------------------------------------
// Parsing numbers as people type them
// ---------------------------------------------------------------------------------------------

/** "74", "74,5", "74.5", " 74,5 % " → 74.5; anything else → null. */
export function parseDecimal(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw !== 'string') return null;
  const s = raw
    .replace(/[\s\u00a0]/g, '')
    .replace(/%$/, '')
    .replace('\u2212', '-');
  if (!/^-?\d{1,9}([.,]\d{1,10})?$/.test(s)) return null;
  return Number(s.replace(',', '.'));
}

export function parseCount(raw: unknown): number | null {
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.replace(/[\s\u00a0]/g, '') : '';
  return /^\d{1,9}$/.test(s) ? Number(s) : null;
}

const YEAR_MESSAGE = `Ange året med fyra siffror, mellan ${MIN_YEAR} och ${MAX_YEAR}, t.ex. 2025.`;

async function requireIndicator(db: Knex, id: string): Promise<IndicatorRecord> {
  const ind = await findIndicator(db, id);
  if (!ind) throw new NotFoundError(`Indikatorn ${id} finns inte.`);
  return ind;
}

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

/** Sets the målvärde of an indicator for a year (0–100 percent). */
export async function setTarget(db: Knex, actor: Actor, indicatorId: string, rawYear: unknown, rawTarget: unknown): Promise<number> {
  await requireIndicator(db, indicatorId);
  const problems: FieldProblem[] = [];
  const year = parseYear(rawYear);
  if (year === null) problems.push({ field: 'year', message: YEAR_MESSAGE });
  const target = parseDecimal(rawTarget);
  if (target === null || target < 0 || target > 100) {
    problems.push({ field: 'target', message: 'Målvärdet ska vara ett tal mellan 0 och 100 (procent), t.ex. 74 eller 74,5.' });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  await inTransaction(db, async (trx) => {
    await upsertTarget(trx, indicatorId, year!, target!, actor.userId);
    await audit(trx, actor, 'indicator.target_set', { type: 'indicator', id: indicatorId }, { year, target });
  });
  return target!;
}

// ---------------------------------------------------------------------------------------------
// Comments and status overrides
// ---------------------------------------------------------------------------------------------

export async function setComment(db: Knex, actor: Actor, indicatorId: string, rawYear: unknown, rawComment: string): Promise<void> {
  await requireIndicator(db, indicatorId);
  const year = parseYear(rawYear);
  const comment = rawComment.replace(/\r\n?/g, '\n').trim();
  const problems: FieldProblem[] = [];
  if (year === null) problems.push({ field: 'year', message: YEAR_MESSAGE });
  if (comment.length > MAX_COMMENT)
    problems.push({ field: 'comment', message: `Kommentaren får vara högst ${MAX_COMMENT} tecken (den är ${comment.length}).` });
  if (problems.length > 0) throw new ValidationError(problems);
  await inTransaction(db, async (trx) => {
    await upsertComment(trx, indicatorId, year!, { comment: comment || null }, actor.userId);
    await audit(
      trx,
      actor,
      'indicator.comment_set',
      { type: 'indicator', id: indicatorId },
      { year, fields: ['comment'], empty: comment === '' },
    );
  });
}

/** Overrides the status (helt/delvis/inte alls/värde saknas) with a reason; '' returns to the status from the colour. */
export async function setStatusOverride(
  db: Knex,
  actor: Actor,
  indicatorId: string,
  rawYear: unknown,
  rawStatus: string,
  rawReason: string,
): Promise<void> {
  await requireIndicator(db, indicatorId);
  const year = parseYear(rawYear);
  const status = rawStatus.trim();
  const reason = rawReason.replace(/\r\n?/g, '\n').trim();
  const problems: FieldProblem[] = [];
  if (year === null) problems.push({ field: 'year', message: YEAR_MESSAGE });
  if (status !== '' && !STATUSES.includes(status as Status))
    problems.push({ field: 'status', message: 'Välj en status: helt, delvis, inte alls, värde saknas – eller automatisk (från färgen).' });
  if (status !== '' && reason === '') problems.push({ field: 'reason', message: 'Skriv varför statusen avviker från den som färgen ger.' });
  if (reason.length > MAX_COMMENT) problems.push({ field: 'reason', message: `Motiveringen får vara högst ${MAX_COMMENT} tecken.` });
  if (problems.length > 0) throw new ValidationError(problems);
  await inTransaction(db, async (trx) => {
    await upsertComment(
      trx,
      indicatorId,
      year!,
      { statusOverride: status === '' ? null : (status as Status), statusReason: status === '' ? null : reason },
      actor.userId,
    );
    await audit(trx, actor, 'indicator.status_set', { type: 'indicator', id: indicatorId }, { year, status: status || 'automatisk' });
  });
}

// ---------------------------------------------------------------------------------------------
// Values: one by hand, or many from a CSV file
// ---------------------------------------------------------------------------------------------

export interface RawValueRow {
  indicator: string;
  year: string;
  value: string;
  numerator: string;
  denominator: string;
  source: string;
  comment: string;
}

/** A checked row of an import or a hand-entered value: a stored value without its timestamp. */
export type CheckedValue = Omit<ValueRecord, 'createdAt'>;

type RowProblem = { field: keyof RawValueRow; message: string };

function checkIndicatorId(raw: RawValueRow, known: Set<string>, problems: RowProblem[]): string {
  const indicatorId = raw.indicator.trim();
  if (!indicatorId) problems.push({ field: 'indicator', message: 'indikator saknas' });
  else if (!known.has(indicatorId)) problems.push({ field: 'indicator', message: `indikatorn ”${indicatorId}” finns inte` });
  return indicatorId;
}

function checkRowYear(raw: RawValueRow, problems: RowProblem[]): number | null {
  const year = parseYear(raw.year);
  if (year === null) problems.push({ field: 'year', message: `året ”${raw.year}” är inte ett årtal mellan ${MIN_YEAR} och ${MAX_YEAR}` });
  return year;
}

/** Täljare and nämnare: both or neither, whole numbers, nämnare > 0, täljare ≤ nämnare. */
function checkCounts(raw: RawValueRow, problems: RowProblem[]): { numerator: number | null; denominator: number | null } {
  const hasValue = raw.value.trim() !== '';
  const hasNum = raw.numerator.trim() !== '';
  const hasDen = raw.denominator.trim() !== '';
  if (!hasValue && !hasNum && !hasDen) problems.push({ field: 'value', message: 'ange ett värde (procent) eller täljare och nämnare' });
  if (hasNum !== hasDen)
    problems.push({ field: hasNum ? 'denominator' : 'numerator', message: 'täljare och nämnare ska anges tillsammans' });
  if (!hasNum || !hasDen) return { numerator: null, denominator: null };
  const numerator = parseCount(raw.numerator);
  const denominator = parseCount(raw.denominator);
  if (numerator === null) problems.push({ field: 'numerator', message: `täljaren ”${raw.numerator}” är inte ett heltal (0 eller större)` });
  if (denominator === null)
    problems.push({ field: 'denominator', message: `nämnaren ”${raw.denominator}” är inte ett heltal (0 eller större)` });
  if (denominator === 0) problems.push({ field: 'denominator', message: 'nämnaren är 0 – en andel av inga svar kan inte räknas' });
  if (numerator !== null && denominator !== null && numerator > denominator)
    problems.push({ field: 'numerator', message: `täljaren (${numerator}) är större än nämnaren (${denominator})` });
  return { numerator, denominator };
}

/** The percentage, 0–100; when counts are given too, it must agree with them to within half a percent. */
function checkPercent(raw: RawValueRow, numerator: number | null, denominator: number | null, problems: RowProblem[]): number | null {
  if (raw.value.trim() === '') return null;
  const value = parseDecimal(raw.value);
  if (value === null || value < 0 || value > 100) {
    problems.push({ field: 'value', message: `värdet ”${raw.value}” ska vara en procentsats mellan 0 och 100` });
    return null;
  }
  if (numerator !== null && denominator) {
    const exact = (100 * numerator) / denominator;
    if (Math.abs(exact - value) >= 0.5)
      problems.push({
        field: 'value',
        message: `värdet ${raw.value} stämmer inte med täljare/nämnare (${numerator}/${denominator} = ${exact.toFixed(1).replace('.', ',')} %)`,
      });
  }
  return value;
}

function checkSourceAndComment(raw: RawValueRow, problems: RowProblem[]): { source: string; comment: string } {
  const source = raw.source.trim();
  if (!source) problems.push({ field: 'source', message: 'källa saknas (t.ex. ”Verksamhetsberättelse 2021” eller ”SCB”)' });
  else if (source.length > MAX_SOURCE) problems.push({ field: 'source', message: `källan får vara högst ${MAX_SOURCE} tecken` });
  const comment = raw.comment.trim();
  if (comment.length > MAX_COMMENT) problems.push({ field: 'comment', message: `kommentaren får vara högst ${MAX_COMMENT} tecken` });
  return { source, comment };
}

/** Checks one value; returns it or the problems, each as "<what>: <why>" (the caller adds the row). */
export function checkValueRow(raw: RawValueRow, known: Set<string>): { value: CheckedValue | null; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const indicatorId = checkIndicatorId(raw, known, problems);
  const year = checkRowYear(raw, problems);
  const { numerator, denominator } = checkCounts(raw, problems);
  const value = checkPercent(raw, numerator, denominator, problems);
  const { source, comment } = checkSourceAndComment(raw, problems);
  if (problems.length > 0 || year === null) return { value: null, problems };
  // counts win: the value is then computed from them (the typed percentage only cross-checks)
  return {
    value: { indicatorId, year, numerator, denominator, value: numerator !== null ? null : value, source, comment: comment || null },
    problems,
  };
}

const FIELD_LABELS: Record<keyof RawValueRow, string> = {
  indicator: 'Indikator',
  year: 'År',
  value: 'Värde',
  numerator: 'Täljare',
  denominator: 'Nämnare',
  source: 'Källa',
  comment: 'Kommentar',
};

/** Sets (or replaces) the value of one indicator and year by hand. */
export async function setValue(db: Knex, actor: Actor, raw: RawValueRow): Promise<CheckedValue> {
  const known = new Set((await listIndicators(db, { includeRetired: true })).map((i) => i.id));
  const { value, problems } = checkValueRow(raw, known);
  if (!value) {
    throw new ValidationError(
      problems.map((p) => ({
        field: p.field,
        message: `${FIELD_LABELS[p.field]}: ${p.message.charAt(0).toUpperCase()}${p.message.slice(1)}.`,
      })),
    );
  }
  await inTransaction(db, async (trx) => {
    await upsertValue(trx, value);
    await audit(
      trx,
      actor,
      'indicator.value_set',
      { type: 'indicator', id: value.indicatorId },
      { year: value.year, fields: value.numerator !== null ? ['numerator', 'denominator', 'source'] : ['value', 'source'] },
    );
  });
  return value;
}

export async function removeValue(db: Knex, actor: Actor, indicatorId: string, rawYear: unknown): Promise<void> {
  const year = parseYear(rawYear);
  if (year === null) throw new ValidationError([{ field: 'year', message: YEAR_MESSAGE }]);
  await inTransaction(db, async (trx) => {
    const n = await deleteValue(trx, indicatorId, year);
    if (n > 0) await audit(trx, actor, 'indicator.value_deleted', { type: 'indicator', id: indicatorId }, { year });
  });
}

const HEADERS: Record<keyof RawValueRow, string[]> = {
  indicator: ['indicator', 'indikator', 'id', 'indikator id', 'indicator id'],
  year: ['year', 'år', 'ar'],
  value: ['value', 'värde', 'varde', 'utfall', 'procent', 'percent'],
  numerator: ['numerator', 'täljare', 'taljare'],
  denominator: ['denominator', 'nämnare', 'namnare'],
  source: ['source', 'källa', 'kalla'],
  comment: ['comment', 'kommentar'],
};

export interface ImportResult {
  rows: number;
  replaced: number;
  indicators: string[];
  /**
   * Stored values that are not used, because the year has a figure computed from its answers or
   * meetings (which always comes first): reported, never silently ignored.
   */
  unused: Array<{ indicatorId: string; year: number; display: string }>;
}

/** "fortroende_rua 2023 (beräknat 73,3 %)", for the import's warning. */
export function unusedValuesText(unused: ImportResult['unused']): string {
  return `${unused.length} av värdena används inte, eftersom året har ett utfall beräknat ur enkätsvaren eller närvaron: ${unused
    .map((u) => `${u.indicatorId} ${u.year} (beräknat ${u.display})`)
    .join(', ')}.`;
}

/** The rows of an indicator-values CSV, or the problems (file-level or per row, "Rad 3: …"). */
export async function parseValuesCsv(buf: Buffer): Promise<{ rows: Array<{ row: number; raw: RawValueRow }>; problems: FieldProblem[] }> {
  const read = await readCsv(buf, { maxRows: UPLOAD_LIMITS.indicatorValues.maxRows!, tooManyRows: tooManyRowsMessage('indicatorValues') });
  if (!read.ok) return { rows: [], problems: [{ field: 'file', message: read.problem.message }] };
  const header = read.csv.header.map((h) => normaliseHeader(h));
  const index: Partial<Record<keyof RawValueRow, number>> = {};
  for (const key of Object.keys(HEADERS) as Array<keyof RawValueRow>) {
    const i = header.findIndex((h) => HEADERS[key].map(normaliseHeader).includes(h));
    if (i >= 0) index[key] = i;
  }
  const missing: string[] = [];
  if (index.indicator === undefined) missing.push('indicator');
  if (index.year === undefined) missing.push('year');
  if (index.source === undefined) missing.push('source');
  if (index.value === undefined && (index.numerator === undefined || index.denominator === undefined))
    missing.push('value (eller numerator och denominator)');
  if (missing.length > 0) {
    return {
      rows: [],
      problems: [
        {
          field: 'file',
          message: `Filen saknar kolumnerna: ${missing.join(', ')}. Första raden ska vara rubriker: indicator;year;value;numerator;denominator;source;comment.`,
        },
      ],
    };
  }
  const rows = read.csv.rows.map(({ row, cells }) => {
    const cell = (key: keyof RawValueRow) => (index[key] === undefined ? '' : (cells[index[key]] ?? '').trim());
    return {
      row,
      raw: {
        indicator: cell('indicator'),
        year: cell('year'),
        value: cell('value'),
        numerator: cell('numerator'),
        denominator: cell('denominator'),
        source: cell('source'),
        comment: cell('comment'),
      },
    };
  });
  if (rows.length === 0) return { rows: [], problems: [{ field: 'file', message: 'Filen innehåller rubriker men inga värden.' }] };
  return { rows, problems: [] };
}

/**
 * Imports historical (or manual) values from a CSV file: columns indicator, year, value or
 * numerator+denominator, source, comment. Every row's problems are listed ("Rad 3: …") and
 * nothing is stored unless every row is good. A value for an (indicator, year) that already has
 * one replaces it.
 */
/** Stores historical (or manual) values from a CSV; `vars` only names the options in the check of which values are used. */
export async function importValues(
  db: Knex,
  actor: Actor,
  buf: Buffer,
  vars: PlaceholderValues = { region: '', strategy: '' },
): Promise<ImportResult> {
  const parsed = await parseValuesCsv(buf);
  if (parsed.problems.length > 0) throw new ValidationError(parsed.problems, 'Filen kunde inte läsas in.');
  const known = new Set((await listIndicators(db, { includeRetired: true })).map((i) => i.id));
  const problems: FieldProblem[] = [];
  const good: CheckedValue[] = [];
  const seen = new Map<string, number>();
  for (const { row, raw } of parsed.rows) {
    const { value, problems: rowProblems } = checkValueRow(raw, known);
    for (const p of rowProblems) problems.push({ field: '', message: `Rad ${row}: ${p.message}.` });
    if (!value) continue;
    const key = `${value.indicatorId}:${value.year}`;
    const first = seen.get(key);
    if (first !== undefined)
      problems.push({ field: '', message: `Rad ${row}: ${value.indicatorId} ${value.year} finns redan på rad ${first}.` });
    else seen.set(key, row);
    good.push(value);
  }
  if (problems.length > 0) throw new ValidationError(listedProblems(problems), 'Inget lästes in: filen innehåller fel.');
  const indicators = [...new Set(good.map((v) => v.indicatorId))].sort();
  const replaced = await inTransaction(db, async (trx) => {
    let n = 0;
    for (const v of good) if (await upsertValue(trx, v)) n++;
    await audit(trx, actor, 'indicator.values_imported', { type: 'indicator', id: null }, { rows: good.length, replaced: n, indicators });
    return n;
  });
  const unused = await yearsWithComputedValue(db, vars, good);
  return { rows: good.length, replaced, indicators, unused };
}

// ---------------------------------------------------------------------------------------------
// Publishing
// ---------------------------------------------------------------------------------------------

/**
 * Publishes a year: the full computed rows are stored as a snapshot, version 1 — or, when the
 * year is already published, version n+1, which requires a reason. Earlier versions are kept.
 */
export async function publishYear(
  db: Knex,
  actor: Actor,
  rawYear: unknown,
  vars: PlaceholderValues,
  rawReason: string | null,
): Promise<{ year: number; version: number; withoutValue: string[] }> {
  const year = parseYear(rawYear);
  if (year === null) throw new ValidationError([{ field: 'year', message: YEAR_MESSAGE }]);
  const reason = (rawReason ?? '').replace(/\r\n?/g, '\n').trim();
  const rows = await computeRows(db, year, vars);
  if (rows.length === 0) throw new ValidationError([{ field: 'year', message: 'Det finns inga indikatorer att publicera.' }]);
  return inTransaction(db, async (trx) => {
    const version = (await maxPublicationVersion(trx, year)) + 1;
    if (version > 1 && reason === '') {
      throw new ValidationError([
        { field: 'reason', message: `${year} är redan publicerat. Skriv varför året publiceras igen (vad som har rättats).` },
      ]);
    }
    if (reason.length > MAX_COMMENT)
      throw new ValidationError([{ field: 'reason', message: `Motiveringen får vara högst ${MAX_COMMENT} tecken.` }]);
    await insertPublication(trx, { year, version, reason: reason || null, snapshot: rows, publishedBy: actor.userId });
    await audit(
      trx,
      actor,
      'indicators.published',
      { type: 'publication', id: `${year}-v${version}` },
      { year, version, indicators: rows.length },
    );
    // published all the same (they are reported as "värde saknas"), but named in the warning
    return { year, version, withoutValue: rows.filter((r) => r.value === null).map((r) => r.name) };
  });
}
