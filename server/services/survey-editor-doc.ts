// The survey editor's working copy: a survey as the editor's form holds it (every value as typed,
// shared scales as a list), how it is read from a posted form, how it becomes the data of a
// survey file for the validator (server/surveys/load.ts, the one validation for files, uploads and
// the editor), and the changes the form's buttons make (add, remove, move up/down) without
// JavaScript. The form carries the whole working copy, so a button never loses what was typed.
//
// Form field names are the working copy's paths: `title.sv`, `questions.2.options.0.label.en`,
// `scales.1.name`. A field's id is the name with dots as hyphens (`questions-2-options-0-label-en`).
import { QUESTION_TYPES } from '../surveys/schema';
import type { SurveyFile, SurveyFileOption, SurveyFileQuestion } from '../surveys/schema';

export type QuestionType = (typeof QUESTION_TYPES)[number];
export type IndicatorKind = 'survey' | 'attendance' | 'manual';

export interface EText {
  sv: string;
  en: string;
}
export interface EOption {
  code: string;
  label: EText;
  dontKnow: boolean;
  exclusive: boolean;
}
export interface EStatement {
  id: string;
  text: EText;
}
export interface EQuestion {
  id: string;
  type: QuestionType;
  section: string;
  required: boolean;
  text: EText;
  help: EText;
  showIfQuestion: string;
  showIfAnyOf: string[];
  /** The shared scale the options come from; '' for options of its own. */
  scale: string;
  options: EOption[];
  statements: EStatement[];
  /** yes/no: a third option Vet ej. */
  dontKnow: boolean;
  maxSelected: string;
  maxLength: string;
  multiline: boolean;
}
export interface EScale {
  name: string;
  options: EOption[];
}
export interface ESection {
  id: string;
  title: EText;
  intro: EText;
}
export interface EIndicator {
  id: string;
  kind: IndicatorKind;
  name: EText;
  goal: EText;
  level: string;
  direction: string;
  question: string;
  numerator: string[];
  dontKnowPolicy: string;
  meetingType: string;
  target: string;
  tolerance: string;
  deadBand: string;
  minN: string;
  unit: string;
  codesUnit: string;
  codesIndicator: string;
}
export interface EditorDoc {
  id: string;
  version: string;
  /** The survey is also in English (then every text needs English; without, English texts are dropped). */
  english: boolean;
  title: EText;
  intro: EText;
  estimatedMinutes: string;
  scales: EScale[];
  sections: ESection[];
  questions: EQuestion[];
  indicators: EIndicator[];
}

// ---------------------------------------------------------------------------------------------
// Survey file data → working copy
// ---------------------------------------------------------------------------------------------

const etext = (t: { sv: string; en?: string } | undefined): EText => ({ sv: t?.sv ?? '', en: t?.en ?? '' });
const num = (n: number | undefined): string => (n === undefined ? '' : String(n).replace('.', ','));

function eoption(o: SurveyFileOption): EOption {
  return { code: o.code, label: etext(o.label), dontKnow: o.dontKnow, exclusive: o.exclusive };
}

function baseQuestion(q: SurveyFileQuestion): EQuestion {
  return {
    id: q.id,
    type: q.type,
    section: q.section ?? '',
    required: q.required,
    text: etext(q.text),
    help: etext(q.help),
    showIfQuestion: q.showIf?.question ?? '',
    showIfAnyOf: q.showIf ? [...q.showIf.anyOf] : [],
    scale: '',
    options: [],
    statements: [],
    dontKnow: false,
    maxSelected: '',
    maxLength: '',
    multiline: true,
  };
}

function equestion(q: SurveyFileQuestion): EQuestion {
  const base = baseQuestion(q);
  switch (q.type) {
    case 'yesno':
      return { ...base, dontKnow: q.dontKnow };
    case 'text':
      return { ...base, maxLength: String(q.maxLength), multiline: q.multiline };
    case 'matrix':
      return {
        ...base,
        scale: q.scale ?? '',
        options: (q.options ?? []).map(eoption),
        statements: q.statements.map((s) => ({ id: s.id, text: etext(s.text) })),
      };
    case 'multiple':
      return { ...base, scale: q.scale ?? '', options: (q.options ?? []).map(eoption), maxSelected: num(q.maxSelected) };
    case 'single':
      return { ...base, scale: q.scale ?? '', options: (q.options ?? []).map(eoption) };
  }
}

function eindicator(i: NonNullable<SurveyFile['indicators']>[number]): EIndicator {
  return {
    id: i.id,
    kind: i.kind,
    name: etext(i.name),
    goal: etext(i.goal),
    level: i.level,
    direction: i.direction,
    question: i.kind === 'survey' ? i.question : '',
    numerator: i.kind === 'survey' ? [...i.numerator] : [],
    dontKnowPolicy: i.kind === 'survey' ? i.dontKnowPolicy : '',
    meetingType: i.kind === 'attendance' ? i.meetingType : '',
    target: num(i.target),
    tolerance: num(i.tolerance),
    deadBand: num(i.deadBand),
    minN: num(i.minN),
    unit: i.unit,
    codesUnit: i.codes?.unit ?? '',
    codesIndicator: i.codes?.indicator ?? '',
  };
}

/** The working copy of a valid survey file's data (after zod: defaults filled in). */
export function editorDocOf(file: SurveyFile): EditorDoc {
  return {
    id: file.id,
    version: file.version ?? '',
    english: file.title.en !== undefined,
    title: etext(file.title),
    intro: etext(file.intro),
    estimatedMinutes: String(file.estimatedMinutes),
    scales: Object.entries(file.scales ?? {}).map(([name, s]) => ({ name, options: s.options.map(eoption) })),
    sections: (file.sections ?? []).map((s) => ({ id: s.id, title: etext(s.title), intro: etext(s.intro) })),
    questions: file.questions.map(equestion),
    indicators: (file.indicators ?? []).map(eindicator),
  };
}

// ---------------------------------------------------------------------------------------------
// Working copy → survey file data (what the validator checks and the draft stores)
// ---------------------------------------------------------------------------------------------

/** A number as typed ("4,9", "10") as a number; anything else stays text, so the validator names it. */
function number(v: string): number | string | undefined {
  const t = v.trim().replace(/\s/g, '');
  if (t === '') return undefined;
  return /^-?\d+([.,]\d+)?$/.test(t) ? Number(t.replace(',', '.')) : t;
}

/** Trimmed; '' stays '' (the validator says it may not be empty). */
const clean = (v: string): string => v.replace(/\r\n?/g, '\n').trim();

function fileText(t: EText, english: boolean): { sv: string; en?: string } {
  return english ? { sv: clean(t.sv), en: clean(t.en) } : { sv: clean(t.sv) };
}

/** An optional text (help, a section's intro): left out when nothing is written in any language. */
function optionalText(t: EText, english: boolean): { sv: string; en?: string } | undefined {
  if (clean(t.sv) === '' && (!english || clean(t.en) === '')) return undefined;
  return fileText(t, english);
}

function fileOption(o: EOption, english: boolean, multiple: boolean) {
  return {
    code: o.code.trim(),
    label: fileText(o.label, english),
    ...(o.dontKnow ? { dontKnow: true } : {}),
    ...(multiple && o.exclusive ? { exclusive: true } : {}),
  };
}

function fileChoices(q: EQuestion, english: boolean, multiple = false) {
  return q.scale ? { scale: q.scale } : { options: q.options.map((o) => fileOption(o, english, multiple)) };
}

function fileQuestion(q: EQuestion, english: boolean): Record<string, unknown> {
  const common = {
    id: q.id.trim(),
    type: q.type,
    ...(q.section ? { section: q.section } : {}),
    ...(q.required ? { required: true } : {}),
    ...(q.showIfQuestion ? { showIf: { question: q.showIfQuestion, anyOf: q.showIfAnyOf } } : {}),
    text: fileText(q.text, english),
    ...(optionalText(q.help, english) ? { help: optionalText(q.help, english) } : {}),
  };
  switch (q.type) {
    case 'single':
      return { ...common, ...fileChoices(q, english) };
    case 'multiple':
      return {
        ...common,
        ...fileChoices(q, english, true),
        ...(number(q.maxSelected) !== undefined ? { maxSelected: number(q.maxSelected) } : {}),
      };
    case 'yesno':
      return { ...common, ...(q.dontKnow ? { dontKnow: true } : {}) };
    case 'text':
      return { ...common, ...(number(q.maxLength) !== undefined ? { maxLength: number(q.maxLength) } : {}), multiline: q.multiline };
    case 'matrix':
      return {
        ...common,
        ...fileChoices(q, english),
        statements: q.statements.map((s) => ({ id: s.id.trim(), text: fileText(s.text, english) })),
      };
  }
}

function fileIndicator(i: EIndicator): Record<string, unknown> {
  const optionalNumbers = Object.fromEntries(
    (['target', 'tolerance', 'deadBand', 'minN'] as const).flatMap((k) => (number(i[k]) === undefined ? [] : [[k, number(i[k])]])),
  );
  const name = clean(i.name.en) ? { sv: clean(i.name.sv), en: clean(i.name.en) } : { sv: clean(i.name.sv) };
  const goal = clean(i.goal.en) ? { sv: clean(i.goal.sv), en: clean(i.goal.en) } : { sv: clean(i.goal.sv) };
  const codes =
    i.codesUnit.trim() || i.codesIndicator.trim() ? { codes: { unit: i.codesUnit.trim(), indicator: i.codesIndicator.trim() } } : {};
  const byKind =
    i.kind === 'survey'
      ? { question: i.question, numerator: i.numerator, ...(i.dontKnowPolicy ? { dontKnowPolicy: i.dontKnowPolicy } : {}) }
      : i.kind === 'attendance'
        ? { ...(i.meetingType ? { meetingType: i.meetingType } : {}) }
        : {};
  return {
    id: i.id.trim(),
    kind: i.kind,
    name,
    goal,
    ...(i.level ? { level: i.level } : {}),
    ...(i.unit && i.unit !== 'percent' ? { unit: i.unit } : {}),
    ...(i.direction ? { direction: i.direction } : {}),
    ...optionalNumbers,
    ...codes,
    ...byKind,
  };
}

/** The survey file data the working copy stands for (not yet validated: values may be wrong). */
export function fileDataOf(doc: EditorDoc): unknown {
  const english = doc.english;
  const scales = doc.scales.length
    ? {
        scales: Object.fromEntries(doc.scales.map((s) => [s.name.trim(), { options: s.options.map((o) => fileOption(o, english, true)) }])),
      }
    : {};
  const sections = doc.sections.length
    ? {
        sections: doc.sections.map((s) => ({
          id: s.id.trim(),
          title: fileText(s.title, english),
          ...(optionalText(s.intro, english) ? { intro: optionalText(s.intro, english) } : {}),
        })),
      }
    : {};
  return {
    id: doc.id.trim(),
    ...(clean(doc.version) ? { version: clean(doc.version) } : {}),
    title: fileText(doc.title, english),
    intro: fileText(doc.intro, english),
    estimatedMinutes: number(doc.estimatedMinutes) ?? '',
    ...scales,
    ...sections,
    questions: doc.questions.map((q) => fileQuestion(q, english)),
    ...(doc.indicators.length ? { indicators: doc.indicators.map(fileIndicator) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// A posted form → working copy
// ---------------------------------------------------------------------------------------------

type Tree = { [key: string]: Tree | string | string[] };
const MAX_ITEMS = 500;

/** The form's fields as a tree: `questions.0.text.sv` → tree.questions['0'].text.sv. */
function treeOf(body: unknown): Tree {
  const root: Tree = {};
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (key.startsWith('_') || !/^[A-Za-z0-9_.]+$/.test(key)) continue;
    const parts = key.split('.');
    if (parts.some((p) => /^\d+$/.test(p) && Number(p) >= MAX_ITEMS)) continue;
    let node: Tree = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next === undefined || typeof next === 'string' || Array.isArray(next)) node = node[part] = {};
      else node = next;
    }
    const leaf = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? value : '';
    node[parts[parts.length - 1]] = leaf;
  }
  return root;
}

const sub = (t: Tree | undefined, key: string): Tree | undefined => {
  const v = t?.[key];
  return v !== undefined && typeof v !== 'string' && !Array.isArray(v) ? v : undefined;
};
const str = (t: Tree | undefined, key: string): string => {
  const v = t?.[key];
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? '') : '';
};
const strs = (t: Tree | undefined, key: string): string[] => {
  const v = t?.[key];
  return typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
};
const flag = (t: Tree | undefined, key: string): boolean => str(t, key) === 'true';
/** The numbered children of a node, in order. */
const items = (t: Tree | undefined, key: string): Tree[] => {
  const list = sub(t, key);
  if (!list) return [];
  return Object.keys(list)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => sub(list, k) ?? {});
};
const textOf = (t: Tree | undefined, key: string): EText => ({ sv: str(sub(t, key), 'sv'), en: str(sub(t, key), 'en') });

/** Options as posted; `dontKnowOption` (a radio group: the index of the Vet ej option, or '') marks the Vet ej option. */
function formOptions(t: Tree | undefined): EOption[] {
  const dontKnow = str(t, 'dontKnowOption');
  return items(t, 'options').map((o, j) => ({
    code: str(o, 'code'),
    label: textOf(o, 'label'),
    dontKnow: dontKnow === String(j),
    exclusive: flag(o, 'exclusive'),
  }));
}

function formQuestion(q: Tree): EQuestion {
  const type = str(q, 'type');
  return {
    id: str(q, 'id'),
    type: (QUESTION_TYPES as readonly string[]).includes(type) ? (type as QuestionType) : 'text',
    section: str(q, 'section'),
    required: flag(q, 'required'),
    text: textOf(q, 'text'),
    help: textOf(q, 'help'),
    showIfQuestion: str(sub(q, 'showIf'), 'question'),
    showIfAnyOf: strs(sub(q, 'showIf'), 'anyOf'),
    scale: str(q, 'scale'),
    options: formOptions(q),
    statements: items(q, 'statements').map((s) => ({ id: str(s, 'id'), text: textOf(s, 'text') })),
    dontKnow: flag(q, 'dontKnow'),
    maxSelected: str(q, 'maxSelected'),
    maxLength: str(q, 'maxLength'),
    multiline: str(q, 'multiline') !== 'false',
  };
}

function formIndicator(i: Tree): EIndicator {
  const kind = str(i, 'kind');
  return {
    id: str(i, 'id'),
    kind: kind === 'attendance' || kind === 'manual' ? kind : 'survey',
    name: textOf(i, 'name'),
    goal: textOf(i, 'goal'),
    level: str(i, 'level'),
    direction: str(i, 'direction'),
    question: str(i, 'question'),
    numerator: strs(i, 'numerator'),
    dontKnowPolicy: str(i, 'dontKnowPolicy'),
    meetingType: str(i, 'meetingType'),
    target: str(i, 'target'),
    tolerance: str(i, 'tolerance'),
    deadBand: str(i, 'deadBand'),
    minN: str(i, 'minN'),
    unit: str(i, 'unit') || 'percent',
    codesUnit: str(sub(i, 'codes'), 'unit'),
    codesIndicator: str(sub(i, 'codes'), 'indicator'),
  };
}

/**
 * The working copy as posted. The editor has two forms on the same draft: the survey's texts and
 * questions (coordinators) and its indicators (analysts); each posts only its own part, and the
 * other part is taken from the stored draft (`stored`).
 */
export function readEditorForm(body: unknown, part: 'survey' | 'indicators', stored: EditorDoc): EditorDoc {
  const t = treeOf(body);
  if (part === 'indicators') return { ...stored, indicators: items(t, 'indicators').map(formIndicator) };
  return {
    id: str(t, 'id'),
    version: str(t, 'version'),
    english: flag(t, 'english'),
    title: textOf(t, 'title'),
    intro: textOf(t, 'intro'),
    estimatedMinutes: str(t, 'estimatedMinutes'),
    scales: items(t, 'scales').map((s) => ({ name: str(s, 'name'), options: formOptions(s) })),
    sections: items(t, 'sections').map((s) => ({ id: str(s, 'id'), title: textOf(s, 'title'), intro: textOf(s, 'intro') })),
    questions: items(t, 'questions').map(formQuestion),
    indicators: stored.indicators,
  };
}

// ---------------------------------------------------------------------------------------------
// The form's buttons: add, remove, move up/down
// ---------------------------------------------------------------------------------------------

const emptyText = (): EText => ({ sv: '', en: '' });
export const emptyOption = (): EOption => ({ code: '', label: emptyText(), dontKnow: false, exclusive: false });

export function emptyQuestion(type: QuestionType): EQuestion {
  const choice = type === 'single' || type === 'multiple' || type === 'matrix';
  return {
    id: '',
    type,
    section: '',
    required: false,
    text: emptyText(),
    help: emptyText(),
    showIfQuestion: '',
    showIfAnyOf: [],
    scale: '',
    options: choice ? [emptyOption(), emptyOption()] : [],
    statements: type === 'matrix' ? [{ id: '', text: emptyText() }] : [],
    dontKnow: false,
    maxSelected: '',
    maxLength: type === 'text' ? '2000' : '',
    multiline: true,
  };
}

export function emptyIndicator(kind: IndicatorKind): EIndicator {
  return {
    id: '',
    kind,
    name: emptyText(),
    goal: emptyText(),
    level: '',
    direction: 'higher',
    question: '',
    numerator: [],
    dontKnowPolicy: '',
    meetingType: '',
    target: '',
    tolerance: '',
    deadBand: '',
    minN: '',
    unit: 'percent',
    codesUnit: '',
    codesIndicator: '',
  };
}

type ListTarget = { list: unknown[]; make: () => unknown } | null;

function topList(doc: EditorDoc, name: string): ListTarget {
  if (name === 'questions') return { list: doc.questions, make: () => emptyQuestion('single') };
  if (name === 'sections') return { list: doc.sections, make: () => ({ id: '', title: emptyText(), intro: emptyText() }) };
  if (name === 'scales') return { list: doc.scales, make: () => ({ name: '', options: [emptyOption(), emptyOption()] }) };
  if (name === 'indicators') return { list: doc.indicators, make: () => emptyIndicator('survey') };
  return null;
}

/** The lists a button can change, by path ('questions', 'questions.2.options', 'scales.0.options' …). */
function listAt(doc: EditorDoc, path: string): ListTarget {
  const [first, index, inner, ...rest] = path.split('.');
  if (index === undefined) return topList(doc, first);
  if (inner === undefined || rest.length || !/^\d+$/.test(index)) return null;
  if (first === 'scales' && inner === 'options') {
    const s = doc.scales[Number(index)];
    return s ? { list: s.options, make: emptyOption } : null;
  }
  const q = first === 'questions' ? doc.questions[Number(index)] : undefined;
  if (q && inner === 'options') return { list: q.options, make: emptyOption };
  if (q && inner === 'statements') return { list: q.statements, make: () => ({ id: '', text: emptyText() }) };
  return null;
}

export type EditorAction =
  | { kind: 'save' }
  | { kind: 'refresh' }
  | { kind: 'add'; list: string; type?: string }
  | { kind: 'remove'; list: string; index: number }
  | { kind: 'move'; list: string; index: number; up: boolean };

/** `_action` as the buttons send it: save, refresh, add:LIST, remove:LIST:N, up:LIST:N, down:LIST:N. */
export function parseAction(value: string, newType: string): EditorAction {
  const [verb, list = '', index = ''] = value.split(':');
  const n = /^\d{1,3}$/.test(index) ? Number(index) : -1;
  if (verb === 'add' && list) return { kind: 'add', list, type: newType };
  if (verb === 'remove' && list && n >= 0) return { kind: 'remove', list, index: n };
  if ((verb === 'up' || verb === 'down') && list && n >= 0) return { kind: 'move', list, index: n, up: verb === 'up' };
  return verb === 'refresh' ? { kind: 'refresh' } : { kind: 'save' };
}

/** A new item for the list, of the type chosen beside the button (questions, indicators). */
function newItem(target: NonNullable<ListTarget>, list: string, type: string | undefined): unknown {
  if (list === 'questions' && (QUESTION_TYPES as readonly string[]).includes(type ?? '')) return emptyQuestion(type as QuestionType);
  if (list === 'indicators' && (type === 'attendance' || type === 'manual')) return emptyIndicator(type);
  return target.make();
}

/**
 * Applies a button to the working copy; returns the path of the item to show afterwards (for the
 * page's #anchor), or null when the button did nothing (a move past the end, an unknown list).
 */
export function applyAction(doc: EditorDoc, action: EditorAction): string | null {
  if (action.kind === 'save' || action.kind === 'refresh') return null;
  const target = listAt(doc, action.list);
  if (!target) return null;
  const { list } = target;
  if (action.kind === 'add') {
    list.push(newItem(target, action.list, action.type));
    return `${action.list}.${list.length - 1}`;
  }
  if (action.index >= list.length) return null;
  if (action.kind === 'remove') {
    list.splice(action.index, 1);
    return list.length ? `${action.list}.${Math.min(action.index, list.length - 1)}` : action.list;
  }
  const to = action.up ? action.index - 1 : action.index + 1;
  if (to < 0 || to >= list.length) return null;
  const [item] = list.splice(action.index, 1);
  list.splice(to, 0, item);
  return `${action.list}.${to}`;
}
