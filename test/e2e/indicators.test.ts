// Indicators end to end: answers and registered attendance → the analyst's table, the JSON/CSV
// output (CLI and page), the API, publishing and republishing, targets, historical values.
// Figures are read from the element that carries them (the indicator's row, the cell), never by
// searching the whole page.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import request from 'supertest';
import { runCli } from '../../server/cli';
import { nowIso } from '../../server/db';
import { createApiToken } from '../../server/services/api-tokens';
import { SYSTEM } from '../../server/services/audit';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { type Agent, csrfFrom, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import { createPanel, createPartnership, createRound, insertSubmittedResponse, SURVEYS_DIR } from '../helpers/fixtures';
import { errorSummary, page as parseHtml, rowCells, textOf, textsOf } from '../helpers/html';

const CONTRACT_FIELDS = [
  'id',
  'name',
  'goal',
  'level',
  'year',
  'numerator',
  'denominator',
  'dontKnow',
  'invited',
  'responded',
  'value',
  'display',
  'target',
  'colour',
  'trend',
  'changePp',
  'changeIsClear',
  'ciLow',
  'ciHigh',
  'status',
  'published',
];

let t: TestApp;
let analyst: Agent;
let coordinator: Agent;
let organisationIds: number[];
let panelId: number;
let roundId: number;

function capture() {
  const lines: string[] = [];
  const errors: string[] = [];
  // write(): a file on standard output (the last line's end dropped, as a line of log())
  const write = (b: Buffer) => lines.push(b.toString('utf8').replace(/\r?\n$/, ''));
  return { lines, errors, out: { log: (s: string) => lines.push(s), error: (s: string) => errors.push(s), write } };
}

const rep = (code: string, n: number) => Array.from({ length: n }, () => code);

/** The API's error body. */
const apiError = (res: request.Response) => (res.body as { error: { status: number; message: string } }).error;

/** The text of a cell (by class) in an indicator's row of the year's table. */
const cellOf = (html: string, indicator: string, cell: string) => textOf(html, `tr[data-indicator="${indicator}"] .${cell}`);

beforeAll(async () => {
  // the shipped survey files plus a file of manual indicators (with goal-management codes)
  const surveysDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pp-surveys-')), 'surveys');
  fs.mkdirSync(path.join(surveysDir, 'indikatorer'), { recursive: true });
  for (const f of fs.readdirSync(SURVEYS_DIR))
    if (f.endsWith('.yaml')) fs.copyFileSync(path.join(SURVEYS_DIR, f), path.join(surveysDir, f));
  fs.writeFileSync(
    path.join(surveysDir, 'indikatorer', 'nämnd.yaml'),
    `indicators:
  - id: andel_sysselsatta
    kind: manual
    name: { sv: "Andel sysselsatta 20–64 år i {region} ska öka" }
    goal: { sv: Ett starkt näringsliv }
    level: effektmal
    direction: higher
    target: 80
    codes: { unit: RS100, indicator: "IND-0042" }
`,
  );
  t = await startTestApp({ SURVEYS_DIR: surveysDir, REGION_NAME: 'Region Exempel' });
  await syncIndicatorsFromFiles(t.deps);
  analyst = (await loggedInAgent(t, 'analyst')).agent;
  coordinator = (await loggedInAgent(t, 'coordinator')).agent;

  // 17 organisations invited to the partnership survey 2025, 15 answered (DOMAIN.md's example for rus_planering)
  const p = await createPartnership(t.deps.db, 17, 2025);
  organisationIds = p.organisationIds;
  panelId = p.panelId;
  roundId = await createRound(t.deps.db, { surveyId: 'partnerskapsenkat', year: 2025, panelId, state: 'stangd' });
  for (const id of organisationIds)
    await t.deps.db('invitations').insert({ round_id: roundId, organisation_id: id, invited_at: nowIso(), created_at: nowIso() });
  const planering = [...rep('mycket_hog', 2), ...rep('hog', 4), ...rep('viss_del', 5), ...rep('liten', 3), ...rep('vet_ej', 1)];
  const fortroende = [...rep('mycket_hogt', 3), ...rep('hogt', 5), ...rep('varken', 4), ...rep('lagt', 2), ...rep('vet_ej', 1)];
  for (let i = 0; i < 15; i++) {
    await insertSubmittedResponse(t.deps.db, roundId, organisationIds[i], {
      rus_planering: planering[i],
      rus_statistik: 'hog',
      fortroende_rua: fortroende[i],
    });
  }
});
afterAll(async () => t.close());

async function postWith(agent: Agent, pageUrl: string, url: string, fields: Record<string, string | string[]>) {
  const page = await agent.get(pageUrl);
  return agent
    .post(url)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}

describe('historical values', () => {
  it("a file with bad rows lists every row's problem and stores nothing", async () => {
    const bad = [
      'indicator;year;value;numerator;denominator;source;comment',
      'rus_i_verksamhetsplan;2024;;6;15;Verksamhetsberättelse 2024;',
      'finns_inte;2023;50;;;Rapport;',
      'fortroende_rua;2023;;3;0;Rapport;',
      'fortroende_rua;2022;;9;7;Rapport;',
      'fortroende_rua;2021;150;;;Rapport;',
      'fortroende_rua;2020;55,5;;;;',
    ].join('\r\n');
    const page = await analyst.get('/indicators/import').expect(200);
    const res = await analyst
      .post('/indicators/import')
      .field('_csrf', csrfFrom(page.text))
      .attach('file', Buffer.from(bad, 'utf8'), 'varden.csv');
    expect(res.status).toBe(400);
    const problems = errorSummary(res.text);
    expect(problems).toContain('Rad 3: indikatorn ”finns_inte” finns inte.');
    expect(problems.some((p) => p.startsWith('Rad 4: nämnaren är 0'))).toBe(true);
    expect(problems).toContain('Rad 5: täljaren (9) är större än nämnaren (7).');
    expect(problems).toContain('Rad 6: värdet ”150” ska vara en procentsats mellan 0 och 100.');
    expect(problems.some((p) => p.startsWith('Rad 7: källa saknas'))).toBe(true);
    expect(problems.some((p) => p.startsWith('Rad 2:'))).toBe(false);
    expect(res.text).not.toContain('Rad 2:');
    expect(Number((await t.deps.db('indicator_values').count({ n: '*' }))[0].n)).toBe(0);
  });

  it('a good file (Windows-1252, semicolons, decimal comma) is stored with its source; the CLI reads the same format', async () => {
    const good = [
      'indikator;år;värde;täljare;nämnare;källa;kommentar',
      'rus_i_verksamhetsplan;2024;;6;15;Verksamhetsberättelse 2024;Enkätverktyget',
      'fortroende_rua;2024;73,3;;;Verksamhetsberättelse 2024;',
      'fortroende_rua;2019;61;;;Årsredovisning 2019;',
    ].join('\r\n');
    const bytes = iconv.encode(good, 'win1252');
    const page = await analyst.get('/indicators/import');
    const res = await analyst.post('/indicators/import').field('_csrf', csrfFrom(page.text)).attach('file', bytes, 'varden.csv');
    expect(res.status).toBe(303);
    const rows = await t.deps.db('indicator_values').orderBy(['indicator_id', 'year']);
    expect(
      rows.map((r: Record<string, unknown>) => [
        r.indicator_id,
        r.year,
        r.numerator,
        r.denominator,
        r.value === null ? null : Number(r.value),
        r.source,
      ]),
    ).toEqual([
      ['fortroende_rua', 2019, null, null, 61, 'Årsredovisning 2019'],
      ['fortroende_rua', 2024, null, null, 73.3, 'Verksamhetsberättelse 2024'],
      ['rus_i_verksamhetsplan', 2024, 6, 15, null, 'Verksamhetsberättelse 2024'],
    ]);
    const file = path.join(t.tmpDir, 'manual.csv');
    fs.writeFileSync(file, '\ufeffindicator;year;value;source\r\nandel_sysselsatta;2025;78,4;SCB\r\nandel_sysselsatta;2024;77,9;SCB\r\n');
    const c = capture();
    expect(await runCli(['import', 'indicator-values', file], t.deps, c.out)).toBe(0);
    expect(c.lines.join('\n')).toContain('2 värden inlästa');
    const badFile = path.join(t.tmpDir, 'bad.csv');
    fs.writeFileSync(badFile, 'indicator;year;numerator;denominator;source\r\nandel_sysselsatta;2023;1;0;SCB\r\n');
    const b = capture();
    expect(await runCli(['import', 'indicator-values', badFile], t.deps, b.out)).toBe(1);
    expect(b.errors.join('\n')).toContain('Rad 2: nämnaren är 0');
  });
});

describe('attendance registered by the coordinator', () => {
  it('a meeting with a checklist and a check-in link gives the attendance indicator', async () => {
    const arshjulPanel = await createPanel(t.deps.db, organisationIds.slice(0, 10), 2025, 'arshjulet');
    const created = await postWith(coordinator, '/meetings?year=2025', '/meetings', {
      type: 'arbetsmote',
      heldOn: '2025-03-14',
      place: 'Exempelstad',
      panelId: String(arshjulPanel),
    });
    expect(created.status).toBe(303);
    const meetingUrl = created.headers.location;
    const id = meetingUrl.split('/').pop();
    const bad = await postWith(coordinator, '/meetings', '/meetings', {
      type: 'fika',
      heldOn: '2025-13-40',
      place: '',
      panelId: String(arshjulPanel),
    });
    expect(bad.status).toBe(400);
    const problems = errorSummary(bad.text);
    expect(problems.some((p) => p.startsWith('Välj mötestyp'))).toBe(true);
    expect(problems.some((p) => p.startsWith('Ange datumet som ÅÅÅÅ-MM-DD'))).toBe(true);

    const saved = await postWith(coordinator, meetingUrl, `/meetings/${id}/attendance`, {
      organisations: organisationIds.slice(0, 5).map(String),
    });
    expect(saved.status).toBe(303);
    const linkPage = await postWith(coordinator, meetingUrl, `/meetings/${id}/checkin-link`, {});
    expect(linkPage.status).toBe(200);
    const link = /http:\/\/partnerpuls\.test(\/incheckning\/[A-Za-z0-9_-]{43})/.exec(linkPage.text)![1];
    expect(linkPage.text).toContain('<path d="M');
    // an attendee checks in without an account
    const attendee = request.agent(t.app);
    const form = await attendee.get(link).expect(200);
    expect(form.text).toContain('Välj organisation');
    const done = await attendee
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), organisation: String(organisationIds[7]) });
    expect(done.status).toBe(200);
    expect(done.text).toContain('är incheckad');
    const outsider = await attendee
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), organisation: String(organisationIds[12]) });
    expect(outsider.status).toBe(400);
    // a check-in is a claim: it counts once the coordinator confirms it on the checklist
    const confirmed = await postWith(coordinator, meetingUrl, `/meetings/${id}/attendance`, {
      organisations: [...organisationIds.slice(0, 5), organisationIds[7]].map(String),
    });
    expect(confirmed.status).toBe(303);
    // a new link replaces the old one
    await postWith(coordinator, meetingUrl, `/meetings/${id}/checkin-link`, {});
    await request(t.app).get(link).expect(404);

    const audit = await t.deps
      .db('audit_log')
      .where({ entity_type: 'meeting', entity_id: String(id) })
      .orderBy('id');
    expect(audit.map((a: { action: string }) => a.action)).toEqual([
      'meeting.created',
      'meeting.attendance_set',
      'meeting.checkin_opened',
      'meeting.checkin_claimed',
      'meeting.attendance_set',
      'meeting.checkin_opened',
    ]);
  });
  it('a meeting form with a problem is shown again with the problem and what was typed, and changes nothing', async () => {
    const meeting = (await t.deps.db('meetings').orderBy('id').first())!;
    const url = `/meetings/${meeting.id}`;
    const edit = await postWith(coordinator, url, url, {
      type: 'arbetsmote',
      heldOn: '2025-02-30',
      place: 'Nyby',
      panelId: String(meeting.panel_id),
    });
    expect(edit.status).toBe(400);
    expect(errorSummary(edit.text)).toEqual(['Ange datumet som ÅÅÅÅ-MM-DD, t.ex. 2025-03-14.']);
    expect(parseHtml(edit.text)('#field-place').attr('value')).toBe('Nyby');
    const outsider = await postWith(coordinator, url, `${url}/attendance`, { organisations: [String(organisationIds[16])] });
    expect(outsider.status).toBe(400);
    expect(errorSummary(outsider.text)[0]).toMatch(/^Listan innehåller en organisation som inte är med i mötets panel/);
    expect(await t.deps.db('meetings').where({ id: meeting.id }).first()).toEqual(meeting);
  });
});

describe("the analyst's table and the output", () => {
  it('shows utfall, målvärde, colour with text, arrow with text, change, clarity, response rate, Vet ej and Wilson', async () => {
    const res = await analyst.get('/indicators?year=2025').expect(200);
    const html = parseHtml(res.text);
    // rus_i_verksamhetsplan (include): 11/15 → 73 %, target 74 → yellow; 2024 imported 6/15 → +33 pp
    const rus = (cell: string) => cellOf(res.text, 'rus_i_verksamhetsplan', cell);
    expect(textOf(html, 'tr[data-indicator="rus_i_verksamhetsplan"] .utfall .varde')).toBe('73 %');
    expect(rus('malvarde')).toBe('74 %');
    expect(rus('farg')).toBe('▲ Gul – mindre, godtagbar avvikelse');
    expect(textOf(html, 'tr[data-indicator="rus_i_verksamhetsplan"] .pil')).toBe('förbättrats');
    expect(textOf(html, 'tr[data-indicator="rus_i_verksamhetsplan"] .pp')).toBe('+33 procentenheter');
    // 11/15 vs 6/15: Newcombe −1,8 to +59,6 pp includes 0 — not statistically clear
    expect(textOf(html, 'tr[data-indicator="rus_i_verksamhetsplan"] .sakerhet')).toBe('Förändringen är inte statistiskt säkerställd');
    expect(textOf(html, 'tr[data-indicator="rus_i_verksamhetsplan"] .svar')).toBe('Svar: 15 av 17');
    expect(textOf(html, 'tr[data-indicator="rus_i_verksamhetsplan"] .ki-varde')).toBe('48,0–89,1 %');
    // fortroende_rua: 8/15 = 53 % vs 2024's imported 73,3 % (no counts: clarity cannot be judged)
    expect(textOf(html, 'tr[data-indicator="fortroende_rua"] .utfall .varde')).toBe('53 %');
    expect(textOf(html, 'tr[data-indicator="fortroende_rua"] .pil')).toBe('försämrats');
    expect(textOf(html, 'tr[data-indicator="fortroende_rua"] .sakerhet')).toBe(
      'Statistisk säkerhet kan inte bedömas (antal saknas för ett av åren)',
    );
    // attendance: 6 of the 10 organisations of the årshjul panel
    expect(textOf(html, 'tr[data-indicator="narvaro_arbetsmote"] .utfall .varde')).toBe('60 %');
    expect(cellOf(res.text, 'narvaro_arbetsmote', 'underlag')).toBe('6 av 10 organisationer');
    // manual indicator with its source
    expect(cellOf(res.text, 'andel_sysselsatta', 'indikator')).toBe('Andel sysselsatta 20–64 år i Region Exempel ska öka');
    expect(cellOf(res.text, 'andel_sysselsatta', 'underlag')).toBe('Manuellt värde: SCB');
    expect(textsOf(html, 'h2')).toContain('Sammanfattning per målnivå');
    expect(cellOf(res.text, 'rus_statistik_anvandning', 'farg')).toBe('● Grön – målet uppnått'); // 100 % vs 88
  });

  it('the indicator page shows the distribution over every option, the series and the breakdowns', async () => {
    const res = await analyst.get('/indicators/rus_i_verksamhetsplan?year=2025').expect(200);
    // 2 of the 15 that answered chose "I mycket hög utsträckning"
    expect(rowCells(res.text, 'table.distribution', 'I mycket hög utsträckning')).toEqual(['2', '13,3 %', 'Ja']);
    expect(textOf(res.text, 'table.series caption')).toBe('Utfall per år sedan 2019');
    expect(textOf(res.text, '[data-breakdown="type"] caption')).toBe('Per organisationstyp');
    expect(rowCells(res.text, 'table.stored-values', '2024')[1]).toBe('Verksamhetsberättelse 2024 (Enkätverktyget)');
    await analyst.get('/indicators/finns_inte?year=2025').expect(404);
    await coordinator.get('/indicators?year=2025').expect(403);
  });

  it('targets: 0–100 with a Swedish message, audited; and from the CLI', async () => {
    const bad = await postWith(analyst, '/indicators/fortroende_rua?year=2025', '/indicators/fortroende_rua/target', {
      year: '2025',
      target: '150',
    });
    expect(bad.status).toBe(400);
    expect(errorSummary(bad.text)).toEqual(['Målvärdet ska vara ett tal mellan 0 och 100 (procent), t.ex. 74 eller 74,5.']);
    const ok = await postWith(analyst, '/indicators/fortroende_rua?year=2025', '/indicators/fortroende_rua/target', {
      year: '2025',
      target: '52,5',
    });
    expect(ok.status).toBe(303);
    const c = capture();
    expect(await runCli(['targets', 'set', 'rus_statistik_anvandning', '2025', '90'], t.deps, c.out)).toBe(0);
    const e = capture();
    expect(await runCli(['targets', 'set', 'rus_statistik_anvandning', '2025', '100,5'], t.deps, e.out)).toBe(1);
    expect(e.errors.join('\n')).toContain('Målvärdet ska vara ett tal mellan 0 och 100');
    const audits = await t.deps.db('audit_log').where({ action: 'indicator.target_set' });
    expect(audits).toHaveLength(2);
  });

  it('a value form with a problem is shown again with the problem and what was typed; a bad year gives the error page', async () => {
    const url = '/indicators/rus_statistik_anvandning?year=2025';
    const bad = await postWith(analyst, url, '/indicators/rus_statistik_anvandning/value', {
      year: '2025',
      value: '150',
      numerator: '',
      denominator: '',
      source: 'SCB',
      valueComment: '',
    });
    expect(bad.status).toBe(400);
    expect(errorSummary(bad.text)).toEqual(['Värde: Värdet ”150” ska vara en procentsats mellan 0 och 100.']);
    expect(parseHtml(bad.text)('#field-source').attr('value')).toBe('SCB');
    expect(await t.deps.db('indicator_values').where({ indicator_id: 'rus_statistik_anvandning' })).toEqual([]);
    const noYear = await postWith(analyst, '/indicators?year=2025', '/indicators/publish', { year: 'tjugo', reason: '' });
    expect(noYear.status).toBe(400);
    expect(await t.deps.db('publications')).toEqual([]);
  });

  it('JSON from the CLI has every field of the contract', async () => {
    const c = capture();
    expect(await runCli(['indicators', '--year', '2025', '--format', 'json'], t.deps, c.out)).toBe(0);
    const rows = JSON.parse(c.lines.join('\n')) as Array<Record<string, unknown>>;
    const rus = rows.find((r) => r.id === 'rus_i_verksamhetsplan')!;
    for (const f of CONTRACT_FIELDS) expect(Object.keys(rus)).toContain(f);
    expect(rus).toMatchObject({
      year: 2025,
      level: 'namndmal',
      numerator: 11,
      denominator: 15,
      dontKnow: 1,
      invited: 17,
      responded: 15,
      display: '73 %',
      target: 74,
      colour: 'yellow',
      trend: 'improved',
      changeIsClear: false,
      status: 'delvis',
      published: false,
      responseRate: '15 av 17',
      unanswered: 0,
    });
    expect(rus.value as number).toBeCloseTo(73.3333333333, 8);
    expect(rus.changePp as number).toBeCloseTo(33.3333333333, 8);
    const rua = rows.find((r) => r.id === 'fortroende_rua')!;
    expect(rua).toMatchObject({ target: 52.5, colour: 'green', changeIsClear: null });
    const attendance = rows.find((r) => r.id === 'narvaro_arbetsmote')!;
    expect(attendance).toMatchObject({ numerator: 6, denominator: 10, display: '60 %', colour: 'red' });
  });

  it('CSV for Swedish Excel: BOM, semicolons, decimal comma; the flat export has the codes', async () => {
    const res = await analyst
      .get('/indicators/export?year=2025&format=csv')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = body.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe(
      'id;name;goal;level;year;numerator;denominator;dontKnow;unanswered;invited;responded;value;display;displayOneDecimal;target;colour;trend;changePp;changeIsClear;ciLow;ciHigh;status;statusReason;responseRate;dontKnowShare;source;comment;published',
    );
    const rus = lines.find((l) => l.startsWith('rus_i_verksamhetsplan;'))!;
    expect(rus).toContain(';2025;11;15;1;0;17;15;73,3333333333;73 %;73,3 %;74;yellow;improved;33,3333333333;false;');
    const c = capture();
    expect(await runCli(['indicators', '--year', '2025', '--format', 'flat'], t.deps, c.out)).toBe(0);
    expect(
      c.lines
        .join('\n')
        .replace(/^\ufeff/, '')
        .split('\r\n'),
    ).toEqual([
      'datum;enhetskod;indikatorkod;kolumn;varde',
      '2025-12-31;RS100;IND-0042;utfall;78',
      '2025-12-31;RS100;IND-0042;målvärde;80',
      // the shipped partnership survey carries example codes
      '2025-12-31;RUN;RUA-01;utfall;53',
      '2025-12-31;RUN;RUA-01;målvärde;52,5',
      '2025-12-31;RUN;RUS-01;utfall;73',
      '2025-12-31;RUN;RUS-01;målvärde;74',
      '2025-12-31;RUN;RUS-02;utfall;100',
      '2025-12-31;RUN;RUS-02;målvärde;90',
    ]);
  });

  it('the API needs a token (401 JSON), answers the JSON array, and is read-only', async () => {
    const none = await request(t.app).get('/api/v1/indicators?year=2025');
    expect(none.status).toBe(401);
    expect(apiError(none).status).toBe(401);
    await request(t.app)
      .get('/api/v1/indicators?year=2025')
      .set('Authorization', 'Bearer pp_' + 'x'.repeat(43))
      .expect(401);
    const token = await createApiToken(t.deps.db, SYSTEM, 'Målstyrning');
    const ok = await request(t.app).get('/api/v1/indicators?year=2025').set('Authorization', `Bearer ${token}`).expect(200);
    expect(ok.headers['content-type']).toMatch(/application\/json/);
    const rus = (ok.body as Array<Record<string, unknown>>).find((r) => r.id === 'rus_i_verksamhetsplan')!;
    expect(rus).toMatchObject({ display: '73 %', published: false });
    await request(t.app).get('/api/v1/indicators?year=tjugo').set('Authorization', `Bearer ${token}`).expect(400);
    const post = await request(t.app).post('/api/v1/indicators?year=2025').set('Authorization', `Bearer ${token}`);
    expect([404, 405]).toContain(post.status);
  });
});

describe('publishing', () => {
  it('freezes the figures; a later change shows as "skiljer sig från publicerat"; republishing needs a reason and adds a version', async () => {
    const token = await createApiToken(t.deps.db, SYSTEM, 'Rapport');
    const first = await postWith(analyst, '/indicators?year=2025', '/indicators/publish', { year: '2025', reason: '' });
    expect(first.status).toBe(303);
    const api1 = await request(t.app).get('/api/v1/indicators?year=2025').set('Authorization', `Bearer ${token}`).expect(200);
    expect((api1.body as Array<Record<string, unknown>>).every((r) => r.published === true)).toBe(true);

    // an organisation changes its answer after publication: 11/15 → 12/15 live
    const resp = await t.deps.db('responses').where({ round_id: roundId, organisation_id: organisationIds[11] }).first();
    await t.deps.db('answers').where({ response_id: resp!.id, question_id: 'rus_planering' }).update({ option_code: 'hog' });
    const table = await analyst.get('/indicators?year=2025').expect(200);
    const differs = textOf(table.text, 'tr[data-indicator="rus_i_verksamhetsplan"] .differs');
    expect(differs).toMatch(/^Skiljer sig från publicerat: /);
    expect(differs.split(': ')[1].split(', ')).toContain('täljare');
    const api2 = await request(t.app).get('/api/v1/indicators?year=2025').set('Authorization', `Bearer ${token}`).expect(200);
    expect((api2.body as Array<Record<string, unknown>>).find((r) => r.id === 'rus_i_verksamhetsplan')).toMatchObject({
      numerator: 11,
      display: '73 %',
      published: true,
      publishedVersion: 1,
    });

    const noReason = await postWith(analyst, '/indicators?year=2025', '/indicators/publish', { year: '2025', reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(errorSummary(noReason.text)).toEqual(['2025 är redan publicerat. Skriv varför året publiceras igen (vad som har rättats).']);
    const again = await postWith(analyst, '/indicators?year=2025', '/indicators/publish', {
      year: '2025',
      reason: 'Rättat svar från en kommun.',
    });
    expect(again.status).toBe(303);
    const api3 = await request(t.app).get('/api/v1/indicators?year=2025').set('Authorization', `Bearer ${token}`).expect(200);
    expect((api3.body as Array<Record<string, unknown>>).find((r) => r.id === 'rus_i_verksamhetsplan')).toMatchObject({
      numerator: 12,
      display: '80 %',
      colour: 'green',
      publishedVersion: 2,
    });
    const republished = await analyst.get('/indicators?year=2025').expect(200);
    expect(rowCells(republished.text, 'table.publications', '2')[2]).toBe('Rättat svar från en kommun.');
    expect(textsOf(republished.text, '.differs')).toEqual([]);
    expect(republished.text).not.toContain('Skiljer sig från publicerat');
    const versions = await t.deps.db('publications').where({ year: 2025 }).orderBy('version');
    expect(versions.map((v: { version: number; reason: string | null }) => [v.version, v.reason])).toEqual([
      [1, null],
      [2, 'Rättat svar från en kommun.'],
    ]);
  });
});

describe('rate limit', () => {
  it('the API is rate-limited with a JSON 429', async () => {
    let limited: request.Response | null = null;
    for (let i = 0; i < 125 && !limited; i++) {
      const res = await request(t.app).get('/api/v1/indicators?year=1999');
      if (res.status === 429) limited = res;
    }
    expect(limited).not.toBeNull();
    expect(apiError(limited!).message).toContain('För många förfrågningar');
  });

  it('made-up keys do not each get a bucket of their own: guessing is limited per address', async () => {
    const fresh = await startTestApp();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) {
        const guess = 'pp_' + crypto.randomBytes(32).toString('base64url');
        statuses.push((await request(fresh.app).get('/api/v1/indicators?year=2025').set('Authorization', `Bearer ${guess}`)).status);
      }
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    } finally {
      await fresh.close();
    }
  });
});
