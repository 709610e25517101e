// CSV export of the register: one row per contact (an organisation without contacts gets one row
// with empty contact columns), the same columns as the import, UTF-8 with BOM and `;` so Swedish
// Excel opens it with å, ä and ö intact. Cells that start with = + - @ (or a tab/CR) are prefixed
// with ' so a spreadsheet shows them as text instead of running them as formulas; the import
// removes that ' again.
import type { Knex } from 'knex';
import { stringify } from 'csv-stringify/sync';
import { organisationsWithContacts } from '../repositories/organisations';
import { IMPORT_FIELDS } from './csv-import';

export function neutraliseFormula(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

export async function exportRegisterCsv(db: Knex, opts: { includeInactive?: boolean } = {}): Promise<Buffer> {
  const rows: string[][] = [];
  for (const o of await organisationsWithContacts(db, opts)) {
    const org = [o.name, o.organisationNumber ?? '', o.type, o.municipality ?? ''];
    if (o.contacts.length === 0) rows.push([...org, '', '', '', '', '']);
    for (const c of o.contacts) rows.push([...org, c.name ?? '', c.email ?? '', c.phone ?? '', c.role ?? '', c.language]);
  }
  const text = stringify([[...IMPORT_FIELDS], ...rows.map((r) => r.map(neutraliseFormula))], {
    delimiter: ';',
    record_delimiter: '\r\n',
    quoted_match: /[";\r\n]/,
  });
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}

export function exportFileName(now = new Date()): string {
  return `partnerpuls-register-${now.toISOString().slice(0, 10)}.csv`;
}
