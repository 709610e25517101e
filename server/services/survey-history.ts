// Every version of a survey, kept: who made it and when, from which version, which rounds use it,
// what changed against the version before, and the version as the YAML file the CLI reads
// (`surveys export ID --version V`), so a version made in the browser can go into git and back.
import type { Knex } from 'knex';
import type { Config } from '../config';
import { NotFoundError } from '../errors';
import { listDrafts } from '../repositories/survey-drafts';
import { roundsOfSurvey } from '../repositories/rounds';
import {
  latestVersionIdFrom,
  listVersionsOfSurvey,
  previousSurveyVersionId,
  type SurveyVersionSource,
  versionCountsBySurvey,
} from '../repositories/survey-versions';
import { definitionToFile, surveyFileToYaml } from '../surveys/document';
import { checkSurveyData, type LoadedSurvey, SurveyDefinitionError } from '../surveys/load';
import { renderText, surveyLanguages } from '../surveys/schema';
import { ROUND_STATE_LABELS } from './rounds';
import { diffDefinitions, type DiffRow } from './survey-diff';
import { loadDraft } from './survey-editor';
import { CURRENT_SOURCES, currentSurveys, getSurveyVersion } from './survey-versions';
import { placeholderValues } from './surveys';

type HistoryConfig = Pick<Config, 'surveysDir' | 'regionName' | 'strategyName'>;

export const SOURCE_LABELS: Record<SurveyVersionSource, string> = {
  file: 'enkätfilen',
  upload: 'uppladdad fil',
  editor: 'redigeraren',
};

async function filesOrNone(surveysDir: string): Promise<LoadedSurvey[]> {
  try {
    return await currentSurveys(surveysDir);
  } catch (e) {
    if (e instanceof SurveyDefinitionError) return [];
    throw e;
  }
}

/** Every survey (a file, stored versions, drafts) with its newest version and drafts: the surveys page's overview. */
export async function surveyOverview(db: Knex, config: HistoryConfig) {
  const vars = placeholderValues(config);
  const files = await filesOrNone(config.surveysDir);
  const counts = await versionCountsBySurvey(db);
  const drafts = await listDrafts(db);
  const ids = [...new Set([...files.map((f) => f.definition.id), ...counts.keys(), ...drafts.map((d) => d.surveyId)])].sort();
  return ids.map((id) => {
    const file = files.find((f) => f.definition.id === id);
    const c = counts.get(id);
    return {
      surveyId: id,
      title: renderText(file?.definition.title.sv ?? c?.title ?? id, vars),
      fileName: file?.fileName ?? null,
      versions: c?.count ?? 0,
      drafts: drafts.filter((d) => d.surveyId === id).map((d) => ({ id: d.id, updatedAt: d.updatedAt, updatedByName: d.updatedByName })),
    };
  });
}

/** "Ny version från 2025": a version is named by the years of the rounds that used it, else by its number. */
function startLabel(versionId: number, years: number[]): string {
  return years.length ? `Ny version från ${[...new Set(years)].join(', ')}` : `Ny version från version ${versionId}`;
}

/** The survey's versions (newest first), its drafts, and whether its file exists. */
export async function surveyVersionsPage(db: Knex, config: HistoryConfig, surveyId: string) {
  const vars = placeholderValues(config);
  const versions = await listVersionsOfSurvey(db, surveyId);
  const drafts = await listDrafts(db, surveyId);
  const file = (await filesOrNone(config.surveysDir)).find((f) => f.definition.id === surveyId) ?? null;
  if (!versions.length && !drafts.length && !file) throw new NotFoundError('Enkäten finns inte.');
  const rounds = await roundsOfSurvey(db, surveyId);
  const currentId = await latestVersionIdFrom(db, surveyId, CURRENT_SOURCES);
  const title = file?.definition.title.sv ?? versions[0]?.title ?? surveyId;
  return {
    surveyId,
    surveyTitle: renderText(title, vars),
    fileName: file?.fileName ?? null,
    fileVersionId: file ? (versions.find((v) => v.hash === file.hash)?.id ?? null) : null,
    versions: versions.map((v) => {
      const used = rounds.filter((r) => r.surveyVersionId === v.id);
      return {
        ...v,
        sourceLabel: SOURCE_LABELS[v.source],
        current: v.id === currentId,
        isFile: file?.hash === v.hash,
        rounds: used.map((r) => ({ ...r, stateLabel: ROUND_STATE_LABELS[r.state] })),
        startLabel: startLabel(
          v.id,
          used.map((r) => r.year),
        ),
      };
    }),
    drafts,
  };
}

/** One version: who, when, from what, the rounds that use it, and what changed against the version before. */
export async function versionPage(db: Knex, config: HistoryConfig, versionId: number) {
  const v = await getSurveyVersion(db, versionId);
  const vars = placeholderValues(config);
  const previousId = v.parentVersionId ?? (await previousSurveyVersionId(db, v.surveyId, v.id));
  const previous = previousId === null ? null : await getSurveyVersion(db, previousId);
  const made = (await listVersionsOfSurvey(db, v.surveyId)).find((x) => x.id === v.id);
  const rounds = (await roundsOfSurvey(db, v.surveyId)).filter((r) => r.surveyVersionId === v.id);
  const currentId = await latestVersionIdFrom(db, v.surveyId, CURRENT_SOURCES);
  return {
    version: v,
    surveyTitle: renderText(v.definition.title.sv, vars),
    versionLabel: v.definition.version ?? null,
    sourceLabel: SOURCE_LABELS[v.source],
    createdByName: made?.createdByName ?? null,
    current: currentId === v.id,
    languages: surveyLanguages(v.definition)
      .map((l) => (l === 'sv' ? 'svenska' : 'engelska'))
      .join(' och '),
    hasEnglish: surveyLanguages(v.definition).includes('en'),
    questionCount: v.definition.questions.length,
    indicatorIds: v.definition.indicators.map((i) => i.id),
    rounds: rounds.map((r) => ({ ...r, stateLabel: ROUND_STATE_LABELS[r.state] })),
    startLabel: startLabel(
      v.id,
      rounds.map((r) => r.year),
    ),
    previous: previous ? { id: previous.id, isParent: previous.id === v.parentVersionId } : null,
    changes: previous ? diffDefinitions(previous.definition, v.definition) : ([] as DiffRow[]),
  };
}

/** What a draft changes against the version it was made from. */
export async function draftChanges(db: Knex, draftId: number): Promise<{ parentId: number | null; changes: DiffRow[] }> {
  const ctx = await loadDraft(db, draftId);
  if (!ctx.parent) return { parentId: null, changes: [] };
  const { survey } = checkSurveyData(ctx.draft.document);
  return { parentId: ctx.parent.id, changes: survey ? diffDefinitions(ctx.parent.definition, survey.definition) : [] };
}

/**
 * A stored version as the YAML file `surveys check` and the server read. Without `versionId`:
 * the survey's current version. Throws NotFoundError when the survey or version does not exist,
 * or the version belongs to another survey.
 */
export async function exportVersionYaml(
  db: Knex,
  surveyId: string,
  versionId: number | null,
): Promise<{ fileName: string; yaml: string; versionId: number }> {
  const id = versionId ?? (await latestVersionIdFrom(db, surveyId, CURRENT_SOURCES));
  if (id === null) throw new NotFoundError(`Enkäten ${surveyId} har ingen sparad version.`);
  const v = await getSurveyVersion(db, id).catch(() => {
    throw new NotFoundError(`Version ${id} finns inte.`);
  });
  if (v.surveyId !== surveyId) throw new NotFoundError(`Version ${id} är en version av enkäten ${v.surveyId}, inte av ${surveyId}.`);
  const comment = [
    `Enkäten ${v.surveyId}, version ${v.id} (${SOURCE_LABELS[v.source]}, ${v.createdAt.slice(0, 10)}), exporterad från Partnerpuls.`,
    `Innehållshash ${v.hash}. Kontrollera filen med: npm run cli -- surveys check`,
  ].join('\n');
  return { fileName: `${v.surveyId}.yaml`, yaml: surveyFileToYaml(definitionToFile(v.definition), comment), versionId: v.id };
}
