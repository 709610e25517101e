// CSV export of the register: one row per contact (an organisation without contacts gets one row
// with empty contact columns), the same columns as the import, UTF-8 with BOM and `;` so Swedish
// Excel opens it with å, ä and ö intact. Cells that start with = + - @ (or a tab/CR) are prefixed
// with ' so a spreadsheet shows them as text instead of running them as formulas; the import
// removes that ' again.
import type { Knex } from 'knex';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import { organisationsWithContacts } from '../repositories/organisations';
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

export async function exportRegisterCsv(db: Knex, opts: { includeInactive?: boolean } = {}): Promise<Buffer> {
  const rows: string[][] = [];
  for (const o of await organisationsWithContacts(db, opts)) {
    const org = [o.name, o.organisationNumber ?? '', o.type, o.municipality ?? ''];
    if (o.contacts.length === 0) rows.push([...org, '', '', '', '', '']);
    for (const c of o.contacts) rows.push([...org, c.name ?? '', c.email ?? '', c.phone ?? '', c.role ?? '', c.language]);
  }
  const phone = IMPORT_FIELDS.indexOf('contact_phone');
  const text = stringify([[...IMPORT_FIELDS], ...rows.map((r) => r.map((v, i) => (i === phone ? phoneCell(v) : neutraliseFormula(v))))], {
    delimiter: ';',
    record_delimiter: '\r\n',
    quoted_match: /[";\r\n]/,
  });
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}

export function exportFileName(now = new Date(), ext: 'csv' | 'xlsx' = 'csv'): string {
  return `partnerpuls-register-${now.toISOString().slice(0, 10)}.${ext}`;
}

/** The register as an Excel file: the same columns and rows; every cell text (phone numbers keep their leading zeros). */
export async function exportRegisterXlsx(db: Knex, opts: { includeInactive?: boolean } = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Registret', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = IMPORT_FIELDS.map((f) => ({ header: f, width: f === 'name' || f === 'contact_email' ? 36 : 18, style: { numFmt: '@' } }));
  ws.getRow(1).font = { bold: true };
  for (const o of await organisationsWithContacts(db, opts)) {
    const org = [o.name, o.organisationNumber ?? '', o.type, o.municipality ?? ''];
    const contacts = o.contacts.length === 0 ? [null] : o.contacts;
    for (const c of contacts) ws.addRow([...org, c?.name ?? '', c?.email ?? '', c?.phone ?? '', c?.role ?? '']);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
