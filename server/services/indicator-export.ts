// Output other tools can use: the year's indicator rows as JSON, as CSV for Swedish Excel, and
// the flat file for the region's goal-management system. A published year gives its published
// snapshot (published: true); otherwise the live figures (published: false).
//
// CSV: UTF-8 with BOM, `;` between fields, CRLF, decimal comma in numbers ("78,5714285714"),
// unrounded values to at most 10 decimals, empty cell for "no value", booleans as true/false.
// That is what Swedish Excel opens correctly by double-click (the BOM makes it read UTF-8, `;` is
// the Swedish list separator, and the comma makes numbers numbers). Text cells that start with
// = + - @ get a leading ' (services/csv-export.ts) so a spreadsheet never runs them as formulas.
import { stringify } from 'csv-stringify/sync';
import type { Knex } from 'knex';
import { listIndicators } from '../repositories/indicators';
import type { PlaceholderValues } from '../surveys/schema';
import { neutraliseFormula } from './csv-export';
import { type IndicatorRow, outputRows } from './indicators';
import { csvNumber, roundHalfAwayFromZero } from './numbers';
import { indicatorWorkbook, swedishCsv } from './indicator-spreadsheet';
import { ValidationError } from '../errors';

/** The fields of the JSON contract (the list plus the documented extras), in CSV order. */
export const OUTPUT_FIELDS = [
  'id',
  'name',
  'goal',
  'level',
  'year',
  'numerator',
  'denominator',
  'dontKnow',
  'unanswered',
  'invited',
  'responded',
  'value',
  'display',
  'displayOneDecimal',
  'target',
  'colour',
  'trend',
  'changePp',
  'changeIsClear',
  'ciLow',
  'ciHigh',
  'status',
  'statusReason',
  'responseRate',
  'dontKnowShare',
  'source',
  'comment',
  'published',
] as const;

/** The JSON array for the API and the CLI: every field of the row (the contract fields first). */
export function toJsonRows(rows: IndicatorRow[]): Array<Record<string, unknown>> {
  return rows.map((r) => {
    const out: Record<string, unknown> = {};
    for (const f of OUTPUT_FIELDS) out[f] = r[f] ?? null;
    out.kind = r.kind;
    out.direction = r.direction;
    out.dontKnowPolicy = r.dontKnowPolicy;
    out.targetSource = r.targetSource;
    out.previousYear = r.previousYear;
    out.previousValue = r.previousValue;
    out.statusOverridden = r.statusOverridden;
    out.origin = r.origin;
    out.sourceComment = r.sourceComment;
    out.distributionHidden = r.distributionHidden ?? null;
    out.distribution = r.distribution.map((d) => ({
      code: d.code,
      label: d.label,
      dontKnow: d.dontKnow,
      inNumerator: d.inNumerator,
      count: d.count,
      share: d.share,
    }));
    if (r.published) {
      out.publishedVersion = r.publishedVersion ?? null;
      out.publishedAt = r.publishedAt ?? null;
    }
    return out;
  });
}

function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return csvNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return neutraliseFormula(String(v));
}

function csvBuffer(rows: string[][]): Buffer {
  const text = stringify(rows, { delimiter: ';', record_delimiter: '\r\n', quoted_match: /[";\r\n]/ });
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}

export function toCsv(rows: IndicatorRow[]): Buffer {
  return csvBuffer([[...OUTPUT_FIELDS], ...rows.map((r) => OUTPUT_FIELDS.map((f) => csvCell(r[f])))]);
}

export const FLAT_FIELDS = ['datum', 'enhetskod', 'indikatorkod', 'kolumn', 'varde'] as const;

/**
 * The goal-management export: one line per value — date (the last day of the year), unit code,
 * indicator code, column (utfall | målvärde), value. Utfall is the whole percent shown in the
 * indicator table (so the other system's colour agrees with ours); målvärde as set. Only
 * indicators whose definition has `codes: { unit, indicator }`; the others are listed in `skipped`.
 */
export async function flatExport(db: Knex, rows: IndicatorRow[]): Promise<{ csv: Buffer; lines: number; skipped: string[] }> {
  const codes = new Map((await listIndicators(db, { includeRetired: true })).map((i) => [i.id, i.definition.codes ?? null]));
  const lines: string[][] = [];
  const skipped: string[] = [];
  for (const r of rows) {
    const c = codes.get(r.id);
    if (!c) {
      skipped.push(r.id);
      continue;
    }
    const date = `${r.year}-12-31`;
    if (r.value !== null) {
      const shown =
        r.numerator !== null && r.denominator
          ? roundHalfAwayFromZero((100 * r.numerator) / r.denominator, 0)
          : roundHalfAwayFromZero(r.value, 0);
      lines.push([date, csvCell(c.unit), csvCell(c.indicator), 'utfall', csvNumber(shown)]);
    }
    if (r.target !== null) lines.push([date, csvCell(c.unit), csvCell(c.indicator), 'målvärde', csvNumber(r.target)]);
  }
  return { csv: csvBuffer([[...FLAT_FIELDS], ...lines]), lines: lines.length, skipped };
}

/**
 * json, flat: as before. csv-codes: the machine CSV above (stable codes: yellow, worsened);
 * `csv` is the same file under its old name, kept for scripts. csv-excel: the CSV för Excel with
 * Swedish headers and labels; xlsx: the workbook (indicator-spreadsheet.ts).
 */
export const EXPORT_FORMATS = ['json', 'csv', 'csv-codes', 'csv-excel', 'flat', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(v: unknown): v is ExportFormat {
  return typeof v === 'string' && (EXPORT_FORMATS as readonly string[]).includes(v);
}

export interface ExportFile {
  body: Buffer;
  contentType: string;
  fileName: string;
  skipped: string[];
}

const CSV_TYPE = 'text/csv; charset=utf-8';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The output of one or more years (several only as xlsx: a sheet per year). */
export async function exportIndicators(db: Knex, years: number[], format: ExportFormat, vars: PlaceholderValues): Promise<ExportFile> {
  const name = years.length === 1 ? String(years[0]) : `${Math.min(...years)}-${Math.max(...years)}`;
  if (format === 'xlsx')
    return { body: await indicatorWorkbook(db, years, vars), contentType: XLSX_TYPE, fileName: `indikatorer-${name}.xlsx`, skipped: [] };
  if (years.length !== 1)
    throw new ValidationError([{ field: 'year', message: 'Flera år i en fil går bara med formatet xlsx (ett blad per år).' }]);
  const year = years[0];
  const rows = await outputRows(db, year, vars);
  switch (format) {
    case 'json':
      return {
        body: Buffer.from(JSON.stringify(toJsonRows(rows), null, 2) + '\n', 'utf8'),
        contentType: 'application/json; charset=utf-8',
        fileName: `indikatorer-${year}.json`,
        skipped: [],
      };
    case 'csv':
    case 'csv-codes':
      return { body: toCsv(rows), contentType: CSV_TYPE, fileName: `indikatorer-${year}-koder.csv`, skipped: [] };
    case 'csv-excel':
      return { body: swedishCsv(rows), contentType: CSV_TYPE, fileName: `indikatorer-${year}.csv`, skipped: [] };
    default: {
      const flat = await flatExport(db, rows);
      return { body: flat.csv, contentType: CSV_TYPE, fileName: `malstyrning-${year}.csv`, skipped: flat.skipped };
    }
  }
}

/** The year's output in one format, as bytes plus its content type and a file name. */
export async function exportYear(db: Knex, year: number, format: ExportFormat, vars: PlaceholderValues): Promise<ExportFile> {
  return exportIndicators(db, [year], format, vars);
}
