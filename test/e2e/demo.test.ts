// The demo partnership that a bare `npm start` loads: 17 organisations, three years of imported
// answers, values since 2019 and last year's årshjul meetings — and the figures they give.
import { seedDemoHistory, seedDemoIfEmpty } from '../../server/services/demo';
import { computeRows } from '../../server/services/indicators';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { placeholderValues } from '../../server/services/surveys';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
const year = 2026;
beforeAll(async () => {
  t = await startTestApp();
  await syncIndicatorsFromFiles(t.deps);
  expect(await seedDemoIfEmpty(t.deps, year)).toEqual({ organisations: 17, panelName: 'Partnerskapet för regional utveckling' });
  await seedDemoHistory(t.deps, year);
});
afterAll(async () => t.close());

describe('demo data', () => {
  it('loads only into an empty register', async () => {
    expect(await seedDemoIfEmpty(t.deps, year)).toBeNull();
    expect(Number((await t.deps.db('organisations').count({ n: '*' }))[0].n)).toBe(17);
    const contacts = await t.deps.db('contacts').select('email');
    expect(contacts.every((c) => /@[a-z0-9]+\.example\.se$/.test(c.email ?? ''))).toBe(true);
  });

  it('tells last year’s story: trust 57 % against 61 %, down from 73 %, not statistically clear', async () => {
    const rows = await computeRows(t.deps.db, year - 1, placeholderValues(t.deps.config));
    const trust = rows.find((r) => r.id === 'fortroende_rua')!;
    expect([trust.numerator, trust.denominator, trust.display, trust.colour, trust.trend]).toEqual([8, 14, '57 %', 'yellow', 'worsened']);
    expect(trust.changeIsClear).toBe(false);
    expect([trust.responded, trust.invited]).toEqual([14, 17]);
    const rus = rows.find((r) => r.id === 'rus_i_verksamhetsplan')!;
    expect([rus.numerator, rus.denominator, rus.display, rus.colour]).toEqual([11, 14, '79 %', 'green']);
    const attendance = rows.find((r) => r.id === 'narvaro_arskonferens')!;
    expect([attendance.numerator, attendance.denominator]).toEqual([16, 17]);
  });

  it('has the series since 2019 from the earlier tool, with its source', async () => {
    const rows = await computeRows(t.deps.db, 2019, placeholderValues(t.deps.config));
    const trust = rows.find((r) => r.id === 'fortroende_rua')!;
    expect(trust.value).toBe(64);
    expect(trust.numerator).toBeNull();
  });
});
