// What a survey's public interface is used by: the question ids, statement ids and option codes
// that stored answers (given in the web form or imported from earlier years) use, per year, and
// the years with values of the survey's indicators. The survey editor guards these (see
// services/survey-guard.ts).
import type { Knex } from 'knex';

export interface AnswerUse {
  questionId: string;
  /** The matrix statement id; '' for other questions. */
  itemId: string;
  /** null for a free-text answer. */
  optionCode: string | null;
  year: number;
}

/** Each distinct question, statement and option code answered in a round of the survey, with the round's year. */
export async function answerUses(db: Knex, surveyId: string): Promise<AnswerUse[]> {
  const rows = await db('answers as a')
    .join('responses as s', 's.id', 'a.response_id')
    .join('rounds as r', 'r.id', 's.round_id')
    .where('r.survey_id', surveyId)
    .distinct<Array<{ question_id: string; item_id: string | null; option_code: string | null; year: number }>>(
      'a.question_id',
      'a.item_id',
      'a.option_code',
      'r.year',
    );
  return rows.map((r) => ({ questionId: r.question_id, itemId: r.item_id ?? '', optionCode: r.option_code ?? null, year: Number(r.year) }));
}

/** The years each indicator has a value in indicator_values (imported history, typed in by hand) or a target. */
export async function indicatorYears(db: Knex, indicatorIds: string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (indicatorIds.length === 0) return out;
  const values = await db('indicator_values').whereIn('indicator_id', indicatorIds).distinct('indicator_id', 'year');
  const targets = await db('indicator_targets').whereIn('indicator_id', indicatorIds).distinct('indicator_id', 'year');
  for (const r of [...values, ...targets]) {
    const years = out.get(r.indicator_id) ?? [];
    if (!years.includes(Number(r.year))) years.push(Number(r.year));
    out.set(r.indicator_id, years);
  }
  return out;
}

/** The indicators (also retired ones) the indicators table holds for the survey: id and name. */
export async function indicatorsOfSurvey(db: Knex, surveyId: string): Promise<Array<{ id: string; name: string }>> {
  const rows = await db('indicators').where({ survey_id: surveyId }).orderBy('id').select('id', 'name');
  return rows.map((r) => ({ id: r.id, name: r.name }));
}

/** Whether an indicator id is declared for another survey (or for none: surveys/indikatorer/). */
export async function indicatorOwners(db: Knex, indicatorIds: string[]): Promise<Map<string, string | null>> {
  if (indicatorIds.length === 0) return new Map();
  const rows = await db('indicators').whereIn('id', indicatorIds).whereNull('retired_at').select('id', 'survey_id');
  return new Map(rows.map((r) => [r.id, r.survey_id ?? null]));
}
