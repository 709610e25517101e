// The indicator computation (services/indicators.ts) pinned with worked numbers, from actual
// answer rows in a fresh database: DOMAIN.md's worked example end to end, rounding at .5, a
// denominator of 0, all "Vet ej", lower-is-better, a missing previous year, imported and published
// previous years, attendance, and a breakdown that could otherwise be back-calculated.
import type { Knex } from 'knex';
import { nowIso } from '../../server/db';
import { upsertComment, upsertTarget, upsertValue } from '../../server/repositories/indicators';
import { declaredIndicators, syncIndicators } from '../../server/services/indicator-sync';
import { breakdowns, computeRows, type IndicatorRow, outputRows } from '../../server/services/indicators';
import { findIndicator } from '../../server/repositories/indicators';
import { publishYear } from '../../server/services/indicator-admin';
import { SYSTEM } from '../../server/services/audit';
import { startTestApp, type TestApp } from '../helpers/app';
import {
  createOrganisation,
  createPanel,
  createPartnership,
  createRound,
  insertSubmittedResponse,
  shippedSurvey,
  surveyFromYaml,
} from '../helpers/fixtures';

const VARS = { region: 'Region Test', strategy: 'Teststrategin' };

const SURVEY = surveyFromYaml(`
id: testenkat
title: { sv: Testenkät, en: Test survey }
intro: { sv: Intro, en: Intro }
estimatedMinutes: 5
scales:
  utstrackning:
    options:
      - { code: mycket_hog, label: { sv: I mycket hög utsträckning, en: Very high } }
      - { code: hog, label: { sv: I hög utsträckning, en: High } }
      - { code: viss_del, label: { sv: Till viss del, en: Some } }
      - { code: liten, label: { sv: I liten utsträckning, en: Small } }
      - { code: inte_alls, label: { sv: Inte alls, en: Not at all } }
      - { code: vet_ej, label: { sv: Vet ej, en: "Don't know" }, dontKnow: true }
questions:
  - { id: q1, type: single, scale: utstrackning, text: { sv: Fråga 1, en: Question 1 } }
  - { id: q2, type: single, scale: utstrackning, text: { sv: Fråga 2, en: Question 2 } }
indicators:
  - id: t_exclude
    name: { sv: Andel exkl. Vet ej }
    goal: { sv: Mål A }
    level: namndmal
    direction: higher
    kind: survey
    question: q1
    numerator: [mycket_hog, hog, viss_del]
    dontKnowPolicy: exclude
    target: 74
  - id: t_include
    name: { sv: Andel inkl. Vet ej }
    goal: { sv: Mål A }
    level: namndmal
    direction: higher
    kind: survey
    question: q1
    numerator: [mycket_hog, hog, viss_del]
    dontKnowPolicy: include
    target: 74
  - id: t_lower
    name: { sv: Andel låg användning ska minska }
    goal: { sv: Mål B }
    level: effektmal
    direction: lower
    kind: survey
    question: q1
    numerator: [liten, inte_alls]
    dontKnowPolicy: include
    target: 20
  - id: t_q2
    name: { sv: Fråga 2 }
    goal: { sv: Mål B }
    level: effektmal
    direction: higher
    kind: survey
    question: q2
    numerator: [mycket_hog, hog]
    dontKnowPolicy: exclude
`);

let t: TestApp;
let db: Knex;

beforeAll(async () => {
  t = await startTestApp();
  db = t.deps.db;
  const arshjulet = await shippedSurvey('arshjulet');
  await syncIndicators(db, declaredIndicators([SURVEY, arshjulet]), VARS);
});
afterAll(async () => t.close());

function rep(code: string, n: number): string[] {
  return Array.from({ length: n }, () => code);
}

async function invite(roundId: number, organisationIds: number[]): Promise<void> {
  for (const id of organisationIds)
    await db('invitations').insert({ round_id: roundId, organisation_id: id, invited_at: nowIso(), created_at: nowIso() });
}

/** A round of the test survey: answers[i] is organisation i's q1 answer (null = submitted without answering q1). */
async function roundWith(
  year: number,
  orgs: number[],
  panelId: number,
  q1: Array<string | null>,
  opts: { invite?: boolean; q2?: string[] } = {},
): Promise<number> {
  const roundId = await createRound(db, { survey: SURVEY, year, panelId });
  if (opts.invite !== false) await invite(roundId, orgs);
  for (let i = 0; i < q1.length; i++) {
    const answers: Record<string, string> = {};
    if (q1[i] !== null) answers.q1 = q1[i]!;
    if (opts.q2?.[i]) answers.q2 = opts.q2[i];
    await insertSubmittedResponse(db, roundId, orgs[i], answers);
  }
  return roundId;
}

const byId = (rows: IndicatorRow[], id: string) => {
  const r = rows.find((x) => x.id === id);
  if (!r) throw new Error(`no row ${id}`);
  return r;
};

describe('DOMAIN.md worked example, from answer rows', () => {
  let rows: IndicatorRow[];
  beforeAll(async () => {
    // 2024: 15 answered, 6 in the numerator, no Vet ej → 6/15 under either policy. A round
    // without invitations (imported): invited = the panel's members that year.
    const { panelId, organisationIds } = await createPartnership(db, 17, 2025);
    for (const id of organisationIds) await db('panel_memberships').insert({ panel_id: panelId, organisation_id: id, year: 2024 });
    await roundWith(
      2024,
      organisationIds,
      panelId,
      [...rep('mycket_hog', 1), ...rep('hog', 2), ...rep('viss_del', 3), ...rep('liten', 5), ...rep('inte_alls', 4)],
      { invite: false },
    );
    // 2025: 17 invited, 15 answered: 2, 4, 5, 3, 0, Vet ej 1.
    await roundWith(2025, organisationIds, panelId, [
      ...rep('mycket_hog', 2),
      ...rep('hog', 4),
      ...rep('viss_del', 5),
      ...rep('liten', 3),
      ...rep('vet_ej', 1),
    ]);
    rows = await computeRows(db, 2025, VARS);
  });

  it('exclude: 11/14 = 78,57 % → "79 %", Wilson 52,4–92,4 %, green against 74', () => {
    const r = byId(rows, 't_exclude');
    expect(r).toMatchObject({
      numerator: 11,
      denominator: 14,
      dontKnow: 1,
      unanswered: 0,
      invited: 17,
      responded: 15,
      display: '79 %',
      displayOneDecimal: '78,6 %',
      target: 74,
      targetSource: 'default',
      colour: 'green',
      status: 'helt',
      responseRate: '15 av 17',
      origin: 'survey',
      published: false,
    });
    expect(r.value).toBeCloseTo(78.5714285714, 9);
    expect(r.ciLow).toBeCloseTo(52.4, 1);
    expect(r.ciHigh).toBeCloseTo(92.4, 1);
    expect(r.dontKnowShare).toBeCloseTo(100 / 15, 9);
  });

  it('include: 11/15 = 73,33 % → "73 %", Wilson 48,0–89,1 %, yellow against 74 with tolerance 5', () => {
    const r = byId(rows, 't_include');
    expect(r).toMatchObject({
      numerator: 11,
      denominator: 15,
      dontKnow: 1,
      display: '73 %',
      colour: 'yellow',
      status: 'delvis',
      responseRate: '15 av 17',
    });
    expect(r.ciLow).toBeCloseTo(48.0, 1);
    expect(r.ciHigh).toBeCloseTo(89.1, 1);
  });

  it('change on unrounded values: +38,57 pp, improved, statistically clear (Newcombe +2,9 to +63,0)', () => {
    const r = byId(rows, 't_exclude');
    expect(r.previousValue).toBeCloseTo(40, 9);
    expect(r.changePp).toBeCloseTo(78.5714285714 - 40, 9);
    expect(r.trend).toBe('improved');
    expect(r.changeIsClear).toBe(true);
    expect(r.previousYear).toBe(2024);
  });

  it('the distribution lists every option with count and one-decimal share of those that answered', () => {
    const r = byId(rows, 't_exclude');
    expect(r.distribution.map((d) => [d.code, d.count, d.shareDisplay])).toEqual([
      ['mycket_hog', 2, '13,3 %'],
      ['hog', 4, '26,7 %'],
      ['viss_del', 5, '33,3 %'],
      ['liten', 3, '20,0 %'],
      ['inte_alls', 0, '0,0 %'],
      ['vet_ej', 1, '6,7 %'],
    ]);
    expect(r.distribution.find((d) => d.code === 'vet_ej')!.dontKnow).toBe(true);
    expect(r.distribution.filter((d) => d.inNumerator).map((d) => d.code)).toEqual(['mycket_hog', 'hog', 'viss_del']);
  });

  it('lower is better: 3/15 = 20 % meets target 20 (green); down from 9/15 = 60 % is improved', () => {
    const r = byId(rows, 't_lower');
    expect(r).toMatchObject({ numerator: 3, denominator: 15, display: '20 %', colour: 'green', trend: 'improved' });
    expect(r.changePp).toBeCloseTo(20 - 60, 9);
  });

  it('a target set for the year replaces the file default; a status override carries its reason', async () => {
    await upsertTarget(db, 't_include', 2025, 70, null);
    await upsertComment(db, 't_include', 2025, { comment: 'Bra år.', statusOverride: 'helt', statusReason: 'Målet bedöms uppnått.' }, null);
    const [r] = await computeRows(db, 2025, VARS, ['t_include']);
    expect(r).toMatchObject({
      target: 70,
      targetSource: 'set',
      colour: 'green',
      status: 'helt',
      statusOverridden: true,
      statusReason: 'Målet bedöms uppnått.',
      comment: 'Bra år.',
    });
    await upsertComment(db, 't_include', 2025, { statusOverride: 'inte_alls', statusReason: 'Underlaget är osäkert.' }, null);
    const [r2] = await computeRows(db, 2025, VARS, ['t_include']);
    expect(r2).toMatchObject({ colour: 'green', status: 'inte_alls', statusOverridden: true });
  });
});

describe('rounding, zero denominators, missing years', () => {
  it('1/8 = 12,5 % is shown as "13 %" (half away from zero on the exact fraction), "12,5 %" with one decimal', async () => {
    const { panelId, organisationIds } = await createPartnership(db, 8, 2031);
    await roundWith(2031, organisationIds, panelId, [...rep('hog', 1), ...rep('liten', 7)]);
    const [r] = await computeRows(db, 2031, VARS, ['t_q2']);
    // q2 unanswered by all: 8 responded, 8 unanswered, denominator 0
    expect(r).toMatchObject({
      numerator: 0,
      denominator: 0,
      unanswered: 8,
      value: null,
      display: '–',
      colour: 'missing',
      status: 'varde_saknas',
      trend: 'none',
      changePp: null,
      changeIsClear: null,
    });
    const [inc] = await computeRows(db, 2031, VARS, ['t_include']);
    expect(inc).toMatchObject({ numerator: 1, denominator: 8, display: '13 %', displayOneDecimal: '12,5 %', value: 12.5 });
    // no 2030 figure at all: no arrow, no change, no clarity
    expect(inc).toMatchObject({ previousValue: null, trend: 'none', changePp: null, changeIsClear: null });
  });

  it('all "Vet ej": exclude has denominator 0 (värde saknas); include gives 0 % (red), Vet ej share 100 %', async () => {
    const { panelId, organisationIds } = await createPartnership(db, 6, 2032);
    await roundWith(2032, organisationIds, panelId, rep('vet_ej', 6));
    const rows = await computeRows(db, 2032, VARS, ['t_exclude', 't_include']);
    expect(byId(rows, 't_exclude')).toMatchObject({
      numerator: 0,
      denominator: 0,
      dontKnow: 6,
      value: null,
      display: '–',
      colour: 'missing',
      status: 'varde_saknas',
      ciLow: null,
      ciHigh: null,
      dontKnowShare: 100,
    });
    expect(byId(rows, 't_include')).toMatchObject({
      numerator: 0,
      denominator: 6,
      dontKnow: 6,
      value: 0,
      display: '0 %',
      colour: 'red',
      status: 'inte_alls',
      ciLow: 0,
    });
  });

  it('unanswered counts submitted responses without an answer to the question', async () => {
    const { panelId, organisationIds } = await createPartnership(db, 5, 2033);
    await roundWith(2033, organisationIds, panelId, ['hog', 'hog', null, 'liten', null]);
    const [r] = await computeRows(db, 2033, VARS, ['t_include']);
    expect(r).toMatchObject({ numerator: 2, denominator: 3, unanswered: 2, responded: 5, invited: 5, responseRate: '5 av 5' });
  });

  it('an imported previous value without counts gives an arrow but no statistical clarity; with counts Newcombe is used', async () => {
    const { panelId, organisationIds } = await createPartnership(db, 14, 2035);
    await roundWith(2035, organisationIds, panelId, [...rep('hog', 8), ...rep('liten', 6)]); // 8/14 = 57,14 %
    await upsertValue(db, {
      indicatorId: 't_include',
      year: 2034,
      numerator: null,
      denominator: null,
      value: 73.3,
      source: 'Verksamhetsberättelse 2034',
      comment: null,
    });
    const [r] = await computeRows(db, 2035, VARS, ['t_include']);
    expect(r).toMatchObject({ display: '57 %', trend: 'worsened', changeIsClear: null, previousValue: 73.3 });
    expect(r.changePp).toBeCloseTo(57.142857142857 - 73.3, 9);
    // the same drop with counts (11/15 → 8/14): −16 pp, not statistically clear with n = 14
    await upsertValue(db, {
      indicatorId: 't_include',
      year: 2034,
      numerator: 11,
      denominator: 15,
      value: null,
      source: 'Enkätverktyget 2034',
      comment: null,
    });
    const [r2] = await computeRows(db, 2035, VARS, ['t_include']);
    expect(r2).toMatchObject({ trend: 'worsened', changeIsClear: false });
    expect(r2.changePp).toBeCloseTo(57.142857142857 - 73.333333333333, 9);
    // the imported year itself is shown with its source
    const [old] = await computeRows(db, 2034, VARS, ['t_include']);
    expect(old).toMatchObject({
      origin: 'imported',
      source: 'Enkätverktyget 2034',
      numerator: 11,
      denominator: 15,
      display: '73 %',
      responseRate: null,
    });
  });

  it('a published previous year is compared from its snapshot, not from changed answers', async () => {
    const { panelId, organisationIds } = await createPartnership(db, 10, 2037);
    const r2036 = await roundWith(2036, organisationIds, panelId, [...rep('hog', 5), ...rep('liten', 5)]); // 50 %
    await roundWith(2037, organisationIds, panelId, [...rep('hog', 7), ...rep('liten', 3)]); // 70 %
    await publishYear(db, SYSTEM, 2036, VARS, null);
    // an answer in 2036 changes after publication: 6/10 live, 5/10 published
    const resp = await db('responses').where({ round_id: r2036, organisation_id: organisationIds[9] }).first();
    await db('answers').where({ response_id: resp!.id, question_id: 'q1' }).update({ option_code: 'hog' });
    const [r] = await computeRows(db, 2037, VARS, ['t_include']);
    expect(r.previousValue).toBe(50);
    expect(r.changePp).toBeCloseTo(20, 9);
    const published = await outputRows(db, 2036, VARS);
    expect(byId(published, 't_include')).toMatchObject({ value: 50, published: true, publishedVersion: 1 });
    const live = await computeRows(db, 2036, VARS, ['t_include']);
    expect(live[0].value).toBe(60);
  });
});

describe('attendance indicators', () => {
  it("organisations of the panel represented at the year's meetings of the type ÷ organisations in the panel", async () => {
    const orgs: number[] = [];
    for (let i = 0; i < 10; i++) orgs.push(await createOrganisation(db));
    const outsider = await createOrganisation(db);
    const panelId = await createPanel(db, orgs, 2040);
    const meeting = async (type: string, held: string) => {
      const [row] = await db('meetings')
        .insert({ panel_id: panelId, year: 2040, type, held_on: held, place: 'Exempelstad', created_at: nowIso() })
        .returning('id');
      return Number(typeof row === 'object' ? row.id : row);
    };
    const m1 = await meeting('arbetsmote', '2040-03-01');
    const m2 = await meeting('arbetsmote', '2040-09-01');
    const attend = async (m: number, o: number) =>
      db('attendance').insert({ meeting_id: m, organisation_id: o, source: 'checklist', created_at: nowIso() });
    for (const o of orgs.slice(0, 5)) await attend(m1, o);
    for (const o of orgs.slice(3, 7)) await attend(m2, o); // 3 and 4 came twice: counted once
    await attend(m2, outsider); // not in the panel: not counted
    const rows = await computeRows(db, 2040, VARS, ['narvaro_arbetsmote', 'narvaro_riktningsmote']);
    expect(byId(rows, 'narvaro_arbetsmote')).toMatchObject({
      origin: 'attendance',
      numerator: 7,
      denominator: 10,
      value: 70,
      display: '70 %',
      target: 100,
      colour: 'red',
      invited: null,
      responded: null,
      dontKnow: null,
      responseRate: null,
    });
    expect(byId(rows, 'narvaro_riktningsmote')).toMatchObject({ origin: 'none', value: null, colour: 'missing' });
  });
});

describe('breakdowns with primary and secondary suppression', () => {
  it('a small cell is hidden, and so is the next smallest, so the small one cannot be worked out from the total', async () => {
    const orgs: number[] = [];
    const types = [...rep('kommun', 6), ...rep('larosate', 3), ...rep('foretagsframjande', 7)];
    for (const type of types) orgs.push(await createOrganisation(db, { type, municipality: null }));
    const panelId = await createPanel(db, orgs, 2041);
    await roundWith(
      2041,
      orgs,
      panelId,
      orgs.map((_, i) => (i % 2 === 0 ? 'hog' : 'liten')),
    );
    const ind = await findIndicator(db, 't_include');
    const result = await breakdowns(db, ind!, 2041);
    const byType = result!.find((b) => b.by === 'type')!;
    const cell = (key: string) => byType.cells.find((c) => c.key === key)!;
    expect(cell('larosate')).toMatchObject({ hidden: true, reason: 'primary', numerator: null, value: null, display: '–' });
    // without secondary suppression: 16 − 6 − 7 = 3 and the share could be back-calculated
    expect(cell('kommun')).toMatchObject({ hidden: true, reason: 'secondary' });
    expect(cell('foretagsframjande')).toMatchObject({ hidden: false, n: 7, numerator: 3 });
    const byMunicipality = result!.find((b) => b.by === 'municipality')!;
    expect(byMunicipality.cells).toEqual([expect.objectContaining({ key: '', label: 'Ingen kommun angiven', hidden: false, n: 16 })]);
  });

  it('with the exclude policy, a group that answered only "Vet ej" is hidden, not shown as 0 answers', async () => {
    const orgs: number[] = [];
    for (let i = 0; i < 10; i++) orgs.push(await createOrganisation(db, { type: 'kommun', municipality: 'Storby' }));
    const lonely = await createOrganisation(db, { type: 'lansstyrelse', municipality: 'Lillby' });
    const all = [...orgs, lonely];
    const panelId = await createPanel(db, all, 2042);
    await roundWith(2042, all, panelId, [...orgs.map((_, i) => (i < 6 ? 'hog' : 'liten')), 'vet_ej']);
    const result = await breakdowns(db, (await findIndicator(db, 't_exclude'))!, 2042);
    const byMunicipality = result!.find((b) => b.by === 'municipality')!;
    const lillby = byMunicipality.cells.find((c) => c.key === 'Lillby')!;
    expect(lillby).toMatchObject({ hidden: true, reason: 'primary', display: '–' });
    // Storby alone would give the total away: it is hidden too
    expect(byMunicipality.cells.find((c) => c.key === 'Storby')).toMatchObject({ hidden: true });
  });
});
