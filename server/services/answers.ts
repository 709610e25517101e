// Answers checked against a pinned survey definition. Used by the respondent's form and by the
// import of earlier answers, so both follow the same rules:
//   * only option codes of the definition; one option for single/yes-no/matrix statements;
//     exclusive options (and Vet ej) alone in a multiple-choice question; maxSelected;
//   * free text at most maxLength characters (line breaks count as one);
//   * a question whose condition (showIf) is not met is not asked: it is not required and
//     whatever was given for it is dropped; conditions are evaluated in survey order on the
//     answers that survive, so a chain of conditions works;
//   * required questions (when asked) must be answered — only when `enforceRequired`.
// The messages are in `locale` (default Swedish): the respondent reads them in the form.
//
// A question is referred to by its id (`rus_planering`), a matrix statement by
// `matrixId.statementId`; that reference is also the form field name and the CSV column.
import { type Translate, translator } from '../i18n';
import type { AnswerValue } from '../repositories/responses';
import {
  type ChoiceQuestion,
  isChoiceQuestion,
  type LocalizedText,
  localize,
  type Locale,
  type MultipleQuestion,
  type PlaceholderValues,
  type Question,
  type ScaleOption,
  type SurveyDefinition,
  type TextQuestion,
} from '../surveys/schema';

export type { AnswerValue };

/** What was given per reference: option codes, or one text. */
export type RawAnswers = Record<string, string[]>;

export interface AnswerProblem {
  /** The question reference (and form field name). */
  ref: string;
  kind: 'required' | 'invalid_option' | 'too_many' | 'exclusive' | 'too_long';
  message: string;
}

/** Every reference a respondent can answer, in survey order (matrix: one per statement). */
export function answerRefs(def: SurveyDefinition): Array<{ ref: string; question: Question; statementId?: string }> {
  const out: Array<{ ref: string; question: Question; statementId?: string }> = [];
  for (const q of def.questions) {
    if (q.type === 'matrix') for (const s of q.statements) out.push({ ref: `${q.id}.${s.id}`, question: q, statementId: s.id });
    else out.push({ ref: q.id, question: q });
  }
  return out;
}

/** Reads a form body: for each reference the submitted values (strings only). */
export function rawFromBody(def: SurveyDefinition, body: unknown): RawAnswers {
  const b = (body ?? {}) as Record<string, unknown>;
  const raw: RawAnswers = {};
  for (const { ref } of answerRefs(def)) {
    const v = b[ref];
    const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    if (list.length) raw[ref] = list;
  }
  return raw;
}

export function rawFromAnswers(answers: AnswerValue[]): RawAnswers {
  const raw: RawAnswers = {};
  for (const a of answers) {
    const ref = a.itemId ? `${a.questionId}.${a.itemId}` : a.questionId;
    const value = a.optionCode ?? a.textValue ?? '';
    (raw[ref] ??= []).push(value);
  }
  return raw;
}

/** A canonical string of a set of answers, to tell whether two sets are the same. */
export function answersKey(answers: AnswerValue[]): string {
  const parts = answers.map((a) => JSON.stringify([a.questionId, a.itemId, a.optionCode, a.textValue]));
  // plain code-unit order: only equality of two keys matters, and it needs no collation
  return `[${parts.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).join(',')}]`;
}

/** Text as stored: CRLF → LF, trailing spaces at line ends kept, the whole trimmed. */
export function normaliseAnswerText(v: string): string {
  return v.replace(/\r\n?/g, '\n').trim();
}

/** The number shown before each question ("Fråga 3"): its position in the survey. */
export function questionNumber(def: SurveyDefinition, questionId: string): number {
  return def.questions.findIndex((q) => q.id === questionId) + 1;
}

function optionsOf(q: Question): ScaleOption[] {
  return isChoiceQuestion(q) ? q.options : [];
}

/** Whether the question is asked, given the (already checked) answers to earlier questions. */
export function conditionMet(q: Question, accepted: RawAnswers): boolean {
  if (!q.showIf) return true;
  const given = accepted[q.showIf.question] ?? [];
  return given.some((code) => q.showIf!.anyOf.includes(code));
}

export interface CheckedAnswers {
  answers: AnswerValue[];
  problems: AnswerProblem[];
  /** Question ids that are not asked because their condition is not met. */
  skipped: string[];
}

/** What the checks of one set of answers share: the input, the options, and what they collect. */
interface AnswerCheck {
  raw: RawAnswers;
  enforceRequired: boolean;
  tr: Translate;
  /** A definition text in the respondent's language (placeholders filled in when `vars` is given). */
  text: (t: LocalizedText) => string;
  /** The answers accepted so far, by reference (later conditions are evaluated on these). */
  accepted: RawAnswers;
  answers: AnswerValue[];
  problems: AnswerProblem[];
}

export function checkAnswers(
  def: SurveyDefinition,
  raw: RawAnswers,
  opts: { enforceRequired: boolean; vars?: PlaceholderValues; locale?: Locale },
): CheckedAnswers {
  const locale = opts.locale ?? 'sv';
  const vars = opts.vars;
  const check: AnswerCheck = {
    raw,
    enforceRequired: opts.enforceRequired,
    tr: translator(locale),
    text: (t) => (vars ? localize(t, locale, vars) : (t[locale] ?? t.sv)),
    accepted: {},
    answers: [],
    problems: [],
  };
  const skipped: string[] = [];
  def.questions.forEach((q, index) => {
    if (!conditionMet(q, check.accepted)) skipped.push(q.id);
    else checkQuestion(check, q, index + 1);
  });
  return { answers: check.answers, problems: check.problems, skipped };
}

/** Checks the answer to question number `n` (it is asked). */
function checkQuestion(check: AnswerCheck, q: Question, n: number): void {
  const { tr } = check;
  switch (q.type) {
    case 'text':
      return checkText(check, q, n);
    case 'single':
    case 'yesno':
      return checkOne(
        check,
        q,
        { ref: q.id, itemId: '' },
        () => ({ subject: tr('Fråga %{n}', { n }), object: tr('fråga %{n}', { n }) }),
        () => tr('Välj ett svar på fråga %{n}.', { n }),
      );
    case 'matrix':
      for (const s of q.statements) {
        const statement = () => check.text(s.text);
        checkOne(
          check,
          q,
          { ref: `${q.id}.${s.id}`, itemId: s.id },
          () => ({
            subject: tr('Påståendet ”%{statement}” i fråga %{n}', { statement: statement(), n }),
            object: tr('påståendet ”%{statement}” i fråga %{n}', { statement: statement(), n }),
          }),
          () => tr('Välj ett svar för ”%{statement}” i fråga %{n}.', { statement: statement(), n }),
        );
      }
      return;
    case 'multiple':
      return checkMultiple(check, q, n);
  }
}

function checkText(check: AnswerCheck, q: TextQuestion, n: number): void {
  const { tr } = check;
  const text = normaliseAnswerText((check.raw[q.id] ?? []).join('\n'));
  if (!text) {
    if (check.enforceRequired && q.required)
      check.problems.push({ ref: q.id, kind: 'required', message: tr('Skriv ett svar på fråga %{n}.', { n }) });
    return;
  }
  if (text.length > q.maxLength) {
    check.problems.push({
      ref: q.id,
      kind: 'too_long',
      message: tr('Svaret på fråga %{n} är för långt: %{length} tecken, högst %{max}.', { n, length: text.length, max: q.maxLength }),
    });
    return;
  }
  check.accepted[q.id] = [text];
  check.answers.push({ questionId: q.id, itemId: '', optionCode: null, textValue: text });
}

/** The distinct non-empty codes given for a reference. */
function givenCodes(check: AnswerCheck, ref: string): string[] {
  return [...new Set((check.raw[ref] ?? []).map((v) => v.trim()).filter(Boolean))];
}

/**
 * One option for a single/yes-no question or a matrix statement. `what` names the question or
 * statement as the subject of a sentence and after "på" ("Fråga 2" / "fråga 2"); it and the
 * required message are worked out only for a problem (a submit without one translates nothing).
 */
function checkOne(
  check: AnswerCheck,
  q: ChoiceQuestion,
  at: { ref: string; itemId: string },
  what: () => { subject: string; object: string },
  requiredMessage: () => string,
): void {
  const { tr, problems } = check;
  const { ref } = at;
  const given = givenCodes(check, ref);
  if (given.length === 0) {
    if (check.enforceRequired && q.required) problems.push({ ref, kind: 'required', message: requiredMessage() });
    return;
  }
  if (given.some((c) => !q.options.some((o) => o.code === c))) {
    problems.push({
      ref,
      kind: 'invalid_option',
      message: tr('%{what} har ett svar som inte finns bland svarsalternativen. Välj ett av alternativen.', { what: what().subject }),
    });
    return;
  }
  if (given.length > 1) {
    problems.push({ ref, kind: 'too_many', message: tr('Välj bara ett svar på %{what}.', { what: what().object }) });
    return;
  }
  check.accepted[ref] = given;
  check.answers.push({ questionId: q.id, itemId: at.itemId, optionCode: given[0], textValue: null });
}

/** The first problem with a multiple-choice answer that has at least one code, or null. */
function multipleProblem(check: AnswerCheck, q: MultipleQuestion, n: number, given: string[]): AnswerProblem | null {
  const { tr } = check;
  if (given.some((c) => !q.options.some((o) => o.code === c)))
    return {
      ref: q.id,
      kind: 'invalid_option',
      message: tr('Fråga %{n} har ett svar som inte finns bland svarsalternativen. Välj bland alternativen.', { n }),
    };
  const alone = q.options.filter((o) => (o.exclusive || o.dontKnow) && given.includes(o.code));
  if (alone.length > 0 && given.length > 1)
    return {
      ref: q.id,
      kind: 'exclusive',
      message: tr('”%{option}” kan inte kombineras med andra alternativ i fråga %{n}.', { option: check.text(alone[0].label), n }),
    };
  if (q.maxSelected !== undefined && given.length > q.maxSelected)
    return { ref: q.id, kind: 'too_many', message: tr('Välj högst %{max} alternativ i fråga %{n}.', { max: q.maxSelected, n }) };
  return null;
}

function checkMultiple(check: AnswerCheck, q: MultipleQuestion, n: number): void {
  const given = givenCodes(check, q.id);
  if (given.length === 0) {
    if (check.enforceRequired && q.required)
      check.problems.push({ ref: q.id, kind: 'required', message: check.tr('Välj minst ett alternativ i fråga %{n}.', { n }) });
    return;
  }
  const problem = multipleProblem(check, q, n, given);
  if (problem) {
    check.problems.push(problem);
    return;
  }
  const ordered = q.options.map((o) => o.code).filter((c) => given.includes(c));
  check.accepted[q.id] = ordered;
  for (const code of ordered) check.answers.push({ questionId: q.id, itemId: '', optionCode: code, textValue: null });
}

/** "Besvara om du svarade ”Ja” eller ”Delvis” på fråga 3." – the condition in words. */
export function conditionText(def: SurveyDefinition, q: Question, locale: Locale, vars: PlaceholderValues): string | null {
  if (!q.showIf) return null;
  const [questionId, statementId] = q.showIf.question.split('.');
  const target = def.questions.find((x) => x.id === questionId);
  if (!target) return null;
  const n = questionNumber(def, questionId);
  const labels = q.showIf.anyOf.map((code) => {
    const o = optionsOf(target).find((x) => x.code === code);
    const text = o ? localize(o.label, locale, vars) : code;
    return locale === 'en' ? `“${text}”` : `”${text}”`;
  });
  const or = locale === 'en' ? ' or ' : ' eller ';
  const list = labels.length > 1 ? `${labels.slice(0, -1).join(', ')}${or}${labels[labels.length - 1]}` : labels[0];
  if (target.type === 'matrix' && statementId) {
    const s = target.statements.find((x) => x.id === statementId);
    const st = s ? localize(s.text, locale, vars) : statementId;
    return locale === 'en'
      ? `Answer if you answered ${list} to “${st}” in question ${n}.`
      : `Besvara om du svarade ${list} på ”${st}” i fråga ${n}.`;
  }
  return locale === 'en' ? `Answer if you answered ${list} to question ${n}.` : `Besvara om du svarade ${list} på fråga ${n}.`;
}

export interface AnswerSummaryItem {
  number: number;
  questionId: string;
  text: string;
  /** Matrix: one line per statement ("Påstående: Svar"); otherwise the chosen labels or the text. */
  answers: string[];
  answered: boolean;
}

/** The answers in words, question by question (receipt page, staff view). */
export function summariseAnswers(
  def: SurveyDefinition,
  answers: AnswerValue[],
  locale: Locale,
  vars: PlaceholderValues,
): AnswerSummaryItem[] {
  const notAnswered = locale === 'en' ? 'Not answered' : 'Inte besvarad';
  return def.questions.map((q, i) => {
    const mine = answers.filter((a) => a.questionId === q.id);
    const label = (code: string | null) => {
      const o = optionsOf(q).find((x) => x.code === code);
      return o ? localize(o.label, locale, vars) : String(code ?? '');
    };
    let lines: string[];
    if (q.type === 'text') lines = mine.map((a) => a.textValue ?? '').filter(Boolean);
    else if (q.type === 'matrix')
      lines = q.statements
        .map((s) => {
          const a = mine.find((x) => x.itemId === s.id);
          return a ? `${localize(s.text, locale, vars)}: ${label(a.optionCode)}` : null;
        })
        .filter((x): x is string => x !== null);
    else lines = mine.map((a) => label(a.optionCode));
    return {
      number: i + 1,
      questionId: q.id,
      text: localize(q.text, locale, vars),
      answers: lines.length ? lines : [notAnswered],
      answered: lines.length > 0,
    };
  });
}
