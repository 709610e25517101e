// The respondent's form as a view model: the pinned definition, localised with {region} and
// {strategy} filled in, with the entered answers and the errors per field. Templates only loop.
//
// Field names are the question references (`rus_planering`, `matris.pastaende`); control fields
// start with "_" so they can never clash with a question id. Every input has an id; the first
// option of a question has id `field-<ref>`, so the error summary's links (#field-<ref>) land on it.
import type { Config } from '../config';
import type { FieldProblem } from '../errors';
import {
  type Locale,
  localize,
  type PlaceholderValues,
  type Question,
  questionsBySection,
  type ScaleOption,
  type SurveyDefinition,
} from '../surveys/schema';
import { conditionText, type RawAnswers } from './answers';
import type { RespondentContext } from './responses';
import { formatStockholmDate, formatStockholmDeadline } from './stockholm-time';
import { placeholderValues } from './surveys';

/**
 * How a closed round's pages say it closed. An early close (before the closing time respondents
 * were told) names the day it really closed — "Enkäten stängdes den 1 december 2026" — never the
 * deadline that has not come yet; a round that closed at or after its deadline names the deadline.
 */
export function closedView(
  round: Pick<RespondentContext['round'], 'closedAt' | 'closesAt'>,
  locale: Locale,
  now: Date = new Date(),
): { closedOnText: string | null; deadlinePassed: boolean } {
  const closes = round.closesAt ? new Date(round.closesAt).getTime() : null;
  const closed = round.closedAt ? new Date(round.closedAt).getTime() : null;
  if (closed !== null && (closes === null || closed < closes))
    return { closedOnText: formatStockholmDate(round.closedAt, locale), deadlinePassed: false };
  return { closedOnText: null, deadlinePassed: closes !== null && closes <= now.getTime() };
}

/**
 * What every respondent page shows of the round (who asks, until when, whom to contact, how
 * long data is kept), in the respondent's language. `basePath` is the personal link's path.
 */
export function respondentPage(
  ctx: RespondentContext,
  config: Pick<Config, 'privacyContact' | 'retentionMonths' | 'regionName' | 'strategyName'>,
  locale: Locale,
  basePath: string,
) {
  const def = ctx.survey.definition;
  return {
    surveyTitle: localize(def.title, locale, placeholderValues(config)),
    organisationName: ctx.organisation.name,
    closesText: formatStockholmDeadline(ctx.round.closesAt, locale),
    opensText: formatStockholmDeadline(ctx.round.opensAt, locale),
    contactName: ctx.round.contactName,
    contactEmail: ctx.round.contactEmail,
    privacyContact: config.privacyContact,
    privacyContactIsEmail: /^[^\s@]+@[^\s@]+$/.test(config.privacyContact),
    retentionMonths: config.retentionMonths,
    regionName: config.regionName,
    confidential: ctx.round.confidential,
    allowChanges: ctx.round.allowChanges,
    estimatedMinutes: def.estimatedMinutes,
    basePath,
  };
}

export interface OptionView {
  id: string;
  code: string;
  label: string;
  checked: boolean;
}

export interface StatementView {
  ref: string;
  legend: string;
  error: string | null;
  options: OptionView[];
}

export interface QuestionView {
  number: number;
  ref: string;
  legend: string;
  help: string | null;
  required: boolean;
  condition: string | null;
  error: string | null;
  kind: 'choice' | 'text' | 'matrix';
  inputType: 'radio' | 'checkbox';
  options: OptionView[];
  statements: StatementView[];
  multiline: boolean;
  maxLength: number;
  value: string;
  /** ids for aria-describedby (hint, condition, error), space separated; '' when none. */
  describedBy: string;
}

export interface SectionView {
  title: string | null;
  intro: string[];
  questions: QuestionView[];
}

/** What a question shows whatever was answered: its texts in one language, its options and fields. */
interface QuestionSkeleton extends Omit<QuestionView, 'error' | 'options' | 'statements' | 'value' | 'describedBy'> {
  options: Array<Omit<OptionView, 'checked'>>;
  statements: Array<Omit<StatementView, 'error' | 'options'> & { options: Array<Omit<OptionView, 'checked'>> }>;
}

interface SectionSkeleton {
  title: string | null;
  intro: string[];
  questions: QuestionSkeleton[];
}

function optionSkeletons(ref: string, options: ScaleOption[], locale: Locale, vars: PlaceholderValues): Array<Omit<OptionView, 'checked'>> {
  return options.map((o, i) => ({
    id: i === 0 ? `field-${ref}` : `field-${ref}-${o.code}`,
    code: o.code,
    label: localize(o.label, locale, vars),
  }));
}

function questionSkeleton(def: SurveyDefinition, q: Question, number: number, locale: Locale, vars: PlaceholderValues): QuestionSkeleton {
  const base = {
    number,
    ref: q.id,
    legend: localize(q.text, locale, vars),
    help: q.help ? localize(q.help, locale, vars) : null,
    required: q.required,
    condition: conditionText(def, q, locale, vars),
    options: [] as QuestionSkeleton['options'],
    statements: [] as QuestionSkeleton['statements'],
    multiline: false,
    maxLength: 0,
    inputType: 'radio' as const,
  };
  if (q.type === 'text') return { ...base, kind: 'text', multiline: q.multiline, maxLength: q.maxLength };
  if (q.type === 'matrix')
    return {
      ...base,
      kind: 'matrix',
      statements: q.statements.map((st) => {
        const ref = `${q.id}.${st.id}`;
        return { ref, legend: localize(st.text, locale, vars), options: optionSkeletons(ref, q.options, locale, vars) };
      }),
    };
  return {
    ...base,
    kind: 'choice',
    inputType: q.type === 'multiple' ? 'checkbox' : 'radio',
    options: optionSkeletons(q.id, q.options, locale, vars),
  };
}

// The form's texts are the same on every view of a survey version in a language: localised once
// (per definition object — the pinned versions are cached — language and placeholder values).
const skeletons = new WeakMap<SurveyDefinition, Map<string, SectionSkeleton[]>>();

function formSkeleton(def: SurveyDefinition, locale: Locale, vars: PlaceholderValues): SectionSkeleton[] {
  let byLocale = skeletons.get(def);
  if (!byLocale) skeletons.set(def, (byLocale = new Map<string, SectionSkeleton[]>()));
  const key = `${locale}\u0000${JSON.stringify(vars)}`;
  let sections = byLocale.get(key);
  if (!sections) {
    const number = new Map(def.questions.map((q, i) => [q.id, i + 1]));
    sections = questionsBySection(def).map((group) => ({
      title: group.section ? localize(group.section.title, locale, vars) : null,
      intro: group.section?.intro ? localize(group.section.intro, locale, vars).split(/\n\s*\n/) : [],
      questions: group.questions.map((q) => questionSkeleton(def, q, number.get(q.id)!, locale, vars)),
    }));
    byLocale.set(key, sections);
  }
  return sections;
}

function describedBy(ref: string, parts: { help: boolean; condition: boolean; error: boolean }): string {
  return [parts.help ? `hint-${ref}` : '', parts.condition ? `cond-${ref}` : '', parts.error ? `error-${ref}` : '']
    .filter(Boolean)
    .join(' ');
}

// A question nobody has answered and without an error looks the same on every view: made once per
// skeleton and shared (frozen — templates only read it). Most questions of a new or half-filled
// form are such; only the others are made anew.
const blankViews = new WeakMap<QuestionSkeleton, QuestionView>();

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** The refs a question's answers are stored under: the question's own, or each matrix statement's. */
function refsOf(q: QuestionSkeleton): string[] {
  return q.kind === 'matrix' ? q.statements.map((st) => st.ref) : [q.ref];
}

/** A question as the respondent sees it now: the skeleton with what was answered and the errors. */
function questionView(q: QuestionSkeleton, raw: RawAnswers, errorOf: (ref: string) => string | null): QuestionView {
  if (refsOf(q).every((ref) => !raw[ref]?.length && errorOf(ref) === null)) {
    let blank = blankViews.get(q);
    if (!blank) blankViews.set(q, (blank = deepFreeze(makeQuestionView(q, {}, () => null))));
    return blank;
  }
  return makeQuestionView(q, raw, errorOf);
}

function makeQuestionView(q: QuestionSkeleton, raw: RawAnswers, errorOf: (ref: string) => string | null): QuestionView {
  const checked = (ref: string, options: Array<Omit<OptionView, 'checked'>>) => {
    const chosen = raw[ref] ?? [];
    return options.map((o) => ({ ...o, checked: chosen.includes(o.code) }));
  };
  const hints = { help: !!q.help, condition: !!q.condition };
  if (q.kind === 'matrix') {
    // Errors sit at each statement's own fieldset.
    const statements = q.statements.map((st) => ({
      ref: st.ref,
      legend: st.legend,
      error: errorOf(st.ref),
      options: checked(st.ref, st.options),
    }));
    return { ...q, error: null, options: [], statements, value: '', describedBy: describedBy(q.ref, { ...hints, error: false }) };
  }
  const error = errorOf(q.ref);
  const value = q.kind === 'text' ? (raw[q.ref] ?? []).join('\n') : '';
  return {
    ...q,
    error,
    options: checked(q.ref, q.options),
    statements: [],
    value,
    describedBy: describedBy(q.ref, { ...hints, error: !!error }),
  };
}

export function formView(
  def: SurveyDefinition,
  raw: RawAnswers,
  errors: FieldProblem[],
  locale: Locale,
  vars: PlaceholderValues,
): SectionView[] {
  const errorOf = (ref: string) => errors.find((e) => e.field === ref)?.message ?? null;
  return formSkeleton(def, locale, vars).map((section) => ({
    title: section.title,
    intro: section.intro,
    questions: section.questions.map((q) => questionView(q, raw, errorOf)),
  }));
}

/** The survey's intro as paragraphs (a blank line separates them in the file). */
export function introParagraphs(def: SurveyDefinition, locale: Locale, vars: PlaceholderValues): string[] {
  return localize(def.intro, locale, vars)
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Errors in the order the questions come, for the error summary. */
export function orderErrors(def: SurveyDefinition, errors: FieldProblem[]): FieldProblem[] {
  const order: string[] = [];
  for (const q of def.questions) {
    if (q.type === 'matrix') for (const s of q.statements) order.push(`${q.id}.${s.id}`);
    else order.push(q.id);
  }
  return [...errors].sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
}
