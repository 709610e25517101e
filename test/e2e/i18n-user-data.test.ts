// User data is only ever an interpolation value, never a translation key (issue 9, item 17): an
// organisation, panel, round, survey or municipality named like i18next syntax ($t(…), %{…}) or
// Handlebars ({{…}}) — or exactly like a text the interface translates — is shown as written, in
// Swedish and in English, in the page title and on the page.
import request from 'supertest';
import { nowIso } from '../../server/db';
import { ensureInvitation, issueToken } from '../../server/services/invitations';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { createViewEngine, VIEWS_DIR } from '../../server/views';
import { csrfFrom, type Agent, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import {
  createContact,
  createOrganisation,
  createPanel,
  createRound,
  insertSubmittedResponse,
  surveyFromYaml,
  TEST_LINK_CAUSE,
} from '../helpers/fixtures';
import { page as parse, rowCells, textOf } from '../helpers/html';

const NESTING = '$t(Logga in)';
const TRICKS = '$t(Logga ut) %{n} {{t "Logga in"}} $t(Översikt, {"lng": "en"})';

let t: TestApp;
let coordinator: Agent;
let analyst: Agent;
beforeAll(async () => {
  t = await startTestApp();
  coordinator = (await loggedInAgent(t, 'coordinator')).agent;
  analyst = (await loggedInAgent(t, 'analyst')).agent;
});
afterAll(async () => t.close());

const titleOf = (html: string) => parse(html)('title').text();

/** The same page in English (the language switch is a POST with CSRF). */
async function inEnglish(agent: Agent, url: string) {
  const first = await agent.get(url).expect(200);
  await agent
    .post('/sprak')
    .type('form')
    .send({ _csrf: csrfFrom(first.text), lang: 'en', returnTo: url })
    .expect(303);
  const en = await agent.get(url).expect(200);
  const back = await agent.get(url);
  await agent
    .post('/sprak')
    .type('form')
    .send({ _csrf: csrfFrom(back.text), lang: 'sv', returnTo: url });
  return en;
}

describe('names are shown as written, never translated or evaluated', () => {
  it.each([NESTING, TRICKS, 'Logga in'])('an organisation named %j', async (name) => {
    const id = await createOrganisation(t.deps.db, { name });
    const sv = await coordinator.get(`/organisations/${id}`).expect(200);
    expect(titleOf(sv.text)).toBe(`${name} – Partnerpuls`);
    expect(textOf(sv.text, 'h1')).toBe(name);
    const en = await inEnglish(coordinator, `/organisations/${id}`);
    expect(titleOf(en.text)).toBe(`${name} – Partnerpuls`);
  });

  it('a panel and a round named like a translation', async () => {
    const org = await createOrganisation(t.deps.db);
    const panelId = await createPanel(t.deps.db, [org], 2026);
    await t.deps.db('panels').where({ id: panelId }).update({ name: TRICKS });
    const panel = await coordinator.get(`/panels/${panelId}?year=2026`).expect(200);
    expect(titleOf(panel.text)).toBe(`${TRICKS} – Partnerpuls`);
    const roundId = await createRound(t.deps.db, { year: 2026, panelId });
    await t.deps.db('rounds').where({ id: roundId }).update({ title: NESTING });
    const round = await coordinator.get(`/rounds/${roundId}`).expect(200);
    expect(titleOf(round.text)).toBe(`${NESTING} – Partnerpuls`);
    expect(titleOf((await inEnglish(coordinator, `/rounds/${roundId}`)).text)).toBe(`${NESTING} – Partnerpuls`);
  });

  it('a survey titled like a translation, on the respondent form', async () => {
    const survey = surveyFromYaml(`id: konstig
title: { sv: "${NESTING}", en: "${NESTING}" }
intro: { sv: Intro, en: Intro }
estimatedMinutes: 2
questions:
  - id: fraga
    type: yesno
    text: { sv: Fråga, en: Question }
`);
    const org = await createOrganisation(t.deps.db);
    const panelId = await createPanel(t.deps.db, [org], 2026);
    const roundId = await createRound(t.deps.db, { survey, year: 2026, panelId });
    const token = await issueToken(t.deps.db, await ensureInvitation(t.deps.db, roundId, org), null, TEST_LINK_CAUSE);
    const form = await request(t.app).get(`/s/${token}/svar`).expect(200);
    expect(titleOf(form.text)).toBe(`${NESTING} – Partnerpuls`);
  });

  it('a municipality named like a translation, in the breakdown of an indicator', async () => {
    const orgs: number[] = [];
    for (let i = 0; i < 12; i++) orgs.push(await createOrganisation(t.deps.db, { municipality: i < 6 ? NESTING : 'Logga in' }));
    const panelId = await createPanel(t.deps.db, orgs, 2025);
    const roundId = await createRound(t.deps.db, { year: 2025, panelId, state: 'stangd' });
    const codes = ['mycket_hog', 'hog', 'liten', 'inte_alls', 'viss_del', 'liten'];
    for (const [i, org] of orgs.entries()) await insertSubmittedResponse(t.deps.db, roundId, org, { rus_planering: codes[i % 6] });
    await syncIndicatorsFromFiles(t.deps);
    const res = await analyst.get('/indicators/rus_i_verksamhetsplan?year=2025').expect(200);
    expect(rowCells(res.text, '[data-breakdown="municipality"]', NESTING)).toHaveLength(2);
    const en = await inEnglish(analyst, '/indicators/rus_i_verksamhetsplan?year=2025');
    expect(rowCells(en.text, '[data-breakdown="municipality"]', 'Logga in')).toHaveLength(2);
    expect(textOf(en.text, '[data-breakdown="type"] caption')).toBe('By organisation type');
  });

  it('a bounce reason from the mail server, on the send page', async () => {
    const org = await createOrganisation(t.deps.db, { name: 'Studsby' });
    const contact = await createContact(t.deps.db, org, { name: 'Studsad Person' });
    await t.deps.db('contacts').where({ id: contact }).update({ bounced_at: nowIso(), bounce_reason: NESTING });
    const panelId = await createPanel(t.deps.db, [org], 2026);
    const roundId = await createRound(t.deps.db, { year: 2026, panelId });
    const page = await coordinator.get(`/rounds/${roundId}/mail/send`).expect(200);
    expect(rowCells(page.text, '#unreachable', 'Studsad Person')).toEqual(['Studsby', `E-post har studsat (${NESTING})`]);
  });
});

describe('the {{t}} helper', () => {
  const engine = createViewEngine(VIEWS_DIR);
  const render = (src: string, context: Record<string, unknown>) =>
    engine.handlebars.compile(src, {})(context, { helpers: engine.helpers });

  it('shows a value that is not a key as it is, and never nests or interpolates inside it', () => {
    expect(render('{{t name}}', { locale: 'sv', name: TRICKS })).toBe(TRICKS.replace(/"/g, '&quot;'));
    expect(render('{{t name}}', { locale: 'en', name: NESTING })).toBe(NESTING);
  });

  it('puts values into a key and leaves them alone; a value cannot set an option of i18next', () => {
    expect(render('{{t "Logga in"}}', { locale: 'en' })).toBe('Log in');
    expect(render('{{t "Hej %{name}" name=name}}', { locale: 'sv', name: NESTING })).toBe(`Hej ${NESTING}`);
    expect(render('{{t "Logga in" lng="en"}}', { locale: 'sv' })).toBe('Logga in');
    expect(render('{{t key values=v}}', { locale: 'sv', key: '%{a} och %{b}', v: { a: NESTING, b: '%{a}' } })).toBe(`${NESTING} och %{a}`);
  });
});
