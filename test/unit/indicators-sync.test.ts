// Indicator sync: definitions from the survey files (and surveys/indikatorer/) into the
// indicators table — names with placeholders filled in, the definition kept, bad definitions
// refused with every problem and nothing stored, indicators no longer declared retired.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ValidationError } from '../../server/errors';
import { findIndicator, listIndicators } from '../../server/repositories/indicators';
import { declaredIndicators, loadIndicatorFiles, syncIndicators } from '../../server/services/indicator-sync';
import type { LoadedSurvey } from '../../server/surveys/load';
import { startTestApp, type TestApp } from '../helpers/app';
import { shippedSurvey } from '../helpers/fixtures';

const VARS = { region: 'Region Värmland', strategy: 'Värmlandsstrategin 2040' };
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('indicator sync', () => {
  it("stores the partnership survey's three indicators with their public ids, names rendered, definition kept", async () => {
    const survey = await shippedSurvey('partnerskapsenkat');
    await syncIndicators(t.deps.db, declaredIndicators([survey]), VARS);
    const ids = (await listIndicators(t.deps.db)).map((i) => i.id);
    expect(ids).toEqual(['fortroende_rua', 'rus_i_verksamhetsplan', 'rus_statistik_anvandning']);
    const rua = await findIndicator(t.deps.db, 'fortroende_rua');
    expect(rua).toMatchObject({ surveyId: 'partnerskapsenkat', kind: 'survey', level: 'namndmal', direction: 'higher', unit: 'percent' });
    expect(rua!.name).toContain('Region Värmland');
    expect(rua!.definition).toMatchObject({
      question: 'fortroende_rua',
      numerator: ['mycket_hogt', 'hogt'],
      dontKnowPolicy: 'include',
      target: 61,
      tolerance: 5,
      deadBand: 1,
      minN: 5,
    });
    expect(rua!.definition.name.sv).toContain('{region}');
  });

  it('refuses a definition that points at a question or an option that does not exist, and stores nothing', async () => {
    const survey = await shippedSurvey('partnerskapsenkat');
    const broken: LoadedSurvey = structuredClone(survey);
    const defs = broken.definition.indicators as Array<{ id: string; question?: string; numerator?: string[] }>;
    defs[0].question = 'finns_inte';
    defs[1].numerator = ['mycket_hog', 'jattebra'];
    broken.definition.indicators.push({ ...broken.definition.indicators[2], id: 'ny_indikator' });
    const before = await t.deps.db('indicators').select('id', 'updated_at').orderBy('id');
    let error: ValidationError | null = null;
    try {
      declaredIndicators([broken]);
    } catch (e) {
      error = e as ValidationError;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.problems.map((p) => p.message).join('\n')).toMatch(/frågan ”finns_inte”, som inte finns/);
    expect(error!.problems.map((p) => p.message).join('\n')).toMatch(/svarskoden ”jattebra”, som inte finns/);
    expect(await t.deps.db('indicators').select('id', 'updated_at').orderBy('id')).toEqual(before);
  });

  it('reads manual indicators from surveys/indikatorer/, refuses survey indicators there, and retires what is no longer declared', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-ind-'));
    fs.writeFileSync(
      path.join(dir, 'statistik.yaml'),
      'indicators:\n  - { id: andel_sysselsatta, kind: manual, name: { sv: Andel sysselsatta }, goal: { sv: Arbete }, level: effektmal, direction: higher, codes: { unit: RS1, indicator: I1 } }\n',
    );
    const manual = await loadIndicatorFiles(dir);
    expect(manual.map((m) => [m.definition.id, m.surveyId])).toEqual([['andel_sysselsatta', null]]);
    const arshjulet = await shippedSurvey('arshjulet');
    const r = await syncIndicators(t.deps.db, declaredIndicators([arshjulet], manual), VARS);
    expect(r.retired.sort()).toEqual(['fortroende_rua', 'rus_i_verksamhetsplan', 'rus_statistik_anvandning']);
    expect((await listIndicators(t.deps.db)).map((i) => i.id)).toContain('andel_sysselsatta');
    expect((await listIndicators(t.deps.db)).map((i) => i.id)).not.toContain('fortroende_rua');
    expect((await findIndicator(t.deps.db, 'fortroende_rua'))!.retiredAt).not.toBeNull();

    fs.writeFileSync(
      path.join(dir, 'fel.yaml'),
      'indicators:\n  - { id: x, kind: survey, name: { sv: X }, goal: { sv: G }, level: effektmal, direction: higher, question: q, numerator: [a], dontKnowPolicy: include }\n  - { id: y, kind: manual, name: { sv: Y } }\n',
    );
    await expect(loadIndicatorFiles(dir)).rejects.toThrow(ValidationError);
    // a duplicate id across a survey and the folder
    expect(() =>
      declaredIndicators([arshjulet], [{ ...manual[0], definition: { ...manual[0].definition, id: 'narvaro_arbetsmote' } }]),
    ).toThrow(ValidationError);
    // a missing folder is no indicators
    expect(await loadIndicatorFiles(path.join(dir, 'finns-inte'))).toEqual([]);
  });
});
