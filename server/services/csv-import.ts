// Reading a register CSV (organisations + contacts, one row per contact) and checking it against
// the register. Shared by the web import and `npm run cli -- import organisations`.
//
// Pure functions, no database: `parseRegisterCsv(bytes)` turns a file into rows (or file-level
// problems), `planImport(parsed, snapshot)` compares the rows with a snapshot of the register and
// lists every problem by row number (as Excel numbers rows: the header is row 1) and column (as
// the file names it). services/register-import.ts writes a plan that has no problems.
//
// Files come from Swedish Excel: separator `;` or `,` (detected from the header line, or an Excel
// "sep=;" first line), UTF-8 with or without BOM, Windows-1252 (used when the bytes are not valid
// UTF-8), UTF-16 with BOM ("Unicode text"), quoted fields, CRLF.
//
// Formulas: a cell starting with = + - @ is stored as the plain text it is (phone numbers such as
// "+46 …" start with +, so rejecting would hurt). Partnerpuls never evaluates cells, every page
// escapes them, and the CSV export prefixes such cells with ' so a spreadsheet shows them as text.
// On import a leading ' before = + - @ is taken away again, so an export can be re-imported.
import iconv from 'iconv-lite';
import { parse } from 'csv-parse';
import { yieldToEventLoop } from '../lib/event-loop';
import { CONTROL_CHARS, countControlChars } from '../lib/text';
import { tooManyRowsMessage, UPLOAD_LIMITS } from '../lib/upload-limits';
import { isEmail } from './accounts';
import { normaliseOrganisationNumber, ORGANISATION_TYPES, type OrganisationType, parseOrganisationType } from './organisation-types';
import type { RegisterSnapshot } from '../repositories/organisations';

export const IMPORT_FIELDS = [
  'name',
  'organisation_number',
  'type',
  'municipality',
  'contact_name',
  'contact_email',
  'contact_phone',
  'contact_role',
  'contact_language',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Header names accepted for each column (compared case-insensitively; spaces, _ and . are equal). */
export const HEADER_ALIASES: Record<ImportField, string[]> = {
  name: ['name', 'namn', 'organisation', 'organisationsnamn', 'organisationens namn', 'organization', 'organisation name'],
  organisation_number: [
    'organisation_number',
    'organisationsnummer',
    'organisationsnr',
    'orgnr',
    'org nr',
    'organization number',
    'organisation number',
  ],
  type: ['type', 'typ', 'organisationstyp', 'organisation type'],
  municipality: ['municipality', 'kommun'],
  contact_name: ['contact_name', 'kontaktperson', 'kontaktpersonens namn', 'kontakt', 'contact', 'contact person'],
  contact_email: ['contact_email', 'e-post', 'epost', 'e-postadress', 'epostadress', 'email', 'e-mail', 'mejl', 'mail'],
  contact_phone: ['contact_phone', 'telefon', 'telefonnummer', 'tel', 'phone', 'mobil'],
  contact_role: ['contact_role', 'roll', 'befattning', 'titel', 'role'],
  contact_language: ['contact_language', 'språk', 'sprak', 'language', 'kontaktpersonens språk'],
};

/** Longest value each column may hold (the database columns). */
const MAX_LENGTH: Record<ImportField, number> = {
  name: 300,
  organisation_number: 20,
  type: 100,
  municipality: 100,
  contact_name: 200,
  contact_email: 254,
  contact_phone: 40,
  contact_role: 200,
  contact_language: 20,
};

/** A language cell: sv | en, or the language's name in Swedish or English; '' → null (not given). */
export function parseContactLanguage(v: string): string | null | undefined {
  const s = v.trim().toLowerCase();
  if (!s) return null;
  if (['sv', 'svenska', 'swedish', 'sv-se'].includes(s)) return 'sv';
  if (['en', 'engelska', 'english', 'en-gb', 'en-us'].includes(s)) return 'en';
  return undefined;
}

export interface ImportProblem {
  /** Row number as a spreadsheet shows it (header = 1); null for the file as a whole. */
  row: number | null;
  /** The column as the file names it; null when the problem is not about one column. */
  column: string | null;
  /** Swedish, without the row/column prefix. */
  message: string;
}

export function problemText(p: ImportProblem): string {
  if (p.row === null) return p.message;
  return `Rad ${p.row}${p.column ? `, kolumn ”${p.column}”` : ''}: ${p.message}`;
}

export interface CsvRow {
  row: number;
  cells: Record<ImportField, string>;
}

export interface ParsedCsv {
  rows: CsvRow[];
  /** The header each field was read from, as written in the file. */
  columns: Partial<Record<ImportField, string>>;
  ignoredColumns: string[];
  delimiter: ';' | ',' | '\t';
  encoding: 'utf-8' | 'windows-1252' | 'utf-16';
  /** File-level problems: when there are any, `rows` is empty. */
  problems: ImportProblem[];
}

const fileProblem = (message: string): ImportProblem => ({ row: null, column: null, message });

const NOT_CSV =
  'Filen kunde inte läsas som en CSV-fil. Öppna kalkylbladet i Excel och välj Arkiv → Spara som → CSV (semikolonavgränsad) (*.csv), och ladda upp den filen.';

// ---------------------------------------------------------------------------------------------
// Bytes → text
// ---------------------------------------------------------------------------------------------

export type Decoded = { text: string; encoding: ParsedCsv['encoding'] } | { problem: ImportProblem };

function startsWith(buf: Buffer, bytes: number[]): boolean {
  return buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);
}

function isValidUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

/** Control characters that never appear in a text file (tab, CR and LF do); the same rule as for forms. */
export { CONTROL_CHARS };

export function decodeCsvBytes(buf: Buffer): Decoded {
  if (buf.length === 0) return { problem: fileProblem('Filen är tom.') };
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04]))
    return {
      problem: fileProblem(
        'Filen är en Excel-arbetsbok (.xlsx), inte en CSV-fil. Öppna den i Excel och välj Arkiv → Spara som → CSV (semikolonavgränsad) (*.csv).',
      ),
    };
  if (startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0]))
    return {
      problem: fileProblem(
        'Filen är en äldre Excel-fil (.xls), inte en CSV-fil. Öppna den i Excel och välj Arkiv → Spara som → CSV (semikolonavgränsad) (*.csv).',
      ),
    };
  let text: string;
  let encoding: ParsedCsv['encoding'];
  if (startsWith(buf, [0xff, 0xfe])) {
    text = iconv.decode(buf.subarray(2), 'utf16le');
    encoding = 'utf-16';
  } else if (startsWith(buf, [0xfe, 0xff])) {
    text = iconv.decode(buf.subarray(2), 'utf16be');
    encoding = 'utf-16';
  } else {
    if (buf.includes(0)) return { problem: fileProblem(NOT_CSV) };
    if (isValidUtf8(buf)) {
      text = buf.toString('utf8');
      encoding = 'utf-8';
    } else {
      text = iconv.decode(buf, 'win1252');
      encoding = 'windows-1252';
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const allowed = Math.max(2, text.length / 200);
  if (text.includes('\u0000') || countControlChars(text, allowed + 1) > allowed) return { problem: fileProblem(NOT_CSV) };
  return { text, encoding };
}

// ---------------------------------------------------------------------------------------------
// Text → rows
// ---------------------------------------------------------------------------------------------

/** Counts each candidate separator in the header line, outside quotes; `;` wins a tie (Swedish Excel). */
export function detectDelimiter(firstLine: string): ParsedCsv['delimiter'] {
  const counts = { ';': 0, ',': 0, '\t': 0 };
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ';' || ch === ',' || ch === '\t')) counts[ch]++;
  }
  if (counts[';'] === 0 && counts[','] === 0 && counts['\t'] === 0) return ',';
  if (counts['\t'] > counts[';'] && counts['\t'] > counts[',']) return '\t';
  return counts[';'] >= counts[','] ? ';' : ',';
}

export function normaliseHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_.]+/g, ' ')
    .trim();
}

const ALIAS_TO_FIELD = new Map<string, ImportField>();
for (const f of IMPORT_FIELDS) for (const a of HEADER_ALIASES[f]) ALIAS_TO_FIELD.set(normaliseHeader(a), f);

/** Trims, turns line breaks and tabs into spaces, drops control characters, undoes the export's formula guard. */
export function cleanCell(v: string | undefined): string {
  if (v === undefined || v === null) return '';
  const s = String(v)
    .replace(CONTROL_CHARS, '')
    .replace(/[\t\r\n]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  return /^'([=+\-@]|\d+$)/.test(s) ? s.slice(1) : s;
}

export type CsvRecords =
  | { ok: true; records: string[][]; delimiter: ParsedCsv['delimiter']; lineOffset: number; tooManyRows: boolean }
  | { ok: false; error: { code?: string; lines?: number }; delimiter: ParsedCsv['delimiter']; lineOffset: number };

/** The text is fed to the CSV parser in pieces of this many characters, with a turn of the event loop between them. */
const CHUNK_CHARS = 64 * 1024;

const hasContent = (rec: string[]) => rec.some((c) => c && c.trim());

/** The separator from Excel's "sep=;" hint line (which is then left out) or detected from the header line. */
function delimiterOf(input: string): { text: string; delimiter: ParsedCsv['delimiter']; lineOffset: number } {
  const sep = /^sep=(.)\r?\n/i.exec(input);
  if (sep && [';', ',', '\t'].includes(sep[1]))
    return { text: input.slice(sep[0].length), delimiter: sep[1] as ParsedCsv['delimiter'], lineOffset: 1 };
  return { text: input, delimiter: detectDelimiter(input.split(/\r\n|\n|\r/, 1)[0] ?? ''), lineOffset: 0 };
}

/**
 * Text → records (arrays of cells): the separator from Excel's "sep=;" hint line or detected from
 * the header line, quoted fields, rows of different lengths, leading empty lines skipped.
 * `lineOffset` is how many lines of the file come before the first record. Shared with services/csv.ts.
 *
 * Streaming: the parser gets the text in pieces and the event loop a turn between them; reading
 * stops as soon as there are more than `maxRows` rows with content after the header
 * (`tooManyRows`), so a huge file costs no more than the limit.
 */
export async function splitCsvRecords(input: string, limits: { maxRows?: number } = {}): Promise<CsvRecords> {
  const { text, delimiter, lineOffset: skipped } = delimiterOf(input);
  let lineOffset = skipped;
  const parser = parse({ delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, max_record_size: 100_000 });
  const records: string[][] = [];
  let dataRows = -1; // the header is the first record with content
  let failure: { code?: string; lines?: number } | null = null;
  const done = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('close', resolve);
  });
  parser.on('data', (rec: string[]) => {
    records.push(rec);
    if (dataRows >= 0 || hasContent(rec)) dataRows += hasContent(rec) ? 1 : 0;
  });
  parser.on('error', (e: { code?: string; lines?: number }) => (failure ??= e));
  const tooMany = () => limits.maxRows !== undefined && dataRows > limits.maxRows;
  for (let i = 0; i < text.length && !failure && !tooMany(); i += CHUNK_CHARS) {
    parser.write(text.slice(i, i + CHUNK_CHARS));
    await yieldToEventLoop();
  }
  if (tooMany() || failure) parser.destroy();
  else parser.end();
  await done;
  if (failure) return { ok: false, error: failure, delimiter, lineOffset };
  while (records.length && !hasContent(records[0])) {
    records.shift();
    lineOffset++;
  }
  return { ok: true, records, delimiter, lineOffset, tooManyRows: tooMany() };
}

const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'ett citattecken (") öppnas men stängs aldrig',
  CSV_INVALID_CLOSING_QUOTE: 'det står tecken direkt efter ett avslutande citattecken (")',
  CSV_MAX_RECORD_SIZE: 'ett fält är för långt',
};

function emptyParse(problems: ImportProblem[], extra: Partial<ParsedCsv> = {}): ParsedCsv {
  return { rows: [], columns: {}, ignoredColumns: [], delimiter: ';', encoding: 'utf-8', problems, ...extra };
}

interface Header {
  /** The header each field was read from, as written in the file. */
  columns: Partial<Record<ImportField, string>>;
  /** The file's column of each field. */
  index: Partial<Record<ImportField, number>>;
  ignoredColumns: string[];
  problems: ImportProblem[];
}

/** Which column holds which field: by the header names (HEADER_ALIASES); unknown columns are ignored. */
function readHeader(header: string[]): Header {
  const h: Header = { columns: {}, index: {}, ignoredColumns: [], problems: [] };
  header.forEach((cell, i) => {
    const label = cleanCell(cell);
    if (!label) return;
    const field = ALIAS_TO_FIELD.get(normaliseHeader(label));
    if (!field) {
      h.ignoredColumns.push(label);
      return;
    }
    if (h.index[field] !== undefined) {
      h.problems.push(fileProblem(`Kolumnen ”${label}” finns två gånger (samma som ”${h.columns[field]}”). Ta bort den ena.`));
      return;
    }
    h.index[field] = i;
    h.columns[field] = label;
  });
  if (h.index.name === undefined) {
    h.problems.push(
      fileProblem(
        'Filen saknar en kolumn för organisationens namn. Första raden ska innehålla kolumnnamnen, t.ex. ' +
          'name;organisation_number;type;municipality;contact_name;contact_email (eller namn;organisationsnummer;typ;kommun;kontaktperson;e-post).',
      ),
    );
  }
  return h;
}

/** The records after the header as rows of fields; rows with only empty cells are left out (Excel writes ";;;;" at the end). */
function readRows(records: string[][], index: Header['index'], lineOffset: number): CsvRow[] {
  const rows: CsvRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const rec = records[i];
    const cells = {} as Record<ImportField, string>;
    for (const f of IMPORT_FIELDS) {
      const idx = index[f];
      cells[f] = idx === undefined ? '' : cleanCell(rec[idx]);
    }
    if (IMPORT_FIELDS.some((f) => cells[f])) rows.push({ row: i + 1 + lineOffset, cells });
  }
  return rows;
}

/** A register file → rows, or its file-level problems (also more rows than UPLOAD_LIMITS.register allows). */
export async function parseRegisterCsv(buf: Buffer): Promise<ParsedCsv> {
  const decoded = decodeCsvBytes(buf);
  if ('problem' in decoded) return emptyParse([decoded.problem]);
  const split = await splitCsvRecords(decoded.text, { maxRows: UPLOAD_LIMITS.register.maxRows! });
  const base = { delimiter: split.delimiter, encoding: decoded.encoding };
  if (!split.ok) {
    const why = (split.error.code && CSV_ERRORS[split.error.code]) || 'filen följer inte CSV-formatet';
    const where = typeof split.error.lines === 'number' ? ` (nära rad ${split.error.lines + split.lineOffset})` : '';
    return emptyParse([fileProblem(`Filen kunde inte läsas som CSV: ${why}${where}. Kontrollera filen och försök igen.`)], base);
  }
  if (split.records.length === 0) return emptyParse([fileProblem('Filen innehåller inga rader.')], base);
  if (split.tooManyRows) return emptyParse([fileProblem(tooManyRowsMessage('register'))], base);

  const header = readHeader(split.records[0]);
  const found = { ...base, columns: header.columns, ignoredColumns: header.ignoredColumns };
  if (header.problems.length) return emptyParse(header.problems, found);
  const rows = readRows(split.records, header.index, split.lineOffset);
  if (rows.length === 0) return emptyParse([fileProblem('Filen innehåller bara rubrikraden och inga organisationer.')], found);
  return { rows, problems: [], ...found };
}

// ---------------------------------------------------------------------------------------------
// Rows + register → plan
// ---------------------------------------------------------------------------------------------

export interface PlannedContact {
  row: number;
  existingId: number | null;
  name: string;
  email: string;
  phone: string | null;
  role: string | null;
  /** sv | en; null when the file does not say (a new contact gets sv, an existing one keeps its own) */
  language: string | null;
}

export interface PlannedOrganisation {
  rows: number[];
  existingId: number | null;
  name: string;
  organisationNumber: string | null;
  /** null: not given in the file (a new organisation gets "annan", an existing one keeps its type). */
  type: OrganisationType | null;
  municipality: string | null;
  contacts: PlannedContact[];
}

export interface ImportPlan {
  organisations: PlannedOrganisation[];
  problems: ImportProblem[];
  counts: { rows: number; newOrganisations: number; updatedOrganisations: number; newContacts: number; updatedContacts: number };
}

/** Names are compared without regard to case and repeated spaces. */
export function nameKey(name: string): string {
  return name.toLocaleLowerCase('sv').replace(/\s+/g, ' ').trim();
}

const TYPE_LIST = ORGANISATION_TYPES.map((t) => t.code).join(', ');

/** The plan's problems, each with the column as the file names it. */
interface Report {
  readonly list: ImportProblem[];
  add(row: number, field: ImportField | null, message: string): void;
}

function reportFor(columns: Partial<Record<ImportField, string>>): Report {
  const list: ImportProblem[] = [];
  return { list, add: (row, field, message) => list.push({ row, column: field ? (columns[field] ?? field) : null, message }) };
}

/** A row whose cells are valid on their own. */
interface CheckedRow {
  row: number;
  name: string;
  number: string | null;
  type: OrganisationType | null;
  municipality: string | null;
  contact: Omit<PlannedContact, 'existingId'> | null;
}

export function planImport(parsed: Pick<ParsedCsv, 'rows' | 'columns'>, register: RegisterSnapshot): ImportPlan {
  const report = reportFor(parsed.columns);
  const checked = parsed.rows.map((r) => checkRow(r, report)).filter((r): r is CheckedRow => r !== null);
  const { groups, rowGroup } = groupRows(checked, report);
  const known = indexRegister(register);
  const badGroups = matchRegister(groups, known, report);
  matchContacts(checked, rowGroup, badGroups, known, report);

  const order = new Map(IMPORT_FIELDS.map((f, i) => [parsed.columns[f] ?? f, i]));
  const problems = report.list.sort(
    (a, b) => (a.row ?? 0) - (b.row ?? 0) || (order.get(a.column ?? '') ?? 99) - (order.get(b.column ?? '') ?? 99),
  );
  const organisations = groups.filter((g) => !badGroups.has(g));
  const contacts = organisations.flatMap((g) => g.contacts);
  return {
    organisations,
    problems,
    counts: {
      rows: parsed.rows.length,
      newOrganisations: organisations.filter((g) => g.existingId === null).length,
      updatedOrganisations: organisations.filter((g) => g.existingId !== null).length,
      newContacts: contacts.filter((c) => c.existingId === null).length,
      updatedContacts: contacts.filter((c) => c.existingId !== null).length,
    },
  };
}

// 1. Each row on its own.

/** The row's cells checked (lengths, the organisation's, the contact's); null when one is wrong (reported). */
function checkRow({ row, cells }: CsvRow, report: Report): CheckedRow | null {
  const before = report.list.length;
  for (const f of IMPORT_FIELDS) {
    if (cells[f].length > MAX_LENGTH[f]) report.add(row, f, `Värdet är för långt (${cells[f].length} tecken, högst ${MAX_LENGTH[f]}).`);
  }
  if (!cells.name) report.add(row, 'name', 'Organisationens namn saknas.');
  const number = cells.organisation_number ? normaliseOrganisationNumber(cells.organisation_number) : null;
  if (cells.organisation_number && !number)
    report.add(
      row,
      'organisation_number',
      `”${cells.organisation_number}” är inte ett giltigt organisationsnummer. Skriv det som NNNNNN-NNNN (tio siffror med rätt kontrollsiffra), eller lämna cellen tom.`,
    );
  const type = cells.type ? parseOrganisationType(cells.type) : null;
  if (cells.type && !type)
    report.add(row, 'type', `Okänd typ ”${cells.type}”. Använd en av: ${TYPE_LIST} (eller den svenska benämningen, t.ex. ”Kommun”).`);
  const contact = checkContact(row, cells, report);
  if (report.list.length > before) return null;
  return { row, name: cells.name, number, type, municipality: cells.municipality || null, contact };
}

/** The row's contact person, when it names one: an e-mail address is required, and a name. */
function checkContact(row: number, cells: Record<ImportField, string>, report: Report): CheckedRow['contact'] {
  if (!cells.contact_name && !cells.contact_email && !cells.contact_phone && !cells.contact_role && !cells.contact_language) return null;
  const language = parseContactLanguage(cells.contact_language);
  if (language === undefined)
    report.add(
      row,
      'contact_language',
      `Okänt språk ”${cells.contact_language}”. Skriv sv (svenska) eller en (engelska), eller lämna cellen tom för svenska.`,
    );
  if (!cells.contact_email) report.add(row, 'contact_email', 'Kontaktpersonens e-postadress saknas.');
  else if (!isEmail(cells.contact_email)) report.add(row, 'contact_email', `”${cells.contact_email}” är inte en giltig e-postadress.`);
  if (!cells.contact_name) report.add(row, 'contact_name', 'Kontaktpersonens namn saknas.');
  return {
    row,
    name: cells.contact_name,
    email: cells.contact_email.trim().toLowerCase(),
    phone: cells.contact_phone || null,
    role: cells.contact_role || null,
    language: language ?? null,
  };
}

// 2. Rows of the same organisation (same number, else same name) become one organisation.

interface Grouping {
  groups: PlannedOrganisation[];
  byNumber: Map<string, PlannedOrganisation>;
  byName: Map<string, PlannedOrganisation[]>;
  /** The organisation each row went to (rows with a problem went nowhere). */
  rowGroup: Map<number, PlannedOrganisation>;
}

function groupRows(checked: CheckedRow[], report: Report): Grouping {
  const grouping: Grouping = { groups: [], byNumber: new Map(), byName: new Map(), rowGroup: new Map() };
  for (const r of checked) {
    const found = groupOf(r, grouping, report);
    if (found === null) continue;
    const g = found ?? addGroup(grouping, r);
    if (!takeFields(g, r, report)) continue;
    g.rows.push(r.row);
    grouping.rowGroup.set(r.row, g);
  }
  return grouping;
}

/**
 * The organisation of the file the row belongs to: the one with its number, else the one with its
 * name (which then gets the number, when it had none). Undefined: a new one; null: the row clashes
 * with another (reported).
 */
function groupOf(r: CheckedRow, grouping: Grouping, report: Report): PlannedOrganisation | undefined | null {
  const sameName = grouping.byName.get(nameKey(r.name)) ?? [];
  if (!r.number) {
    if (sameName.length <= 1) return sameName[0];
    report.add(
      r.row,
      'organisation_number',
      `Flera organisationer i filen heter ”${r.name}” (rad ${sameName.map((x) => x.rows[0]).join(', ')}). Ange organisationsnummer så att det framgår vilken som avses.`,
    );
    return null;
  }
  const g = grouping.byNumber.get(r.number);
  if (g && nameKey(g.name) !== nameKey(r.name)) {
    report.add(
      r.row,
      'organisation_number',
      `Organisationsnumret ${r.number} står redan på rad ${g.rows[0]} för en annan organisation (”${g.name}”).`,
    );
    return null;
  }
  if (g) return g;
  if (sameName.length !== 1 || sameName[0].organisationNumber) return undefined;
  sameName[0].organisationNumber = r.number;
  grouping.byNumber.set(r.number, sameName[0]);
  return sameName[0];
}

function addGroup(grouping: Grouping, r: CheckedRow): PlannedOrganisation {
  const g: PlannedOrganisation = {
    rows: [],
    existingId: null,
    name: r.name,
    organisationNumber: r.number,
    type: null,
    municipality: null,
    contacts: [],
  };
  grouping.groups.push(g);
  if (r.number) grouping.byNumber.set(r.number, g);
  const key = nameKey(r.name);
  grouping.byName.set(key, [...(grouping.byName.get(key) ?? []), g]);
  return g;
}

/** The organisation's fields: the first row that gives a value decides; a different value later is a problem (false). */
function takeFields(g: PlannedOrganisation, r: CheckedRow, report: Report): boolean {
  if (r.type) {
    if (g.type && g.type !== r.type) {
      report.add(r.row, 'type', `Typen ”${r.type}” skiljer sig från rad ${g.rows[0]} (”${g.type}”) för samma organisation.`);
      return false;
    }
    g.type = r.type;
  }
  if (r.municipality) {
    if (g.municipality && nameKey(g.municipality) !== nameKey(r.municipality)) {
      report.add(
        r.row,
        'municipality',
        `Kommunen ”${r.municipality}” skiljer sig från rad ${g.rows[0]} (”${g.municipality}”) för samma organisation.`,
      );
      return false;
    }
    g.municipality ??= r.municipality;
  }
  return true;
}

// 3. Each organisation of the file against the register.

type KnownOrganisation = RegisterSnapshot['organisations'][number];

interface RegisterIndex {
  byNumber: Map<string, KnownOrganisation>;
  byName: Map<string, KnownOrganisation[]>;
  nameOf: Map<number, string>;
  byEmail: Map<string, RegisterSnapshot['contacts'][number]>;
}

function indexRegister(register: RegisterSnapshot): RegisterIndex {
  const known: RegisterIndex = { byNumber: new Map(), byName: new Map(), nameOf: new Map(), byEmail: new Map() };
  for (const o of register.organisations) {
    if (o.organisationNumber) known.byNumber.set(o.organisationNumber, o);
    known.byName.set(nameKey(o.name), [...(known.byName.get(nameKey(o.name)) ?? []), o]);
    known.nameOf.set(o.id, o.name);
  }
  for (const c of register.contacts) known.byEmail.set(c.email.toLowerCase(), c);
  return known;
}

/** Sets each organisation's existingId; returns those that cannot be matched safely (reported). */
function matchRegister(groups: PlannedOrganisation[], known: RegisterIndex, report: Report): Set<PlannedOrganisation> {
  const claimed = new Map<number, PlannedOrganisation>();
  const badGroups = new Set<PlannedOrganisation>();
  for (const g of groups) {
    const existingId = existingIdOf(g, known, report);
    if (existingId === false) {
      badGroups.add(g);
      continue;
    }
    g.existingId = existingId;
    if (existingId === null) continue;
    const other = claimed.get(existingId);
    if (other) {
      report.add(
        g.rows[0],
        'name',
        `Raden avser samma organisation i registret som rad ${other.rows[0]}, men med andra uppgifter. Samla organisationens rader under samma namn och organisationsnummer.`,
      );
      badGroups.add(g);
      continue;
    }
    claimed.set(existingId, g);
  }
  return badGroups;
}

/**
 * The register's organisation this one is: the one with its number (which must have the same
 * name), else the only one with its name (and no number, when the file gives one). Null: a new
 * organisation; false: it is not clear which (reported).
 */
function existingIdOf(g: PlannedOrganisation, known: RegisterIndex, report: Report): number | null | false {
  const first = g.rows[0];
  const candidates = known.byName.get(nameKey(g.name)) ?? [];
  if (!g.organisationNumber) {
    if (candidates.length <= 1) return candidates[0]?.id ?? null;
    report.add(
      first,
      'organisation_number',
      `Flera organisationer i registret heter ”${g.name}”. Ange organisationsnummer så att det framgår vilken som avses.`,
    );
    return false;
  }
  const reg = known.byNumber.get(g.organisationNumber);
  if (reg && nameKey(reg.name) !== nameKey(g.name)) {
    report.add(
      first,
      'organisation_number',
      `Organisationsnumret ${g.organisationNumber} finns redan i registret för ”${reg.name}”. Rätta numret, eller byt namn på organisationen i registret först om den har bytt namn.`,
    );
    return false;
  }
  if (reg) return reg.id;
  const withoutNumber = candidates.filter((o) => !o.organisationNumber);
  if (withoutNumber.length <= 1) return withoutNumber[0]?.id ?? null;
  report.add(
    first,
    'name',
    `Flera organisationer i registret heter ”${g.name}” och saknar organisationsnummer. Ge dem organisationsnummer i registret först.`,
  );
  return false;
}

// 4. Contacts: an e-mail address once in the file, and not at another organisation in the register.

function matchContacts(
  checked: CheckedRow[],
  rowGroup: Map<number, PlannedOrganisation>,
  badGroups: Set<PlannedOrganisation>,
  known: RegisterIndex,
  report: Report,
): void {
  const emailRow = new Map<string, number>();
  for (const r of checked) {
    if (!r.contact) continue;
    const seen = emailRow.get(r.contact.email);
    if (seen !== undefined) {
      report.add(r.row, 'contact_email', `E-postadressen ${r.contact.email} finns redan på rad ${seen}.`);
      continue;
    }
    emailRow.set(r.contact.email, r.row);
    const g = rowGroup.get(r.row);
    if (!g || badGroups.has(g)) continue;
    const reg = known.byEmail.get(r.contact.email);
    if (reg && g.existingId !== reg.organisationId) {
      report.add(
        r.row,
        'contact_email',
        `E-postadressen ${r.contact.email} finns redan i registret hos en annan organisation (”${known.nameOf.get(reg.organisationId) ?? reg.organisationId}”).`,
      );
      continue;
    }
    g.contacts.push({ ...r.contact, existingId: reg ? reg.id : null });
  }
}
