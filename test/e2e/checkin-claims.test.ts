// Issue 9, item 5: a check-in cannot move a figure on one person's word. One anonymous browser
// checked in all 17 organisations and the attendance indicator went from 0 % to 100 %. Now each
// check-in is a claim (one organisation per browser) that counts only when the coordinator
// confirms it on the meeting's checklist.
import request from 'supertest';
import { computeRows } from '../../server/services/indicators';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { type Agent, csrfFrom, loggedInAgent, postForm, startTestApp, type TestApp } from '../helpers/app';
import { createPartnership } from '../helpers/fixtures';
import { errorSummary, page, textOf } from '../helpers/html';

const VARS = { region: 'Region Test', strategy: 'Teststrategin' };
let t: TestApp;
let coordinator: Agent;
let orgIds: number[];
let meetingId: number;
let link: string;

beforeAll(async () => {
  // behind a proxy, as at a real meeting: each browser its own address (the check-in link's rate limit is per address)
  t = await startTestApp({ TRUST_PROXY: '1' });
  await syncIndicatorsFromFiles(t.deps);
  coordinator = (await loggedInAgent(t, 'coordinator')).agent;
  const p = await createPartnership(t.deps.db, 17, 2030);
  orgIds = p.organisationIds;
  const created = await postForm(coordinator, '/meetings?year=2030', '/meetings', {
    type: 'arbetsmote',
    heldOn: '2030-03-14',
    place: 'Regionhuset',
    panelId: String(p.panelId),
  });
  expect(created.status).toBe(303);
  meetingId = Number(/\/meetings\/(\d+)/.exec(created.headers.location)![1]);
  const made = await postForm(coordinator, `/meetings/${meetingId}`, `/meetings/${meetingId}/checkin-link`, {});
  link = new URL(textOf(made.text, 'code.copyable')).pathname;
});
afterAll(async () => t.close());

const attendance = async () => (await computeRows(t.deps.db, 2030, VARS, ['narvaro_arbetsmote']))[0];

let address = 0;
const browsers = new WeakMap<Agent, string>();
async function checkIn(browser: Agent, organisationId: number) {
  if (!browsers.has(browser)) browsers.set(browser, `198.18.0.${++address}`);
  const ip = browsers.get(browser)!;
  const form = await browser.get(link).set('X-Forwarded-For', ip).expect(200);
  return browser
    .post(link)
    .set('X-Forwarded-For', ip)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), organisation: String(organisationId) });
}

it('one browser checks in one organisation; the others from it are refused', async () => {
  const browser = request.agent(t.app);
  const first = await checkIn(browser, orgIds[0]);
  expect(first.status).toBe(200);
  expect(textOf(first.text, '[role="status"]')).toContain('bekräftar närvaron');
  for (const id of orgIds.slice(1)) {
    const res = await checkIn(browser, id);
    expect(res.status).toBe(400);
    expect(errorSummary(res.text)).toContainEqual(expect.stringContaining('En organisation per webbläsare'));
  }
  expect(await t.deps.db('meeting_checkins').where({ meeting_id: meetingId })).toHaveLength(1);
  // the same organisation again from the same browser is fine (it is already checked in)
  expect((await checkIn(browser, orgIds[0])).status).toBe(200);
});

it('check-ins from 17 browsers are claims: the figure stays at 0 % until the coordinator confirms them', async () => {
  for (const id of orgIds.slice(1)) expect((await checkIn(request.agent(t.app), id)).status).toBe(200);
  expect(await attendance()).toMatchObject({ numerator: 0, denominator: 17, display: '0 %' });

  const show = await coordinator.get(`/meetings/${meetingId}`).expect(200);
  expect(textOf(show.text, '#pending-claims')).toContain('17 incheckningar via länken väntar på bekräftelse');
  const $ = page(show.text);
  expect($('input[name="organisations"]:checked').length).toBe(0);
  expect($(`label[for="org-${orgIds[0]}"]`).text()).toContain('inte bekräftad');

  // the coordinator confirms 15 of them (two were not there)
  const confirmed = orgIds.slice(0, 15).map(String);
  const saved = await coordinator
    .post(`/meetings/${meetingId}/attendance`)
    .type('form')
    .send({ _csrf: csrfFrom(show.text), organisations: confirmed });
  expect(saved.status).toBe(303);
  expect(await attendance()).toMatchObject({ numerator: 15, denominator: 17, display: '88 %' });
  const after = await coordinator.get(`/meetings/${meetingId}`).expect(200);
  expect(textOf(after.text, '#pending-claims')).toContain('2 incheckningar');
  const audit = await t.deps.db('audit_log').where({ action: 'meeting.attendance_set' }).orderBy('id', 'desc').first();
  expect(audit?.actor).toBe('user');
});
