// "Skapa omgång från förra året": the round form filled in from an earlier round, for the year
// after it — the same panel, the newest version of the same survey, the templates, reminder days,
// confidentiality, changes and confirmation, the contact person and the reply address, with every
// date (opening, closing, scheduled invitations) moved one year. Nothing is saved here: the
// coordinator sees the form, can change anything, and createRound (services/rounds.ts) saves it,
// copying the templates and — when the panel has no members for the new year — last year's
// members, as the form says. Test links and test answers (of the survey editor) are never copied.
import type { Knex } from 'knex';
import type { Config } from '../config';
import { listRoundRows } from '../repositories/rounds';
import { countRoundTemplates } from '../repositories/round-templates';
import { latestNonFileVersionId } from '../repositories/survey-versions';
import { activeMemberIds } from '../repositories/panels';
import { getRound, type Round, type RoundFormValues, roundToForm, surveyChoiceOf } from './rounds';
import { type SurveyChoice, surveyChoices } from './surveys';

type FromLastYearConfig = Pick<Config, 'surveysDir' | 'regionName' | 'strategyName'>;

/** A Stockholm date "2025-11-03" one year on: "2026-11-03" (29 February becomes 28 February). */
export function nextYearDate(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const year = Number(m[1]) + 1;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const day = m[2] === '02' && m[3] === '29' && !leap ? '28' : m[3];
  return `${year}-${m[2]}-${day}`;
}

/**
 * The survey to offer: the newest version made after last year's (uploaded or edited in the
 * interface); otherwise what last year chose (the file, which follows the file until the round
 * opens, or the same version); otherwise the survey's file.
 */
async function newestSurveyChoice(db: Knex, source: Round, lastYear: string, choices: SurveyChoice[]): Promise<string> {
  const offered = new Set(choices.map((c) => c.value));
  const newest = await latestNonFileVersionId(db, source.surveyId);
  if (newest !== null && newest > source.surveyVersionId && offered.has(`version:${newest}`)) return `version:${newest}`;
  if (offered.has(lastYear)) return lastYear;
  return offered.has(`file:${source.surveyId}`) ? `file:${source.surveyId}` : '';
}

export interface FromLastYearForm {
  values: RoundFormValues;
  source: {
    id: number;
    title: string;
    year: number;
    /** The survey last year's round used, and the one offered now (labels as the survey list names them). */
    surveyBefore: string;
    surveyNow: string;
    templates: number;
    /** Members of the panel: last year, and already for the new year. */
    membersBefore: number;
    membersNow: number;
  };
}

export async function formFromLastYear(db: Knex, config: FromLastYearConfig, sourceId: number): Promise<FromLastYearForm> {
  const source = await getRound(db, sourceId);
  const choices = await surveyChoices(db, config);
  const labelOf = (value: string) => choices.find((c) => c.value === value)?.label ?? '–';
  const before = roundToForm(source, await surveyChoiceOf(db, source));
  const year = source.year + 1;
  const templates = await countRoundTemplates(db, source.id);
  const membersBefore = (await activeMemberIds(db, source.panelId, source.year)).length;
  const membersNow = (await activeMemberIds(db, source.panelId, year)).length;
  const survey = await newestSurveyChoice(db, source, before.survey, choices);
  const values: RoundFormValues = {
    ...before,
    survey,
    year: String(year),
    opens_date: before.opens_date ? nextYearDate(before.opens_date) : '',
    closes_date: before.closes_date ? nextYearDate(before.closes_date) : '',
    invitations_date: before.invitations_date ? nextYearDate(before.invitations_date) : '',
    copy_from: String(source.id),
    copy_templates: templates > 0 ? 'ja' : 'nej',
    copy_members: membersNow === 0 && membersBefore > 0 ? 'ja' : 'nej',
  };
  return {
    values,
    source: {
      id: source.id,
      title: source.title,
      year: source.year,
      surveyBefore: labelOf(before.survey),
      surveyNow: labelOf(survey),
      templates,
      membersBefore,
      membersNow,
    },
  };
}

/**
 * The rounds a new one can be made from on the rounds page: those of the latest two years whose
 * survey has no round for the panel the year after yet.
 */
export async function lastYearCandidates(db: Knex): Promise<Array<{ id: number; title: string; year: number; panelName: string }>> {
  const rows = await listRoundRows(db);
  if (rows.length === 0) return [];
  const latest = Math.max(...rows.map((r) => r.year));
  const has = new Set(rows.map((r) => `${r.surveyId}|${r.panelId}|${r.year}`));
  return rows
    .filter((r) => r.year >= latest - 1 && !has.has(`${r.surveyId}|${r.panelId}|${r.year + 1}`))
    .slice(0, 10)
    .map((r) => ({ id: r.id, title: r.title, year: r.year, panelName: r.panelName }));
}
