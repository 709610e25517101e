// A generic CSV reader with the same reading rules as the register import (services/csv-import.ts):
// UTF-8 with or without BOM, Windows-1252 when the bytes are not UTF-8, UTF-16 with BOM, separator
// `;` or `,` (or tab) detected from the header line or an Excel "sep=;" line, quoted fields, CRLF.
// It knows nothing about columns: `readCsv(bytes)` gives the header and the rows, each with the row
// number a spreadsheet shows (header = 1). Used by the import of earlier answers; the decoding and
// separator detection are the register import's own functions, so the two cannot drift apart.
import { parse } from 'csv-parse/sync';
import { decodeCsvBytes, detectDelimiter, type ImportProblem } from './csv-import';

export interface CsvFile {
  header: string[];
  rows: Array<{ row: number; cells: string[] }>;
  delimiter: ';' | ',' | '\t';
  encoding: 'utf-8' | 'windows-1252' | 'utf-16';
}

export type CsvReadResult = { ok: true; csv: CsvFile } | { ok: false; problem: ImportProblem };

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Trims, drops control characters, keeps line breaks (as \n), undoes an export's formula guard ('=…). */
export function cleanCsvCell(v: string | undefined): string {
  if (v === undefined || v === null) return '';
  const s = String(v).replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
  return /^'[=+\-@]/.test(s) ? s.slice(1) : s;
}

export function readCsv(buf: Buffer): CsvReadResult {
  const decoded = decodeCsvBytes(buf);
  if ('problem' in decoded) return { ok: false, problem: decoded.problem };
  let text = decoded.text;
  let lineOffset = 0;
  let delimiter: CsvFile['delimiter'];
  const sep = /^sep=(.)\r?\n/i.exec(text);
  if (sep && [';', ',', '\t'].includes(sep[1])) {
    delimiter = sep[1] as CsvFile['delimiter'];
    text = text.slice(sep[0].length);
    lineOffset = 1;
  } else {
    delimiter = detectDelimiter(text.split(/\r\n|\n|\r/, 1)[0] ?? '');
  }
  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      max_record_size: 100_000,
    }) as string[][];
  } catch (e) {
    const err = e as { code?: string; lines?: number };
    const where = typeof err.lines === 'number' ? ` (nära rad ${err.lines + lineOffset})` : '';
    const why = err.code === 'CSV_QUOTE_NOT_CLOSED' ? 'ett citattecken (") öppnas men stängs aldrig' : 'filen följer inte CSV-formatet';
    return { ok: false, problem: { row: null, column: null, message: `Filen kunde inte läsas som CSV: ${why}${where}.` } };
  }
  while (records.length && records[0].every((c) => !c || !c.trim())) {
    records.shift();
    lineOffset++;
  }
  if (records.length === 0) return { ok: false, problem: { row: null, column: null, message: 'Filen innehåller inga rader.' } };
  const header = records[0].map((h) => cleanCsvCell(h));
  const rows: CsvFile['rows'] = [];
  for (let i = 1; i < records.length; i++) {
    const cells = records[i].map((c) => cleanCsvCell(c));
    if (cells.every((c) => c === '')) continue; // Excel writes ";;;;" lines at the end
    rows.push({ row: i + 1 + lineOffset, cells });
  }
  return { ok: true, csv: { header, rows, delimiter, encoding: decoded.encoding } };
}
