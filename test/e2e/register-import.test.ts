// CSV import of the register: upload → preview (every problem by row and column) → confirm
// (all or nothing), hostile files, 10 000 rows, and the same import from the CLI.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import { runCli } from '../../server/cli';
import { withCheckDigit } from '../../server/services/organisation-types';
import { type Agent, csrfFrom, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import { errorSummary, page, rowCells, textOf, textsOf } from '../helpers/html';

let t: TestApp;
let coordinator: Agent;
beforeAll(async () => {
  t = await startTestApp();
  coordinator = (await loggedInAgent(t, 'coordinator')).agent;
});
afterAll(async () => t.close());

const db = () => t.deps.db;
const HEADER = 'name;organisation_number;type;municipality;contact_name;contact_email;contact_phone;contact_role';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function upload(agent: Agent, bytes: Buffer, fields: Record<string, string> = {}, filename = 'register.csv') {
  const page = await agent.get('/organisations/import').expect(200);
  let req = agent.post('/organisations/import').field('_csrf', csrfFrom(page.text));
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req.attach('file', bytes, { filename, contentType: 'text/csv' });
}

function importIdOf(html: string): string {
  const m = /action="\/organisations\/import\/([a-f0-9]{40})"/.exec(html);
  if (!m) throw new Error('no confirm form on the preview page');
  return m[1];
}

async function confirm(agent: Agent, previewHtml: string) {
  return agent
    .post(`/organisations/import/${importIdOf(previewHtml)}`)
    .type('form')
    .send({ _csrf: csrfFrom(previewHtml) });
}

async function count(table: string, where: Record<string, unknown> = {}): Promise<number> {
  const r = await db()(table).where(where).count({ n: '*' });
  return Number(r[0].n);
}

/** What the preview says will happen ("2 nya organisationer läggs till", …). */
const plannedChanges = (html: string) => textsOf(html, '#import-counts li');

/** The preview's problems table: [row, column, message] per problem. */
function problemRows(html: string): Array<[number | null, string, string]> {
  const $ = page(html);
  return $('#import-problems tbody tr')
    .toArray()
    .map((tr) => {
      const [row, column, message] = $(tr)
        .children('td')
        .toArray()
        .map((td) => $(td).text().trim());
      return [row === '–' ? null : Number(row), column, message];
    });
}

/** The preview offers a confirm button (a form posting to /organisations/import/<id>). */
const offersConfirm = (html: string) => page(html)('form[action^="/organisations/import/"]').length > 0;

function capture() {
  const lines: string[] = [];
  return { lines, text: () => lines.join('\n'), out: { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) } };
}

describe('web import', () => {
  it('previews a semicolon file with BOM and CRLF, imports it on confirm, and groups contacts by organisation', async () => {
    const csv =
      `${HEADER}\r\n` +
      'Norrby kommun;212000-1686;kommun;Norrby;Erik Ek;erik@norrby.example.se;010-1;Näringslivschef\r\n' +
      'Norrby kommun;212000-1686;kommun;Norrby;Eva Ek;eva@norrby.example.se;;\r\n' +
      'Sjöviks folkhögskola;;Folkhögskola;Österholm;Olof Ö;olof@sjovik.example.se;;\r\n';
    const preview = await upload(coordinator, Buffer.concat([BOM, Buffer.from(csv)]));
    expect(preview.status).toBe(200);
    expect(textOf(preview.text, '#import-delimiter')).toBe('semikolon (;)');
    expect(plannedChanges(preview.text)).toContain('2 nya organisationer läggs till');
    expect(plannedChanges(preview.text)).toContain('3 nya kontaktpersoner läggs till');
    expect(await count('organisations')).toBe(0); // nothing before the confirm

    const done = await confirm(coordinator, preview.text);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/organisations');
    const list = await coordinator.get('/organisations').expect(200);
    expect(textsOf(list.text, '.notice-success')).toEqual([
      'Inläsningen är klar: 2 nya och 0 uppdaterade organisationer, 3 nya och 0 uppdaterade kontaktpersoner.',
    ]);
    const norrby = await db()('organisations').where({ organisation_number: '212000-1686' }).first();
    expect(norrby).toMatchObject({ name: 'Norrby kommun', type: 'kommun', municipality: 'Norrby' });
    expect(await count('contacts', { organisation_id: norrby!.id })).toBe(2);
    expect((await db()('organisations').where({ name: 'Sjöviks folkhögskola' }).first())?.type).toBe('folkhogskola');
    // the pending import is gone after use
    expect(await count('register_imports')).toBe(0);
    const again = await confirm(coordinator, preview.text);
    expect(again.status).toBe(409);
    expect(textsOf(again.text, 'main p')).toContain(
      'Förhandsgranskningen finns inte längre (den gäller i en timme och kan användas en gång). Ladda upp filen igen.',
    );
    const audit = await db()('audit_log').where({ action: 'register.imported' }).first();
    expect(JSON.stringify(audit)).not.toContain('erik');
  });

  it('updates organisations and contacts that already exist instead of duplicating them', async () => {
    const csv =
      'namn,organisationsnummer,typ,kommun,kontaktperson,e-post,telefon,roll\n' +
      'NORRBY KOMMUN,2120001686,,,Erik Eksson,ERIK@norrby.example.se,,Kommundirektör\n' +
      'Sjöviks folkhögskola,,,,Ny Lärare,ny@sjovik.example.se,,\n';
    const preview = await upload(coordinator, Buffer.from(csv));
    expect(preview.status).toBe(200);
    expect(textOf(preview.text, '#import-delimiter')).toBe('komma (,)');
    expect(plannedChanges(preview.text)).toContain('2 organisationer som redan finns uppdateras');
    expect(plannedChanges(preview.text)).toContain('1 kontaktpersoner som redan finns uppdateras');
    expect((await confirm(coordinator, preview.text)).status).toBe(303);
    expect(await count('organisations')).toBe(2);
    const erik = await db()('contacts').where({ email: 'erik@norrby.example.se' }).first();
    expect(erik).toMatchObject({ name: 'Erik Eksson', role: 'Kommundirektör', phone: '010-1' });
    expect(await count('contacts')).toBe(4);
    // empty cells did not overwrite
    expect(await db()('organisations').where({ organisation_number: '212000-1686' }).first()).toMatchObject({
      type: 'kommun',
      municipality: 'Norrby',
    });
  });

  it('lists every problem by row and column in Swedish, offers no confirm, and writes nothing', async () => {
    const csv =
      'Namn;Organisationsnummer;Typ;Kommun;Kontaktperson;E-post\n' +
      ';;kommun;;;\n' + // 2 missing name
      'Bra AB;556000-1231;annan;;Bo;bo@bra.example.se\n' + // 3 fine
      'Dålig AB;556000-1234;annan;;;\n' + // 4 bad organisation number
      'Okänd typ AB;;Myndigheten;;;\n' + // 5 unknown type
      'Fel post AB;;annan;;Fia;fia@\n' + // 6 bad e-mail
      'Annan AB;556000-1231;annan;;;\n' + // 7 same number as row 3, another name
      'Tredje AB;;annan;;Bo igen;bo@bra.example.se\n' + // 8 e-mail twice in the file
      'Norrby AB;212000-1686;annan;;;\n' + // 9 number of another organisation in the register
      'Fjärde AB;;annan;;Erik;erik@norrby.example.se\n'; // 10 e-mail at another organisation in the register
    const before = { o: await count('organisations'), c: await count('contacts') };
    const preview = await upload(coordinator, Buffer.from(csv));
    expect(preview.status).toBe(400);
    expect(errorSummary(preview.text)).toEqual(['Filen har 8 fel. Inget har lästs in. Rätta filen och ladda upp den igen.']);
    expect(offersConfirm(preview.text)).toBe(false);
    const rows = problemRows(preview.text);
    expect(rows.map((r) => [r[0], r[1]])).toEqual([
      [2, 'Namn'],
      [4, 'Organisationsnummer'],
      [5, 'Typ'],
      [6, 'E-post'],
      [7, 'Organisationsnummer'],
      [8, 'E-post'],
      [9, 'Organisationsnummer'],
      [10, 'E-post'],
    ]);
    expect(rows[0][2]).toBe('Organisationens namn saknas.');
    expect(rows[1][2]).toContain('inte ett giltigt organisationsnummer');
    expect(rows[2][2]).toContain('Okänd typ');
    expect(rows[3][2]).toContain('inte en giltig e-postadress');
    expect(rows[4][2]).toContain('står redan på rad 3 för en annan organisation');
    expect(rows[5][2]).toBe('E-postadressen bo@bra.example.se finns redan på rad 3.');
    expect(rows[6][2]).toContain('finns redan i registret för');
    expect(rows[7][2]).toContain('finns redan i registret hos en annan organisation');
    expect(await count('organisations')).toBe(before.o);
    expect(await count('contacts')).toBe(before.c);
    expect(await count('register_imports')).toBe(0);
  });

  it('is all or nothing: a register change between preview and confirm stops the whole import', async () => {
    const csv = `${HEADER}\nFörsta AB;;annan;;Ann;ann@forsta.example.se;;\nAndra AB;;annan;;Anders;anders@andra.example.se;;\n`;
    const preview = await upload(coordinator, Buffer.from(csv));
    expect(preview.status).toBe(200);
    // someone adds a contact with the second row's address elsewhere in the meantime
    const norrby = await db()('organisations').where({ organisation_number: '212000-1686' }).first();
    await db()('contacts').insert({
      organisation_id: norrby!.id,
      name: 'X',
      email: 'anders@andra.example.se',
      active: true,
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    });
    const res = await confirm(coordinator, preview.text);
    expect(res.status).toBe(400);
    expect(problemRows(res.text)).toEqual([
      [3, 'contact_email', 'E-postadressen anders@andra.example.se finns redan i registret hos en annan organisation (”Norrby kommun”).'],
    ]);
    expect(await db()('organisations').where({ name: 'Första AB' }).first()).toBeUndefined();
    expect(await db()('contacts').where({ email: 'ann@forsta.example.se' }).first()).toBeUndefined();
  });

  it('reads Windows-1252 so that å ä ö come out right', async () => {
    const csv = 'namn;typ;kommun;kontaktperson;e-post\r\nÄlvåsens förening;civilsamhalle;Åsele;Örjan Åström;orjan@alvasen.example.se\r\n';
    const bytes = iconv.encode(csv, 'win1252');
    const preview = await upload(coordinator, bytes);
    expect(preview.status).toBe(200);
    expect(textOf(preview.text, '#import-encoding')).toBe('Windows-1252 (äldre Excel)');
    expect(rowCells(preview.text, '#import-sample', '2')[0]).toBe('Älvåsens förening');
    expect((await confirm(coordinator, preview.text)).status).toBe(303);
    expect(await db()('organisations').where({ name: 'Älvåsens förening' }).first()).toMatchObject({ municipality: 'Åsele' });
    expect(await db()('contacts').where({ email: 'orjan@alvasen.example.se' }).first()).toMatchObject({ name: 'Örjan Åström' });
  });

  it('shows HTML in cells escaped, stores formulas as plain text and neutralises them in the export', async () => {
    const csv = `${HEADER}\n<script>alert("x")</script>;;annan;<b>fet</b>;"=HYPERLINK(""http://evil.example"";""klick"")";formel@evil.example.se;+46 70 1;@roll\n`;
    const preview = await upload(coordinator, Buffer.from(csv));
    expect(preview.status).toBe(200);
    expect(preview.text).not.toContain('<script>alert');
    expect(preview.text).not.toContain('<b>fet</b>');
    expect(preview.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect((await confirm(coordinator, preview.text)).status).toBe(303);
    const org = await db()('organisations').where({ name: '<script>alert("x")</script>' }).first();
    expect(org).toBeDefined();
    expect(await db()('contacts').where({ organisation_id: org!.id }).first()).toMatchObject({
      name: '=HYPERLINK("http://evil.example";"klick")',
      phone: '+46 70 1',
      role: '@roll',
    });
    const list = await coordinator.get('/organisations').expect(200);
    expect(list.text).not.toContain('<script>alert');
    const exported = await coordinator.get('/organisations/export.csv').expect(200);
    expect(exported.text).toContain(`'=HYPERLINK(""http://evil.example"";""klick"")`);
    expect(exported.text).toContain(";'+46 70 1;'@roll");
  });

  it('refuses binary garbage, an empty upload and a missing file with clear messages', async () => {
    const garbage = await upload(coordinator, crypto.randomBytes(8192), {}, 'bild.png');
    expect(garbage.status).toBe(400);
    expect(problemRows(garbage.text)).toEqual([[null, '–', expect.stringContaining('Filen kunde inte läsas som en CSV-fil')]]);
    const xlsx = await upload(
      coordinator,
      Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), crypto.randomBytes(100)]),
      {},
      'register.xlsx',
    );
    expect(xlsx.status).toBe(400);
    expect(problemRows(xlsx.text)).toEqual([[null, '–', expect.stringContaining('Excel-arbetsbok')]]);
    const page = await coordinator.get('/organisations/import');
    const none = await coordinator.post('/organisations/import').field('_csrf', csrfFrom(page.text));
    expect(none.status).toBe(400);
    expect(errorSummary(none.text)).toEqual(['Välj en CSV-fil att läsa in.']);
  });

  it('only the uploader can confirm a preview; an analyst cannot import at all', async () => {
    const preview = await upload(coordinator, Buffer.from(`${HEADER}\nEgen AB;;annan;;;;;\n`));
    expect(preview.status).toBe(200);
    const other = (await loggedInAgent(t, 'coordinator')).agent;
    const page = await other.get('/organisations/import');
    const res = await other
      .post(`/organisations/import/${importIdOf(preview.text)}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(409);
    expect(await db()('organisations').where({ name: 'Egen AB' }).first()).toBeUndefined();

    const analyst = (await loggedInAgent(t, 'analyst')).agent;
    await analyst.get('/organisations/import').expect(403);
    const home = await analyst.get('/');
    const post = await analyst
      .post('/organisations/import')
      .field('_csrf', csrfFrom(home.text))
      .attach('file', Buffer.from(`${HEADER}\nAnalys AB;;;;;;;\n`), 'a.csv');
    expect(post.status).toBe(403);
    expect(await db()('organisations').where({ name: 'Analys AB' }).first()).toBeUndefined();
  });

  it('adds the organisations to a chosen panel for a year', async () => {
    const now = new Date().toISOString();
    const [p] = await db()('panels').insert({ slug: 'webbpanel', name: 'Webbpanelen', created_at: now }).returning('id');
    const panelId = Number(typeof p === 'object' ? p.id : p);
    const preview = await upload(coordinator, Buffer.from(`${HEADER}\nPanelmedlem AB;;annan;;;;;\nNorrby kommun;212000-1686;;;;;;\n`), {
      panel: String(panelId),
      year: '2025',
    });
    expect(preview.status).toBe(200);
    expect(plannedChanges(preview.text)).toContain('Organisationerna blir medlemmar i panelen Webbpanelen för 2025');
    expect((await confirm(coordinator, preview.text)).status).toBe(303);
    expect(await count('panel_memberships', { panel_id: panelId, year: 2025 })).toBe(2);
  });

  it('imports 10 000 rows in one request', async () => {
    const lines = [HEADER];
    const types = ['kommun', 'annan', 'bransch', 'foretagsframjande'];
    for (let i = 0; i < 10_000; i++) {
      const number = withCheckDigit(String(700000000 + i));
      lines.push(
        `Storimport ${i} AB;${number};${types[i % 4]};Kommun ${i % 290};Person ${i};p${i}@stor${i}.example.se;010-${i};Roll ${i % 7}`,
      );
    }
    const before = await count('organisations');
    const preview = await upload(coordinator, Buffer.from(lines.join('\r\n') + '\r\n'));
    expect(preview.status).toBe(200);
    expect(plannedChanges(preview.text)).toContain('10000 nya organisationer läggs till');
    expect(textOf(preview.text, '#import-sample caption')).toContain('ytterligare 9950 rader visas inte');
    expect((await confirm(coordinator, preview.text)).status).toBe(303);
    expect(await count('organisations')).toBe(before + 10_000);
    const c = await db()('contacts as c')
      .join('organisations as o', 'o.id', 'c.organisation_id')
      .where('o.name', 'like', 'Storimport %')
      .count({ n: '*' });
    expect(Number(c[0].n)).toBe(10_000);
    const one = await db()('organisations').where({ name: 'Storimport 9999 AB' }).first();
    expect(await db()('contacts').where({ organisation_id: one!.id }).first()).toMatchObject({ email: 'p9999@stor9999.example.se' });
  });
});

describe('CLI import', () => {
  function writeFile(name: string, content: string | Buffer): string {
    const file = path.join(t.tmpDir, name);
    fs.writeFileSync(file, content);
    return file;
  }

  it('prints every problem with its row, imports nothing and exits 1 when a row is bad', async () => {
    const file = writeFile('bad.csv', `${HEADER}\nCLI Bra AB;;annan;;;;;\nCLI Dålig AB;;okänd;;Kim;kim@;;\n`);
    const out = capture();
    const code = await runCli(['import', 'organisations', file, '--panel', 'cli-panel', '--year', '2025'], t.deps, out.out);
    expect(code).toBe(1);
    expect(out.text()).toContain('Rad 3, kolumn ”type”: Okänd typ ”okänd”');
    expect(out.text()).toContain('Rad 3, kolumn ”contact_email”: ”kim@” är inte en giltig e-postadress.');
    expect(out.text()).toContain('Inget lästes in.');
    expect(await db()('organisations').where({ name: 'CLI Bra AB' }).first()).toBeUndefined();
    expect(await db()('panels').where({ slug: 'cli-panel' }).first()).toBeUndefined();
  });

  it('imports, creates the panel and makes the organisations its members that year', async () => {
    const csv = iconv.encode(
      'namn;organisationsnummer;typ;kommun;kontaktperson;e-post\r\nCLI Ödeshögs kommun;212000-0555;kommun;Ödeshög;Åsa;asa@odeshog.example.se\r\nCLI Ödeshögs kommun;212000-0555;kommun;Ödeshög;Bert;bert@odeshog.example.se\r\nNorrby kommun;212000-1686;;;;\r\n',
      'win1252',
    );
    const file = writeFile('ok.csv', csv);
    const out = capture();
    const code = await runCli(
      ['import', 'organisations', file, '--panel', 'arshjulet', '--year', '2026', '--panel-name', 'Årshjulets aktörer'],
      t.deps,
      out.out,
    );
    expect([code, out.text()]).toEqual([0, expect.stringContaining('Organisationer: 1 nya, 1 uppdaterade.')]);
    expect(out.text()).toContain('Kontaktpersoner: 2 nya, 0 uppdaterade.');
    expect(out.text()).toContain('Panelen ”Årshjulets aktörer” (arshjulet) skapades och har 2 nya medlemmar 2026.');
    const panel = await db()('panels').where({ slug: 'arshjulet' }).first();
    expect(panel?.name).toBe('Årshjulets aktörer');
    const org = await db()('organisations').where({ name: 'CLI Ödeshögs kommun' }).first();
    expect(org).toBeDefined();
    expect(await count('contacts', { organisation_id: org!.id })).toBe(2);
    expect(await count('panel_memberships', { panel_id: panel!.id, year: 2026 })).toBe(2);

    // again: nothing is duplicated; a panel named by its slug when no name is given
    const out2 = capture();
    expect(await runCli(['import', 'organisations', file, '--panel', 'arshjulet', '--year', '2026'], t.deps, out2.out)).toBe(0);
    expect(out2.text()).toContain('Organisationer: 0 nya, 2 uppdaterade.');
    expect(await count('panel_memberships', { panel_id: panel!.id, year: 2026 })).toBe(2);
    const out3 = capture();
    expect(await runCli(['import', 'organisations', file, '--panel', 'ny-panel', '--year', '2026'], t.deps, out3.out)).toBe(0);
    expect((await db()('panels').where({ slug: 'ny-panel' }).first())?.name).toBe('ny-panel');
  });

  it('refuses a missing file, a bad year and a bad panel slug', async () => {
    const o1 = capture();
    expect(await runCli(['import', 'organisations', path.join(t.tmpDir, 'finns-inte.csv')], t.deps, o1.out)).toBe(2);
    expect(o1.text()).toContain('kunde inte läsas');
    const file = writeFile('one.csv', `${HEADER}\nEtt AB;;;;;;;\n`);
    const o2 = capture();
    expect(await runCli(['import', 'organisations', file, '--panel', 'p', '--year', '25'], t.deps, o2.out)).toBe(2);
    const o3 = capture();
    expect(await runCli(['import', 'organisations', file, '--panel', 'Fel Slug!', '--year', '2025'], t.deps, o3.out)).toBe(1);
    expect(o3.text()).toContain('Kortnamnet');
    expect(await db()('organisations').where({ name: 'Ett AB' }).first()).toBeUndefined();
    const o4 = capture();
    expect(await runCli(['import', 'organisations', writeFile('bin.csv', crypto.randomBytes(2048))], t.deps, o4.out)).toBe(1);
    expect(o4.text()).toContain('kunde inte läsas som en CSV-fil');
  });
});
