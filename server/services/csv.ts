// A generic CSV reader with the same reading rules as the register import (services/csv-import.ts):
// UTF-8 with or without BOM, Windows-1252 when the bytes are not UTF-8, UTF-16 with BOM, separator
// `;` or `,` (or tab) detected from the header line or an Excel "sep=;" line, quoted fields, CRLF.
// It knows nothing about columns: `readCsv(bytes)` gives the header and the rows, each with the row
// number a spreadsheet shows (header = 1). Used by the import of earlier answers; the decoding,
// separator detection and record splitting are the register import's own functions, so the two
// cannot drift apart.
import { CONTROL_CHARS, decodeCsvBytes, type ImportProblem, splitCsvRecords } from './csv-import';

export interface CsvFile {
  header: string[];
  rows: Array<{ row: number; cells: string[] }>;
  delimiter: ';' | ',' | '\t';
  encoding: 'utf-8' | 'windows-1252' | 'utf-16';
}

export type CsvReadResult = { ok: true; csv: CsvFile } | { ok: false; problem: ImportProblem };

export interface CsvLimits {
  /** More rows with content after the header than this: the file is refused with `tooManyRows` as its problem. */
  maxRows: number;
  tooManyRows: string;
}

/** Trims, drops control characters, keeps line breaks (as \n), undoes an export's formula guard ('=…). */
export function cleanCsvCell(v: string | undefined): string {
  if (v === undefined || v === null) return '';
  const s = String(v).replace(/\r\n?/g, '\n').replace(CONTROL_CHARS, '').trim();
  return /^'[=+\-@]/.test(s) ? s.slice(1) : s;
}

/** The file's header and rows (read in pieces, see splitCsvRecords), or its one file-level problem. */
export async function readCsv(buf: Buffer, limits?: CsvLimits): Promise<CsvReadResult> {
  const decoded = decodeCsvBytes(buf);
  if ('problem' in decoded) return { ok: false, problem: decoded.problem };
  const split = await splitCsvRecords(decoded.text, { maxRows: limits?.maxRows });
  if (!split.ok) {
    const where = typeof split.error.lines === 'number' ? ` (nära rad ${split.error.lines + split.lineOffset})` : '';
    const why =
      split.error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'ett citattecken (") öppnas men stängs aldrig' : 'filen följer inte CSV-formatet';
    return { ok: false, problem: { row: null, column: null, message: `Filen kunde inte läsas som CSV: ${why}${where}.` } };
  }
  const { records, delimiter, lineOffset } = split;
  if (records.length === 0) return { ok: false, problem: { row: null, column: null, message: 'Filen innehåller inga rader.' } };
  if (split.tooManyRows && limits) return { ok: false, problem: { row: null, column: null, message: limits.tooManyRows } };
  const header = records[0].map((h) => cleanCsvCell(h));
  const rows: CsvFile['rows'] = [];
  for (let i = 1; i < records.length; i++) {
    const cells = records[i].map((c) => cleanCsvCell(c));
    if (cells.every((c) => c === '')) continue; // Excel writes ";;;;" lines at the end
    rows.push({ row: i + 1 + lineOffset, cells });
  }
  return { ok: true, csv: { header, rows, delimiter, encoding: decoded.encoding } };
}
