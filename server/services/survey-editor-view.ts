// The survey editor's page as a view model: every field of the working copy with its value, its
// id and its error, so the template only loops. Every problem is tied to a field that exists on
// the page and can take focus (the error summary links to it): a problem about something the page
// shows read-only (an indicator on the questions page) lands on that item's summary line.
import type { FieldProblem } from '../errors';
import { ID_PATTERN, YESNO_CODES } from '../surveys/schema';
import type { EditorProblem } from './survey-editor-check';
import type { EditorDoc, EIndicator, EOption, EQuestion, EText } from './survey-editor-doc';
import type { GuardIssue } from './survey-guard';

export interface FieldView {
  name: string;
  /** The element's id without the "field-" prefix. */
  id: string;
  value: string;
  error: string | null;
}

/** What the current (parent) version already has: its ids and codes are shown, not edited. */
export interface LockedIds {
  surveyId: boolean;
  questions: Set<string>;
  /** `questionId:code`, `scale:name:code` */
  options: Set<string>;
  /** `questionId.statementId` */
  statements: Set<string>;
  sections: Set<string>;
  /** Names of the shared scales (questions refer to them by name). */
  scales: Set<string>;
  indicators: Set<string>;
}

export const QUESTION_TYPE_LABELS: Record<string, string> = {
  single: 'Ett svar (enkelval)',
  multiple: 'Flera svar (flerval)',
  yesno: 'Ja eller nej',
  text: 'Fritext',
  matrix: 'Matris (flera påståenden på samma skala)',
};

export const idOf = (name: string) => name.replace(/\./g, '-');

/** Builds fields and remembers them in page order, so problems can be tied to them afterwards. */
class Fields {
  readonly all: FieldView[] = [];
  private readonly byName = new Map<string, FieldView>();
  /** `english`: whether the survey's English fields are on the page. */
  constructor(private readonly english: boolean) {}
  field(name: string, value: string, shown = true): FieldView {
    const f: FieldView = { name, id: idOf(name), value, error: null };
    if (!shown) return f;
    if (!this.byName.has(name)) this.byName.set(name, f);
    this.all.push(f);
    return f;
  }
  /** A text in Swedish and English; `alwaysEnglish` for texts with optional English whatever the survey's languages (indicator names). */
  text(name: string, t: EText, alwaysEnglish = false) {
    return { sv: this.field(`${name}.sv`, t.sv), en: this.field(`${name}.en`, t.en, alwaysEnglish || this.english) };
  }
  /** The field a problem at `name` belongs to: itself, its Swedish text, or the first field of the nearest item that is on the page. */
  resolve(name: string): FieldView | null {
    const exact = this.byName.get(name) ?? this.byName.get(`${name}.sv`);
    if (exact) return exact;
    const parts = name.split('.');
    for (let n = parts.length - 1; n >= 1; n--) {
      const prefix = parts.slice(0, n).join('.');
      const found = this.byName.get(prefix) ?? this.all.find((f) => f.name.startsWith(`${prefix}.`));
      if (found) return found;
    }
    return null;
  }
}

interface Move {
  list: string;
  index: number;
  canUp: boolean;
  canDown: boolean;
  /** the anchors the page scrolls to after moving (the item's new place) */
  upAnchor: string;
  downAnchor: string;
  /** where the page shows after removing: the item that takes its place, else the list's add button */
  removeAnchor: string;
}

function move(list: string, index: number, length: number): Move {
  return {
    list,
    index,
    canUp: index > 0,
    canDown: index < length - 1,
    upAnchor: idOf(`${list}.${index - 1}`),
    downAnchor: idOf(`${list}.${index + 1}`),
    removeAnchor: length > 1 ? idOf(`${list}.${Math.min(index, length - 2)}`) : `field-${idOf(list)}`,
  };
}

function optionViews(fields: Fields, owner: string, options: EOption[], locked: (code: string) => boolean, multiple: boolean) {
  const list = `${owner}.options`;
  const none = fields.field(`${owner}.dontKnowOption`, options.some((o) => o.dontKnow) ? '' : 'none');
  const views = options.map((o, j) => ({
    anchor: idOf(`${list}.${j}`),
    number: j + 1,
    locked: locked(o.code.trim()) && ID_PATTERN.test(o.code.trim()),
    code: fields.field(`${list}.${j}.code`, o.code),
    label: fields.text(`${list}.${j}.label`, o.label),
    dontKnow: { ...fields.field(`${list}.${j}.dontKnow`, String(j)), checked: o.dontKnow },
    exclusive: multiple ? { ...fields.field(`${list}.${j}.exclusive`, 'true'), checked: o.exclusive } : null,
    dontKnowName: `${owner}.dontKnowOption`,
    move: move(list, j, options.length),
    confirm: null as ConfirmView | null,
  }));
  return {
    list,
    addAnchor: idOf(`${list}.${options.length}`),
    add: fields.field(list, ''),
    none: { ...none, checked: none.value === 'none' },
    options: views,
  };
}

interface ConfirmView {
  key: string;
  id: string;
  checked: boolean;
}

/** The codes a question (or matrix statement) can be answered with, in the working copy, with their Swedish labels. */
export function optionsOfRef(doc: EditorDoc, ref: string): Array<{ code: string; label: string; dontKnow: boolean }> {
  const [qid, sid] = ref.split('.');
  const q = doc.questions.find((x) => x.id.trim() === qid);
  if (!q || q.type === 'text' || (q.type === 'matrix') !== (sid !== undefined)) return [];
  if (q.type === 'yesno')
    return [
      { code: YESNO_CODES.yes, label: 'Ja', dontKnow: false },
      { code: YESNO_CODES.no, label: 'Nej', dontKnow: false },
      ...(q.dontKnow ? [{ code: YESNO_CODES.dontKnow, label: 'Vet ej', dontKnow: true }] : []),
    ];
  const options = q.scale ? (doc.scales.find((s) => s.name.trim() === q.scale)?.options ?? []) : q.options;
  return options.map((o) => ({ code: o.code.trim(), label: o.label.sv || o.code, dontKnow: o.dontKnow }));
}

/** The questions (and matrix statements) before question `index` that a condition can point at. */
function conditionTargets(doc: EditorDoc, index: number): Array<{ value: string; label: string }> {
  return doc.questions.slice(0, index).flatMap((q, i): Array<{ value: string; label: string }> => {
    if (q.type === 'text' || !q.id) return [];
    if (q.type === 'matrix') return q.statements.map((s) => ({ value: `${q.id}.${s.id}`, label: `Fråga ${i + 1}: ${s.text.sv || s.id}` }));
    return [{ value: q.id, label: `Fråga ${i + 1}: ${q.text.sv || q.id}` }];
  });
}

function questionView(fields: Fields, doc: EditorDoc, locked: LockedIds, q: EQuestion, i: number) {
  const name = `questions.${i}`;
  const choice = q.type === 'single' || q.type === 'multiple' || q.type === 'matrix';
  const ownOptions = choice && !q.scale;
  const codes = q.showIfQuestion ? optionsOfRef(doc, q.showIfQuestion) : [];
  return {
    anchor: idOf(name),
    number: i + 1,
    type: q.type,
    typeLabel: QUESTION_TYPE_LABELS[q.type],
    isChoice: choice,
    isYesNo: q.type === 'yesno',
    isText: q.type === 'text',
    isMatrix: q.type === 'matrix',
    isMultiple: q.type === 'multiple',
    locked: locked.questions.has(q.id.trim()),
    id: fields.field(`${name}.id`, q.id),
    text: fields.text(`${name}.text`, q.text),
    help: fields.text(`${name}.help`, q.help),
    required: { ...fields.field(`${name}.required`, 'true'), checked: q.required },
    section: fields.field(`${name}.section`, q.section),
    sectionChoices: doc.sections.map((s) => ({ value: s.id, label: s.title.sv || s.id, selected: s.id === q.section })),
    showIf: {
      question: fields.field(`${name}.showIf.question`, q.showIfQuestion),
      targets: conditionTargets(doc, i).map((t) => ({ ...t, selected: t.value === q.showIfQuestion })),
      anyOf: fields.field(`${name}.showIf.anyOf`, ''),
      codes: codes.map((c, k) => ({
        ...c,
        id: idOf(`${name}.showIf.anyOf`) + (k ? `-${k}` : ''),
        checked: q.showIfAnyOf.includes(c.code),
      })),
      refresh: fields.field(`${name}.showIf.refresh`, ''),
    },
    scale: choice ? fields.field(`${name}.scale`, q.scale) : null,
    scaleChoices: doc.scales.map((s) => ({ value: s.name, label: s.name, selected: s.name === q.scale })),
    options: ownOptions
      ? optionViews(fields, name, q.options, (code) => locked.options.has(`${q.id.trim()}:${code}`), q.type === 'multiple')
      : null,
    statements: q.type === 'matrix' ? statementViews(fields, name, q, locked) : null,
    dontKnow: q.type === 'yesno' ? { ...fields.field(`${name}.dontKnow`, 'true'), checked: q.dontKnow } : null,
    maxSelected: q.type === 'multiple' ? fields.field(`${name}.maxSelected`, q.maxSelected) : null,
    maxLength: q.type === 'text' ? fields.field(`${name}.maxLength`, q.maxLength) : null,
    multiline: q.type === 'text' ? { ...fields.field(`${name}.multiline`, 'true'), checked: q.multiline } : null,
    move: move('questions', i, doc.questions.length),
    confirm: null as ConfirmView | null,
  };
}

function statementViews(fields: Fields, name: string, q: EQuestion, locked: LockedIds) {
  const list = `${name}.statements`;
  return {
    list,
    add: fields.field(list, ''),
    items: q.statements.map((s, k) => ({
      anchor: idOf(`${list}.${k}`),
      number: k + 1,
      locked: locked.statements.has(`${q.id.trim()}.${s.id.trim()}`),
      id: fields.field(`${list}.${k}.id`, s.id),
      text: fields.text(`${list}.${k}.text`, s.text),
      move: move(list, k, q.statements.length),
    })),
  };
}

export const LEVEL_CHOICES = [
  { value: 'effektmal', label: 'Effektmål' },
  { value: 'namndmal', label: 'Nämndmål' },
  { value: 'uppdrag', label: 'Uppdrag' },
];
export const MEETING_CHOICES = [
  { value: 'arbetsmote', label: 'Arbetsmötet' },
  { value: 'riktningsmote', label: 'Riktningsmötet' },
  { value: 'arskonferens', label: 'Årskonferensen' },
];
const KIND_LABELS: Record<string, string> = {
  survey: 'räknas på en fråga i enkäten',
  attendance: 'närvaro på årshjulets möten',
  manual: 'värde som förs in för hand',
};

/** The questions (and matrix statements) an indicator can be counted on: one answer per organisation. */
function indicatorTargets(doc: EditorDoc): Array<{ value: string; label: string }> {
  return doc.questions.flatMap((q, i): Array<{ value: string; label: string }> => {
    if (q.type === 'matrix') return q.statements.map((s) => ({ value: `${q.id}.${s.id}`, label: `Fråga ${i + 1}: ${s.text.sv || s.id}` }));
    return q.type === 'single' || q.type === 'yesno' ? [{ value: q.id, label: `Fråga ${i + 1}: ${q.text.sv || q.id}` }] : [];
  });
}

function indicatorView(fields: Fields, doc: EditorDoc, locked: LockedIds, ind: EIndicator, k: number) {
  const name = `indicators.${k}`;
  const options = ind.kind === 'survey' && ind.question ? optionsOfRef(doc, ind.question).filter((o) => !o.dontKnow) : [];
  const choose = (list: Array<{ value: string; label: string }>, value: string) => list.map((c) => ({ ...c, selected: c.value === value }));
  return {
    anchor: idOf(name),
    number: k + 1,
    kind: ind.kind,
    kindLabel: KIND_LABELS[ind.kind],
    isSurvey: ind.kind === 'survey',
    isAttendance: ind.kind === 'attendance',
    locked: locked.indicators.has(ind.id.trim()),
    id: fields.field(`${name}.id`, ind.id),
    name: fields.text(`${name}.name`, ind.name, true),
    goal: fields.text(`${name}.goal`, ind.goal, true),
    level: { ...fields.field(`${name}.level`, ind.level), choices: choose(LEVEL_CHOICES, ind.level) },
    direction: { ...fields.field(`${name}.direction`, ind.direction), higher: ind.direction !== 'lower', lower: ind.direction === 'lower' },
    question: { ...fields.field(`${name}.question`, ind.question), choices: choose(indicatorTargets(doc), ind.question) },
    numerator: {
      ...fields.field(`${name}.numerator`, ''),
      codes: options.map((o, n) => ({ ...o, id: idOf(`${name}.numerator`) + (n ? `-${n}` : ''), checked: ind.numerator.includes(o.code) })),
    },
    refresh: fields.field(`${name}.refresh`, ''),
    dontKnowPolicy: {
      ...fields.field(`${name}.dontKnowPolicy`, ind.dontKnowPolicy),
      include: ind.dontKnowPolicy === 'include',
      exclude: ind.dontKnowPolicy === 'exclude',
    },
    meetingType: { ...fields.field(`${name}.meetingType`, ind.meetingType), choices: choose(MEETING_CHOICES, ind.meetingType) },
    target: fields.field(`${name}.target`, ind.target),
    tolerance: fields.field(`${name}.tolerance`, ind.tolerance),
    deadBand: fields.field(`${name}.deadBand`, ind.deadBand),
    minN: fields.field(`${name}.minN`, ind.minN),
    unit: ind.unit,
    codesUnit: fields.field(`${name}.codes.unit`, ind.codesUnit),
    codesIndicator: fields.field(`${name}.codes.indicator`, ind.codesIndicator),
    confirm: null as ConfirmView | null,
    move: move('indicators', k, doc.indicators.length),
  };
}

export interface EditorViewInput {
  doc: EditorDoc;
  part: 'survey' | 'indicators';
  locked: LockedIds;
  problems: EditorProblem[];
  issues: GuardIssue[];
  /** Confirmations ticked in the form or stored with the draft. */
  confirmed: Set<string>;
}

/** A read-only line for each item the other form edits (so a problem about it has somewhere to be shown). */
function summaries(fields: Fields, doc: EditorDoc, part: 'survey' | 'indicators') {
  if (part === 'survey')
    return doc.indicators.map((ind, k) => ({
      field: fields.field(`indicators.${k}`, ''),
      text: `${ind.id} – ${ind.name.sv}${ind.kind === 'survey' ? ` (fråga ${ind.question}: ${ind.numerator.join(', ')})` : ''}`,
    }));
  return doc.questions.map((q, i) => ({ field: fields.field(`questions.${i}`, ''), text: `Fråga ${i + 1} (${q.id}): ${q.text.sv}` }));
}

function surveyFields(fields: Fields, doc: EditorDoc, locked: LockedIds) {
  return {
    id: fields.field('id', doc.id),
    idLocked: locked.surveyId,
    version: fields.field('version', doc.version),
    english: { ...fields.field('english', 'true'), checked: doc.english },
    title: fields.text('title', doc.title),
    intro: fields.text('intro', doc.intro),
    estimatedMinutes: fields.field('estimatedMinutes', doc.estimatedMinutes),
    sections: doc.sections.map((s, k) => ({
      anchor: idOf(`sections.${k}`),
      number: k + 1,
      locked: locked.sections.has(s.id.trim()),
      id: fields.field(`sections.${k}.id`, s.id),
      title: fields.text(`sections.${k}.title`, s.title),
      intro: fields.text(`sections.${k}.intro`, s.intro),
      move: move('sections', k, doc.sections.length),
    })),
    addSection: fields.field('sections', ''),
    scales: doc.scales.map((s, k) => ({
      anchor: idOf(`scales.${k}`),
      number: k + 1,
      locked: locked.scales.has(s.name.trim()),
      name: fields.field(`scales.${k}.name`, s.name),
      usedBy: doc.questions.filter((q) => q.scale && q.scale === s.name.trim()).map((q) => q.id),
      ...optionViews(fields, `scales.${k}`, s.options, (code) => locked.options.has(`scale:${s.name.trim()}:${code}`), true),
      move: move('scales', k, doc.scales.length),
    })),
    addScale: fields.field('scales', ''),
    questions: doc.questions.map((q, i) => questionView(fields, doc, locked, q, i)),
    addQuestion: fields.field('questions', ''),
    typeChoices: Object.entries(QUESTION_TYPE_LABELS).map(([value, label]) => ({ value, label })),
  };
}

interface Holder {
  view: { confirm: ConfirmView | null };
  names: string[];
}

export interface RemovedView extends ConfirmView {
  message: string;
  error: string | null;
}

/** Puts the confirmation of each guarded change beside its field; returns the removed things (listed on their own). */
function placeConfirmations(holders: Holder[], input: EditorViewInput): RemovedView[] {
  const removed: RemovedView[] = [];
  input.issues
    .filter((i) => i.part === input.part)
    .forEach((i, n) => {
      const confirm: ConfirmView = { key: i.key, id: `confirm-${n}`, checked: input.confirmed.has(i.key) };
      const holder = i.name ? holders.find((h) => h.names.includes(i.name!)) : undefined;
      if (holder) holder.view.confirm = confirm;
      else removed.push({ ...confirm, message: i.message, error: null });
    });
  return removed;
}

/** Where each guarded change can be confirmed: beside an option's label, a question's id, an indicator's rule. */
function holdersOf(survey: ReturnType<typeof surveyFields> | null, indicators: Array<ReturnType<typeof indicatorView>> | null): Holder[] {
  const options = [
    ...(survey?.scales.flatMap((s) => s.options) ?? []),
    ...(survey?.questions.flatMap((q) => q.options?.options ?? []) ?? []),
  ];
  return [
    ...options.map((o) => ({ view: o, names: [o.label.sv.name] })),
    ...(survey?.questions ?? []).map((q) => ({ view: q, names: [q.id.name, q.text.sv.name] })),
    ...(indicators ?? []).map((v) => ({ view: v, names: [v.question.name, v.numerator.name] })),
  ];
}

/**
 * The editor page: the survey's texts and questions (`part` survey) or its indicators, every
 * field with its value and error, and the error summary's list (each linking to its field).
 */
export function editorView(input: EditorViewInput) {
  const { doc, part, locked } = input;
  const fields = new Fields(doc.english);
  const survey = part === 'survey' ? surveyFields(fields, doc, locked) : null;
  const indicators = part === 'indicators' ? doc.indicators.map((ind, k) => indicatorView(fields, doc, locked, ind, k)) : null;
  const addIndicator = part === 'indicators' ? fields.field('indicators', '') : null;
  const others = summaries(fields, doc, part);
  const removed = placeConfirmations(holdersOf(survey, indicators), input);
  const save = fields.field('_save', '');
  const errors: FieldProblem[] = [];
  for (const p of input.problems) {
    const target: { id: string; error: string | null } =
      (p.name.startsWith('confirm:') ? removed.find((r) => `confirm:${r.key}` === p.name) : fields.resolve(p.name)) ?? save;
    target.error = target.error ? `${target.error} ${p.message}` : p.message;
    errors.push({ field: target.id, message: p.message });
  }
  return { survey, indicators, addIndicator, others, removed, save, errors };
}
