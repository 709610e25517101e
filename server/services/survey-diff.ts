// What changed between two versions of a survey, in words: texts (Swedish and English), options,
// questions added, removed and moved, conditions, sections and indicator settings. One row per
// change, for the version page's table "Ändringar jämfört med version N".
import {
  isChoiceQuestion,
  type IndicatorDefinition,
  type LocalizedText,
  type Question,
  type ScaleOption,
  type SurveyDefinition,
  type SvText,
} from '../surveys/schema';

export interface DiffRow {
  /** Where: "Fråga 3 (fortroende_rua)", "Enkäten", "Indikatorn fortroende_rua" */
  where: string;
  /** What changed: "Text på svenska", "Svarsalternativ hogt: etikett på svenska", "Ny fråga" */
  what: string;
  before: string;
  after: string;
}

const LANGS: Array<['sv' | 'en', string]> = [
  ['sv', 'på svenska'],
  ['en', 'på engelska'],
];
const NONE = '–';

function texts(
  rows: DiffRow[],
  where: string,
  what: string,
  a: LocalizedText | SvText | undefined,
  b: LocalizedText | SvText | undefined,
): void {
  for (const [lang, words] of LANGS) {
    const x = a?.[lang] ?? '';
    const y = b?.[lang] ?? '';
    if (x !== y) rows.push({ where, what: `${what} ${words}`, before: x || NONE, after: y || NONE });
  }
}

function value(rows: DiffRow[], where: string, what: string, a: unknown, b: unknown): void {
  const show = (v: unknown): string => {
    if (v === undefined || v === null || v === '') return NONE;
    if (Array.isArray(v)) return v.map((x) => show(x)).join(', ');
    if (typeof v === 'number') return String(v).replace('.', ','); // Swedish decimal comma: 4,9
    return typeof v === 'string' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  };
  if (show(a) !== show(b)) rows.push({ where, what, before: show(a), after: show(b) });
}

const questionWhere = (q: Question, n: number) => `Fråga ${n} (${q.id})`;
const yesNo = (b: boolean) => (b ? 'ja' : 'nej');
const condition = (q: Question) => (q.showIf ? `${q.showIf.question}: ${q.showIf.anyOf.join(', ')}` : NONE);

function options(rows: DiffRow[], where: string, a: ScaleOption[], b: ScaleOption[]): void {
  for (const o of a) {
    const now = b.find((x) => x.code === o.code);
    if (!now) {
      rows.push({ where, what: `Svarsalternativ ${o.code} borttaget`, before: o.label.sv, after: NONE });
      continue;
    }
    texts(rows, where, `Svarsalternativ ${o.code}: etikett`, o.label, now.label);
    value(rows, where, `Svarsalternativ ${o.code}: Vet ej`, yesNo(o.dontKnow), yesNo(now.dontKnow));
    value(rows, where, `Svarsalternativ ${o.code}: kan inte kombineras`, yesNo(o.exclusive), yesNo(now.exclusive));
  }
  for (const o of b)
    if (!a.some((x) => x.code === o.code)) rows.push({ where, what: `Nytt svarsalternativ ${o.code}`, before: NONE, after: o.label.sv });
  const orderA = a.map((o) => o.code).filter((c) => b.some((x) => x.code === c));
  const orderB = b.map((o) => o.code).filter((c) => a.some((x) => x.code === c));
  if (orderA.join() !== orderB.join())
    rows.push({ where, what: 'Svarsalternativens ordning', before: orderA.join(', '), after: orderB.join(', ') });
}

function question(rows: DiffRow[], a: Question, b: Question, na: number, nb: number): void {
  const where = questionWhere(b, nb);
  if (na !== nb) rows.push({ where, what: 'Flyttad', before: `fråga ${na}`, after: `fråga ${nb}` });
  value(rows, where, 'Frågetyp', a.type, b.type);
  texts(rows, where, 'Text', a.text, b.text);
  texts(rows, where, 'Hjälptext', a.help, b.help);
  value(rows, where, 'Obligatorisk', yesNo(a.required), yesNo(b.required));
  value(rows, where, 'Avsnitt', a.section, b.section);
  value(rows, where, 'Villkor', condition(a), condition(b));
  if (a.type === 'text' && b.type === 'text') {
    value(rows, where, 'Högsta antal tecken', a.maxLength, b.maxLength);
    value(rows, where, 'Flera rader', yesNo(a.multiline), yesNo(b.multiline));
  }
  if (a.type === 'multiple' && b.type === 'multiple') value(rows, where, 'Högsta antal val', a.maxSelected, b.maxSelected);
  if (a.type === 'matrix' && b.type === 'matrix') {
    for (const s of a.statements) {
      const now = b.statements.find((x) => x.id === s.id);
      if (!now) rows.push({ where, what: `Påstående ${s.id} borttaget`, before: s.text.sv, after: NONE });
      else texts(rows, where, `Påstående ${s.id}`, s.text, now.text);
    }
    for (const s of b.statements)
      if (!a.statements.some((x) => x.id === s.id)) rows.push({ where, what: `Nytt påstående ${s.id}`, before: NONE, after: s.text.sv });
  }
  if (isChoiceQuestion(a) && isChoiceQuestion(b)) options(rows, where, a.options, b.options);
}

const INDICATOR_FIELDS: Array<[string, string]> = [
  ['level', 'Målnivå'],
  ['direction', 'Riktning'],
  ['question', 'Fråga'],
  ['numerator', 'Svar som räknas'],
  ['dontKnowPolicy', 'Hur Vet ej räknas'],
  ['meetingType', 'Mötestyp'],
  ['target', 'Målvärde'],
  ['tolerance', 'Tolerans'],
  ['deadBand', 'Gräns för oförändrat'],
  ['minN', 'Minsta antal svar'],
];

function indicator(rows: DiffRow[], a: IndicatorDefinition, b: IndicatorDefinition): void {
  const where = `Indikatorn ${b.id}`;
  texts(rows, where, 'Namn', a.name, b.name);
  texts(rows, where, 'Mål', a.goal, b.goal);
  const field = (i: IndicatorDefinition, k: string) => (i as unknown as Record<string, unknown>)[k];
  for (const [k, label] of INDICATOR_FIELDS) value(rows, where, label, field(a, k), field(b, k));
  value(
    rows,
    where,
    'Koder',
    a.codes ? `${a.codes.unit} / ${a.codes.indicator}` : undefined,
    b.codes ? `${b.codes.unit} / ${b.codes.indicator}` : undefined,
  );
}

function survey(rows: DiffRow[], a: SurveyDefinition, b: SurveyDefinition): void {
  const where = 'Enkäten';
  value(rows, where, 'Versionsetikett', a.version, b.version);
  texts(rows, where, 'Titel', a.title, b.title);
  texts(rows, where, 'Inledning', a.intro, b.intro);
  value(rows, where, 'Tid att svara (minuter)', a.estimatedMinutes, b.estimatedMinutes);
  value(
    rows,
    where,
    'Språk',
    a.title.en === undefined ? 'svenska' : 'svenska och engelska',
    b.title.en === undefined ? 'svenska' : 'svenska och engelska',
  );
  for (const s of a.sections) {
    const now = b.sections.find((x) => x.id === s.id);
    if (!now) rows.push({ where: `Avsnitt ${s.id}`, what: 'Borttaget', before: s.title.sv, after: NONE });
    else {
      texts(rows, `Avsnitt ${s.id}`, 'Rubrik', s.title, now.title);
      texts(rows, `Avsnitt ${s.id}`, 'Inledning', s.intro, now.intro);
    }
  }
  for (const s of b.sections)
    if (!a.sections.some((x) => x.id === s.id)) rows.push({ where: `Avsnitt ${s.id}`, what: 'Nytt', before: NONE, after: s.title.sv });
}

/** Every change from `a` (the version before) to `b`, in survey order. */
export function diffDefinitions(a: SurveyDefinition, b: SurveyDefinition): DiffRow[] {
  const rows: DiffRow[] = [];
  survey(rows, a, b);
  a.questions.forEach((q, i) => {
    const j = b.questions.findIndex((x) => x.id === q.id);
    if (j < 0) rows.push({ where: questionWhere(q, i + 1), what: 'Borttagen fråga', before: q.text.sv, after: NONE });
    else question(rows, q, b.questions[j], i + 1, j + 1);
  });
  b.questions.forEach((q, j) => {
    if (!a.questions.some((x) => x.id === q.id))
      rows.push({ where: questionWhere(q, j + 1), what: 'Ny fråga', before: NONE, after: q.text.sv });
  });
  for (const i of a.indicators) {
    const now = b.indicators.find((x) => x.id === i.id);
    if (!now) rows.push({ where: `Indikatorn ${i.id}`, what: 'Borttagen', before: i.name.sv, after: NONE });
    else indicator(rows, i, now);
  }
  for (const i of b.indicators)
    if (!a.indicators.some((x) => x.id === i.id)) rows.push({ where: `Indikatorn ${i.id}`, what: 'Ny', before: NONE, after: i.name.sv });
  return rows;
}
