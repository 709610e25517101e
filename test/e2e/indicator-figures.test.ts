// The indicator figures computed once and kept (issue 10): a second view reads the kept figures
// and counts no answers; every change the figures depend on (a submit, a target, a value, a
// meeting's attendance, a round's survey version, an organisation's type) is seen at once, also
// when another instance (its own connection pool) made it; one indicator's page computes only
// that indicator; and the tests' guard (INDICATOR_CACHE=verify) fails on a stale kept figure.
import type { Knex } from 'knex';
import { createDb, nowIso } from '../../server/db';
import { upsertTarget, upsertValue } from '../../server/repositories/indicators';
import { declaredIndicators, syncIndicators } from '../../server/services/indicator-sync';
import { StaleFigureError } from '../../server/services/indicator-figures';
import { pinSurveyVersion } from '../../server/services/survey-versions';
import { indicatorPage } from '../../server/services/indicator-view';
import { breakdowns, computeRows, type IndicatorRow } from '../../server/services/indicators';
import { findIndicator } from '../../server/repositories/indicators';
import { startTestApp, type TestApp } from '../helpers/app';
import { createOrganisation, createPanel, createRound, insertSubmittedResponse, shippedSurvey, surveyFromYaml } from '../helpers/fixtures';

const VARS = { region: 'Region Test', strategy: 'Teststrategin' };

const SURVEY_YAML = `
id: kepttest
title: { sv: Testenkät, en: Test survey }
intro: { sv: Intro, en: Intro }
estimatedMinutes: 5
scales:
  janej:
    options:
      - { code: ja, label: { sv: Ja, en: Yes } }
      - { code: nej, label: { sv: Nej, en: No } }
questions:
  - { id: q1, type: single, scale: janej, text: { sv: Fråga 1, en: Question 1 } }
indicators:
  - { id: k_ja, name: { sv: Andel ja }, goal: { sv: Mål }, level: namndmal, direction: higher, kind: survey, question: q1, numerator: [ja], dontKnowPolicy: exclude, target: 50 }
  - { id: k_nej, name: { sv: Andel nej }, goal: { sv: Mål }, level: namndmal, direction: lower, kind: survey, question: q1, numerator: [nej], dontKnowPolicy: exclude, target: 50 }
`;
const SURVEY = surveyFromYaml(SURVEY_YAML);

let t: TestApp;
let db: Knex;
let other: Knex; // a second instance: its own pool on the same database
const savedMode = process.env.INDICATOR_CACHE;

beforeAll(async () => {
  t = await startTestApp();
  db = t.deps.db;
  other = createDb(t.config.databaseUrl);
  await syncIndicators(db, declaredIndicators([SURVEY, await shippedSurvey('arshjulet')]), VARS);
  process.env.INDICATOR_CACHE = 'on'; // as in production; the live figures below with 'off'
});
afterAll(async () => {
  process.env.INDICATOR_CACHE = savedMode;
  await other.destroy();
  await t.close();
});

/** The rows computed from the data now, with nothing kept. */
async function liveRows(year: number, ids?: string[]): Promise<IndicatorRow[]> {
  process.env.INDICATOR_CACHE = 'off';
  try {
    return JSON.parse(JSON.stringify(await computeRows(db, year, VARS, ids))) as IndicatorRow[];
  } finally {
    process.env.INDICATOR_CACHE = 'on';
  }
}

/** The queries `db` runs during `work` that read answers. */
async function answerQueriesDuring(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (q: { sql: string }) => {
    if (/\banswers\b/.test(q.sql)) seen.push(q.sql);
  };
  db.on('query', listener);
  try {
    await work();
  } finally {
    db.off('query', listener);
  }
  return seen;
}

async function yearWithAnswers(year: number, codes: string[]): Promise<{ roundId: number; organisationIds: number[]; panelId: number }> {
  const organisationIds: number[] = [];
  for (let i = 0; i < codes.length + 2; i++) organisationIds.push(await createOrganisation(db, { type: i % 2 ? 'kommun' : 'larosate' }));
  const panelId = await createPanel(db, organisationIds, year);
  const roundId = await createRound(db, { survey: SURVEY, year, panelId });
  for (const id of organisationIds)
    await db('invitations').insert({ round_id: roundId, organisation_id: id, invited_at: nowIso(), created_at: nowIso() });
  for (let i = 0; i < codes.length; i++) await insertSubmittedResponse(db, roundId, organisationIds[i], { q1: codes[i] });
  return { roundId, organisationIds, panelId };
}

const row = (rows: IndicatorRow[], id: string) => rows.find((r) => r.id === id);

it('the second view reads the kept figures and counts no answers', async () => {
  await yearWithAnswers(2031, ['ja', 'ja', 'nej']);
  const first = await computeRows(db, 2031, VARS);
  expect(row(first, 'k_ja')).toMatchObject({ numerator: 2, denominator: 3, display: '67 %' });
  const kept = await db('indicator_figures').where({ year: 2031 }).pluck('key');
  expect(kept).toEqual(expect.arrayContaining(['row:k_ja', 'row:k_nej', 'row:narvaro_arbetsmote']));
  let again: IndicatorRow[] = [];
  expect(await answerQueriesDuring(async () => (again = await computeRows(db, 2031, VARS)))).toEqual([]);
  expect(again).toEqual(await liveRows(2031));
});

it('a submit by another instance is seen at once, as are the rows of the year after (last year’s value)', async () => {
  const { roundId, organisationIds } = await yearWithAnswers(2033, ['ja', 'nej']);
  await yearWithAnswers(2034, ['ja']);
  expect(row(await computeRows(db, 2033, VARS), 'k_ja')).toMatchObject({ numerator: 1, denominator: 2 });
  expect(row(await computeRows(db, 2034, VARS), 'k_ja')).toMatchObject({ previousValue: 50 });
  await insertSubmittedResponse(other, roundId, organisationIds[2], { q1: 'ja' });
  expect(row(await computeRows(db, 2033, VARS), 'k_ja')).toMatchObject({ numerator: 2, denominator: 3 });
  const next = row(await computeRows(db, 2034, VARS), 'k_ja');
  expect(next?.previousValue).toBeCloseTo(200 / 3, 9);
  expect(await computeRows(db, 2033, VARS)).toEqual(await liveRows(2033));
});

describe('every change the figures depend on is seen at once', () => {
  let roundId: number;
  let panelId: number;
  let organisationIds: number[];
  beforeAll(async () => {
    ({ roundId, panelId, organisationIds } = await yearWithAnswers(2036, ['ja', 'ja', 'nej', 'nej']));
  });

  async function expectSeen(change: () => Promise<unknown>, expected: (r: IndicatorRow) => void, id = 'k_ja') {
    await computeRows(db, 2036, VARS); // kept
    await change();
    const after = await computeRows(db, 2036, VARS);
    expected(row(after, id)!);
    expect(after).toEqual(await liveRows(2036));
  }

  it('a target set by another instance', async () => {
    await expectSeen(
      () => upsertTarget(other, 'k_ja', 2036, 80, null),
      (r) => expect(r).toMatchObject({ target: 80, targetSource: 'set', colour: 'red' }),
    );
  });

  it('a meeting and its attendance', async () => {
    const [m] = await other('meetings')
      .insert({ panel_id: panelId, year: 2036, type: 'arbetsmote', held_on: '2036-03-01', place: 'Exempelstad', created_at: nowIso() })
      .returning('id');
    const meetingId = Number(typeof m === 'object' ? m.id : m);
    await expectSeen(
      () =>
        other('attendance').insert({
          meeting_id: meetingId,
          organisation_id: organisationIds[0],
          source: 'checklist',
          created_at: nowIso(),
        }),
      (r) => expect(r).toMatchObject({ origin: 'attendance', numerator: 1, denominator: 6 }),
      'narvaro_arbetsmote',
    );
  });

  it('a revoked invitation', async () => {
    await expectSeen(
      () => other('invitations').where({ round_id: roundId, organisation_id: organisationIds[5] }).update({ revoked_at: nowIso() }),
      (r) => expect(r).toMatchObject({ invited: 5 }),
    );
  });

  it("a stored value for a year without a round (last year's figure)", async () => {
    await expectSeen(
      () =>
        upsertValue(other, { indicatorId: 'k_ja', year: 2035, numerator: 1, denominator: 4, value: null, source: 'test', comment: null }),
      (r) => expect(r).toMatchObject({ previousValue: 25, trend: 'improved' }),
    );
  });

  it("the round's survey version", async () => {
    // a version without the code `nej`: k_nej can no longer be counted
    const changed = surveyFromYaml(
      SURVEY_YAML.replace('{ code: nej,', '{ code: nejtack,').replace('numerator: [nej]', 'numerator: [nejtack]'),
    );
    const versionId = await pinSurveyVersion(other, changed);
    await expectSeen(
      () => other('rounds').where({ id: roundId }).update({ survey_version_id: versionId }),
      (r) => expect(r.value).toBeNull(),
      'k_nej',
    );
  });
});

it("an organisation's type changes its breakdowns at once", async () => {
  const { organisationIds } = await yearWithAnswers(2038, ['ja', 'ja', 'ja', 'ja', 'ja', 'nej', 'nej', 'nej', 'nej', 'nej']);
  const ind = (await findIndicator(db, 'k_ja'))!;
  const before = await breakdowns(db, ind, 2038);
  await other('organisations').whereIn('id', organisationIds).update({ type: 'region' });
  const after = await breakdowns(db, ind, 2038);
  expect(after).not.toEqual(before);
  expect(after?.[0].cells.map((c) => c.key)).toEqual(['region']);
});

it("one indicator's page computes only that indicator", async () => {
  await yearWithAnswers(2041, ['ja', 'nej', 'nej']);
  const page = await indicatorPage(db, 'k_nej', 2041, VARS);
  expect(page.row).toMatchObject({ id: 'k_nej', numerator: 2, denominator: 3 });
  expect((await db('indicator_figures').where({ year: 2041 }).pluck('key')).sort()).toEqual(['breakdowns:k_nej', 'row:k_nej']);
});

it('the guard of the tests (INDICATOR_CACHE=verify) fails on a kept figure that is no longer right', async () => {
  await yearWithAnswers(2043, ['ja', 'nej']);
  await computeRows(db, 2043, VARS);
  // a forged kept figure, as a change without a counter bump would leave it
  const kept = await db('indicator_figures').where({ year: 2043, key: 'row:k_ja' }).first();
  const forged = { ...(JSON.parse(String(kept!.payload)) as IndicatorRow), numerator: 2 };
  await db('indicator_figures')
    .where({ year: 2043, key: 'row:k_ja' })
    .update({ payload: JSON.stringify(forged) });
  expect(row(await computeRows(db, 2043, VARS), 'k_ja')?.numerator).toBe(2); // 'on' trusts the stamp
  process.env.INDICATOR_CACHE = 'verify';
  try {
    await expect(computeRows(db, 2043, VARS)).rejects.toThrow(StaleFigureError);
  } finally {
    process.env.INDICATOR_CACHE = 'on';
  }
});
