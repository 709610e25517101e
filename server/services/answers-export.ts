// The raw answers of a round: one row per organisation that submitted, one column per question
// (a matrix question: one per statement), the options as their Swedish labels or — the second
// variant — as their codes. As XLSX (exceljs' streaming WorkbookWriter) or as CSV for Swedish
// Excel (csv-stringify: UTF-8 with BOM, `;`, CRLF, cells starting with = + - @ prefixed with '),
// written to a stream while the rows are read: the responses come from the database a page at a
// time (keyset pagination), so the memory used does not grow with the size of the round.
//
// A confidential round reveals no organisation: no name, number, type, municipality or time of
// submission (a coordinator sees who submitted when), and the rows in a random order (a shuffle of
// the response ids with crypto.randomInt; only the ids are held, never the rows).
//
// The XLSX file also has the distribution per question (counts, shares with a percent format:
// the numbers of the results page) and a sheet about the file.
import { randomInt } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { drained } from '../lib/stream-drain';
import type { Config } from '../config';
import {
  answersOfResponses,
  type ExportAnswerRow,
  type ExportCursor,
  type ExportResponseRow,
  submittedResponseIds,
  submittedResponsesPage,
} from '../repositories/results';
import type { Round } from '../repositories/rounds';
import { isChoiceQuestion, localize, type PlaceholderValues, type Question, type SurveyDefinition } from '../surveys/schema';
import { answerRefs, questionNumber } from './answers';
import { neutraliseFormula } from './csv-export';
import { formatResponseRate } from './numbers';
import { organisationTypeLabel } from './organisation-types';
import { countRound, definitionOf, type RoundCounts, surveyIndicators } from './results';
import { getRound } from './rounds';
import { utcToStockholm } from './stockholm-time';
import { placeholderValues } from './surveys';

export type AnswersFormat = 'xlsx' | 'csv';
/** labels: the options in Swedish; codes: the option codes (and question ids as headers). */
export type AnswersVariant = 'labels' | 'codes';

export function isAnswersFormat(v: unknown): v is AnswersFormat {
  return v === 'xlsx' || v === 'csv';
}

/**
 * Responses read from the database per page. Small on purpose: a page lives while its rows are
 * written, and a larger page outlives more of V8's young-generation collections, so more of it is
 * promoted to the old generation, which is collected late — measured with bench/answers.ts, 500
 * responses a page gave a peak RSS for 100 000 responses of 1.4–1.5 × that for 10 000, 100 a
 * page about 1.0 × at the same speed.
 */
const EXPORT_PAGE_SIZE = 100;

const CONTENT_TYPES: Record<AnswersFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};

/** One response with its answers: option codes (or the text) per reference. */
interface ExportRow {
  /** The organisation; null in a confidential round. */
  organisation: ExportResponseRow | null;
  /** 1, 2, … in the order written (the only row identity in a confidential round). */
  number: number;
  answers: Map<string, string[]>;
}

type Cell = string | number | Date | null;

interface Column {
  header: string;
  width: number;
  kind: 'text' | 'number' | 'date';
  value(row: ExportRow): Cell;
}

// ---------------------------------------------------------------------------------------------
// Rows, a page at a time
// ---------------------------------------------------------------------------------------------

function groupAnswers(rows: ExportAnswerRow[]): Map<number, Map<string, string[]>> {
  const out = new Map<number, Map<string, string[]>>();
  for (const a of rows) {
    const ref = a.itemId ? `${a.questionId}.${a.itemId}` : a.questionId;
    const value = a.optionCode ?? a.textValue;
    if (value === null) continue;
    if (!out.has(a.responseId)) out.set(a.responseId, new Map());
    const byRef = out.get(a.responseId)!;
    byRef.set(ref, [...(byRef.get(ref) ?? []), value]);
  }
  return out;
}

/** Organisations in name order (keyset pagination on name, then response id). */
async function* namedPages(db: Knex, roundId: number): AsyncGenerator<ExportRow[]> {
  let cursor: ExportCursor | null = null;
  let number = 0;
  for (;;) {
    const page = await submittedResponsesPage(db, roundId, cursor, EXPORT_PAGE_SIZE);
    if (page.length === 0) return;
    const answers = groupAnswers(
      await answersOfResponses(
        db,
        page.map((r) => r.responseId),
      ),
    );
    yield page.map((r) => ({ organisation: r, number: ++number, answers: answers.get(r.responseId) ?? new Map<string, string[]>() }));
    const last = page[page.length - 1];
    cursor = { name: last.organisationName, organisationId: last.organisationId };
  }
}

/** Fisher–Yates with a cryptographic generator: the order says nothing about who answered when. */
export function shuffled(ids: number[]): number[] {
  const out = [...ids];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A confidential round: the responses in a random order, without the organisation. */
async function* anonymousPages(db: Knex, roundId: number): AsyncGenerator<ExportRow[]> {
  const ids = shuffled(await submittedResponseIds(db, roundId));
  for (let i = 0; i < ids.length; i += EXPORT_PAGE_SIZE) {
    const chunk = ids.slice(i, i + EXPORT_PAGE_SIZE);
    const answers = groupAnswers(await answersOfResponses(db, chunk));
    yield chunk.map((id, k) => ({ organisation: null, number: i + k + 1, answers: answers.get(id) ?? new Map<string, string[]>() }));
  }
}

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

/** The submission time as Stockholm wall-clock time (a spreadsheet date has no time zone). */
function stockholmDate(iso: string | null): Date | null {
  const local = utcToStockholm(iso);
  if (!local) return null;
  const [y, m, d] = local.date.split('-').map(Number);
  const [h, min] = local.time.split(':').map(Number);
  return new Date(Date.UTC(y, m - 1, d, h, min));
}

function identityColumns(variant: AnswersVariant, confidential: boolean): Column[] {
  const codes = variant === 'codes';
  if (confidential) return [{ header: codes ? 'svar' : 'Svar nr', width: 8, kind: 'number', value: (r) => r.number }];
  return [
    { header: codes ? 'organisation' : 'Organisation', width: 36, kind: 'text', value: (r) => r.organisation?.organisationName ?? null },
    {
      header: codes ? 'organisationsnummer' : 'Organisationsnummer',
      width: 16,
      kind: 'text',
      value: (r) => r.organisation?.organisationNumber ?? null,
    },
    {
      header: codes ? 'typ' : 'Organisationstyp',
      width: 22,
      kind: 'text',
      value: (r) => (r.organisation ? (codes ? r.organisation.type : organisationTypeLabel(r.organisation.type)) : null),
    },
    { header: codes ? 'kommun' : 'Kommun', width: 16, kind: 'text', value: (r) => r.organisation?.municipality ?? null },
    {
      header: codes ? 'inskickat' : 'Inskickat',
      width: 17,
      kind: 'date',
      value: (r) => stockholmDate(r.organisation?.submittedAt ?? null),
    },
  ];
}

function answerColumn(
  def: SurveyDefinition,
  vars: PlaceholderValues,
  variant: AnswersVariant,
  ref: string,
  q: Question,
  statementId?: string,
): Column {
  const statement = q.type === 'matrix' ? q.statements.find((s) => s.id === statementId) : undefined;
  const text = `${questionNumber(def, q.id)}. ${localize(q.text, 'sv', vars)}${statement ? ` – ${localize(statement.text, 'sv', vars)}` : ''}`;
  const labels = new Map((isChoiceQuestion(q) ? q.options : []).map((o) => [o.code, localize(o.label, 'sv', vars)]));
  const join = (values: string[]) =>
    q.type === 'text' ? values.join('\n') : variant === 'codes' ? values.join('|') : values.map((c) => labels.get(c) ?? c).join('; ');
  return {
    header: variant === 'codes' ? ref : text,
    width: q.type === 'text' ? 50 : 24,
    kind: 'text',
    value: (r) => {
      const values = r.answers.get(ref);
      return values && values.length > 0 ? join(values) : null;
    },
  };
}

function columnsOf(def: SurveyDefinition, vars: PlaceholderValues, variant: AnswersVariant, confidential: boolean): Column[] {
  return [
    ...identityColumns(variant, confidential),
    ...answerRefs(def).map(({ ref, question, statementId }) => answerColumn(def, vars, variant, ref, question, statementId)),
  ];
}

// ---------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------

function csvDate(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

function csvCell(value: Cell): string {
  if (value === null) return '';
  if (value instanceof Date) return csvDate(value);
  if (typeof value === 'number') return String(value);
  return neutraliseFormula(value);
}

async function writeCsv(columns: Column[], pages: AsyncGenerator<ExportRow[]>, out: Writable): Promise<void> {
  async function* records(): AsyncGenerator<string[]> {
    yield columns.map((c) => neutraliseFormula(c.header));
    for await (const page of pages) for (const row of page) yield columns.map((c) => csvCell(c.value(row)));
  }
  const csv = stringify({ delimiter: ';', record_delimiter: '\r\n', bom: true, quoted_match: /[";\r\n]/ });
  await pipeline(Readable.from(records()), csv, out);
}

const DATE_FORMAT = 'yyyy-mm-dd hh:mm';

async function writeAnswersSheet(
  wb: ExcelJS.stream.xlsx.WorkbookWriter,
  columns: Column[],
  pages: AsyncGenerator<ExportRow[]>,
  out: Writable,
) {
  const ws = wb.addWorksheet('Svar', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = columns.map((c) => ({ header: c.header, width: c.width }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  for await (const page of pages) {
    for (const r of page) {
      const row = ws.addRow(columns.map((c) => c.value(r)));
      columns.forEach((c, i) => {
        if (c.kind === 'date') row.getCell(i + 1).numFmt = DATE_FORMAT;
        if (c.kind === 'number') row.getCell(i + 1).numFmt = '0';
      });
      row.commit();
    }
    await drained(out, ws);
  }
  ws.commit();
}

/** The distribution of every choice question: counts and shares (percent format) — the results page's numbers. */
function writeDistributionSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, counts: RoundCounts, vars: PlaceholderValues): void {
  const ws = wb.addWorksheet('Fördelning', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: 'Fråga', width: 7 },
    { header: 'Frågetext', width: 60 },
    { header: 'Påstående', width: 30 },
    { header: 'Svarsalternativ', width: 34 },
    { header: 'Svarskod', width: 14 },
    { header: 'Antal', width: 9, style: { numFmt: '0' } },
    { header: 'Andel', width: 9, style: { numFmt: '0.0%' } },
    { header: 'Besvarade frågan (n)', width: 12, style: { numFmt: '0' } },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  for (const item of counts.items) {
    if (item.question.type === 'text') continue;
    const q = item.question;
    const statement = q.type === 'matrix' ? q.statements.find((s) => s.id === item.statementId) : undefined;
    for (const o of item.options) {
      const row = ws.addRow([
        questionNumber(counts.definition, q.id),
        localize(q.text, 'sv', vars),
        statement ? localize(statement.text, 'sv', vars) : null,
        o.option ? localize(o.option.label, 'sv', vars) : `Okänd svarskod ${o.code}`,
        o.code,
        o.count,
        item.answered > 0 ? o.count / item.answered : null,
        item.answered,
      ]);
      row.getCell(6).numFmt = '0';
      row.getCell(7).numFmt = '0.0%';
      row.getCell(8).numFmt = '0';
      row.commit();
    }
  }
  ws.commit();
}

function writeAboutSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, round: Round, counts: RoundCounts, variant: AnswersVariant): void {
  const ws = wb.addWorksheet('Om filen');
  ws.columns = [{ width: 26 }, { width: 70 }];
  const rows: Array<[string, Cell, string?]> = [
    ['Omgång', round.title],
    ['År', round.year, '0'],
    ['Inbjudna organisationer', counts.invited, '0'],
    ['Inskickade svar', counts.responded, '0'],
    ['Svarsfrekvens', formatResponseRate(counts.responded, Math.max(counts.invited, counts.responded))],
    ['Svarsfrekvens (andel)', counts.invited > 0 ? counts.responded / counts.invited : null, '0%'],
    ['Svaren', variant === 'codes' ? 'Svarskoder (frågornas id som rubriker)' : 'Svarsalternativen i klartext'],
    [
      'Organisationer',
      round.confidential
        ? 'Omgången är konfidentiell: inga organisationsuppgifter, raderna i slumpvis ordning.'
        : 'En rad per organisation som skickat in svar, i namnordning.',
    ],
    ['Skapad', new Date(), DATE_FORMAT],
  ];
  for (const [key, value, numFmt] of rows) {
    const row = ws.addRow([key, value]);
    row.getCell(1).font = { bold: true };
    if (numFmt) row.getCell(2).numFmt = numFmt;
    row.commit();
  }
  ws.commit();
}

// ---------------------------------------------------------------------------------------------
// The export
// ---------------------------------------------------------------------------------------------

export interface AnswersExport {
  fileName: string;
  contentType: string;
  /** Writes the file to `out` (and ends it). */
  write(out: Writable): Promise<void>;
}

/** Prepares the export of a round (a missing round fails here, before anything is written). */
export async function answersExport(
  db: Knex,
  config: Pick<Config, 'regionName' | 'strategyName'>,
  roundId: number,
  format: AnswersFormat,
  variant: AnswersVariant,
): Promise<AnswersExport> {
  const round = await getRound(db, roundId);
  const def = await definitionOf(db, round);
  const vars = placeholderValues(config);
  const columns = columnsOf(def, vars, variant, round.confidential);
  const pages = () => (round.confidential ? anonymousPages(db, round.id) : namedPages(db, round.id));
  const fileName = `partnerpuls-svar-${round.surveyId}-${round.year}${variant === 'codes' ? '-koder' : ''}.${format}`;
  return {
    fileName,
    contentType: CONTENT_TYPES[format],
    async write(out) {
      if (format === 'csv') return writeCsv(columns, pages(), out);
      const counts = await countRound(db, round, def, await surveyIndicators(db, round.surveyId), null, { texts: false });
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      wb.creator = 'Partnerpuls';
      await writeAnswersSheet(wb, columns, pages(), out);
      writeDistributionSheet(wb, counts, vars);
      writeAboutSheet(wb, round, counts, variant);
      await wb.commit();
    },
  };
}
