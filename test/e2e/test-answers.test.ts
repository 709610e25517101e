// A round's test link: usable before and after the round opens, its answers kept apart and never
// counted. The proof: submit test answers that would move every figure, and read every figure
// again — the indicator table, an indicator's page, the API, the CSV, flat, CSV för Excel and
// XLSX exports, the year's report, the follow-up "x av N", the round's response rate and the raw
// answers — all unchanged. Then the test answers are listed and cleared.
import { load } from 'cheerio';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { nowIso } from '../../server/db';
import { createApiToken } from '../../server/services/api-tokens';
import { SYSTEM } from '../../server/services/audit';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { type Agent, csrfFrom, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import { createPartnership, createRound, insertSubmittedResponse } from '../helpers/fixtures';
import { errorSummary, textOf, textsOf } from '../helpers/html';

const YEAR = 2025;
let t: TestApp;
let coordinator: Agent;
let analyst: Agent;
let apiToken: string;
let roundId: number;
let draftRoundId: number;
let organisationIds: number[];

const db = () => t.deps.db;

/** Makes the round's test link from its page, the way a coordinator does; returns the link's path. */
async function testLinkOf(id: number): Promise<string> {
  const page = await coordinator.get(`/rounds/${id}`).expect(200);
  const res = await coordinator
    .post(`/rounds/${id}/testlank`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
    .expect(200);
  const url = textOf(res.text, '#test-link code');
  expect(url).toMatch(/^http:\/\/partnerpuls\.test\/s\/test\/[A-Za-z0-9_-]{43}$/);
  return url.replace('http://partnerpuls.test', '');
}

/** Answers through a test link as a respondent's browser does. */
async function answerTest(link: string, fields: Record<string, string>) {
  const agent = request.agent(t.app);
  const form = await agent.get(link).expect(200);
  return agent
    .post(link)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), _action: 'submit', ...fields });
}

/** A response body as bytes (the Excel workbook). */
const binary = (r: request.Test): request.Test =>
  r.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });

/** Every cell value of every sheet of the indicator workbook, sheet by sheet. */
async function workbookCells(): Promise<string> {
  const res = await binary(analyst.get(`/indicators/export?year=${YEAR}&format=xlsx`)).expect(200);
  const bytes = res.body as Buffer;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const sheets: unknown[] = [];
  wb.eachSheet((ws) => {
    const rows: unknown[] = [];
    ws.eachRow((row) => rows.push(row.values));
    sheets.push([ws.name, rows]);
  });
  return JSON.stringify(sheets);
}

/** Every figure a test answer could reach, as the pages, exports and the API show them. */
async function figures() {
  const table = await analyst.get(`/indicators?year=${YEAR}`).expect(200);
  const indicator = await analyst.get(`/indicators/fortroende_rua?year=${YEAR}`).expect(200);
  const csv = await analyst.get(`/indicators/export?year=${YEAR}&format=csv`).expect(200);
  const flat = await analyst.get(`/indicators/export?year=${YEAR}&format=flat`).expect(200);
  const excelCsv = await binary(analyst.get(`/indicators/export?year=${YEAR}&format=csv-excel`)).expect(200);
  const report = await analyst.get(`/rapport/${YEAR}`).expect(200);
  const api = await request(t.app).get(`/api/v1/indicators?year=${YEAR}`).set('Authorization', `Bearer ${apiToken}`).expect(200);
  const followUp = await coordinator.get(`/rounds/${roundId}/mail`).expect(200);
  const round = await coordinator.get(`/rounds/${roundId}`).expect(200);
  const rounds = await coordinator.get('/rounds').expect(200);
  const answers = await coordinator.get(`/rounds/${roundId}/svar/${organisationIds[0]}`).expect(200);
  return {
    table: textsOf(table.text, 'table.indicator-table tbody tr'),
    summary: textsOf(table.text, 'table.summary-table tbody tr'),
    distribution: textsOf(indicator.text, 'table.distribution tr'),
    csv: csv.text,
    flat: flat.text,
    excelCsv: (excelCsv.body as Buffer).toString('base64'),
    xlsx: await workbookCells(),
    report: textsOf(report.text, 'article[data-indicator]'),
    reportSummary: textsOf(report.text, '#sammanfattning tr'),
    reportTrust: textOf(report.text, 'article[data-indicator="fortroende_rua"] .utfall strong'),
    api: JSON.stringify(api.body),
    followUp: textOf(followUp.text, '#response-rate'),
    totals: textsOf(followUp.text, '#totals tr'),
    roundRate: textOf(round.text, '#round-response-rate'),
    roundCounts: textsOf(round.text, '#organisation-statuses tbody tr'),
    roundsList: textsOf(rounds.text, 'main table tbody tr'),
    rawAnswers: textsOf(answers.text, '#answer-summary div'),
    responseRows: await db()('responses').count({ n: '*' }).first(),
    answerRows: await db()('answers').count({ n: '*' }).first(),
  };
}

beforeAll(async () => {
  t = await startTestApp();
  await syncIndicatorsFromFiles(t.deps);
  coordinator = (await loggedInAgent(t, 'coordinator')).agent;
  analyst = (await loggedInAgent(t, 'analyst')).agent;
  apiToken = await createApiToken(db(), SYSTEM, 'test');
  // 6 organisations invited, 3 answered
  const p = await createPartnership(db(), 6, YEAR);
  organisationIds = p.organisationIds;
  roundId = await createRound(db(), { surveyId: 'partnerskapsenkat', year: YEAR, panelId: p.panelId, state: 'oppen' });
  for (const id of organisationIds)
    await db()('invitations').insert({ round_id: roundId, organisation_id: id, invited_at: nowIso(), created_at: nowIso() });
  for (const [i, code] of ['hogt', 'varken', 'lagt'].entries())
    await insertSubmittedResponse(db(), roundId, organisationIds[i], {
      rus_planering: 'viss_del',
      rus_statistik: 'liten',
      fortroende_rua: code,
    });
  draftRoundId = await createRound(db(), { surveyId: 'arshjulet', year: YEAR, panelId: p.panelId, state: 'utkast' });
});
afterAll(async () => t.close());

describe('test answers', () => {
  it('never appear in any figure: indicators, the API, the exports, the follow-up, the response rate, the raw answers', async () => {
    const before = await figures();
    expect(before.followUp).toBe('3 av 6 (50 %)');
    expect(before.reportTrust).toMatch(/^\d+ %$/);
    const link = await testLinkOf(roundId);
    // the form is the round's own, marked as a test
    const form = await request(t.app).get(link).expect(200);
    expect(textOf(form.text, '#test-banner strong')).toBe('Testlänk');
    expect(textsOf(form.text, 'legend.question-text')[0]).toMatch(/^Fråga 1\. Har er organisation använt/);
    // answers checked like real ones
    const bad = await answerTest(link, { rus_planering: 'hog' });
    expect(bad.status).toBe(400);
    expect(errorSummary(bad.text)).toEqual(['Välj ett svar på fråga 2.', 'Välj ett svar på fråga 4.']);
    // five test answers that would move every figure
    for (let i = 0; i < 5; i++) {
      const res = await answerTest(link, {
        rus_planering: 'mycket_hog',
        rus_statistik: 'mycket_hog',
        fortroende_rua: 'mycket_hogt',
        kommentar_rua: 'Test',
      });
      expect(res.status).toBe(303);
      const receipt = await request(t.app).get(res.headers.location).expect(200);
      expect(textOf(receipt.text, 'h1')).toBe('Testsvaret är sparat');
    }
    expect(await figures()).toEqual(before);
    // they are there, apart
    const list = await coordinator.get(`/rounds/${roundId}/testsvar`).expect(200);
    expect(textOf(list.text, '#test-answer-count')).toBe('Antal testsvar: 5');
    expect(textsOf(list.text, '.test-answer dd').slice(0, 5)).toEqual([
      'I mycket hög utsträckning',
      'I mycket hög utsträckning',
      'Inte besvarad',
      'Mycket högt förtroende',
      'Test',
    ]);
    expect(textOf((await coordinator.get(`/rounds/${roundId}`)).text, '#test-answers-link')).toBe('Testsvar: 5');
  });

  it('can be cleared', async () => {
    const page = await coordinator.get(`/rounds/${roundId}/testsvar`);
    const res = await coordinator
      .post(`/rounds/${roundId}/testsvar/rensa`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    const after = await coordinator.get(`/rounds/${roundId}/testsvar`);
    expect(textOf(after.text, '.notice-success')).toBe('5 testsvar är borttagna.');
    expect(textOf(after.text, '#test-answer-count')).toBe('Antal testsvar: 0');
    expect(await db()('test_responses').where({ round_id: roundId })).toHaveLength(0);
  });

  it('the test link works before the round opens; a new link replaces the old one', async () => {
    const first = await testLinkOf(draftRoundId);
    const form = await request(t.app).get(first).expect(200);
    expect(textOf(form.text, 'h1')).toBe('Utvärdering av årshjulet');
    expect((await answerTest(first, { arshjul_moten: 'inget', arshjul_samverkan: 'vet_ej' })).status).toBe(303);
    const second = await testLinkOf(draftRoundId);
    await request(t.app).get(first).expect(404);
    await request(t.app).get(second).expect(200);
    expect(load((await coordinator.get(`/rounds/${draftRoundId}`)).text)('#test-answers-link').text()).toBe('Testsvar: 1');
    // the draft round has no responses: nothing counted anywhere
    expect(await db()('responses').where({ round_id: draftRoundId })).toHaveLength(0);
    // a made-up link is the same "link does not work" page as any
    await request(t.app)
      .get(`/s/test/${'x'.repeat(43)}`)
      .expect(404);
  });

  it('only coordinators make test links and see test answers', async () => {
    await analyst.get(`/rounds/${roundId}/testsvar`).expect(403);
    const page = await analyst.get(`/rounds/${roundId}`).expect(200);
    expect(load(page.text)('form[action$="/testlank"]')).toHaveLength(0);
    await analyst
      .post(`/rounds/${roundId}/testlank`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(403);
  });
});
