// Issue 9, item 10: an imported historical value is never silently unused. Where the year's round
// has no answer to the indicator's question, the stored value is used (and the row says why);
// where the year has a computed figure, which always comes first, the import says so.
import { runCli } from '../../server/cli';
import fs from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp, loggedInAgent, type Agent, csrfFrom } from '../helpers/app';
import { createPartnership, createRound, insertSubmittedResponse } from '../helpers/fixtures';
import { page, textsOf } from '../helpers/html';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { computeRows } from '../../server/services/indicators';

let t: TestApp;
let analyst: Agent;
const VARS = { region: 'Region Test', strategy: 'Teststrategin' };

beforeAll(async () => {
  t = await startTestApp();
  await syncIndicatorsFromFiles(t.deps);
  analyst = (await loggedInAgent(t, 'analyst')).agent;
  // 2024: five organisations answered the RUS questions, none the trust question (not asked that year)
  const p = await createPartnership(t.deps.db, 5, 2024);
  const roundId = await createRound(t.deps.db, { year: 2024, panelId: p.panelId, state: 'stangd' });
  for (const id of p.organisationIds) await insertSubmittedResponse(t.deps.db, roundId, id, { rus_planering: 'hog', rus_statistik: 'hog' });
});
afterAll(async () => t.close());

const FILE = [
  'indicator;year;value;numerator;denominator;source;comment',
  'fortroende_rua;2024;61,5;;;Verksamhetsberättelse 2024;',
  'rus_i_verksamhetsplan;2024;50;;;Verksamhetsberättelse 2024;',
  'fortroende_rua;2023;58;;;Verksamhetsberättelse 2023;',
].join('\r\n');

it('uses the value for a year whose round has no answer to the question, and warns about one a computed figure overrides', async () => {
  const form = await analyst.get('/indicators/import').expect(200);
  const res = await analyst
    .post('/indicators/import')
    .field('_csrf', csrfFrom(form.text))
    .attach('file', Buffer.from(FILE, 'utf8'), { filename: 'historik.csv', contentType: 'text/csv' })
    .expect(303);
  const after = await analyst.get(res.headers.location).expect(200);
  const messages = textsOf(after.text, '.flash, .notice, [role="status"]').join(' | ');
  expect(messages).toContain('3 värden är inlästa');
  expect(messages).toContain(
    '1 av värdena används inte, eftersom året har ett utfall beräknat ur enkätsvaren eller närvaron: rus_i_verksamhetsplan 2024 (beräknat 100,0 %).',
  );

  const rows = await computeRows(t.deps.db, 2024, VARS);
  const trust = rows.find((r) => r.id === 'fortroende_rua')!;
  expect(trust).toMatchObject({ origin: 'imported', value: 61.5, display: '62 %', source: 'Verksamhetsberättelse 2024' });
  expect(trust.notes.join(' ')).toContain('det lagrade värdet används');
  expect(trust.previousValue).toBe(58);
  expect(rows.find((r) => r.id === 'rus_i_verksamhetsplan')).toMatchObject({ origin: 'survey', value: 100 });

  const indicatorPage = await analyst.get('/indicators/fortroende_rua?year=2024').expect(200);
  expect(page(indicatorPage.text)('dt:contains("Utfall") + dd strong').first().text()).toBe('62 %');
});

it('the command line prints the same warning', async () => {
  const file = path.join(t.tmpDir, 'historik.csv');
  fs.writeFileSync(file, FILE);
  const out: string[] = [];
  const err: string[] = [];
  expect(await runCli(['import', 'indicator-values', file], t.deps, { log: (s) => out.push(s), error: (s) => err.push(s) })).toBe(0);
  expect(err.join('\n')).toContain('rus_i_verksamhetsplan 2024 (beräknat 100,0 %)');
});
