// The year's report and the exports in the analyst's language, end to end: every figure on
// /rapport/:year, in the Word file, the XLSX workbook, the CSV för Excel and the CLI's files is
// checked against the indicator computation (outputRows / indicatorSeries, presented by
// presentRow) — never against numbers typed into the test.
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import request from 'supertest';
import { runCli } from '../../server/cli';
import { nowIso } from '../../server/db';
import { createApiToken } from '../../server/services/api-tokens';
import { SYSTEM } from '../../server/services/audit';
import { cleanCell } from '../../server/services/csv-import';
import { importValues, setComment } from '../../server/services/indicator-admin';
import { SWEDISH_COLUMNS, shownPercent } from '../../server/services/indicator-spreadsheet';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { type PresentedRow, presentRow } from '../../server/services/indicator-view';
import { groupByLevel, indicatorSeries, type IndicatorRow, outputRows } from '../../server/services/indicators';
import { createMeeting, setAttendance } from '../../server/services/meetings';
import { colourLabel, statusLabel, trendLabel } from '../../server/services/numbers';
import { fromFirstValue } from '../../server/services/charts/series';
import { placeholderValues } from '../../server/services/surveys';
import { type Agent, csrfFrom, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import {
  createContact,
  createOrganisation,
  createPanel,
  createPartnership,
  createRound,
  insertSubmittedResponse,
} from '../helpers/fixtures';
import { page as parseHtml, rowCells, textOf, textsOf } from '../helpers/html';
import { chromiumPath } from '../helpers/services';

const YEAR = 2025;
let t: TestApp;
let analyst: Agent;
let rows: PresentedRow[];

const rep = (code: string, n: number) => Array.from({ length: n }, () => code);
const vars = () => placeholderValues(t.deps.config);
const binary = (r: request.Test): request.Test =>
  r.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
function capture() {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: { log: (s: string) => lines.push(s), error: (s: string) => errors.push(s) } };
}
/** The bytes as the ArrayBuffer exceljs reads. */
const arrayBufferOf = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const block = (id: string) => `article[data-indicator="${id}"]`;

beforeAll(async () => {
  t = await startTestApp({ REGION_NAME: 'Region Exempel' });
  await syncIndicatorsFromFiles(t.deps);
  const { db } = t.deps;
  analyst = (await loggedInAgent(t, 'analyst')).agent;
  // DOMAIN.md's worked example: 17 invited, 15 answered
  const p = await createPartnership(db, 17, YEAR);
  const roundId = await createRound(db, { year: YEAR, panelId: p.panelId, state: 'stangd', closesAt: '2025-12-05T11:00:00.000Z' });
  for (const id of p.organisationIds)
    await db('invitations').insert({ round_id: roundId, organisation_id: id, invited_at: nowIso(), created_at: nowIso() });
  const planering = [...rep('mycket_hog', 2), ...rep('hog', 4), ...rep('viss_del', 5), ...rep('liten', 3), ...rep('vet_ej', 1)];
  const fortroende = [...rep('mycket_hogt', 3), ...rep('hogt', 5), ...rep('varken', 4), ...rep('lagt', 1), ...rep('vet_ej', 2)];
  for (let i = 0; i < 15; i++)
    await insertSubmittedResponse(db, roundId, p.organisationIds[i], {
      rus_planering: planering[i],
      rus_statistik: i < 12 ? 'hog' : 'liten',
      fortroende_rua: fortroende[i],
    });
  // earlier years from the earlier tool, with counts (so the change can be tested) and without
  await importValues(
    db,
    SYSTEM,
    Buffer.from(
      [
        'indicator;year;value;numerator;denominator;source;comment',
        'rus_i_verksamhetsplan;2024;;6;15;Verksamhetsberättelse 2024;',
        'rus_i_verksamhetsplan;2023;;9;14;Verksamhetsberättelse 2023;',
        'fortroende_rua;2024;;11;15;Verksamhetsberättelse 2024;',
        'fortroende_rua;2019;61;;;Årsredovisning 2019;',
        'rus_statistik_anvandning;2024;80;;;Verksamhetsberättelse 2024;',
      ].join('\n'),
      'utf8',
    ),
  );
  // attendance: 6 of the 10 organisations of the årshjul panel at the working meeting, both years (a census: no interval)
  for (const y of [YEAR - 1, YEAR]) {
    const panel = await createPanel(db, p.organisationIds.slice(0, 10), y, `arshjulet-${y}`);
    const meeting = await createMeeting(db, SYSTEM, {
      type: 'arbetsmote',
      heldOn: `${y}-03-14`,
      place: 'Exempelstad',
      panelId: String(panel),
    });
    await setAttendance(db, SYSTEM, meeting, p.organisationIds.slice(0, 6).map(String));
  }
  await setComment(db, SYSTEM, 'fortroende_rua', String(YEAR), 'Förtroendet har minskat sedan förra året.');
  rows = (await outputRows(db, YEAR, vars())).map((r) => presentRow(r));
});
afterAll(async () => t.close());

describe('the report page /rapport/:year', () => {
  it('shows every indicator with the figures of the computation', async () => {
    const res = await analyst.get(`/rapport/${YEAR}`).expect(200);
    const $ = parseHtml(res.text);
    expect(rows.length).toBe(8);
    for (const r of rows) {
      const b = block(r.id);
      expect([r.id, textOf($, `${b} h4`)]).toEqual([r.id, r.name]);
      expect([r.id, textOf($, `${b} .utfall strong`)]).toEqual([r.id, r.display]);
      expect([r.id, textOf($, `${b} .malvarde`)]).toEqual([r.id, r.targetDisplay]);
      expect([r.id, textOf($, `${b} .farg`)]).toEqual([r.id, `${r.colourSymbol} ${colourLabel(r.colour)}`]);
      expect([r.id, textOf($, `${b} .forandring .pil`)]).toEqual([r.id, trendLabel(r.trend)]);
      expect([r.id, textOf($, `${b} .status`)]).toEqual([r.id, statusLabel(r.status)]);
      if (r.changePp !== null) expect([r.id, textOf($, `${b} .forandring .pp`)]).toEqual([r.id, r.changeDisplay]);
      if (r.responseRate) {
        expect([r.id, textOf($, `${b} .svarsfrekvens`)]).toEqual([r.id, r.responseRate]);
        expect([r.id, textOf($, `${b} .vet-ej`)]).toEqual([r.id, r.dontKnowDisplayOneDecimal]);
      }
      expect([r.id, textsOf($, `${b} .ki`)]).toEqual([r.id, r.hasCi ? [r.ciDisplay] : []]);
      expect([r.id, textsOf($, `${b} .sakerhet`)]).toEqual([r.id, r.clarityText ? [r.clarityText] : []]);
      for (const d of r.distribution)
        expect(rowCells($, `${b} table.distribution`, `${d.label}${d.inNumerator ? ' (räknas i utfallet)' : ''}`)).toEqual([
          String(d.count),
          d.shareDisplay,
        ]);
      const series = fromFirstValue((await indicatorSeries(t.deps.db, r.id, YEAR, vars())).map((x) => presentRow(x)));
      if (series.length > 1) {
        expect($(`${b} figure.chart svg[role="img"] title`).text()).toContain(`${YEAR}: ${r.display}`);
        for (const s of series) expect(rowCells($, `${b} table.series`, String(s.year)).slice(0, 2)).toEqual([s.display, s.targetDisplay]);
      } else expect($(`${b} figure.chart`).length).toBe(0);
    }
    // the summary per goal level first, from the same rows
    for (const g of groupByLevel(rows)) {
      const cells = rowCells($, '#sammanfattning', `${g.label} (${g.goals.reduce((a, x) => a + x.rows.length, 0)} st)`);
      expect(cells).toEqual([g.summary.green, g.summary.yellow, g.summary.red, g.summary.missing].map(String));
    }
    expect(res.text.indexOf('id="sammanfattning"')).toBeLessThan(res.text.indexOf('class="report-level"'));
  });

  it('the worked example reads as in DOMAIN.md; attendance has no interval and no "statistiskt säkerställd"', () => {
    const rus = rows.find((r) => r.id === 'rus_i_verksamhetsplan')!;
    expect([rus.display, rus.responseRate, rus.changeDisplay, rus.clarityText]).toEqual([
      // the shipped definition counts Vet ej in the denominator (include): 11/15 against 6/15
      '73 %',
      '15 av 17',
      '+33 procentenheter',
      'Förändringen är inte statistiskt säkerställd',
    ]);
    const attendance = rows.find((r) => r.id === 'narvaro_arbetsmote')!;
    expect([attendance.display, attendance.trendLabel, attendance.changeDisplay, attendance.hasCi, attendance.clarityText]).toEqual([
      '60 %',
      'oförändrat',
      '±0 procentenheter',
      false,
      '',
    ]);
    expect([attendance.ciLow, attendance.changeIsClear]).toEqual([null, null]);
  });

  it('drafts a comment per indicator from the same numbers, which the analyst takes into the comment field', async () => {
    const res = await analyst.get(`/rapport/${YEAR}`).expect(200);
    const rus = rows.find((r) => r.id === 'rus_i_verksamhetsplan')!;
    const draft = textOf(res.text, `${block('rus_i_verksamhetsplan')} .draft-text`);
    expect(draft).toContain('Observera att enkätundersökningen har ställt följande fråga: ”Har er organisation använt');
    expect(draft).toContain(
      `I mätningen december 2025 angav ${rus.displayOneDecimal} av de svarande organisationerna något av svaren ”I mycket hög utsträckning”, ”I hög utsträckning” eller ”Till viss del” (11 av 15).`,
    );
    for (const d of rus.distribution) expect(draft).toContain(`”${d.label}” ${d.shareDisplay}`);
    expect(draft).toContain('Ingen organisation valde ”Inte alls”.');
    expect(draft).toContain(
      `en ökning med ${rus.changeDisplay.slice(1)} (från ${rus.previousDisplay}), som inte är statistiskt säkerställd.`,
    );
    expect(draft).toContain('15 av 17 organisationer har svarat på enkäten.');
    const attendance = textOf(res.text, `${block('narvaro_arbetsmote')} .draft-text`);
    expect(attendance).toContain('Under 2025 var 6 av 10 organisationer i partnerskapet representerade vid arbetsmötet (60,0 %).');
    expect(attendance).not.toContain('statistiskt');
    // "Ta in förslaget": the indicator's page with the draft in the comment field, nothing saved
    const link = parseHtml(res.text)(`${block('rus_i_verksamhetsplan')} .draft a`).attr('href')!;
    const page = await analyst.get(link.replace(/#.*$/, '')).expect(200);
    expect(parseHtml(page.text)('#field-comment').text()).toBe(parseHtml(res.text)(`${block('rus_i_verksamhetsplan')} .draft-text`).text());
  });

  it('serves each chart as SVG and PNG, and the page box with region, year and page numbers', async () => {
    const svg = await analyst.get(`/rapport/${YEAR}/diagram/rus_i_verksamhetsplan.svg`).expect(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const text = String(svg.text ?? (svg.body as Buffer).toString());
    expect(text).toMatch(/^<svg [^>]*role="img"/);
    expect(text).not.toContain('<script');
    const png = await binary(analyst.get(`/rapport/${YEAR}/diagram/rus_i_verksamhetsplan.png`)).expect(200);
    expect([...(png.body as Buffer).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    await analyst.get(`/rapport/${YEAR}/diagram/finns_inte.svg`).expect(404);
    const css = await analyst.get(`/rapport/${YEAR}/sida.css`).expect(200);
    expect(css.text).toContain('size: A4');
    expect(css.text).toContain(`"Region Exempel · Indikatorer ${YEAR}"`);
    expect(css.text).toContain('counter(page) " av " counter(pages)');
  });

  it('is for analysts only', async () => {
    const coordinator = (await loggedInAgent(t, 'coordinator')).agent;
    await coordinator.get(`/rapport/${YEAR}`).expect(403);
    await request(t.app).get(`/rapport/${YEAR}`).expect(303);
  });
});

describe('the report as files', () => {
  it('the Word file holds every indicator with its figures, real tables and the charts as images', async () => {
    const res = await binary(analyst.get(`/rapport/${YEAR}/rapport.docx`)).expect(200);
    const zip = await JSZip.loadAsync(res.body as Buffer);
    const xml = await zip.file('word/document.xml')!.async('string');
    const text = xml.replace(/<w:p[ >]/g, '\n$&').replace(/<[^>]+>/g, '');
    for (const r of rows) {
      expect([r.id, text.includes(r.name)]).toEqual([r.id, true]);
      for (const figure of [r.display, r.targetDisplay, colourLabel(r.colour), trendLabel(r.trend), statusLabel(r.status)])
        expect([r.id, figure, text.includes(figure)]).toEqual([r.id, figure, true]);
      if (r.changePp !== null) expect([r.id, text.includes(r.changeDisplay)]).toEqual([r.id, true]);
      for (const d of r.distribution) expect(text).toContain(d.shareDisplay);
    }
    expect(xml).toContain('w:tblHeader');
    expect((xml.match(/<w:tbl>/g) ?? []).length).toBeGreaterThan(8);
    expect(xml).toMatch(/<w:pStyle w:val="Heading1"\/>/);
    const images = Object.keys(zip.files).filter((f) => f.startsWith('word/media/'));
    expect(images.length).toBe(parseHtml((await analyst.get(`/rapport/${YEAR}`)).text)('figure.chart').length);
  });

  it('the CLI writes the report as docx and html; the PDF where Chromium is installed', async () => {
    for (const format of ['docx', 'html', ...(chromiumPath() ? ['pdf'] : [])]) {
      const file = path.join(t.tmpDir, `rapport.${format}`);
      const c = capture();
      expect([format, await runCli(['report', '--year', String(YEAR), '--format', format, '--out', file], t.deps, c.out)]).toEqual([
        format,
        0,
      ]);
      const body = fs.readFileSync(file);
      if (format === 'pdf') {
        expect(body.subarray(0, 5).toString()).toBe('%PDF-');
        const pages = (body.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
        const goals = groupByLevel(rows).reduce((a, g) => a + g.goals.length, 0);
        expect(pages).toBeGreaterThanOrEqual(1 + goals);
      }
      if (format === 'html') expect(parseHtml(body.toString('utf8'))('article.indicator-block').length).toBe(rows.length);
    }
    const bad = capture();
    expect(await runCli(['report', '--year', 'x', '--format', 'odt'], t.deps, bad.out)).toBe(2);
    expect(bad.errors).toEqual([
      'Ange året med --year ÅÅÅÅ, t.ex. --year 2025.',
      '--format ska vara html, docx eller pdf.',
      'Ange filen med --out FIL.',
    ]);
    const noChromium = capture();
    const deps = { ...t.deps, config: { ...t.deps.config, chromiumPath: null } };
    await expect(
      runCli(['report', '--year', String(YEAR), '--format', 'pdf', '--out', path.join(t.tmpDir, 'x.pdf')], deps, noChromium.out),
    ).rejects.toThrow(/PDF kan inte skapas på den här servern: Chromium finns inte/);
  });
});

describe('exports in the analyst\u2019s language', () => {
  const cellText = (v: ExcelJS.CellValue) => (v === null || v === undefined ? null : v);

  it('XLSX: Swedish headers and labels, percentages as numbers with a percent format, a sheet per year and the series', async () => {
    const res = await binary(analyst.get(`/indicators/export?year=2024-2025&format=xlsx`)).expect(200);
    expect(res.headers['content-disposition']).toContain('indikatorer-2024-2025.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(arrayBufferOf(res.body as Buffer));
    expect(wb.worksheets.map((w) => w.name)).toEqual(['2025', '2024', 'Serie']);
    for (const year of [2025, 2024]) {
      const ws = wb.getWorksheet(String(year))!;
      const headers = (ws.getRow(1).values as ExcelJS.CellValue[]).slice(1);
      expect(headers).toEqual(SWEDISH_COLUMNS.map((c) => c.header));
      const col = (h: string) => headers.indexOf(h) + 1;
      const expected = await outputRows(t.deps.db, year, vars());
      expect(ws.rowCount).toBe(expected.length + 1);
      for (let i = 0; i < expected.length; i++) {
        const r: IndicatorRow = expected[i];
        const row = ws.getRow(i + 2);
        expect(row.getCell(col('Indikator-id')).value).toBe(r.id);
        const utfall = row.getCell(col('Utfall'));
        const shown = shownPercent(r, 0);
        expect([r.id, cellText(utfall.value)]).toEqual([r.id, shown === null ? null : shown / 100]);
        if (shown !== null) expect(utfall.numFmt).toBe('0%');
        const oneDecimal = row.getCell(col('Utfall, en decimal'));
        if (r.value !== null)
          expect([oneDecimal.value, oneDecimal.numFmt]).toEqual([Number((shownPercent(r, 1)! / 100).toFixed(3)), '0.0%']);
        if (r.target !== null) expect(row.getCell(col('Målvärde')).numFmt).toMatch(/^0(\.0)?%$/);
        expect(row.getCell(col('Färg (text)')).value).toBe(colourLabel(r.colour));
        expect(row.getCell(col('Förändringspil')).value).toBe(trendLabel(r.trend));
        expect(row.getCell(col('Status')).value).toBe(statusLabel(r.status));
      }
    }
    const series = wb.getWorksheet('Serie')!;
    const header = (series.getRow(1).values as ExcelJS.CellValue[]).slice(1);
    expect(header[0]).toBe('Indikator');
    const rus = fromFirstValue(await indicatorSeries(t.deps.db, 'fortroende_rua', YEAR, vars()));
    const line = series.getColumn(header.length).values.indexOf('fortroende_rua');
    for (const r of rus) {
      const cell = series.getRow(line).getCell(header.indexOf(`Utfall ${r.year}`) + 1);
      expect([r.year, cell.value]).toEqual([r.year, shownPercent(r, 0) === null ? null : shownPercent(r, 0)! / 100]);
    }
  });

  it('the CLI writes the same workbook; xlsx needs --out', async () => {
    const file = path.join(t.tmpDir, 'ind.xlsx');
    expect(await runCli(['indicators', '--year', String(YEAR), '--format', 'xlsx', '--out', file], t.deps, capture().out)).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual([String(YEAR), 'Serie']);
    const c = capture();
    expect(await runCli(['indicators', '--year', String(YEAR), '--format', 'xlsx'], t.deps, c.out)).toBe(2);
    expect(c.errors).toEqual(['En Excel-fil skrivs till en fil: ange --out FIL.xlsx.']);
  });

  it('CSV för Excel has the Swedish headers and labels; the machine CSV keeps its codes (csv-codes, and csv)', async () => {
    const res = await binary(analyst.get(`/indicators/export?year=${YEAR}&format=csv-excel`)).expect(200);
    const lines = (res.body as Buffer).subarray(3).toString('utf8').split('\r\n');
    expect(lines[0].split(';')).toEqual(SWEDISH_COLUMNS.map((c) => c.header));
    const rus = rows.find((r) => r.id === 'rus_i_verksamhetsplan')!;
    const line = lines.find((l) => l.endsWith(';rus_i_verksamhetsplan'))!.split(';');
    const at = (h: string) => line[SWEDISH_COLUMNS.findIndex((c) => c.header === h)];
    expect([at('Utfall'), at('Utfall, en decimal'), at('Färg'), at('Förändringspil'), at('Statistiskt säkerställd'), at('Status')]).toEqual(
      [String(shownPercent(rus, 0)), String(shownPercent(rus, 1)).replace('.', ','), 'Gul', 'förbättrats', 'Nej', statusLabel(rus.status)],
    );
    for (const format of ['csv-codes', 'csv']) {
      const codes = await binary(analyst.get(`/indicators/export?year=${YEAR}&format=${format}`)).expect(200);
      const text = (codes.body as Buffer).subarray(3).toString('utf8');
      expect(text.split('\r\n')[0].startsWith('id;name;goal;level;year;numerator;denominator;')).toBe(true);
      expect(text).toContain(';yellow;improved;');
    }
  });

  it('the API gives the flat file and the CSV with a key, and the JSON as before', async () => {
    const key = await createApiToken(t.deps.db, SYSTEM, 'Målstyrning');
    const auth = { Authorization: `Bearer ${key}` };
    const flat = await request(t.app).get(`/api/v1/indicators?year=${YEAR}&format=flat`).set(auth).expect(200);
    expect(flat.headers['content-type']).toMatch(/^text\/csv/);
    expect(flat.text.replace(/^\ufeff/, '').split('\r\n')[0]).toBe('datum;enhetskod;indikatorkod;kolumn;varde');
    const json = await request(t.app).get(`/api/v1/indicators?year=${YEAR}`).set(auth).expect(200);
    expect((json.body as Array<{ id: string }>).map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
    await request(t.app).get(`/api/v1/indicators?year=${YEAR}&format=flat`).expect(401);
    const bad = await request(t.app).get(`/api/v1/indicators?year=${YEAR}&format=docx`).set(auth).expect(400);
    expect((bad.body as { error: { message: string } }).error.message).toContain('Formatet ska vara');
  });

  it('the register export keeps the leading zero of a phone number (CSV and XLSX), and the import reads it back', async () => {
    const coordinator = (await loggedInAgent(t, 'coordinator')).agent;
    const org = await createOrganisation(t.deps.db, { name: 'Nollans kommun' });
    await createContact(t.deps.db, org, { name: 'Nils Noll', email: 'nils@nollan.example.se', phone: '0701234567' });
    const csv = await binary(coordinator.get('/organisations/export.csv')).expect(200);
    const line = (csv.body as Buffer)
      .toString('utf8')
      .split('\r\n')
      .find((l) => l.startsWith('Nollans kommun;'))!;
    expect(line.split(';')[6]).toBe("'0701234567");
    const xlsx = await binary(coordinator.get('/organisations/export.xlsx')).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(arrayBufferOf(xlsx.body as Buffer));
    const ws = wb.worksheets[0];
    const r = ws.getColumn(1).values.indexOf('Nollans kommun');
    const phone = ws.getRow(r).getCell(7);
    expect([phone.value, phone.numFmt]).toEqual(['0701234567', '@']);
    expect(cleanCell("'0701234567")).toBe('0701234567');
  });
});

describe('publishing and the English pages', () => {
  it('publishing warns about the indicators without a value and names them (page, flash, CLI)', async () => {
    const without = rows.filter((r) => r.value === null).map((r) => r.name);
    expect(without.length).toBeGreaterThan(0);
    const table = await analyst.get(`/indicators?year=${YEAR}`).expect(200);
    expect(textsOf(table.text, '#utan-varde li')).toEqual(without);
    const res = await analyst
      .post('/indicators/publish')
      .type('form')
      .send({ _csrf: csrfFrom(table.text), year: String(YEAR), reason: '' });
    expect(res.status).toBe(303);
    const after = await analyst.get(res.headers.location).expect(200);
    expect(textsOf(after.text, '.notice-info')).toEqual([
      `${without.length} indikatorer saknar värde, och redovisas som värde saknas: ${without.join('; ')}.`,
    ]);
    const report = await analyst.get(`/rapport/${YEAR}`).expect(200);
    expect(textOf(report.text, '#rapport-status')).toMatch(/^Publicerade siffror, version 1/);
    const c = capture();
    expect(await runCli(['indicators', 'publish', '--year', String(YEAR), '--reason', 'Rättat'], t.deps, c.out)).toBe(0);
    expect(c.errors).toEqual([`Varning: utan värde (redovisas som värde saknas): ${without.join('; ')}`]);
  });

  it('the English report and indicator table have no Swedish left in the figures', async () => {
    const page = await analyst.get(`/indicators?year=${YEAR}`);
    await analyst
      .post('/sprak')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), lang: 'en', returnTo: '/' })
      .expect(303);
    const report = await analyst.get(`/rapport/${YEAR}`).expect(200);
    expect(parseHtml(report.text)('html').attr('lang')).toBe('en');
    expect(textOf(report.text, `${block('rus_i_verksamhetsplan')} .pp`)).toBe('+33 percentage points');
    expect(textOf(report.text, `${block('rus_i_verksamhetsplan')} .svarsfrekvens`)).toBe('15 of 17');
    expect(textOf(report.text, `${block('narvaro_arbetsmote')} .pp`)).toBe('±0 percentage points');
    const table = await analyst.get(`/indicators?year=${YEAR}`).expect(200);
    expect(textOf(table.text, 'tr[data-indicator="rus_i_verksamhetsplan"] .pp')).toBe('+33 percentage points');
    expect(textOf(table.text, 'tr[data-indicator="rus_i_verksamhetsplan"] .svar')).toBe('Responses: 15 of 17');
    expect(textOf(table.text, 'tr[data-indicator="narvaro_arbetsmote"] .underlag')).toBe('6 of 10 organisations');
    await analyst
      .post('/sprak')
      .type('form')
      .send({ _csrf: csrfFrom(table.text), lang: 'sv', returnTo: '/' })
      .expect(303);
  });
});
