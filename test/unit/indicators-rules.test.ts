// The pure parts of the indicator rows: colour, trend and status from a measurement (both
// directions, at the boundaries), values from imports, the CSV number format, the published-vs-live
// comparison, and the checks of historical values.
import type { IndicatorRecord, ValueRecord } from '../../server/repositories/indicators';
import { checkValueRow, parseDecimal, parseValuesCsv, type RawValueRow } from '../../server/services/indicator-admin';
import { csvNumber } from '../../server/services/numbers';
import { assembleRow, differences, type Measurement, measurementFromValue } from '../../server/services/indicators';
import { presentRow } from '../../server/services/indicator-view';

function indicator(direction: 'higher' | 'lower', target?: number): IndicatorRecord {
  return {
    id: 'x',
    surveyId: 's',
    kind: 'survey',
    name: 'X',
    goal: 'G',
    level: 'namndmal',
    unit: 'percent',
    direction,
    definition: {
      id: 'x',
      kind: 'survey',
      name: { sv: 'X' },
      goal: { sv: 'G' },
      level: 'namndmal',
      unit: 'percent',
      direction,
      tolerance: 5,
      deadBand: 1,
      minN: 5,
      target,
      question: 'q',
      numerator: ['a'],
      dontKnowPolicy: 'include',
    },
    retiredAt: null,
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
}

const value = (v: Partial<ValueRecord>): ValueRecord => ({
  indicatorId: 'x',
  year: 2024,
  numerator: null,
  denominator: null,
  value: null,
  source: 'S',
  comment: null,
  createdAt: '',
  ...v,
});
const counts = (x: number, n: number): Measurement => measurementFromValue({ kind: 'survey' }, value({ numerator: x, denominator: n }));

describe('colour on the displayed value', () => {
  it('higher is better: 68,5 % shows as 69 % → yellow against 74 (74 − 5 = 69); 68,4 % → 68 % → red', () => {
    expect(assembleRow(indicator('higher', 74), 2025, counts(137, 200), null, null, null)).toMatchObject({
      display: '69 %',
      colour: 'yellow',
      status: 'delvis',
    });
    expect(assembleRow(indicator('higher', 74), 2025, counts(684, 1000), null, null, null)).toMatchObject({
      display: '68 %',
      colour: 'red',
      status: 'inte_alls',
    });
    expect(assembleRow(indicator('higher', 74), 2025, counts(147, 200), null, null, null)).toMatchObject({
      display: '74 %',
      colour: 'green',
    }); // 73,5 → 74
  });

  it('lower is better: mirror — 25 % yellow against 20, 26 % red, 20 % green', () => {
    expect(assembleRow(indicator('lower', 20), 2025, counts(1, 4), null, null, null).colour).toBe('yellow');
    expect(assembleRow(indicator('lower', 20), 2025, counts(26, 100), null, null, null).colour).toBe('red');
    expect(assembleRow(indicator('lower', 20), 2025, counts(1, 5), null, null, null).colour).toBe('green');
  });

  it('no target: värde saknas as colour (nothing to judge against), the value is still shown', () => {
    expect(assembleRow(indicator('higher'), 2025, counts(1, 2), null, null, null)).toMatchObject({
      display: '50 %',
      colour: 'missing',
      status: 'varde_saknas',
      targetSource: null,
    });
  });
});

describe('trend and change', () => {
  it('dead band 1 pp on the unrounded values: +0,9 pp is oförändrat; a drop is försämrats (higher) and förbättrats (lower)', () => {
    const prev = { numerator: null, denominator: null, value: 50 };
    expect(
      assembleRow(indicator('higher', 50), 2025, measurementFromValue({ kind: 'survey' }, value({ value: 50.9 })), prev, null, null),
    ).toMatchObject({ trend: 'unchanged', changeIsClear: null });
    const drop = counts(8, 14); // 57,14 %
    const prevHigh = { numerator: 11, denominator: 15, value: (100 * 11) / 15 };
    expect(assembleRow(indicator('higher', 61), 2025, drop, prevHigh, null, null)).toMatchObject({
      trend: 'worsened',
      changeIsClear: false,
      colour: 'yellow',
    });
    expect(assembleRow(indicator('lower', 61), 2025, drop, prevHigh, null, null)).toMatchObject({ trend: 'improved' });
    const shown = presentRow(assembleRow(indicator('higher', 61), 2025, drop, prevHigh, null, null));
    expect(shown).toMatchObject({
      changeDisplay: '−16 procentenheter',
      trendLabel: 'försämrats',
      trendSymbol: '↓',
      clarityText: 'Förändringen är inte statistiskt säkerställd',
      colourLabel: 'Gul – mindre, godtagbar avvikelse',
      colourSymbol: '▲',
      ciDisplay: '32,6–78,6 %',
    });
  });

  it('an imported value without counts: display rounded half away from zero from the value', () => {
    const m = measurementFromValue({ kind: 'manual' }, value({ value: 12.5 }));
    expect(m).toMatchObject({ origin: 'manual', displayNumber: 13, displayOneDecimalNumber: 12.5, ciLow: null, source: 'S' });
  });
});

describe('published vs live', () => {
  it('names the fields that differ', () => {
    const a = assembleRow(indicator('higher', 74), 2025, counts(11, 15), null, null, null);
    const b = assembleRow(indicator('higher', 74), 2025, counts(12, 15), null, null, null);
    expect(differences(a, a)).toEqual([]);
    expect(differences(a, b)).toEqual(['täljare', 'utfall', 'färg', 'status']);
    expect(differences(a, undefined)).toEqual(['indikatorn finns inte längre']);
  });
});

describe('historical values', () => {
  const known = new Set(['x']);
  const raw = (r: Partial<RawValueRow>): RawValueRow => ({
    indicator: 'x',
    year: '2021',
    value: '',
    numerator: '',
    denominator: '',
    source: 'Rapport',
    comment: '',
    ...r,
  });
  it('accepts a value with decimal comma, or counts (which win over a matching value)', () => {
    expect(checkValueRow(raw({ value: '57,1' }), known).value).toMatchObject({ value: 57.1, numerator: null });
    expect(checkValueRow(raw({ numerator: '8', denominator: '14', value: '57' }), known).value).toMatchObject({
      value: null,
      numerator: 8,
      denominator: 14,
    });
  });
  it('refuses denominator 0, numerator > denominator, a value outside 0–100, a missing source, an unknown indicator, a value that contradicts the counts', () => {
    const msgs = (r: Partial<RawValueRow>) => checkValueRow(raw(r), known).problems.map((p) => p.message);
    expect(msgs({ numerator: '0', denominator: '0' })).toEqual(['nämnaren är 0 – en andel av inga svar kan inte räknas']);
    expect(msgs({ numerator: '9', denominator: '7' })).toEqual(['täljaren (9) är större än nämnaren (7)']);
    expect(msgs({ value: '100,1' })).toEqual(['värdet ”100,1” ska vara en procentsats mellan 0 och 100']);
    expect(msgs({ value: '50', source: '' })).toEqual(['källa saknas (t.ex. ”Verksamhetsberättelse 2021” eller ”SCB”)']);
    expect(msgs({ indicator: 'y', value: '50' })).toEqual(['indikatorn ”y” finns inte']);
    expect(msgs({ numerator: '8', denominator: '14', value: '60' })[0]).toContain('stämmer inte med täljare/nämnare');
    expect(msgs({ numerator: '8' })).toEqual(['täljare och nämnare ska anges tillsammans']);
  });
  it('reads the columns by their English or Swedish names and reports missing columns', async () => {
    expect((await parseValuesCsv(Buffer.from('indikator;år;täljare;nämnare;källa\nx;2020;1;2;R\n'))).rows[0].raw).toMatchObject({
      indicator: 'x',
      year: '2020',
      numerator: '1',
      denominator: '2',
      source: 'R',
    });
    expect((await parseValuesCsv(Buffer.from('indicator;year\nx;2020\n'))).problems[0].message).toContain(
      'Filen saknar kolumnerna: source, value',
    );
  });
  it('parses decimals as people type them', () => {
    expect([
      parseDecimal('74'),
      parseDecimal('74,5'),
      parseDecimal('74.5 %'),
      parseDecimal('7 4'),
      parseDecimal('abc'),
      parseDecimal('1e3'),
    ]).toEqual([74, 74.5, 74.5, 74, null, null]);
  });
});

describe('CSV numbers for Swedish Excel', () => {
  it('decimal comma, at most 10 decimals, no exponent, no −0', () => {
    expect(csvNumber((100 * 11) / 14)).toBe('78,5714285714');
    expect(csvNumber(50)).toBe('50');
    expect(csvNumber(-16.19047619047619)).toBe('-16,1904761905');
    expect(csvNumber(1.4210854715202004e-14)).toBe('0');
    expect(csvNumber(null)).toBe('');
  });
});
