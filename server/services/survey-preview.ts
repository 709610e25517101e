// The respondent's form outside a real answer: the preview of any survey version or draft (from
// the editor, without a round) and the form behind a round's test link. Both are built exactly as
// the respondent's form is (services/respond-view.ts, views/partials/respond-questions.hbs) and
// checked by the same rules (services/answers.ts).
import type { Config } from '../config';
import type { FieldProblem } from '../errors';
import { type Locale, localize, surveyLanguages, type SurveyDefinition } from '../surveys/schema';
import { checkAnswers, rawFromBody, type RawAnswers, summariseAnswers, type AnswerValue } from './answers';
import { formView, introParagraphs, orderErrors } from './respond-view';
import { placeholderValues } from './surveys';

type TextConfig = Pick<Config, 'regionName' | 'strategyName'>;

/** The language a page of the survey is shown in: the one asked for when the survey has it, else Swedish. */
export function previewLocale(def: Pick<SurveyDefinition, 'title'>, asked: unknown): Locale {
  return asked === 'en' && surveyLanguages(def).includes('en') ? 'en' : 'sv';
}

/** The form as the respondent sees it: title, intro, time, every question with what was entered and the errors. */
export function respondentFormPage(def: SurveyDefinition, config: TextConfig, locale: Locale, raw: RawAnswers, errors: FieldProblem[]) {
  const vars = placeholderValues(config);
  const ordered = orderErrors(def, errors);
  return {
    surveyTitle: localize(def.title, locale, vars),
    intro: introParagraphs(def, locale, vars),
    estimatedMinutes: def.estimatedMinutes,
    regionName: config.regionName,
    sections: formView(def, raw, ordered, locale, vars),
    errors: ordered.length ? ordered : undefined,
    hasEnglish: surveyLanguages(def).includes('en'),
  };
}

export interface CheckedForm {
  raw: RawAnswers;
  errors: FieldProblem[];
  answers: AnswerValue[];
}

/** Checks a posted form as the real form does: `submit` with the required questions, a save without. */
export function checkPostedAnswers(def: SurveyDefinition, body: unknown, config: TextConfig, locale: Locale, submit: boolean): CheckedForm {
  const raw = rawFromBody(def, body);
  const checked = checkAnswers(def, raw, { enforceRequired: submit, vars: placeholderValues(config), locale });
  return { raw, errors: checked.problems.map((p) => ({ field: p.ref, message: p.message })), answers: checked.answers };
}

/** The answers in words, question by question. */
export function answerSummary(def: SurveyDefinition, answers: AnswerValue[], config: TextConfig, locale: Locale) {
  return summariseAnswers(def, answers, locale, placeholderValues(config));
}
