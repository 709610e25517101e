// CSV export of the register: one row per contact (an organisation without contacts gets one row
// with empty contact columns), the same columns as the import, UTF-8 with BOM and `;` so Swedish
// Excel opens it with å, ä and ö intact. Cells that start with = + - @ (or a tab/CR) are prefixed
// with ' so a spreadsheet shows them as text instead of running them as formulas; the import
// removes that ' again. Both files are written while the register is read, 200 organisations at a
// time, so the memory an export uses does not grow with the register.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { drained } from '../lib/stream-drain';
import { type RegisterCursor, registerPage } from '../repositories/organisations';
import { IMPORT_FIELDS } from './csv-import';

export function neutraliseFormula(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/**
 * A phone number for Swedish Excel: one written only with digits ("0701234567") would be read
 * as the number 701234567, losing its leading zero, so it gets the same ' as a formula-like cell
 * (Excel then keeps it as text; the import removes the ' again). "070-123 45 67" and "+46 …"
 * are text to Excel already (the latter through neutraliseFormula).
 */
export function phoneCell(v: string): string {
  return /^\d+$/.test(v) ? `'${v}` : neutraliseFormula(v);
}

type RegisterOptions = { includeInactive?: boolean };

/** Organisations per page of the export (keyset pagination: the memory used does not grow with the register). */
const REGISTER_PAGE = 200;

/** The register's rows, a page at a time: one per contact, one with empty contact columns for an organisation without. */
async function* registerRows(db: Knex, opts: RegisterOptions): AsyncGenerator<string[][]> {
  let after: RegisterCursor | null = null;
  for (;;) {
    const page = await registerPage(db, opts, after, REGISTER_PAGE);
    if (!page.length) return;
    const rows: string[][] = [];
    for (const o of page) {
      const org = [o.name, o.organisationNumber ?? '', o.type, o.municipality ?? ''];
      if (o.contacts.length === 0) rows.push([...org, '', '', '', '', '']);
      for (const c of o.contacts) rows.push([...org, c.name ?? '', c.email ?? '', c.phone ?? '', c.role ?? '', c.language]);
    }
    yield rows;
    const last = page[page.length - 1];
    after = { name: last.name, id: last.id };
  }
}

/** The register as CSV for Swedish Excel, written to `out` (and ended) while it is read. */
export async function writeRegisterCsv(db: Knex, opts: RegisterOptions, out: Writable): Promise<void> {
  const phone = IMPORT_FIELDS.indexOf('contact_phone');
  async function* records() {
    yield [...IMPORT_FIELDS];
    for await (const rows of registerRows(db, opts))
      for (const r of rows) yield r.map((v, i) => (i === phone ? phoneCell(v) : neutraliseFormula(v)));
  }
  const csv = stringify({ delimiter: ';', record_delimiter: '\r\n', bom: true, quoted_match: /[";\r\n]/ });
  await pipeline(Readable.from(records()), csv, out);
}

/** The register as an Excel file, written to `out` (and ended): the same columns and rows; every cell text (phone numbers keep their leading zeros). */
export async function writeRegisterXlsx(db: Knex, opts: RegisterOptions, out: Writable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet('Registret', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = IMPORT_FIELDS.map((f) => ({ header: f, width: f === 'name' || f === 'contact_email' ? 36 : 18, style: { numFmt: '@' } }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  for await (const rows of registerRows(db, opts)) {
    for (const r of rows) ws.addRow(r.slice(0, 8)).commit();
    await drained(out, ws);
  }
  ws.commit();
  await wb.commit();
}

/** The whole CSV file in memory (the CLI, tests): the bytes writeRegisterCsv streams. */
export async function exportRegisterCsv(db: Knex, opts: RegisterOptions = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writeRegisterCsv(
    db,
    opts,
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(chunks);
}

export function exportFileName(now = new Date(), ext: 'csv' | 'xlsx' = 'csv'): string {
  return `partnerpuls-register-${now.toISOString().slice(0, 10)}.${ext}`;
}
