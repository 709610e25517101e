// Issue 9, item 4: "Importera tidigare svar" is for rounds that have no personal links and are not
// open. An import into this year's open round made organisations "submitted" without answering
// (their own link said so, and no reminder reached them): refused, with a clear message, through
// the interface and the command line alike; and an imported round cannot be opened.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { runCli } from '../../server/cli';
import { currentYear } from '../../server/lib/year';
import { CLI } from '../../server/services/audit';
import { linksForRound, reopenRound } from '../../server/services/rounds';
import { type Agent, csrfFrom, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import { createContact, createOrganisation, createPanel, createRound } from '../helpers/fixtures';
import { textOf, textsOf } from '../helpers/html';

let t: TestApp;
let coordinator: Agent;
const db = () => t.deps.db;
let orgIds: number[];
const YEAR = currentYear();

beforeAll(async () => {
  t = await startTestApp();
  coordinator = (await loggedInAgent(t, 'coordinator')).agent;
  orgIds = [];
  for (const name of ['Alfa kommun', 'Beta kommun', 'Gamma kommun']) {
    const id = await createOrganisation(db(), { name });
    await createContact(db(), id);
    orgIds.push(id);
  }
});
afterAll(async () => t.close());

const FILE = Buffer.from('organisation;rus_planering;fortroende_rua\nAlfa kommun;hog;hogt\nBeta kommun;liten;lagt\n');

async function upload(fields: Record<string, string>) {
  const form = await coordinator.get('/rounds/import').expect(200);
  let req = coordinator.post('/rounds/import').field('_csrf', csrfFrom(form.text));
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req.attach('file', FILE, { filename: 'svar.csv', contentType: 'text/csv' });
}

async function cli(panelSlug: string, year: number) {
  const file = path.join(t.tmpDir, 'svar.csv');
  fs.writeFileSync(file, FILE);
  const err: string[] = [];
  const code = await runCli(
    ['import', 'responses', file, '--survey', 'partnerskapsenkat', '--year', String(year), '--panel', panelSlug],
    t.deps,
    {
      log: () => undefined,
      error: (s) => err.push(s),
    },
  );
  return { code, err: err.join('\n') };
}

const responsesOf = async (roundId: number) => db()('responses').where({ round_id: roundId });

it("refuses this year's open round with personal links, on the page and on the command line; nobody becomes submitted", async () => {
  const panelId = await createPanel(db(), orgIds, YEAR, 'oppen-panel');
  const roundId = await createRound(db(), { year: YEAR, panelId, state: 'oppen' });
  const links = await linksForRound(db(), roundId);
  const res = await upload({ survey: 'partnerskapsenkat', year: String(YEAR), panel: String(panelId) });
  expect(res.status).toBe(400);
  const problems = textsOf(res.text, '#import-problems li').join(' ');
  expect(problems).toContain('är öppen: organisationerna svarar själva via sina personliga länkar');
  expect(problems).toContain('Tidigare svar kan bara importeras till en omgång som är stängd och aldrig har haft personliga länkar');
  const viaCli = await cli('oppen-panel', YEAR);
  expect(viaCli.code).toBe(1);
  expect(viaCli.err).toContain('är öppen');
  expect(await responsesOf(roundId)).toHaveLength(0);
  // the organisation's own link still invites it to answer
  const start = await request(t.app).get(`/s/${links[0].token}`).expect(200);
  expect(textOf(start.text, 'a.button')).toBe('Börja svara');
});

it('refuses a draft round, and a closed round that has had personal links', async () => {
  const panelId = await createPanel(db(), orgIds, 2020, 'stangd-panel');
  const closed = await createRound(db(), { year: 2020, panelId, state: 'oppen' });
  await linksForRound(db(), closed);
  await db()('rounds').where({ id: closed }).update({ state: 'stangd' });
  const refused = await cli('stangd-panel', 2020);
  expect(refused.code).toBe(1);
  expect(refused.err).toContain('har haft personliga länkar');
  expect(await responsesOf(closed)).toHaveLength(0);

  const draftPanel = await createPanel(db(), orgIds, 2019, 'utkast-panel');
  const draft = await createRound(db(), { year: 2019, panelId: draftPanel, state: 'utkast' });
  const res = await upload({ survey: 'partnerskapsenkat', year: '2019', panel: String(draftPanel) });
  expect(res.status).toBe(400);
  expect(textsOf(res.text, '#import-problems li').join(' ')).toContain('är ett utkast');
  expect(await responsesOf(draft)).toHaveLength(0);
});

it('refuses a year that has not begun', async () => {
  await createPanel(db(), orgIds, YEAR + 1, 'framtid');
  const refused = await cli('framtid', YEAR + 1);
  expect(refused.code).toBe(1);
  expect(refused.err).toContain(`${YEAR + 1} har inte börjat`);
});

it('imports into an earlier year without a round (a closed, imported round), and that round cannot be opened', async () => {
  await createPanel(db(), orgIds, 2021, 'tidigare');
  const ok = await cli('tidigare', 2021);
  expect(ok.code).toBe(0);
  const round = (await db()('rounds').where({ survey_id: 'partnerskapsenkat', year: 2021 }).first())!;
  expect(round).toMatchObject({ state: 'stangd' });
  expect(Boolean(round.imported)).toBe(true);
  expect(await responsesOf(Number(round.id))).toHaveLength(2);
  await expect(
    reopenRound(db(), CLI, Number(round.id), { reason: 'Fler svar', closesDate: `${YEAR + 1}-01-31`, closesTime: '12:00' }),
  ).rejects.toThrow('Omgången är importerad');
  expect((await db()('rounds').where({ id: round.id }).first())?.state).toBe('stangd');
});
