// A round's results page and its raw-answer exports, end to end: every number on the page against
// the indicator computation (computeRows, breakdowns) or an independent count of the fixture's
// answers; the group filters with primary and secondary suppression; free-text answers; a
// confidential round that names no organisation anywhere; the XLSX files read back with exceljs
// (values and number formats) and the CSV for Excel; the CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type request from 'supertest';
import { runCli } from '../../server/cli';
import { nowIso } from '../../server/db';
import { findIndicator } from '../../server/repositories/indicators';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { breakdowns, computeRows, type IndicatorRow } from '../../server/services/indicators';
import { formatPercent } from '../../server/services/numbers';
import { placeholderValues } from '../../server/services/surveys';
import { loadSurveyDir } from '../../server/surveys/load';
import { type Agent, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import { createContact, createOrganisation, createPanel, createRound, insertSubmittedResponse, SURVEYS_DIR } from '../helpers/fixtures';
import { errorSummary, page as parseHtml, textOf, textsOf } from '../helpers/html';

/** A survey with every kind of question, an indicator with the `exclude` policy and its own minN. */
const EVERY_KIND_YAML = `
id: alla_fragetyper
title: { sv: Uppföljning av samverkan, en: Follow-up of collaboration }
intro: { sv: "{region} vill veta hur samverkan fungerar.", en: "{region} would like to know how collaboration works." }
estimatedMinutes: 4
scales:
  grad:
    options:
      - { code: hog, label: { sv: Hög, en: High } }
      - { code: mellan, label: { sv: Mellan, en: Medium } }
      - { code: lag, label: { sv: Låg, en: Low } }
      - { code: vet_ej, label: { sv: Vet ej, en: "Don't know" }, dontKnow: true }
questions:
  - id: deltog
    type: yesno
    dontKnow: true
    required: true
    text: { sv: Deltog er organisation i årets möten?, en: Did your organisation take part in this year's meetings? }
  - id: vilka
    type: multiple
    text: { sv: Vilka möten deltog ni i?, en: Which meetings did you take part in? }
    options:
      - { code: arbetsmote, label: { sv: Arbetsmötet, en: Working meeting } }
      - { code: arskonferens, label: { sv: Årskonferensen, en: Annual conference } }
      - { code: inget, label: { sv: Inget av dem, en: None }, exclusive: true }
  - id: omdome
    type: matrix
    scale: grad
    text: { sv: Hur bedömer ni följande?, en: How do you rate the following? }
    statements:
      - { id: nytta, text: { sv: Nyttan med mötena, en: The usefulness of the meetings } }
      - { id: tydlighet, text: { sv: Tydligheten i inbjudningarna, en: The clarity of the invitations } }
  - id: forslag
    type: text
    text: { sv: Vad kan bli bättre?, en: What could be better? }
indicators:
  - id: deltog_andel
    name: { sv: Andel organisationer som deltog i årets möten ska öka }
    goal: { sv: Partnerskapet samverkar }
    level: uppdrag
    direction: higher
    kind: survey
    question: deltog
    numerator: [ja]
    dontKnowPolicy: exclude
    minN: 3
    target: 80
`;

const rep = (code: string, n: number) => Array.from({ length: n }, () => code);

/** 17 organisations: 8 municipalities (kommun), 5 universities, 1 county board, 3 business-support actors. */
const ORGS: Array<{ name: string; type: string; municipality: string | null }> = [
  { name: 'Norrby kommun', type: 'kommun', municipality: 'Norrby' },
  { name: 'Norrbyns kommun', type: 'kommun', municipality: 'Norrby' },
  { name: 'Norrbyåns kommun', type: 'kommun', municipality: 'Norrby' },
  { name: 'Söderås kommun', type: 'kommun', municipality: 'Söderås' },
  { name: 'Söderåsens kommun', type: 'kommun', municipality: 'Söderås' },
  { name: 'Västerdals kommun', type: 'kommun', municipality: 'Västerdal' },
  { name: 'Bergsjö kommun', type: 'kommun', municipality: 'Bergsjö' },
  { name: 'Bergsjöns kommun', type: 'kommun', municipality: 'Bergsjö' },
  { name: 'Exempelläns universitet', type: 'larosate', municipality: 'Exempelstad' },
  { name: 'Exempelstads högskola', type: 'larosate', municipality: 'Exempelstad' },
  { name: 'Tekniska högskolan Exempel', type: 'larosate', municipality: 'Exempelstad' },
  { name: 'Konsthögskolan Exempel', type: 'larosate', municipality: 'Exempelstad' },
  { name: 'Lantbruksuniversitetet Exempel', type: 'larosate', municipality: 'Exempelstad' },
  { name: 'Länsstyrelsen i Exempellän', type: 'lansstyrelse', municipality: 'Exempelstad' },
  { name: 'Almi Företagspartner Exempel', type: 'foretagsframjande', municipality: 'Norrby' },
  { name: 'Nyföretagarcentrum Exempel', type: 'foretagsframjande', municipality: 'Exempelstad' },
  { name: 'Drivhuset Exempel', type: 'foretagsframjande', municipality: null },
];

// The partnership survey 2025: organisations 0–14 answer (DOMAIN.md's worked example for rus_planering).
const PLANERING_2025 = [
  'mycket_hog',
  'hog',
  'hog',
  'viss_del',
  'viss_del',
  'liten',
  'vet_ej',
  'hog',
  'mycket_hog',
  'hog',
  'viss_del',
  'viss_del',
  'liten',
  'viss_del',
  'liten',
];
const FORTROENDE_2025 = [...rep('mycket_hogt', 3), ...rep('hogt', 5), ...rep('varken', 4), ...rep('lagt', 2), 'vet_ej'];
const STATISTIK_2025 = [
  'hog',
  'hog',
  'viss_del',
  'mycket_hog',
  'liten',
  'hog',
  'viss_del',
  'inte_alls',
  'hog',
  'viss_del',
  'vet_ej',
  'hog',
  'hog',
  'mycket_hog',
]; // organisation 14 leaves it unanswered
const COMMENTS_2025: Record<number, string> = {
  0: '=SUMMA(A1:A3) är ett bra underlag',
  8: 'Vi använder strategin; mycket.\nEn andra rad.',
  13: '<b>Länsstyrelsens</b> kommentar',
};
// 2024: organisations 0–14 again, 6/15 in rus_planering's numerator
const PLANERING_2024 = [
  ...rep('mycket_hog', 1),
  ...rep('hog', 2),
  ...rep('viss_del', 3),
  ...rep('liten', 5),
  ...rep('inte_alls', 3),
  'vet_ej',
];
const FORTROENDE_2024 = [...rep('mycket_hogt', 2), ...rep('hogt', 6), ...rep('varken', 4), 'lagt', 'inget', 'vet_ej'];

// The confidential round of the every-kind survey: organisations 0–11 answer.
const DELTOG = [...rep('ja', 7), ...rep('nej', 3), ...rep('vet_ej', 2)];
const VILKA: Array<string[] | null> = [
  ['arbetsmote'],
  ['arbetsmote', 'arskonferens'],
  ['arskonferens'],
  ['arbetsmote', 'arskonferens'],
  ['arbetsmote'],
  ['arbetsmote'],
  ['inget'],
  null,
  null,
  null,
  ['inget'],
  null,
];
const NYTTA = ['hog', 'hog', 'mellan', 'hog', 'lag', 'mellan', 'mellan', 'hog', 'vet_ej', 'lag', 'hog', 'mellan'];
const FORSLAG: Record<number, string> = { 1: 'Fler möten på distans', 4: '+46 är vårt riktnummer, ring oss', 9: 'Kortare inbjudningar' };

let t: TestApp;
let analyst: Agent;
let coordinator: Agent;
let orgIds: number[];
let round2025: number;
let round2024: number;
let confidentialRound: number;
let draftRound: number;
let vars: ReturnType<typeof placeholderValues>;

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

async function download(agent: Agent, url: string): Promise<{ body: Buffer; headers: Record<string, string> }> {
  const res = await agent.get(url).buffer(true).parse(binary).expect(200);
  return { body: res.body as Buffer, headers: res.headers };
}

async function workbook(body: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  // exceljs declares its own Buffer (an ArrayBuffer); hand it exactly the file's bytes
  await wb.xlsx.load(new Uint8Array(body).buffer);
  return wb;
}

/** The values of a worksheet row as plain JavaScript values (index 0 = column A). */
function rowValues(ws: ExcelJS.Worksheet, n: number): unknown[] {
  return (ws.getRow(n).values as unknown[]).slice(1);
}

const item = (ref: string) => `.item-result[data-ref="${ref}"]`;
const cellOf = (html: string, ref: string, code: string, cell: string) => textOf(html, `${item(ref)} tr[data-code="${code}"] .${cell}`);

beforeAll(async () => {
  const surveysDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pp-results-')), 'surveys');
  fs.mkdirSync(surveysDir, { recursive: true });
  for (const f of fs.readdirSync(SURVEYS_DIR))
    if (f.endsWith('.yaml')) fs.copyFileSync(path.join(SURVEYS_DIR, f), path.join(surveysDir, f));
  fs.writeFileSync(path.join(surveysDir, 'alla.yaml'), EVERY_KIND_YAML);
  t = await startTestApp({ SURVEYS_DIR: surveysDir, REGION_NAME: 'Region Exempel' });
  vars = placeholderValues(t.deps.config);
  await syncIndicatorsFromFiles(t.deps);
  analyst = (await loggedInAgent(t, 'analyst')).agent;
  coordinator = (await loggedInAgent(t, 'coordinator')).agent;
  const { db } = t.deps;

  orgIds = [];
  for (const [i, o] of ORGS.entries()) {
    const id = await createOrganisation(db, { ...o, organisationNumber: `212000-00${String(i).padStart(2, '0')}` });
    await createContact(db, id);
    orgIds.push(id);
  }
  const panel = await createPanel(db, orgIds, 2025);
  for (const id of orgIds.slice(0, 16)) await db('panel_memberships').insert({ panel_id: panel, organisation_id: id, year: 2024 });

  round2025 = await createRound(db, { surveyId: 'partnerskapsenkat', year: 2025, panelId: panel, state: 'stangd' });
  for (const id of orgIds)
    await db('invitations').insert({ round_id: round2025, organisation_id: id, invited_at: nowIso(), created_at: nowIso() });
  for (let i = 0; i < 15; i++) {
    const answers: Record<string, string> = { rus_planering: PLANERING_2025[i], fortroende_rua: FORTROENDE_2025[i] };
    if (STATISTIK_2025[i]) answers.rus_statistik = STATISTIK_2025[i];
    if (COMMENTS_2025[i]) answers.kommentar_rus = `text:${COMMENTS_2025[i]}`;
    if (i === 3) answers.kommentar_rua = 'text:Tydlig roll';
    await insertSubmittedResponse(db, round2025, orgIds[i], answers);
  }
  // a draft never counts
  await db('responses').insert({
    round_id: round2025,
    organisation_id: orgIds[15],
    status: 'draft',
    version: 1,
    revision: 0,
    source: 'web',
    created_at: nowIso(),
    updated_at: nowIso(),
  });

  // last year: a round without invitations (as an imported one): invited = the panel's 16 members that year
  round2024 = await createRound(db, { surveyId: 'partnerskapsenkat', year: 2024, panelId: panel, state: 'stangd' });
  for (let i = 0; i < 15; i++)
    await insertSubmittedResponse(db, round2024, orgIds[i], {
      rus_planering: PLANERING_2024[i],
      rus_statistik: 'hog',
      fortroende_rua: FORTROENDE_2024[i],
    });

  const everyKind = (await loadSurveyDir(surveysDir)).find((s) => s.definition.id === 'alla_fragetyper')!;
  confidentialRound = await createRound(db, { survey: everyKind, year: 2025, panelId: panel, state: 'stangd', confidential: true });
  for (const id of orgIds)
    await db('invitations').insert({ round_id: confidentialRound, organisation_id: id, invited_at: nowIso(), created_at: nowIso() });
  for (let i = 0; i < 12; i++) {
    const answers: Record<string, string | string[]> = { deltog: DELTOG[i], 'omdome.nytta': NYTTA[i] };
    if (VILKA[i]) answers.vilka = VILKA[i]!;
    if (i % 2 === 0) answers['omdome.tydlighet'] = i % 4 === 0 ? 'hog' : 'lag';
    if (FORSLAG[i]) answers.forslag = `text:${FORSLAG[i]}`;
    await insertSubmittedResponse(db, confidentialRound, orgIds[i], answers);
  }
  draftRound = await createRound(db, { surveyId: 'arshjulet', year: 2025, panelId: panel, state: 'utkast' });
});
afterAll(async () => t.close());

describe('the results page', () => {
  let html: string;
  let rows2025: IndicatorRow[];
  let rows2024: IndicatorRow[];
  beforeAll(async () => {
    html = (await analyst.get(`/rounds/${round2025}/resultat`).expect(200)).text;
    rows2025 = await computeRows(t.deps.db, 2025, vars);
    rows2024 = await computeRows(t.deps.db, 2024, vars);
  });

  it('shows the round and its response rate as the indicators do', () => {
    const rus = rows2025.find((r) => r.id === 'rus_i_verksamhetsplan')!;
    expect(rus.responseRate).toBe('15 av 17');
    expect(textOf(html, '#results-response-rate')).toBe('15 av 17 organisationer har svarat (88 %)');
    expect(textOf(html, 'h1')).toBe('Resultat: Enkät till partnerskapet för regional utveckling 2025');
  });

  it('every indicator question: the same counts, shares, n, Vet ej and response rate as computeRows, last year beside it', () => {
    for (const id of ['rus_i_verksamhetsplan', 'rus_statistik_anvandning', 'fortroende_rua']) {
      const row = rows2025.find((r) => r.id === id)!;
      const previous = rows2024.find((r) => r.id === id)!;
      const ref = id === 'rus_i_verksamhetsplan' ? 'rus_planering' : id === 'fortroende_rua' ? 'fortroende_rua' : 'rus_statistik';
      expect(row.distribution.length).toBeGreaterThan(0);
      for (const d of row.distribution) {
        expect([id, d.code, cellOf(html, ref, d.code, 'count')]).toEqual([id, d.code, String(d.count)]);
        expect([id, d.code, cellOf(html, ref, d.code, 'share')]).toEqual([id, d.code, d.shareDisplay]);
        const p = previous.distribution.find((x) => x.code === d.code)!;
        expect([id, d.code, cellOf(html, ref, d.code, 'previous-count')]).toEqual([id, d.code, String(p.count)]);
        expect([id, d.code, cellOf(html, ref, d.code, 'previous-share')]).toEqual([id, d.code, p.shareDisplay]);
      }
      const answered = row.distribution.reduce((a, d) => a + d.count, 0);
      expect(textOf(html, `${item(ref)} .item-n`)).toBe(String(answered));
      expect(textOf(html, `${item(ref)} .total`)).toBe(String(answered));
      expect(answered + row.unanswered!).toBe(row.responded);
      expect(textOf(html, `${item(ref)} .item-rate`)).toBe(row.responseRate);
      expect(textOf(html, `${item(ref)} .item-dont-know`)).toBe(`${formatPercent(row.dontKnowShare, 1)} (${row.dontKnow} av ${answered})`);
      expect(textOf(html, `${item(ref)} [data-indicator="${id}"] .indicator-share`)).toBe(row.displayOneDecimal);
      expect(textOf(html, `${item(ref)} [data-indicator="${id}"]`)).toContain(`(${row.numerator} av ${row.denominator};`);
    }
  });

  it("DOMAIN.md's worked example: 11 of 15, Vet ej 1, 15 av 17; last year 6 of 15", () => {
    expect(textOf(html, `${item('rus_planering')} [data-indicator="rus_i_verksamhetsplan"] .indicator-share`)).toBe('73,3 %');
    expect(textsOf(html, `${item('rus_planering')} tbody .count`)).toEqual(['2', '4', '5', '3', '0', '1']);
    expect(textsOf(html, `${item('rus_planering')} tbody .share`)).toEqual(['13,3 %', '26,7 %', '33,3 %', '20,0 %', '0,0 %', '6,7 %']);
    expect(textsOf(html, `${item('rus_planering')} tbody .previous-count`)).toEqual(['1', '2', '3', '5', '3', '1']);
    expect(textOf(html, `${item('rus_statistik')} .item-n`)).toBe('14');
    expect(textOf(html, `${item('rus_statistik')} .key-figures > div:first-child dd`)).toBe('14 2024: 15');
    // the middle answer on the ordered scale, Vet ej left out: 14 answers, the 7th and 8th are "Till viss del"
    expect(textOf(html, `${item('rus_planering')} .item-median`)).toBe('Till viss del');
  });

  it("a chart per question: an SVG image with a text alternative holding the table's numbers, no script", () => {
    const $ = parseHtml(html);
    const svg = $(`${item('fortroende_rua')} figure svg`);
    expect(svg.attr('role')).toBe('img');
    const title = $(`#${svg.attr('aria-labelledby')}`).text();
    const desc = $(`#${svg.attr('aria-describedby')}`).text();
    expect(title).toBe('Svarsfördelning, fråga 4 (2025 och 2024)');
    expect(desc).toContain('2025: Mycket högt förtroende 20,0 %; Högt förtroende 33,3 %; Varken högt eller lågt förtroende 26,7 %');
    expect(desc).toContain('2024: Mycket högt förtroende 13,3 %');
    expect($('script').length).toBe(0);
    expect($('figure.distribution-chart').length).toBe(3);
  });

  it('free-text answers per question, with the organisation (the round is not confidential), escaped', () => {
    const $ = parseHtml(html);
    const texts = textsOf(html, `${item('kommentar_rus')} .comment-text`);
    expect(texts).toEqual([COMMENTS_2025[8], COMMENTS_2025[13], COMMENTS_2025[0]].map((s) => s.replace(/\s+/g, ' ')));
    expect(textsOf(html, `${item('kommentar_rus')} .comment-by`)).toEqual([
      'Exempelläns universitet',
      'Länsstyrelsen i Exempellän',
      'Norrby kommun',
    ]);
    expect($(`${item('kommentar_rus')} b`).length).toBe(0);
    expect(textOf(html, `${item('kommentar_rua')} .item-n`)).toBe('1 organisation har skrivit en kommentar.');
  });

  it('coordinators may look (without the links to the indicator pages); a draft round has no results; bad input is explained', async () => {
    const page = (await coordinator.get(`/rounds/${round2025}/resultat`).expect(200)).text;
    expect(textsOf(page, `${item('rus_planering')} tbody .count`)).toEqual(['2', '4', '5', '3', '0', '1']);
    expect(parseHtml(page)('.item-indicator').length).toBe(0);
    const draft = (await analyst.get(`/rounds/${draftRound}/resultat`).expect(200)).text;
    expect(textOf(draft, '#results-empty')).toBe('Inga inskickade svar ännu.');
    const bad = await analyst.get(`/rounds/${round2025}/resultat?urval=typ:finns_inte`).expect(400);
    expect(errorSummary(bad.text)).toEqual(['Urvalet finns inte i omgången. Välj ett urval i listan.']);
    expect(parseHtml(bad.text)('#field-urval').attr('aria-invalid')).toBe('true');
    await analyst.get('/rounds/99999/resultat').expect(404);
    await analyst.get(`/rounds/${round2025}/resultat/svar.csv?varden=annat`).expect(400);
  });
});

describe('filters by organisation type and municipality', () => {
  it('hide every group the breakdowns hide, for the reason the breakdowns give; the shown ones have the breakdown figures', async () => {
    for (const id of ['rus_i_verksamhetsplan', 'fortroende_rua']) {
      const ind = (await findIndicator(t.deps.db, id))!;
      const ref = id === 'rus_i_verksamhetsplan' ? 'rus_planering' : 'fortroende_rua';
      for (const b of (await breakdowns(t.deps.db, ind, 2025))!) {
        for (const cell of b.cells) {
          const urval = `${b.by === 'type' ? 'typ' : 'kommun'}:${cell.key}`;
          const page = (await analyst.get(`/rounds/${round2025}/resultat?urval=${encodeURIComponent(urval)}`).expect(200)).text;
          const hidden = parseHtml(page)(`${item(ref)} .hidden-cell[data-hidden]`).attr('data-hidden') ?? null;
          // every group the breakdown hides is hidden, for the same reason; the page shows a group's
          // share of every option (the breakdown one share), so it may hide one more to protect those
          if (cell.hidden) expect([id, urval, hidden]).toEqual([id, urval, cell.reason]);
          else expect([id, urval, [null, 'secondary']]).toEqual([id, urval, expect.arrayContaining([hidden])]);
          if (!cell.hidden && hidden === null)
            expect([urval, textOf(page, `${item(ref)} [data-indicator="${id}"]`)]).toEqual([
              urval,
              expect.stringContaining(`(${cell.numerator} av ${cell.n};`) as string,
            ]);
        }
      }
    }
  });

  it('say why a group is hidden: too few answers, or protecting another group', async () => {
    const county = (await analyst.get(`/rounds/${round2025}/resultat?urval=typ:lansstyrelse`).expect(200)).text;
    expect(textOf(county, `${item('rus_planering')} .hidden-cell`)).toBe(
      'Visas inte: färre än 5 organisationer i urvalet besvarade frågan.',
    );
    expect(parseHtml(county)(`${item('rus_planering')} table`).length).toBe(0);
    const universities = (await analyst.get(`/rounds/${round2025}/resultat?urval=typ:larosate`).expect(200)).text;
    expect(textOf(universities, `${item('rus_planering')} .hidden-cell`)).toBe(
      'Visas inte: annars skulle svaren från en annan, mindre grupp (färre än 5 organisationer) gå att räkna ut från totalen.',
    );
    expect(textOf(universities, '#results-response-rate')).toBe('5 av 5 organisationer i urvalet har svarat (100 %)');
  });

  it('a large group hidden to protect the small ones (the breakdown rule: every hidden count must stay unknown)', async () => {
    // 2025: 8 municipalities, 5 universities, 1 + 1 others; hiding the universities alone would leave
    // a block of 7 in which the two small groups must be 1 each, so the municipalities are hidden too
    const page = (await analyst.get(`/rounds/${round2025}/resultat?urval=typ:kommun`).expect(200)).text;
    expect(parseHtml(page)(`${item('rus_planering')} .hidden-cell[data-hidden]`).attr('data-hidden')).toBe('secondary');
    expect(textsOf(page, `${item('rus_planering')} tbody .count`)).toEqual([]);
    expect(textsOf(page, `${item('kommentar_rus')} .comment-text`)).toEqual([]);
    expect(textOf(page, '#results-filter')).toContain('Urval: organisationstypen Kommun.');
  });

  it('never shows the comments of a group smaller than minN, nor of a group hidden to protect another', async () => {
    for (const urval of ['typ:lansstyrelse', 'typ:larosate', 'kommun:Norrby']) {
      const page = (await analyst.get(`/rounds/${round2025}/resultat?urval=${encodeURIComponent(urval)}`).expect(200)).text;
      expect([urval, parseHtml(page)(`${item('kommentar_rus')} .comment-text`).length]).toEqual([urval, 0]);
      expect([urval, parseHtml(page)(`${item('kommentar_rus')} .hidden-cell`).length]).toEqual([urval, 1]);
      for (const words of ['SUMMA', 'En andra rad', 'Länsstyrelsens']) expect([urval, page.includes(words)]).toEqual([urval, false]);
    }
    const exempelstad = (await analyst.get(`/rounds/${round2025}/resultat?urval=${encodeURIComponent('kommun:Exempelstad')}`).expect(200))
      .text;
    expect(textsOf(exempelstad, `${item('kommentar_rus')} .comment-by`)).toEqual(['Exempelläns universitet', 'Länsstyrelsen i Exempellän']);
  });
});

describe('a confidential round with every kind of question', () => {
  let html: string;
  beforeAll(async () => {
    html = (await analyst.get(`/rounds/${confidentialRound}/resultat`).expect(200)).text;
  });

  it('yes/no (an indicator with the exclude policy), multiple choice, matrix statements: counts and shares of those who answered', async () => {
    expect(textsOf(html, `${item('deltog')} tbody .count`)).toEqual(['7', '3', '2']);
    expect(textsOf(html, `${item('deltog')} tbody .share`)).toEqual(['58,3 %', '25,0 %', '16,7 %']);
    const [row] = await computeRows(t.deps.db, 2025, vars, ['deltog_andel']);
    expect(row).toMatchObject({ numerator: 7, denominator: 10, responseRate: '12 av 17' });
    expect(textOf(html, `${item('deltog')} [data-indicator="deltog_andel"] .indicator-share`)).toBe(row.displayOneDecimal);
    expect(textOf(html, `${item('deltog')} .item-dont-know`)).toBe('16,7 % (2 av 12)');
    // multiple choice: 8 organisations ticked something; shares of those 8 add up to more than 100 %
    expect(textOf(html, `${item('vilka')} .item-n`)).toBe('8');
    expect(textsOf(html, `${item('vilka')} tbody .count`)).toEqual(['5', '3', '2']);
    expect(textsOf(html, `${item('vilka')} tbody .share`)).toEqual(['62,5 %', '37,5 %', '25,0 %']);
    expect(parseHtml(html)(`${item('vilka')} .item-median`).length).toBe(0);
    // the matrix: one table per statement
    expect(textsOf(html, `${item('omdome.nytta')} tbody .count`)).toEqual(['5', '4', '2', '1']);
    expect(textOf(html, `${item('omdome.nytta')} .item-median`)).toBe('Mellan');
    expect(textOf(html, `${item('omdome.tydlighet')} .item-n`)).toBe('6');
    expect(textsOf(html, `${item('omdome.tydlighet')} tbody .count`)).toEqual(['3', '0', '3', '0']);
    expect(textOf(html, `${item('omdome.tydlighet')} .item-median`)).toBe('mellan ”Hög” och ”Låg”');
  });

  it('the indicator with minN 3: its groups are suppressed as its breakdowns are', async () => {
    const ind = (await findIndicator(t.deps.db, 'deltog_andel'))!;
    for (const b of (await breakdowns(t.deps.db, ind, 2025))!) {
      for (const cell of b.cells) {
        const urval = `${b.by === 'type' ? 'typ' : 'kommun'}:${cell.key}`;
        const page = (await analyst.get(`/rounds/${confidentialRound}/resultat?urval=${encodeURIComponent(urval)}`).expect(200)).text;
        const hidden = parseHtml(page)(`${item('deltog')} .hidden-cell[data-hidden]`).attr('data-hidden') ?? null;
        expect([urval, hidden]).toEqual([urval, cell.hidden ? cell.reason : null]);
      }
    }
  });

  it('names no organisation anywhere: not on the page, in any filter, nor in the comments', async () => {
    const pages = [html];
    for (const urval of ['typ:kommun', 'typ:larosate', 'kommun:Norrby', 'kommun:Exempelstad'])
      pages.push((await analyst.get(`/rounds/${confidentialRound}/resultat?urval=${encodeURIComponent(urval)}`).expect(200)).text);
    pages.push((await coordinator.get(`/rounds/${confidentialRound}/resultat`).expect(200)).text);
    for (const page of pages) for (const o of ORGS) expect(page).not.toContain(o.name);
    expect(textsOf(html, `${item('forslag')} .comment-text`)).toEqual([FORSLAG[4], FORSLAG[1], FORSLAG[9]]);
    expect(parseHtml(html)(`${item('forslag')} .comment-by`).length).toBe(0);
  });

  it('its exports: no organisation name, number, type, municipality or submission time, and the rows in a random order', async () => {
    const orders: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { body } = await download(analyst, `/rounds/${confidentialRound}/resultat/svar.csv?varden=koder`);
      const text = body.subarray(3).toString('utf8');
      for (const o of ORGS) {
        expect(text).not.toContain(o.name);
        if (o.municipality) expect(text).not.toContain(o.municipality);
      }
      expect(text).not.toMatch(/kommun|larosate|\d{6}-\d{4}|\d{4}-\d{2}-\d{2}/);
      const lines = text.split('\r\n').filter(Boolean);
      expect(lines[0]).toBe('svar;deltog;vilka;omdome.nytta;omdome.tydlighet;forslag');
      expect(lines.slice(1).map((l) => l.split(';')[0])).toEqual(Array.from({ length: 12 }, (_, k) => String(k + 1)));
      // every response once: the multiset of rows is the fixture's
      const rows = lines.slice(1).map((l) => l.split(';').slice(1).join(';'));
      const expected = DELTOG.map((d, k) =>
        [
          d,
          VILKA[k]?.join('|') ?? '',
          NYTTA[k],
          k % 2 === 0 ? (k % 4 === 0 ? 'hog' : 'lag') : '',
          FORSLAG[k] ? (FORSLAG[k].startsWith('+') ? `'${FORSLAG[k]}` : FORSLAG[k]) : '',
        ].join(';'),
      );
      expect([...rows].sort()).toEqual([...expected].sort());
      orders.push(rows.join('\n'));
    }
    // 12 rows: four exports in the same order by chance has a probability of (1/12!)³
    expect(new Set(orders).size).toBeGreaterThan(1);
    const wb = await workbook((await download(analyst, `/rounds/${confidentialRound}/resultat/svar.xlsx`)).body);
    const ws = wb.getWorksheet('Svar')!;
    expect(rowValues(ws, 1)[0]).toBe('Svar nr');
    expect(ws.rowCount).toBe(13);
    const all = JSON.stringify(wb.worksheets.map((s) => s.getSheetValues()));
    for (const o of ORGS) expect(all).not.toContain(o.name);
  });
});

describe('the raw answers as XLSX and CSV', () => {
  it('XLSX with labels: one row per organisation in name order, dates and numbers with their formats; the distribution sheet', async () => {
    const { body, headers } = await download(analyst, `/rounds/${round2025}/resultat/svar.xlsx`);
    expect(headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(headers['content-disposition']).toBe('attachment; filename="partnerpuls-svar-partnerskapsenkat-2025.xlsx"');
    const wb = await workbook(body);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['Svar', 'Fördelning', 'Om filen']);
    const ws = wb.getWorksheet('Svar')!;
    const header = rowValues(ws, 1);
    expect(header.slice(0, 5)).toEqual(['Organisation', 'Organisationsnummer', 'Organisationstyp', 'Kommun', 'Inskickat']);
    expect(header[5]).toBe(
      '1. Har er organisation använt den regionala utvecklingsstrategin eller resultatet från den årliga RUS-uppföljningen som underlag för verksamhetsplanering?',
    );
    expect(ws.rowCount).toBe(16); // 15 submitted (the draft is not there)
    // in name order (the database's collation decides where å, ä and ö go)
    const names = Array.from({ length: 15 }, (_, i) => rowValues(ws, i + 2)[0] as string);
    expect([...names].sort()).toEqual(
      ORGS.slice(0, 15)
        .map((o) => o.name)
        .sort(),
    );
    expect(names.indexOf('Almi Företagspartner Exempel')).toBe(0);
    const norrby = rowValues(ws, names.indexOf('Norrby kommun') + 2);
    expect(norrby.slice(0, 4)).toEqual(['Norrby kommun', '212000-0000', 'Kommun', 'Norrby']);
    expect(norrby[5]).toBe('I mycket hög utsträckning');
    expect(norrby[7]).toBe(COMMENTS_2025[0]); // a text cell, never a formula
    const submitted = ws.getRow(names.indexOf('Norrby kommun') + 2).getCell(5);
    expect(submitted.value).toBeInstanceOf(Date);
    expect(submitted.numFmt).toBe('yyyy-mm-dd hh:mm');
    const almi = rowValues(ws, names.indexOf('Almi Företagspartner Exempel') + 2);
    expect(almi[6]).toBeUndefined(); // rus_statistik left unanswered

    const dist = wb.getWorksheet('Fördelning')!;
    expect(rowValues(dist, 1)).toEqual([
      'Fråga',
      'Frågetext',
      'Påstående',
      'Svarsalternativ',
      'Svarskod',
      'Antal',
      'Andel',
      'Besvarade frågan (n)',
    ]);
    const [rus] = await computeRows(t.deps.db, 2025, vars, ['rus_i_verksamhetsplan']);
    let checked = 0;
    for (let r = 2; r <= dist.rowCount; r++) {
      const v = rowValues(dist, r);
      if (v[0] !== 1) continue;
      const d = rus.distribution.find((x) => x.code === v[4])!;
      expect([v[4], v[5], v[7]]).toEqual([d.code, d.count, 15]);
      expect(v[6] as number).toBeCloseTo(d.count / 15, 12);
      expect(dist.getRow(r).getCell(6).numFmt).toBe('0');
      expect(dist.getRow(r).getCell(7).numFmt).toBe('0.0%');
      checked++;
    }
    expect(checked).toBe(6);
    const about = wb.getWorksheet('Om filen')!;
    const aboutRows = Array.from({ length: about.rowCount }, (_, i) => rowValues(about, i + 1));
    expect(aboutRows.find((r) => r[0] === 'Svarsfrekvens')![1]).toBe('15 av 17');
    const rateRow = aboutRows.findIndex((r) => r[0] === 'Svarsfrekvens (andel)') + 1;
    expect(about.getRow(rateRow).getCell(2).value as number).toBeCloseTo(15 / 17, 12);
    expect(about.getRow(rateRow).getCell(2).numFmt).toBe('0%');
  });

  it('XLSX with codes: question ids as headers, option codes; several answers joined with |', async () => {
    const wb = await workbook((await download(analyst, `/rounds/${round2025}/resultat/svar.xlsx?varden=koder`)).body);
    const ws = wb.getWorksheet('Svar')!;
    expect(rowValues(ws, 1)).toEqual([
      'organisation',
      'organisationsnummer',
      'typ',
      'kommun',
      'inskickat',
      'rus_planering',
      'rus_statistik',
      'kommentar_rus',
      'fortroende_rua',
      'kommentar_rua',
    ]);
    const lan = Array.from({ length: 15 }, (_, i) => rowValues(ws, i + 2)).find((r) => r[0] === 'Länsstyrelsen i Exempellän')!;
    expect(lan.slice(2, 6)).toEqual(['lansstyrelse', 'Exempelstad', expect.any(Date), PLANERING_2025[13]]);
  });

  it('CSV for Excel: BOM, semicolons, CRLF, quoted cells with ; and line breaks, formula cells neutralised', async () => {
    const { body, headers } = await download(analyst, `/rounds/${round2025}/resultat/svar.csv`);
    expect(headers['content-type']).toBe('text/csv; charset=utf-8');
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = body.subarray(3).toString('utf8');
    expect(text.startsWith('Organisation;Organisationsnummer;Organisationstyp;Kommun;Inskickat;1. Har er organisation')).toBe(true);
    expect(text).toContain(`;'${COMMENTS_2025[0]};`);
    expect(text).toContain('"Vi använder strategin; mycket.\nEn andra rad."');
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(16);
    expect(text).toMatch(
      /^Norrby kommun;212000-0000;Kommun;Norrby;\d{4}-\d{2}-\d{2} \d{2}:\d{2};I mycket hög utsträckning;I hög utsträckning;/m,
    );
    const multiple = (await download(analyst, `/rounds/${confidentialRound}/resultat/svar.csv`)).body.toString('utf8');
    expect(multiple).toContain(';"Arbetsmötet; Årskonferensen";');
  });

  it('from the CLI: answers export --round N --format xlsx|csv [--codes] [--out FILE]', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-answers-'));
    const lines: string[] = [];
    const errors: string[] = [];
    const out = { log: (s: string) => lines.push(s), error: (s: string) => errors.push(s) };
    const file = path.join(dir, 'svar.xlsx');
    expect(await runCli(['answers', 'export', '--round', String(round2025), '--format', 'xlsx', '--out', file], t.deps, out)).toBe(0);
    expect(lines).toEqual([`Skrev ${file}.`]);
    const wb = await workbook(fs.readFileSync(file));
    expect(wb.getWorksheet('Svar')!.rowCount).toBe(16);
    const csv = path.join(dir, 'svar.csv');
    expect(await runCli(['answers', 'export', '--round', String(round2025), '--format', 'csv', '--codes', '--out', csv], t.deps, out)).toBe(
      0,
    );
    expect(fs.readFileSync(csv, 'utf8').split('\r\n')[0]).toBe(
      '\uFEFForganisation;organisationsnummer;typ;kommun;inskickat;rus_planering;rus_statistik;kommentar_rus;fortroende_rua;kommentar_rua',
    );
    // without --out: the file on standard output (the stream into it ends, process.stdout stays open)
    const written: Buffer[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(Buffer.from(chunk));
      const done = rest.find((r): r is () => void => typeof r === 'function');
      done?.();
      return true;
    });
    try {
      expect(await runCli(['answers', 'export', '--round', String(round2025), '--format', 'csv', '--codes'], t.deps, out)).toBe(0);
    } finally {
      write.mockRestore();
    }
    const piped = Buffer.concat(written).toString('utf8').split('\r\n').filter(Boolean);
    expect(piped).toHaveLength(16);
    expect(Buffer.concat(written).toString('utf8')).toBe(fs.readFileSync(csv, 'utf8'));
    expect(process.stdout.writable).toBe(true);
    expect(await runCli(['answers', 'export', '--format', 'csv'], t.deps, out)).toBe(2);
    expect(await runCli(['answers', 'export', '--round', String(round2025), '--format', 'pdf'], t.deps, out)).toBe(2);
    expect(await runCli(['answers', 'export', '--round', '99999', '--format', 'csv', '--out', path.join(dir, 'x.csv')], t.deps, out)).toBe(
      1,
    );
    expect(errors).toEqual([
      'Ange omgångens nummer med --round N (numret står i adressen till omgångens sida, /rounds/N).',
      '--format ska vara xlsx eller csv.',
      'Omgången finns inte.',
    ]);
    expect(fs.readdirSync(dir).sort()).toEqual(['svar.csv', 'svar.xlsx']);
  });
});
