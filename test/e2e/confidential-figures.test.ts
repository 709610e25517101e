// Issue 9, items 3 and 6: what an analyst can read off the indicator page and the API about a
// confidential round — no distribution resting on fewer than minN answers, and no breakdown whose
// hidden cells can be worked out (counts, or shares of hidden cells that are together all 0 % or
// all 100 %) from the total on the same page.
import request from 'supertest';
import { startTestApp, type TestApp, loggedInAgent, type Agent } from '../helpers/app';
import { createOrganisation, createPanel, createRound, insertSubmittedResponse } from '../helpers/fixtures';
import { page, textOf, textsOf } from '../helpers/html';
import { createApiToken } from '../../server/services/api-tokens';
import { SYSTEM } from '../../server/services/audit';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';

let t: TestApp;
let analyst: Agent;
const db = () => t.deps.db;

beforeAll(async () => {
  t = await startTestApp();
  await syncIndicatorsFromFiles(t.deps);
  analyst = (await loggedInAgent(t, 'analyst')).agent;
});
afterAll(async () => t.close());

/** A round of `year` in which each listed organisation answered rus_planering with `code`. */
async function roundWith(year: number, orgs: Array<{ type: string; municipality?: string | null; code: string }>, confidential: boolean) {
  const ids: number[] = [];
  for (const o of orgs) ids.push(await createOrganisation(db(), { type: o.type, municipality: o.municipality ?? null }));
  const panelId = await createPanel(db(), ids, year);
  const roundId = await createRound(db(), { year, panelId, state: 'stangd', confidential });
  for (const [i, id] of ids.entries())
    await insertSubmittedResponse(db(), roundId, id, { rus_planering: orgs[i].code, fortroende_rua: 'hogt' });
  return roundId;
}

const many = (n: number, o: { type: string; municipality?: string | null; code: string }) => Array.from({ length: n }, () => o);

describe('a confidential round with one answer (item 3)', () => {
  it('shows the figure but not the distribution over the options, and says why; the API gives no distribution either', async () => {
    await roundWith(2031, [{ type: 'kommun', code: 'mycket_hog' }], true);
    const res = await analyst.get('/indicators/rus_i_verksamhetsplan?year=2031').expect(200);
    expect(textOf(res.text, '#distribution-hidden')).toBe(
      'Omgången är konfidentiell och 1 organisation har besvarat frågan; svarsfördelningen visas först när minst 5 har svarat.',
    );
    expect(page(res.text)('table caption:contains("Svar per alternativ")').length).toBe(0);
    expect(res.text).not.toContain('I mycket hög utsträckning');

    const token = await createApiToken(db(), SYSTEM, 'test');
    const api = await request(t.app).get('/api/v1/indicators?year=2031').set('Authorization', `Bearer ${token}`).expect(200);
    const row = (api.body as Array<Record<string, unknown>>).find((r) => r.id === 'rus_i_verksamhetsplan')!;
    expect(row.distribution).toEqual([]);
    expect(row.distributionHidden).toMatch(/konfidentiell/);
    const json = await analyst.get('/indicators/export?year=2031&format=json').expect(200);
    expect(JSON.stringify(json.body)).not.toContain('"count":1');
    // nor does the year's report
    const report = await analyst.get('/rapport/2031').expect(200);
    expect(page(report.text)('table.distribution').length).toBe(0);
    expect(report.text).not.toContain('I mycket hög utsträckning');
  });

  it('shows it from minN answers on, and in a round that is not confidential always', async () => {
    await roundWith(2032, many(5, { type: 'kommun', code: 'hog' }), true);
    const five = await analyst.get('/indicators/rus_i_verksamhetsplan?year=2032').expect(200);
    expect(page(five.text)('#distribution-hidden').length).toBe(0);
    expect(textsOf(five.text, 'table tbody tr th')).toContain('I hög utsträckning');
    await roundWith(2033, [{ type: 'kommun', code: 'mycket_hog' }], false);
    const open = await analyst.get('/indicators/rus_i_verksamhetsplan?year=2033').expect(200);
    expect(page(open.text)('#distribution-hidden').length).toBe(0);
    expect(textsOf(open.text, 'table tbody tr th')).toContain('I mycket hög utsträckning');
    expect(page((await analyst.get('/rapport/2033').expect(200)).text)('table.distribution').length).toBeGreaterThan(0);
  });
});

/** What a reader can work out of the hidden cells of a breakdown table: the total minus the shown cells. */
function hiddenBlock(html: string, by: 'type' | 'municipality') {
  const $ = page(html);
  const [, x, n] = /(\d+) av (\d+)/.exec($('dt:contains("Utfall") + dd').first().text())!.map(Number);
  let shownN = 0;
  let shownX = 0;
  let hidden = 0;
  $(`table[data-breakdown="${by}"] tbody tr`).each((_, tr) => {
    const tds = $(tr).children('td');
    if (tds.length === 1) {
      hidden++;
      return;
    }
    const cellN = Number($(tds[0]).text().trim());
    const percent = Number($(tds[1]).text().replace(/[^\d]/g, ''));
    shownN += cellN;
    shownX += Math.round((percent * cellN) / 100); // whole percent of fewer than 100 tells the count
  });
  return { hidden, n: n - shownN, x: x - shownX, tableShown: $(`table[data-breakdown="${by}"]`).length === 1 };
}

describe('secondary suppression also stops the complementary disclosure (item 6)', () => {
  it('hidden cells are never together all 0 % while the total is not', async () => {
    // kommun 3 (all "inte alls") is small; lärosäte 6 (all "inte alls") is the next smallest;
    // företagsfrämjande 20 (half "hög"). Hiding the two smallest would leave 0 of 9 = every hidden share 0 %.
    await roundWith(
      2034,
      [
        ...many(3, { type: 'kommun', code: 'inte_alls' }),
        ...many(6, { type: 'larosate', code: 'inte_alls' }),
        ...many(10, { type: 'foretagsframjande', code: 'hog' }),
        ...many(10, { type: 'foretagsframjande', code: 'inte_alls' }),
      ],
      true,
    );
    const res = await analyst.get('/indicators/rus_i_verksamhetsplan?year=2034').expect(200);
    const block = hiddenBlock(res.text, 'type');
    if (block.tableShown && block.hidden > 0) {
      expect(block.n).toBeGreaterThan(0);
      expect(block.x).not.toBe(0);
      expect(block.x).not.toBe(block.n);
    }
    expect(textsOf(res.text, 'table[data-breakdown="type"] tbody tr td[colspan]').length).toBe(3); // all three hidden
  });

  it('and never together all 100 %, in the municipality table as well', async () => {
    await roundWith(
      2035,
      [
        ...many(2, { type: 'kommun', municipality: 'Lillby', code: 'hog' }),
        ...many(5, { type: 'kommun', municipality: 'Mellby', code: 'hog' }),
        ...many(9, { type: 'kommun', municipality: 'Storby', code: 'hog' }),
        ...many(11, { type: 'kommun', municipality: 'Storby', code: 'inte_alls' }),
      ],
      true,
    );
    const res = await analyst.get('/indicators/rus_i_verksamhetsplan?year=2035').expect(200);
    const block = hiddenBlock(res.text, 'municipality');
    expect(block.hidden).toBeGreaterThan(0);
    expect(block.x).not.toBe(block.n);
    expect(block.x).not.toBe(0);
  });
});
