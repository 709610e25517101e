// The indicator table in the analyst's language: an Excel workbook (exceljs) and the "CSV för
// Excel", both with Swedish column headers and Swedish labels for colour, trend and status
// (the machine CSV with stable codes stays in indicator-export.ts, as `csv-codes`).
//
// XLSX: one sheet per year asked for, plus the sheet "Serie" (one row per indicator, one column
// per year since the first year with a value). Percentages are numbers with a percent number
// format: the cell holds the share (0,57) and Excel shows "57%". Utfall is the whole percent of
// the indicator table and "Utfall, en decimal" the analysis view's figure — both rounded half
// away from zero on the exact fraction (services/numbers.ts), so the spreadsheet shows the same
// figure as the page and the colour agrees with it.
// CSV för Excel: UTF-8 with BOM, `;`, decimal comma, percentages as numbers in percent (57).
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import type { Knex } from 'knex';
import type { PlaceholderValues } from '../surveys/schema';
import { neutraliseFormula } from './csv-export';
import { type IndicatorRow, indicatorSeries, LEVEL_LABELS, outputRows } from './indicators';
import { colourLabel, csvNumber, roundedPercent, roundHalfAwayFromZero, statusLabel, trendLabel } from './numbers';

const ORIGIN_SV: Record<IndicatorRow['origin'], string> = {
  survey: 'Enkätsvar',
  attendance: 'Registrerad närvaro',
  imported: 'Inläst värde',
  manual: 'Manuellt värde',
  none: 'Inget värde',
};
const COLOUR_SHORT: Record<IndicatorRow['colour'], string> = { green: 'Grön', yellow: 'Gul', red: 'Röd', missing: 'Värde saknas' };

/** The shown percent of a row, rounded on the exact fraction when the counts are known. */
export function shownPercent(r: IndicatorRow, decimals: 0 | 1): number | null {
  if (r.numerator !== null && r.denominator) return roundedPercent(r.numerator, r.denominator, decimals);
  return r.value === null ? null : roundHalfAwayFromZero(r.value, decimals);
}

function clearLabel(r: IndicatorRow): string {
  if (r.kind === 'attendance' || r.changePp === null) return '';
  return r.changeIsClear === true ? 'Ja' : r.changeIsClear === false ? 'Nej' : 'Kan inte bedömas';
}

type Cell =
  | { kind: 'text'; v: string | null }
  | { kind: 'percent'; v: number | null; decimals: number }
  | { kind: 'number'; v: number | null; decimals?: number };
const text = (v: string | null): Cell => ({ kind: 'text', v });
const percent = (v: number | null, decimals = 0): Cell => ({ kind: 'percent', v, decimals });
const num = (v: number | null, decimals?: number): Cell => ({ kind: 'number', v, decimals });

/** The columns, Swedish header → the cell of a row. One list for the XLSX and the CSV. */
export const SWEDISH_COLUMNS: Array<{ header: string; width: number; cell: (r: IndicatorRow) => Cell }> = [
  { header: 'Indikator', width: 60, cell: (r) => text(r.name) },
  { header: 'Mål', width: 40, cell: (r) => text(r.goal) },
  { header: 'Målnivå', width: 12, cell: (r) => text(r.level ? (LEVEL_LABELS[r.level] ?? r.level) : null) },
  { header: 'År', width: 7, cell: (r) => num(r.year) },
  { header: 'Utfall', width: 9, cell: (r) => percent(shownPercent(r, 0)) },
  { header: 'Utfall, en decimal', width: 11, cell: (r) => percent(shownPercent(r, 1), 1) },
  { header: 'Målvärde', width: 10, cell: (r) => percent(r.target, r.target !== null && !Number.isInteger(r.target) ? 1 : 0) },
  { header: 'Färg', width: 13, cell: (r) => text(COLOUR_SHORT[r.colour]) },
  { header: 'Färg (text)', width: 34, cell: (r) => text(colourLabel(r.colour)) },
  { header: 'Förändringspil', width: 16, cell: (r) => text(trendLabel(r.trend)) },
  {
    header: 'Förändring (procentenheter)',
    width: 14,
    cell: (r) => num(r.changePp === null ? null : roundHalfAwayFromZero(r.changePp, 1), 1),
  },
  { header: 'Statistiskt säkerställd', width: 14, cell: (r) => text(clearLabel(r)) },
  { header: 'Status', width: 12, cell: (r) => text(statusLabel(r.status)) },
  { header: 'Motivering till status', width: 30, cell: (r) => text(r.statusReason) },
  { header: 'Täljare', width: 8, cell: (r) => num(r.numerator) },
  { header: 'Nämnare', width: 8, cell: (r) => num(r.denominator) },
  { header: 'Svarsfrekvens', width: 12, cell: (r) => text(r.responseRate) },
  { header: 'Svarande', width: 9, cell: (r) => num(r.responded) },
  { header: 'Inbjudna', width: 9, cell: (r) => num(r.invited) },
  { header: 'Vet ej (antal)', width: 9, cell: (r) => num(r.dontKnow) },
  {
    header: 'Vet ej (andel)',
    width: 10,
    cell: (r) => percent(r.dontKnowShare === null ? null : roundHalfAwayFromZero(r.dontKnowShare, 1), 1),
  },
  {
    header: '95 % konfidensintervall, nedre',
    width: 12,
    cell: (r) => percent(r.kind === 'attendance' || r.ciLow === null ? null : roundHalfAwayFromZero(r.ciLow, 1), 1),
  },
  {
    header: '95 % konfidensintervall, övre',
    width: 12,
    cell: (r) => percent(r.kind === 'attendance' || r.ciHigh === null ? null : roundHalfAwayFromZero(r.ciHigh, 1), 1),
  },
  { header: 'Underlag', width: 18, cell: (r) => text(ORIGIN_SV[r.origin]) },
  { header: 'Källa', width: 24, cell: (r) => text(r.source) },
  { header: 'Kommentar', width: 60, cell: (r) => text(r.comment) },
  { header: 'Publicerat', width: 10, cell: (r) => text(r.published ? `Ja, version ${r.publishedVersion ?? 1}` : 'Nej') },
  { header: 'Indikator-id', width: 24, cell: (r) => text(r.id) },
];

const PERCENT_FORMAT = ['0%', '0.0%'];

function writeCell(target: ExcelJS.Cell, c: Cell): void {
  if (c.v === null) return;
  if (c.kind === 'text') {
    target.value = c.v;
    return;
  }
  if (c.kind === 'percent') {
    // the share, rounded as shown (no float tail: 57 → 0.57)
    target.value = Number((c.v / 100).toFixed(c.decimals + 2));
    target.numFmt = PERCENT_FORMAT[c.decimals] ?? '0.0%';
    return;
  }
  target.value = c.v;
  if (c.decimals === 1) target.numFmt = '0.0';
}

function yearSheet(wb: ExcelJS.Workbook, year: number, rows: IndicatorRow[]): void {
  const ws = wb.addWorksheet(String(year), { views: [{ state: 'frozen', ySplit: 1, xSplit: 1 }] });
  ws.columns = SWEDISH_COLUMNS.map((c) => ({ header: c.header, width: c.width }));
  ws.getRow(1).font = { bold: true };
  rows.forEach((r, i) => SWEDISH_COLUMNS.forEach((c, j) => writeCell(ws.getCell(i + 2, j + 1), c.cell(r))));
}

async function seriesSheet(
  wb: ExcelJS.Workbook,
  db: Knex,
  ids: string[],
  names: Map<string, string>,
  year: number,
  vars: PlaceholderValues,
) {
  const series = new Map<string, IndicatorRow[]>();
  for (const id of ids) series.set(id, await indicatorSeries(db, id, year, vars));
  const all = [...series.values()].flat();
  const firstWithValue = Math.min(...all.filter((r) => r.value !== null).map((r) => r.year), year);
  const years: number[] = [];
  for (let y = firstWithValue; y <= year; y++) years.push(y);
  const ws = wb.addWorksheet('Serie', { views: [{ state: 'frozen', ySplit: 1, xSplit: 1 }] });
  ws.columns = [
    { header: 'Indikator', width: 60 },
    ...years.map((y) => ({ header: `Utfall ${y}`, width: 11 })),
    { header: 'Indikator-id', width: 24 },
  ];
  ws.getRow(1).font = { bold: true };
  ids.forEach((id, i) => {
    ws.getCell(i + 2, 1).value = names.get(id) ?? id;
    for (const r of series.get(id) ?? []) {
      const col = years.indexOf(r.year);
      if (col >= 0) writeCell(ws.getCell(i + 2, col + 2), percent(shownPercent(r, 0)));
    }
    ws.getCell(i + 2, years.length + 2).value = id;
  });
}

/** The workbook: a sheet per year (newest first as asked), then "Serie" up to the newest year. */
export async function indicatorWorkbook(db: Knex, years: number[], vars: PlaceholderValues): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Partnerpuls';
  const names = new Map<string, string>();
  for (const y of years) {
    const rows = await outputRows(db, y, vars);
    for (const r of rows) names.set(r.id, r.name);
    yearSheet(wb, y, rows);
  }
  await seriesSheet(wb, db, [...names.keys()], names, Math.max(...years), vars);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function csvCell(c: Cell): string {
  if (c.v === null) return '';
  if (c.kind === 'text') return neutraliseFormula(c.v);
  return csvNumber(c.v);
}

/** The CSV för Excel: the same Swedish columns and labels; percentages as numbers in percent (57 or 57,1). */
export function swedishCsv(rows: IndicatorRow[]): Buffer {
  const lines = [SWEDISH_COLUMNS.map((c) => c.header), ...rows.map((r) => SWEDISH_COLUMNS.map((c) => csvCell(c.cell(r))))];
  const body = stringify(lines, { delimiter: ';', record_delimiter: '\r\n', quoted_match: /[";\r\n]/ });
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body, 'utf8')]);
}
