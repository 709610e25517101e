// The survey's public interface, guarded in the editor: question ids, statement ids, option codes
// and indicator ids are what stored answers (this year's and imported earlier years'), imports,
// exports and the indicators refer to. The editor never lets an id be retyped (an existing id is
// shown, not edited), and every change below needs an explicit choice ("Ändra ändå" / "Ta bort
// ändå") that says which years and indicators it affects:
//   * a question, statement or option removed that has answers (or that an indicator counts);
//   * an option an indicator counts changed (its label, or which option is Vet ej);
//   * an indicator removed, or its rule changed (question, counted options, Vet ej policy);
//   * a new question given the id of an earlier question that has answers.
// The comparison is with the version the draft was made from (its parent).
import type { Knex } from 'knex';
import { answerUses, indicatorsOfSurvey, indicatorYears, type AnswerUse } from '../repositories/survey-usage';
import {
  type ChoiceQuestion,
  isChoiceQuestion,
  localize,
  type PlaceholderValues,
  type Question,
  type SurveyDefinition,
  type SurveyIndicator,
  splitQuestionRef,
} from '../surveys/schema';
import type { EditorDoc } from './survey-editor-doc';

export interface SurveyUsage {
  answers: AnswerUse[];
  /** The survey's indicators in the indicators table: id → name (as in the report). */
  indicatorNames: Map<string, string>;
  /** Years with an imported or typed-in value, or a target, per indicator. */
  indicatorYears: Map<string, number[]>;
}

export async function surveyUsage(db: Knex, surveyId: string, indicatorIds: string[]): Promise<SurveyUsage> {
  const inTable = await indicatorsOfSurvey(db, surveyId);
  const ids = [...new Set([...indicatorIds, ...inTable.map((i) => i.id)])];
  return {
    answers: await answerUses(db, surveyId),
    indicatorNames: new Map(inTable.map((i) => [i.id, i.name])),
    indicatorYears: await indicatorYears(db, ids),
  };
}

export interface GuardIssue {
  /** Stable key of the change, kept in the draft once confirmed. */
  key: string;
  /** Which of the editor's forms shows it: the survey's texts and questions, or its indicators. */
  part: 'survey' | 'indicators';
  /** The form field the change is at; null for something removed (listed on its own). */
  name: string | null;
  message: string;
  confirmed: boolean;
}

/** "2023, 2024 och 2025" */
export function yearList(years: number[]): string {
  const sorted = [...new Set(years)].sort((a, b) => a - b).map(String);
  return sorted.length > 1 ? `${sorted.slice(0, -1).join(', ')} och ${sorted[sorted.length - 1]}` : (sorted[0] ?? '');
}

interface GuardContext {
  parent: SurveyDefinition;
  draft: SurveyDefinition;
  doc: EditorDoc;
  usage: SurveyUsage;
  vars: PlaceholderValues;
  confirmed: Set<string>;
  out: GuardIssue[];
}

function issue(c: GuardContext, i: Omit<GuardIssue, 'confirmed'>): void {
  if (!c.out.some((x) => x.key === i.key)) c.out.push({ ...i, confirmed: c.confirmed.has(i.key) });
}

const yearsWhere = (c: GuardContext, f: (a: AnswerUse) => boolean) => c.usage.answers.filter(f).map((a) => a.year);

function surveyIndicators(def: SurveyDefinition): SurveyIndicator[] {
  return def.indicators.filter((i): i is SurveyIndicator => i.kind === 'survey');
}

/** The indicators (of the draft or the parent) counted on the question, each with its name and the years it has figures for. */
function indicatorsOn(c: GuardContext, questionId: string): Array<{ indicator: SurveyIndicator; text: string }> {
  const seen = new Map<string, SurveyIndicator>();
  for (const i of [...surveyIndicators(c.draft), ...surveyIndicators(c.parent)])
    if (splitQuestionRef(i.question).questionId === questionId && !seen.has(i.id)) seen.set(i.id, i);
  return [...seen.values()].map((indicator) => ({ indicator, text: indicatorText(c, indicator) }));
}

function indicatorText(c: GuardContext, i: { id: string; name: { sv: string } }): string {
  const question = 'question' in i && typeof i.question === 'string' ? splitQuestionRef(i.question).questionId : null;
  const years = [...(c.usage.indicatorYears.get(i.id) ?? []), ...(question ? yearsWhere(c, (a) => a.questionId === question) : [])];
  const name = c.usage.indicatorNames.get(i.id) ?? localize(i.name, 'sv', c.vars);
  return `indikatorn ${i.id} (”${name}”)${years.length ? `, som har värden för ${yearList(years)}` : ''}`;
}

const label = (q: Question, code: string, c: GuardContext) => {
  const o = isChoiceQuestion(q) ? q.options.find((x) => x.code === code) : undefined;
  return o ? `”${localize(o.label, 'sv', c.vars)}” (${code})` : code;
};
const questionName = (q: Question, c: GuardContext) => `”${localize(q.text, 'sv', c.vars)}” (${q.id})`;

/** The form field of an option's Swedish label in the working copy (in the shared scale when the question uses one). */
function optionField(doc: EditorDoc, questionId: string, code: string): string | null {
  const i = doc.questions.findIndex((q) => q.id.trim() === questionId);
  const q = doc.questions[i];
  if (!q) return null;
  if (q.scale) {
    const k = doc.scales.findIndex((s) => s.name.trim() === q.scale);
    const j = doc.scales[k]?.options.findIndex((o) => o.code.trim() === code) ?? -1;
    return k >= 0 && j >= 0 ? `scales.${k}.options.${j}.label.sv` : null;
  }
  const j = q.options.findIndex((o) => o.code.trim() === code);
  return j >= 0 ? `questions.${i}.options.${j}.label.sv` : null;
}

function removedQuestions(c: GuardContext): void {
  for (const q of c.parent.questions) {
    const now = c.draft.questions.find((x) => x.id === q.id);
    if (!now) {
      const years = yearsWhere(c, (a) => a.questionId === q.id);
      if (years.length)
        issue(c, {
          key: `remove:question:${q.id}`,
          part: 'survey',
          name: null,
          message: `Frågan ${questionName(q, c)} är borttagen. Den har svar från ${yearList(years)}; svaren finns kvar, men frågan ställs inte i den nya versionen och kan inte följas upp år för år. Kryssa i ”Ta bort ändå” om frågan ska bort.`,
        });
      continue;
    }
    if (now.type !== q.type && yearsWhere(c, (a) => a.questionId === q.id).length)
      issue(c, {
        key: `type:question:${q.id}`,
        part: 'survey',
        name: `questions.${c.draft.questions.indexOf(now)}.text.sv`,
        message: `Frågan ${questionName(q, c)} har bytt frågetyp (${q.type} → ${now.type}) men har svar från ${yearList(yearsWhere(c, (a) => a.questionId === q.id))} av den gamla typen. Kryssa i ”Ändra ändå” om det är avsiktligt.`,
      });
    if (isChoiceQuestion(q) && isChoiceQuestion(now)) choiceChanges(c, q, now);
  }
}

function removedStatements(c: GuardContext, before: ChoiceQuestion, after: ChoiceQuestion): void {
  if (before.type === 'matrix' && after.type === 'matrix')
    for (const s of before.statements) {
      const years = yearsWhere(c, (a) => a.questionId === before.id && a.itemId === s.id);
      if (!after.statements.some((x) => x.id === s.id) && years.length)
        issue(c, {
          key: `remove:statement:${before.id}.${s.id}`,
          part: 'survey',
          name: null,
          message: `Påståendet ”${localize(s.text, 'sv', c.vars)}” (${before.id}.${s.id}) är borttaget. Det har svar från ${yearList(years)}. Kryssa i ”Ta bort ändå” om påståendet ska bort.`,
        });
    }
}

/** Statements and options removed, and options an indicator counts changed. */
function choiceChanges(c: GuardContext, before: ChoiceQuestion, after: ChoiceQuestion): void {
  removedStatements(c, before, after);
  const counting = indicatorsOn(c, before.id);
  for (const o of before.options) {
    const now = after.options.find((x) => x.code === o.code);
    const counted = counting.filter((x) => x.indicator.numerator.includes(o.code));
    if (!now) {
      const years = yearsWhere(c, (a) => a.questionId === before.id && a.optionCode === o.code);
      if (years.length || counted.length)
        issue(c, {
          key: `remove:option:${before.id}:${o.code}`,
          part: 'survey',
          name: null,
          message: `Svarsalternativet ${label(before, o.code, c)} i frågan ${before.id} är borttaget.${years.length ? ` Det har svar från ${yearList(years)}.` : ''}${counted.length ? ` Det räknas i ${counted.map((x) => x.text).join(' och ')}.` : ''} Kryssa i ”Ta bort ändå” om alternativet ska bort.`,
        });
      continue;
    }
    const labelChanged = o.label.sv !== now.label.sv || (o.label.en ?? '') !== (now.label.en ?? '');
    const dontKnowChanged = o.dontKnow !== now.dontKnow;
    const affected = dontKnowChanged ? counting : counted;
    if ((labelChanged || dontKnowChanged) && affected.length) optionChanged(c, before, o.code, affected, dontKnowChanged);
  }
}

function optionChanged(
  c: GuardContext,
  q: ChoiceQuestion,
  code: string,
  affected: Array<{ indicator: SurveyIndicator; text: string }>,
  dontKnowChanged: boolean,
): void {
  const name = optionField(c.doc, q.id, code);
  const what = dontKnowChanged ? 'är inte längre, eller är nu, Vet ej-alternativet' : 'har fått en ny etikett';
  issue(c, {
    key: `option:${name ?? q.id}:${code}`,
    part: 'survey',
    name,
    message: `Svarsalternativet ${label(q, code, c)} i frågan ${q.id} ${what}. Det räknas i ${affected.map((x) => x.text).join(' och ')}; ändras alternativet jämförs de åren med något annat än det som frågades då. Kryssa i ”Ändra ändå” om ändringen är avsiktlig.`,
  });
}

function indicatorChanges(c: GuardContext): void {
  c.parent.indicators.forEach((before) => {
    const k = c.draft.indicators.findIndex((x) => x.id === before.id);
    const after = c.draft.indicators[k];
    const text = indicatorText(c, before);
    if (!after) {
      if (c.usage.indicatorNames.has(before.id) || c.usage.indicatorYears.has(before.id))
        issue(c, {
          key: `remove:indicator:${before.id}`,
          part: 'indicators',
          name: null,
          message: `${text.charAt(0).toUpperCase()}${text.slice(1)} är borttagen. Dess målvärden, värden och publiceringar finns kvar, men den räknas inte längre och visas inte i indikatortabellen. Kryssa i ”Ta bort ändå” om indikatorn ska bort.`,
        });
      return;
    }
    if (before.kind !== 'survey' || after.kind !== 'survey') return;
    const ruleChanged =
      before.question !== after.question ||
      before.dontKnowPolicy !== after.dontKnowPolicy ||
      [...before.numerator].sort().join() !== [...after.numerator].sort().join();
    if (ruleChanged && text.includes('värden för'))
      issue(c, {
        key: `indicator:${before.id}`,
        part: 'indicators',
        name: before.question !== after.question ? `indicators.${k}.question` : `indicators.${k}.numerator`,
        message: `Regeln för ${text} ändras (fråga, svar som räknas eller hur Vet ej räknas). Alla år som inte är publicerade räknas om med den nya regeln; publicerade år står kvar. Kryssa i ”Ändra ändå” om ändringen är avsiktlig.`,
      });
  });
}

/** A new question (not in the parent) with the id of an earlier question that has answers. */
function reusedIds(c: GuardContext): void {
  c.draft.questions.forEach((q, i) => {
    if (c.parent.questions.some((x) => x.id === q.id)) return;
    const years = yearsWhere(c, (a) => a.questionId === q.id);
    if (years.length)
      issue(c, {
        key: `reuse:question:${q.id}`,
        part: 'survey',
        name: `questions.${i}.id`,
        message: `Frågan ${q.id} är ny i den här versionen, men id:t har svar från ${yearList(years)} (en tidigare fråga med samma id). Svaren räknas då som svar på samma fråga. Kryssa i ”Ändra ändå” om det är avsiktligt, annars ge frågan ett annat id.`,
      });
  });
}

/**
 * What the draft changes in the public interface compared with its parent version, each with
 * whether it is confirmed. `parent` is null for a survey started from scratch (then only ids of
 * earlier answers are guarded).
 */
export function guardIssues(
  parent: SurveyDefinition | null,
  draft: SurveyDefinition,
  doc: EditorDoc,
  usage: SurveyUsage,
  vars: PlaceholderValues,
  confirmed: Iterable<string>,
): GuardIssue[] {
  const base: SurveyDefinition = parent ?? { ...draft, questions: [], indicators: [], sections: [] };
  const c: GuardContext = { parent: base, draft, doc, usage, vars, confirmed: new Set(confirmed), out: [] };
  removedQuestions(c);
  indicatorChanges(c);
  reusedIds(c);
  return c.out;
}
