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
import { parse } from 'csv-parse/sync';
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
};

export const MAX_IMPORT_ROWS = 50_000;

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

/** Control characters that never appear in a text file (tab, CR and LF do). */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

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
  const controls = (text.match(CONTROL) ?? []).length;
  if (controls > Math.max(2, text.length / 200) || text.includes('\u0000')) return { problem: fileProblem(NOT_CSV) };
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
    .replace(CONTROL, '')
    .replace(/[\t\r\n]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  return /^'[=+\-@]/.test(s) ? s.slice(1) : s;
}

const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'ett citattecken (") öppnas men stängs aldrig',
  CSV_INVALID_CLOSING_QUOTE: 'det står tecken direkt efter ett avslutande citattecken (")',
  CSV_MAX_RECORD_SIZE: 'ett fält är för långt',
};

export function parseRegisterCsv(buf: Buffer): ParsedCsv {
  const empty = (problems: ImportProblem[], extra: Partial<ParsedCsv> = {}): ParsedCsv => ({
    rows: [],
    columns: {},
    ignoredColumns: [],
    delimiter: ';',
    encoding: 'utf-8',
    problems,
    ...extra,
  });
  const decoded = decodeCsvBytes(buf);
  if ('problem' in decoded) return empty([decoded.problem]);
  let text = decoded.text;
  let lineOffset = 0;
  // Excel's hint line "sep=;" names the separator.
  const sep = /^sep=(.)\r?\n/i.exec(text);
  let delimiter: ParsedCsv['delimiter'];
  if (sep && [';', ',', '\t'].includes(sep[1])) {
    delimiter = sep[1] as ParsedCsv['delimiter'];
    text = text.slice(sep[0].length);
    lineOffset = 1;
  } else {
    delimiter = detectDelimiter(text.split(/\r\n|\n|\r/, 1)[0] ?? '');
  }
  const base = { delimiter, encoding: decoded.encoding };

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
    const why = (err.code && CSV_ERRORS[err.code]) || 'filen följer inte CSV-formatet';
    const where = typeof err.lines === 'number' ? ` (nära rad ${err.lines + lineOffset})` : '';
    return empty([fileProblem(`Filen kunde inte läsas som CSV: ${why}${where}. Kontrollera filen och försök igen.`)], base);
  }
  while (records.length && records[0].every((c) => !c || !c.trim())) {
    records.shift();
    lineOffset++;
  }
  if (records.length === 0) return empty([fileProblem('Filen innehåller inga rader.')], base);

  const header = records[0];
  const columns: Partial<Record<ImportField, string>> = {};
  const index: Partial<Record<ImportField, number>> = {};
  const ignoredColumns: string[] = [];
  const problems: ImportProblem[] = [];
  header.forEach((h, i) => {
    const label = cleanCell(h);
    if (!label) return;
    const field = ALIAS_TO_FIELD.get(normaliseHeader(label));
    if (!field) {
      ignoredColumns.push(label);
      return;
    }
    if (index[field] !== undefined) {
      problems.push(fileProblem(`Kolumnen ”${label}” finns två gånger (samma som ”${columns[field]}”). Ta bort den ena.`));
      return;
    }
    index[field] = i;
    columns[field] = label;
  });
  if (index.name === undefined) {
    problems.push(
      fileProblem(
        'Filen saknar en kolumn för organisationens namn. Första raden ska innehålla kolumnnamnen, t.ex. ' +
          'name;organisation_number;type;municipality;contact_name;contact_email (eller namn;organisationsnummer;typ;kommun;kontaktperson;e-post).',
      ),
    );
  }
  if (problems.length) return empty(problems, { ...base, columns, ignoredColumns });

  const rows: CsvRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const rec = records[i];
    const cells = {} as Record<ImportField, string>;
    let any = false;
    for (const f of IMPORT_FIELDS) {
      const idx = index[f];
      cells[f] = idx === undefined ? '' : cleanCell(rec[idx]);
      if (cells[f]) any = true;
    }
    if (!any) continue; // Excel writes empty lines (";;;;") at the end
    rows.push({ row: i + 1 + lineOffset, cells });
  }
  if (rows.length === 0)
    return empty([fileProblem('Filen innehåller bara rubrikraden och inga organisationer.')], { ...base, columns, ignoredColumns });
  if (rows.length > MAX_IMPORT_ROWS)
    return empty([fileProblem(`Filen har ${rows.length} rader. Högst ${MAX_IMPORT_ROWS} rader kan läsas in åt gången; dela upp filen.`)], {
      ...base,
      columns,
      ignoredColumns,
    });
  return { rows, columns, ignoredColumns, problems: [], ...base };
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

export function planImport(parsed: Pick<ParsedCsv, 'rows' | 'columns'>, register: RegisterSnapshot): ImportPlan {
  const col = (f: ImportField) => parsed.columns[f] ?? f;
  const problems: ImportProblem[] = [];
  const problem = (row: number, field: ImportField | null, message: string) =>
    problems.push({ row, column: field ? col(field) : null, message });

  // 1. Each row on its own.
  interface CheckedRow {
    row: number;
    name: string;
    number: string | null;
    type: OrganisationType | null;
    municipality: string | null;
    contact: Omit<PlannedContact, 'existingId'> | null;
  }
  const checked: CheckedRow[] = [];
  for (const { row, cells } of parsed.rows) {
    let ok = true;
    for (const f of IMPORT_FIELDS) {
      if (cells[f].length > MAX_LENGTH[f]) {
        problem(row, f, `Värdet är för långt (${cells[f].length} tecken, högst ${MAX_LENGTH[f]}).`);
        ok = false;
      }
    }
    if (!cells.name) {
      problem(row, 'name', 'Organisationens namn saknas.');
      ok = false;
    }
    let number: string | null = null;
    if (cells.organisation_number) {
      number = normaliseOrganisationNumber(cells.organisation_number);
      if (!number) {
        problem(
          row,
          'organisation_number',
          `”${cells.organisation_number}” är inte ett giltigt organisationsnummer. Skriv det som NNNNNN-NNNN (tio siffror med rätt kontrollsiffra), eller lämna cellen tom.`,
        );
        ok = false;
      }
    }
    let type: OrganisationType | null = null;
    if (cells.type) {
      type = parseOrganisationType(cells.type);
      if (!type) {
        problem(row, 'type', `Okänd typ ”${cells.type}”. Använd en av: ${TYPE_LIST} (eller den svenska benämningen, t.ex. ”Kommun”).`);
        ok = false;
      }
    }
    let contact: CheckedRow['contact'] = null;
    if (cells.contact_name || cells.contact_email || cells.contact_phone || cells.contact_role) {
      if (!cells.contact_email) {
        problem(row, 'contact_email', 'Kontaktpersonens e-postadress saknas.');
        ok = false;
      } else if (!isEmail(cells.contact_email)) {
        problem(row, 'contact_email', `”${cells.contact_email}” är inte en giltig e-postadress.`);
        ok = false;
      }
      if (!cells.contact_name) {
        problem(row, 'contact_name', 'Kontaktpersonens namn saknas.');
        ok = false;
      }
      contact = {
        row,
        name: cells.contact_name,
        email: cells.contact_email.trim().toLowerCase(),
        phone: cells.contact_phone || null,
        role: cells.contact_role || null,
      };
    }
    if (ok) checked.push({ row, name: cells.name, number, type, municipality: cells.municipality || null, contact });
  }

  // 2. Rows of the same organisation (same number, else same name) become one organisation.
  const groups: PlannedOrganisation[] = [];
  const byNumber = new Map<string, PlannedOrganisation>();
  const byName = new Map<string, PlannedOrganisation[]>();
  const rowGroup = new Map<number, PlannedOrganisation>();
  const newGroup = (r: CheckedRow): PlannedOrganisation => {
    const g: PlannedOrganisation = {
      rows: [],
      existingId: null,
      name: r.name,
      organisationNumber: r.number,
      type: null,
      municipality: null,
      contacts: [],
    };
    groups.push(g);
    if (r.number) byNumber.set(r.number, g);
    byName.set(nameKey(r.name), [...(byName.get(nameKey(r.name)) ?? []), g]);
    return g;
  };
  for (const r of checked) {
    let g: PlannedOrganisation | undefined;
    const sameName = byName.get(nameKey(r.name)) ?? [];
    if (r.number) {
      g = byNumber.get(r.number);
      if (g && nameKey(g.name) !== nameKey(r.name)) {
        problem(
          r.row,
          'organisation_number',
          `Organisationsnumret ${r.number} står redan på rad ${g.rows[0]} för en annan organisation (”${g.name}”).`,
        );
        continue;
      }
      if (!g) {
        const withoutNumber = sameName.filter((x) => !x.organisationNumber);
        if (withoutNumber.length === 1 && sameName.length === 1) {
          g = withoutNumber[0];
          g.organisationNumber = r.number;
          byNumber.set(r.number, g);
        }
      }
    } else if (sameName.length > 1) {
      problem(
        r.row,
        'organisation_number',
        `Flera organisationer i filen heter ”${r.name}” (rad ${sameName.map((x) => x.rows[0]).join(', ')}). Ange organisationsnummer så att det framgår vilken som avses.`,
      );
      continue;
    } else {
      g = sameName[0];
    }
    g ??= newGroup(r);
    // The organisation's fields: the first row that gives a value decides; a different value later is a problem.
    if (r.type) {
      if (g.type && g.type !== r.type) {
        problem(r.row, 'type', `Typen ”${r.type}” skiljer sig från rad ${g.rows[0]} (”${g.type}”) för samma organisation.`);
        continue;
      }
      g.type = r.type;
    }
    if (r.municipality) {
      if (g.municipality && nameKey(g.municipality) !== nameKey(r.municipality)) {
        problem(
          r.row,
          'municipality',
          `Kommunen ”${r.municipality}” skiljer sig från rad ${g.rows[0]} (”${g.municipality}”) för samma organisation.`,
        );
        continue;
      }
      g.municipality ??= r.municipality;
    }
    g.rows.push(r.row);
    rowGroup.set(r.row, g);
  }

  // 3. Each organisation of the file against the register.
  const regByNumber = new Map<string, RegisterSnapshot['organisations'][number]>();
  const regByName = new Map<string, RegisterSnapshot['organisations']>();
  const regName = new Map<number, string>();
  for (const o of register.organisations) {
    if (o.organisationNumber) regByNumber.set(o.organisationNumber, o);
    regByName.set(nameKey(o.name), [...(regByName.get(nameKey(o.name)) ?? []), o]);
    regName.set(o.id, o.name);
  }
  const claimed = new Map<number, PlannedOrganisation>();
  const badGroups = new Set<PlannedOrganisation>();
  for (const g of groups) {
    const first = g.rows[0];
    const candidates = regByName.get(nameKey(g.name)) ?? [];
    if (g.organisationNumber) {
      const reg = regByNumber.get(g.organisationNumber);
      if (reg && nameKey(reg.name) !== nameKey(g.name)) {
        problem(
          first,
          'organisation_number',
          `Organisationsnumret ${g.organisationNumber} finns redan i registret för ”${reg.name}”. Rätta numret, eller byt namn på organisationen i registret först om den har bytt namn.`,
        );
        badGroups.add(g);
        continue;
      }
      if (reg) g.existingId = reg.id;
      else {
        const withoutNumber = candidates.filter((o) => !o.organisationNumber);
        if (withoutNumber.length === 1) g.existingId = withoutNumber[0].id;
        else if (withoutNumber.length > 1) {
          problem(
            first,
            'name',
            `Flera organisationer i registret heter ”${g.name}” och saknar organisationsnummer. Ge dem organisationsnummer i registret först.`,
          );
          badGroups.add(g);
          continue;
        }
      }
    } else if (candidates.length > 1) {
      problem(
        first,
        'organisation_number',
        `Flera organisationer i registret heter ”${g.name}”. Ange organisationsnummer så att det framgår vilken som avses.`,
      );
      badGroups.add(g);
      continue;
    } else if (candidates.length === 1) {
      g.existingId = candidates[0].id;
    }
    if (g.existingId !== null) {
      const other = claimed.get(g.existingId);
      if (other) {
        problem(
          first,
          'name',
          `Raden avser samma organisation i registret som rad ${other.rows[0]}, men med andra uppgifter. Samla organisationens rader under samma namn och organisationsnummer.`,
        );
        badGroups.add(g);
        continue;
      }
      claimed.set(g.existingId, g);
    }
  }

  // 4. Contacts: an e-mail address once in the file, and not at another organisation in the register.
  const regByEmail = new Map<string, RegisterSnapshot['contacts'][number]>();
  for (const c of register.contacts) regByEmail.set(c.email.toLowerCase(), c);
  const emailRow = new Map<string, number>();
  for (const r of checked) {
    if (!r.contact) continue;
    const g = rowGroup.get(r.row);
    const seen = emailRow.get(r.contact.email);
    if (seen !== undefined) {
      problem(r.row, 'contact_email', `E-postadressen ${r.contact.email} finns redan på rad ${seen}.`);
      continue;
    }
    emailRow.set(r.contact.email, r.row);
    if (!g || badGroups.has(g)) continue;
    const reg = regByEmail.get(r.contact.email);
    let existingId: number | null = null;
    if (reg) {
      if (g.existingId !== reg.organisationId) {
        problem(
          r.row,
          'contact_email',
          `E-postadressen ${r.contact.email} finns redan i registret hos en annan organisation (”${regName.get(reg.organisationId) ?? reg.organisationId}”).`,
        );
        continue;
      }
      existingId = reg.id;
    }
    g.contacts.push({ ...r.contact, existingId });
  }

  const order = new Map(IMPORT_FIELDS.map((f, i) => [col(f), i]));
  problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0) || (order.get(a.column ?? '') ?? 99) - (order.get(b.column ?? '') ?? 99));
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
