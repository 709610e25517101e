// Rules without a database: Stockholm time ↔ UTC (summer/winter time), the round transitions,
// answers checked against a definition, and the generic CSV reader.
import iconv from 'iconv-lite';
import { answersKey, checkAnswers, conditionText, rawFromAnswers } from '../../server/services/answers';
import { readCsv } from '../../server/services/csv';
import { canTransition, checkRoundForm, defaultRoundForm, respondentPhase } from '../../server/services/rounds';
import { formatStockholmDeadline, stockholmToUtc, utcToStockholm } from '../../server/services/stockholm-time';
import { ValidationError } from '../../server/errors';
import { surveyFromYaml } from '../helpers/fixtures';

describe('Stockholm time', () => {
  it('converts winter and summer time to UTC', () => {
    expect(stockholmToUtc('2025-11-03', '09:00')).toEqual({ ok: true, iso: '2025-11-03T08:00:00.000Z' });
    expect(stockholmToUtc('2025-06-01', '09:00')).toEqual({ ok: true, iso: '2025-06-01T07:00:00.000Z' });
    expect(stockholmToUtc('2025-12-31', '23:59')).toEqual({ ok: true, iso: '2025-12-31T22:59:00.000Z' });
  });

  it('refuses the hour skipped when summer time starts, and reads the repeated hour as summer time', () => {
    expect(stockholmToUtc('2025-03-30', '02:30')).toEqual({ ok: false, reason: 'nonexistent' });
    expect(stockholmToUtc('2025-03-30', '01:59')).toEqual({ ok: true, iso: '2025-03-30T00:59:00.000Z' });
    expect(stockholmToUtc('2025-03-30', '03:00')).toEqual({ ok: true, iso: '2025-03-30T01:00:00.000Z' });
    expect(stockholmToUtc('2025-10-26', '02:30')).toEqual({ ok: true, iso: '2025-10-26T00:30:00.000Z' });
    expect(stockholmToUtc('2025-10-26', '03:00')).toEqual({ ok: true, iso: '2025-10-26T02:00:00.000Z' });
  });

  it('refuses dates and times that are not real', () => {
    expect(stockholmToUtc('2025-02-30', '10:00')).toEqual({ ok: false, reason: 'date' });
    expect(stockholmToUtc('3/11/2025', '10:00')).toEqual({ ok: false, reason: 'date' });
    expect(stockholmToUtc('2025-11-03', '24:00')).toEqual({ ok: false, reason: 'time' });
    expect(stockholmToUtc('2025-11-03', 'nio')).toEqual({ ok: false, reason: 'time' });
  });

  it('goes back to the Stockholm wall clock and writes a Swedish deadline', () => {
    expect(utcToStockholm('2025-10-26T00:30:00.000Z')).toEqual({ date: '2025-10-26', time: '02:30' });
    expect(utcToStockholm('2025-10-26T01:30:00.000Z')).toEqual({ date: '2025-10-26', time: '02:30' });
    expect(utcToStockholm('2025-12-31T23:30:00.000Z')).toEqual({ date: '2026-01-01', time: '00:30' });
    expect(formatStockholmDeadline('2025-12-05T15:00:00.000Z')).toBe('5 december 2025 kl. 16.00');
    expect(formatStockholmDeadline('2025-06-05T15:00:00.000Z')).toBe('5 juni 2025 kl. 17.00');
    expect(formatStockholmDeadline(null)).toBe('–');
  });
});

describe('rounds', () => {
  it('allows exactly utkast → öppen → stängd → publicerad, and reopening a closed round', () => {
    const states = ['utkast', 'oppen', 'stangd', 'publicerad'] as const;
    const allowed = states.flatMap((from) => states.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed).toEqual(['utkast→oppen', 'oppen→stangd', 'stangd→oppen', 'stangd→publicerad']);
  });

  it('tells the respondent phase from the state and the times', () => {
    const now = new Date('2025-11-10T10:00:00Z');
    const open = { state: 'oppen' as const, opensAt: '2025-11-01T07:00:00Z', closesAt: '2025-11-20T16:00:00Z' };
    expect(respondentPhase(open, now)).toBe('open');
    expect(respondentPhase({ ...open, opensAt: '2025-11-11T07:00:00Z' }, now)).toBe('not_open');
    expect(respondentPhase({ ...open, closesAt: '2025-11-10T10:00:00Z' }, now)).toBe('closed');
    expect(respondentPhase({ ...open, state: 'stangd' }, now)).toBe('closed');
    expect(respondentPhase({ ...open, state: 'publicerad' }, now)).toBe('closed');
  });

  it('checks the round form and names every field', () => {
    const base = {
      ...defaultRoundForm(new Date('2025-09-01')),
      survey: 'file:x',
      panel: '3',
      opens_date: '2025-11-03',
      closes_date: '2025-11-28',
      contact_name: 'Sam',
      contact_email: 'Sam@Region.se',
    };
    const ok = checkRoundForm(base);
    expect(ok.opensAt).toBe('2025-11-03T07:00:00.000Z');
    expect(ok.closesAt).toBe('2025-11-28T16:00:00.000Z');
    expect(ok.reminderDays).toEqual([7, 2]);
    expect(ok.contactEmail).toBe('sam@region.se');
    try {
      checkRoundForm({ ...base, year: '25', reminder_days: '7, hundra', allow_changes: 'kanske' });
      throw new Error('expected a ValidationError');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).problems.map((p) => p.field).sort()).toEqual(['allow_changes', 'reminder_days', 'year']);
    }
  });
});

describe('answers against a definition', () => {
  const survey = surveyFromYaml(`
id: regler
title: { sv: Regler, en: Rules }
intro: { sv: Intro, en: Intro }
estimatedMinutes: 1
questions:
  - id: fraga1
    type: single
    required: true
    text: { sv: Ett, en: One }
    options:
      - { code: a, label: { sv: Alfa, en: Alpha } }
      - { code: b, label: { sv: Beta, en: Beta } }
      - { code: vet_ej, label: { sv: Vet ej, en: "Don't know" }, dontKnow: true }
  - id: fraga2
    type: multiple
    required: true
    maxSelected: 2
    showIf: { question: fraga1, anyOf: [a, b] }
    text: { sv: Två, en: Two }
    options:
      - { code: x, label: { sv: X, en: X } }
      - { code: y, label: { sv: Y, en: Y } }
      - { code: z, label: { sv: Z, en: Z } }
      - { code: vet_ej, label: { sv: Vet ej, en: "Don't know" }, dontKnow: true }
  - id: fraga3
    type: text
    maxLength: 5
    showIf: { question: fraga2, anyOf: [x] }
    text: { sv: Tre, en: Three }
`);
  const def = survey.definition;

  it('accepts good answers in survey order and drops answers to questions that are not asked', () => {
    const ok = checkAnswers(def, { fraga1: ['a'], fraga2: ['y', 'x'], fraga3: [' hej\r\n '] }, { enforceRequired: true });
    expect(ok.problems).toEqual([]);
    expect(ok.answers.map((a) => `${a.questionId}=${a.optionCode ?? a.textValue}`)).toEqual([
      'fraga1=a',
      'fraga2=x',
      'fraga2=y',
      'fraga3=hej',
    ]);
    // a chain: fraga1 = vet_ej hides fraga2, which hides fraga3
    const hidden = checkAnswers(def, { fraga1: ['vet_ej'], fraga2: ['x'], fraga3: ['text'] }, { enforceRequired: true });
    expect(hidden.problems).toEqual([]);
    expect(hidden.answers.map((a) => a.questionId)).toEqual(['fraga1']);
    expect(hidden.skipped).toEqual(['fraga2', 'fraga3']);
  });

  it('names each broken rule', () => {
    const kinds = (raw: Record<string, string[]>, enforceRequired = true) =>
      checkAnswers(def, raw, { enforceRequired }).problems.map((p) => `${p.ref}:${p.kind}`);
    expect(kinds({})).toEqual(['fraga1:required']);
    expect(kinds({}, false)).toEqual([]);
    expect(kinds({ fraga1: ['c'] })).toEqual(['fraga1:invalid_option']);
    expect(kinds({ fraga1: ['a', 'b'] })).toEqual(['fraga1:too_many']);
    expect(kinds({ fraga1: ['a'] })).toEqual(['fraga2:required']);
    expect(kinds({ fraga1: ['a'], fraga2: ['x', 'y', 'z'] })).toEqual(['fraga2:too_many']);
    expect(kinds({ fraga1: ['a'], fraga2: ['x', 'vet_ej'] })).toEqual(['fraga2:exclusive']);
    expect(kinds({ fraga1: ['a'], fraga2: ['x'], fraga3: ['sex tecken'] })).toEqual(['fraga3:too_long']);
  });

  it('explains a condition and compares answer sets regardless of order', () => {
    const vars = { region: 'Region R', strategy: 'S' };
    expect(conditionText(def, def.questions[1], 'sv', vars)).toBe('Besvara om du svarade ”Alfa” eller ”Beta” på fråga 1.');
    expect(conditionText(def, def.questions[1], 'en', vars)).toBe('Answer if you answered “Alpha” or “Beta” to question 1.');
    const a = checkAnswers(def, { fraga1: ['a'], fraga2: ['x', 'y'] }, { enforceRequired: true }).answers;
    const b = checkAnswers(def, rawFromAnswers([...a].reverse()), { enforceRequired: true }).answers;
    expect(answersKey(a)).toBe(answersKey(b));
    expect(answersKey(a)).not.toBe(answersKey(a.slice(1)));
  });
});

describe('readCsv', () => {
  it('reads UTF-8 with BOM and ";", keeping line breaks inside quoted cells and row numbers as a spreadsheet shows them', async () => {
    const r = await readCsv(
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('organisation;kommentar\r\nÖrebro;"rad 1\r\nrad 2"\r\n;;\r\nUmeå;\'=1+1\r\n'),
      ]),
    );
    if (!r.ok) throw new Error(r.problem.message);
    expect(r.csv.header).toEqual(['organisation', 'kommentar']);
    expect(r.csv.delimiter).toBe(';');
    expect(r.csv.rows).toEqual([
      { row: 2, cells: ['Örebro', 'rad 1\nrad 2'] },
      { row: 4, cells: ['Umeå', '=1+1'] },
    ]);
  });

  it('reads Windows-1252 with ","', async () => {
    const r = await readCsv(iconv.encode('organisation,svar\r\nSjöviks folkhögskola,Högt förtroende\r\n', 'win1252'));
    if (!r.ok) throw new Error(r.problem.message);
    expect(r.csv.encoding).toBe('windows-1252');
    expect(r.csv.delimiter).toBe(',');
    expect(r.csv.rows[0].cells).toEqual(['Sjöviks folkhögskola', 'Högt förtroende']);
  });

  it('explains a file that is not CSV', async () => {
    const r = await readCsv(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.message).toContain('Excel-arbetsbok');
    const empty = await readCsv(Buffer.alloc(0));
    expect(empty.ok).toBe(false);
  });
});
