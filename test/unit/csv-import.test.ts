// The register CSV: reading Swedish Excel files and checking rows, without a database.
import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import { cleanCell, decodeCsvBytes, detectDelimiter, parseRegisterCsv, planImport, problemText } from '../../server/services/csv-import';
import { neutraliseFormula } from '../../server/services/csv-export';
import type { RegisterSnapshot } from '../../server/repositories/organisations';

const EMPTY: RegisterSnapshot = { organisations: [], contacts: [] };
const HEADER = 'name;organisation_number;type;municipality;contact_name;contact_email;contact_phone;contact_role';
const utf8 = (s: string) => Buffer.from(s, 'utf8');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function plan(text: string | Buffer, register: RegisterSnapshot = EMPTY) {
  const parsed = await parseRegisterCsv(typeof text === 'string' ? utf8(text) : text);
  expect(parsed.problems).toEqual([]);
  return planImport(parsed, register);
}

describe('reading the file', () => {
  it('reads a semicolon file with UTF-8 BOM and CRLF', async () => {
    const p = await parseRegisterCsv(
      Buffer.concat([BOM, utf8(`${HEADER}\r\nÖrebro kommun;212000-1876;kommun;Örebro;Åsa Öberg;asa@orebro.example.se;019-123;Chef\r\n`)]),
    );
    expect(p.problems).toEqual([]);
    expect(p.delimiter).toBe(';');
    expect(p.encoding).toBe('utf-8');
    expect(p.rows).toHaveLength(1);
    expect(p.rows[0].row).toBe(2);
    expect(p.rows[0].cells.name).toBe('Örebro kommun');
    expect(p.rows[0].cells.contact_name).toBe('Åsa Öberg');
  });

  it('reads a comma file without BOM, with quoted fields holding the separator, quotes and line breaks', async () => {
    const p = await parseRegisterCsv(
      utf8(
        'name,type,contact_name,contact_email\n"Almi, Exempel AB",foretagsframjande,"Sara ""Sassa"" Ek","sara@almi.example.se"\n"Två\nrader",annan,,\n',
      ),
    );
    expect(p.problems).toEqual([]);
    expect(p.delimiter).toBe(',');
    expect(p.rows.map((r) => r.cells.name)).toEqual(['Almi, Exempel AB', 'Två rader']);
    expect(p.rows[0].cells.contact_name).toBe('Sara "Sassa" Ek');
    expect(p.rows[1].row).toBe(3);
  });

  it('detects the separator from the header line, outside quotes', () => {
    expect(detectDelimiter('name;type;kommun')).toBe(';');
    expect(detectDelimiter('name,type,kommun')).toBe(',');
    expect(detectDelimiter('"a;b",c,d')).toBe(',');
    expect(detectDelimiter('name\ttype')).toBe('\t');
    expect(detectDelimiter('name')).toBe(',');
  });

  it('decodes Windows-1252 when the bytes are not UTF-8, so å ä ö come out right', async () => {
    const bytes = iconv.encode(
      `namn;kommun;kontaktperson;e-post\r\nSöderås kommun;Söderås;Åke Ärlig;ake@soderas.example.se\r\n`,
      'win1252',
    );
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const p = await parseRegisterCsv(bytes);
    expect(p.problems).toEqual([]);
    expect(p.encoding).toBe('windows-1252');
    expect(p.rows[0].cells).toMatchObject({ name: 'Söderås kommun', municipality: 'Söderås', contact_name: 'Åke Ärlig' });
  });

  it('reads UTF-16 ("Unicode text") with BOM', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('namn\ttyp\r\nÄlvdalens kommun\tkommun\r\n', 'utf16le')]);
    const p = await parseRegisterCsv(bytes);
    expect(p.problems).toEqual([]);
    expect(p.rows[0].cells.name).toBe('Älvdalens kommun');
  });

  it('accepts Swedish headers in any case, and an Excel "sep=" line', async () => {
    const p = await parseRegisterCsv(
      utf8('sep=;\nNamn;ORGANISATIONSNUMMER;Typ;Kommun;Kontaktperson;E-post;Telefon;Roll;Övrigt\nA;;kommun;;Eva;eva@a.example.se;;;x\n'),
    );
    expect(p.problems).toEqual([]);
    expect(p.columns).toMatchObject({
      name: 'Namn',
      organisation_number: 'ORGANISATIONSNUMMER',
      contact_email: 'E-post',
      contact_role: 'Roll',
    });
    expect(p.ignoredColumns).toEqual(['Övrigt']);
    expect(p.rows[0].row).toBe(3);
    expect(p.rows[0].cells.contact_email).toBe('eva@a.example.se');
  });

  it('skips empty lines but keeps the spreadsheet row numbers', async () => {
    const p = await parseRegisterCsv(utf8(`${HEADER}\nA;;;;;;;\n;;;;;;;\nB;;;;;;;\n;;;;;;;\n`));
    expect(p.rows.map((r) => [r.row, r.cells.name])).toEqual([
      [2, 'A'],
      [4, 'B'],
    ]);
  });

  it('refuses binary garbage, Excel workbooks and empty files with a clear message', async () => {
    const garbage = crypto.randomBytes(4096);
    for (const bytes of [garbage, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])]) {
      const p = await parseRegisterCsv(bytes);
      expect(p.rows).toEqual([]);
      expect(p.problems).toHaveLength(1);
      expect(p.problems[0].message).toMatch(/kunde inte läsas som en CSV-fil/);
    }
    expect((await parseRegisterCsv(Buffer.from('PK\x03\x04rest-of-zip', 'latin1'))).problems[0].message).toMatch(/Excel-arbetsbok/);
    expect((await parseRegisterCsv(Buffer.alloc(0))).problems[0].message).toBe('Filen är tom.');
    expect((await parseRegisterCsv(utf8(HEADER + '\n'))).problems[0].message).toMatch(/bara rubrikraden/);
    expect('problem' in decodeCsvBytes(utf8('name\nA\n'))).toBe(false);
  });

  it('refuses a file without a name column, and a column given twice', async () => {
    expect((await parseRegisterCsv(utf8('foo;bar\n1;2\n'))).problems[0].message).toMatch(/saknar en kolumn för organisationens namn/);
    expect((await parseRegisterCsv(utf8('name;namn\nA;B\n'))).problems[0].message).toMatch(/finns två gånger/);
  });

  it('reports a quote that is never closed, with the line', async () => {
    const p = await parseRegisterCsv(utf8('name;type\nA;kommun\n"B;kommun\n'));
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0].message).toMatch(/citattecken/);
  });

  it('cleans cells: trims, joins lines, drops control characters, undoes the export formula guard', () => {
    expect(cleanCell('  a\r\nb \u0007')).toBe('a b');
    expect(cleanCell("'=SUM(A1)")).toBe('=SUM(A1)');
    expect(cleanCell("'+46 70")).toBe('+46 70');
    expect(cleanCell("'quoted'")).toBe("'quoted'");
    expect(cleanCell(undefined)).toBe('');
  });
});

describe('checking the rows', () => {
  it('groups rows of the same organisation (by number, else by name) into one with several contacts', async () => {
    const p = await plan(
      `${HEADER}\n` +
        'Norrby kommun;212000-1686;kommun;Norrby;Erik Ek;erik@norrby.example.se;;\n' +
        'Norrby kommun;2120001686;;;Eva Ek;eva@norrby.example.se;;\n' +
        'Sjöviks folkhögskola;;folkhogskola;Österholm;Olof Ö;olof@sjovik.example.se;;\n' +
        'SJÖVIKS FOLKHÖGSKOLA;;;;Stina S;stina@sjovik.example.se;;\n',
    );
    expect(p.problems).toEqual([]);
    expect(p.organisations).toHaveLength(2);
    expect(p.organisations[0]).toMatchObject({ name: 'Norrby kommun', organisationNumber: '212000-1686', type: 'kommun', rows: [2, 3] });
    expect(p.organisations[0].contacts.map((c) => c.email)).toEqual(['erik@norrby.example.se', 'eva@norrby.example.se']);
    expect(p.organisations[1].contacts).toHaveLength(2);
    expect(p.counts).toEqual({ rows: 4, newOrganisations: 2, updatedOrganisations: 0, newContacts: 4, updatedContacts: 0 });
  });

  it('names every problem with its row and column, in Swedish', async () => {
    const p = await plan(
      `${HEADER}\n` +
        ';;kommun;;;;;\n' + // 2: missing name
        'B;123456-7890;kommun;;;;;\n' + // 3: bad number (Luhn)
        'C;;Kommunen;;;;;\n' + // 4: unknown type
        'D;;;;Dan;dan@;;\n' + // 5: bad e-mail
        'E;;;;Eva;;;\n' + // 6: contact without e-mail
        'F;;;;;f@f.example.se;;\n' + // 7: contact without name
        'G;;;;Gun;gun@g.example.se;;\n' +
        'H;;;;Gun igen;GUN@g.example.se;;\n' + // 9: e-mail twice in the file
        'I;556000-1231;;;;;;\n' + // fine
        `${'J'.repeat(301)};;;;;;;\n`, // 11: too long
    );
    const texts = p.problems.map(problemText);
    expect(texts).toContain('Rad 2, kolumn ”name”: Organisationens namn saknas.');
    expect(
      texts.some((t) => t.startsWith('Rad 3, kolumn ”organisation_number”: ”123456-7890” är inte ett giltigt organisationsnummer')),
    ).toBe(true);
    expect(texts.some((t) => t.startsWith('Rad 4, kolumn ”type”: Okänd typ ”Kommunen”'))).toBe(true);
    expect(texts).toContain('Rad 5, kolumn ”contact_email”: ”dan@” är inte en giltig e-postadress.');
    expect(texts).toContain('Rad 6, kolumn ”contact_email”: Kontaktpersonens e-postadress saknas.');
    expect(texts).toContain('Rad 7, kolumn ”contact_name”: Kontaktpersonens namn saknas.');
    expect(texts).toContain('Rad 9, kolumn ”contact_email”: E-postadressen gun@g.example.se finns redan på rad 8.');
    expect(texts.some((t) => t.startsWith('Rad 11, kolumn ”name”: Värdet är för långt'))).toBe(true);
    // sorted by row
    expect(p.problems.map((x) => x.row)).toEqual([...p.problems.map((x) => x.row)].sort((a, b) => (a ?? 0) - (b ?? 0)));
  });

  it('uses the column names of the file in its messages', async () => {
    const parsed = await parseRegisterCsv(utf8('Namn;E-post;Kontaktperson\n;x;Y\n'));
    const texts = planImport(parsed, EMPTY).problems.map(problemText);
    expect(texts).toContain('Rad 2, kolumn ”Namn”: Organisationens namn saknas.');
    expect(texts).toContain('Rad 2, kolumn ”E-post”: ”x” är inte en giltig e-postadress.');
  });

  it('refuses one organisation number for two organisations in the file, and conflicting types', async () => {
    const p = await plan(`${HEADER}\nA;212000-1686;kommun;;;;;\nB;212000-1686;kommun;;;;;\nA;;region;;;;;\n`);
    const texts = p.problems.map(problemText);
    expect(texts).toContain(
      'Rad 3, kolumn ”organisation_number”: Organisationsnumret 212000-1686 står redan på rad 2 för en annan organisation (”A”).',
    );
    expect(texts).toContain('Rad 4, kolumn ”type”: Typen ”region” skiljer sig från rad 2 (”kommun”) för samma organisation.');
  });

  it('matches the register: same number or same name is updated; a number of another organisation or an e-mail at another organisation is refused', async () => {
    const register: RegisterSnapshot = {
      organisations: [
        { id: 1, name: 'Norrby kommun', organisationNumber: '212000-1686' },
        { id: 2, name: 'Sjöviks folkhögskola', organisationNumber: null },
        { id: 3, name: 'Almi', organisationNumber: '556000-1231' },
      ],
      contacts: [
        { id: 10, organisationId: 1, email: 'erik@norrby.example.se' },
        { id: 11, organisationId: 3, email: 'sara@almi.example.se' },
      ],
    };
    const ok = await plan(
      `${HEADER}\nnorrby kommun;212000-1686;;;Erik Ek;Erik@Norrby.example.se;;\nSjöviks Folkhögskola;;;;Ny Person;ny@sjovik.example.se;;\n`,
      register,
    );
    expect(ok.problems).toEqual([]);
    expect(ok.organisations.map((o) => o.existingId)).toEqual([1, 2]);
    expect(ok.organisations[0].contacts[0].existingId).toBe(10);
    expect(ok.counts).toMatchObject({ newOrganisations: 0, updatedOrganisations: 2, newContacts: 1, updatedContacts: 1 });

    const bad = await plan(`${HEADER}\nNorrby AB;212000-1686;;;;;;\nSöderås;;;;Sara;sara@almi.example.se;;\n`, register);
    const texts = bad.problems.map(problemText);
    expect(
      texts.some((t) =>
        t.startsWith('Rad 2, kolumn ”organisation_number”: Organisationsnumret 212000-1686 finns redan i registret för ”Norrby kommun”'),
      ),
    ).toBe(true);
    expect(texts).toContain(
      'Rad 3, kolumn ”contact_email”: E-postadressen sara@almi.example.se finns redan i registret hos en annan organisation (”Almi”).',
    );
  });

  it('refuses a name that is ambiguous in the register', async () => {
    const register: RegisterSnapshot = {
      organisations: [
        { id: 1, name: 'Kommunförbundet', organisationNumber: '212000-1686' },
        { id: 2, name: 'Kommunförbundet', organisationNumber: '556000-1231' },
      ],
      contacts: [],
    };
    const p = await plan(`${HEADER}\nKommunförbundet;;;;;;;\n`, register);
    expect(p.problems.map(problemText)[0]).toMatch(
      /^Rad 2, kolumn ”organisation_number”: Flera organisationer i registret heter ”Kommunförbundet”/,
    );
  });

  it('keeps HTML and formulas as plain text', async () => {
    const p = await plan(`${HEADER}\n<script>alert(1)</script>;;;;=HYPERLINK("http://x");x@x.example.se;+46 70 123;@roll\n`);
    expect(p.problems).toEqual([]);
    expect(p.organisations[0].name).toBe('<script>alert(1)</script>');
    expect(p.organisations[0].contacts[0]).toMatchObject({ name: '=HYPERLINK("http://x")', phone: '+46 70 123', role: '@roll' });
  });
});

describe('the export guard against formulas', () => {
  it('prefixes cells starting with = + - @ with a quote', () => {
    expect(neutraliseFormula('=1+1')).toBe("'=1+1");
    expect(neutraliseFormula('+46 70')).toBe("'+46 70");
    expect(neutraliseFormula('-2')).toBe("'-2");
    expect(neutraliseFormula('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutraliseFormula('Norrby kommun')).toBe('Norrby kommun');
    expect(cleanCell(neutraliseFormula('=1+1'))).toBe('=1+1');
  });
});
