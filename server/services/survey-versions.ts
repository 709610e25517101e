// Survey versions: when a round is opened, the definition it uses is stored (content hash +
// canonical JSON), so editing the file later never changes an existing round.
import type { Knex } from 'knex';
import { NotFoundError } from '../errors';
import {
  findSurveyVersion,
  insertSurveyVersionOnce,
  latestVersionIdFrom,
  surveyIdsWithVersions,
  type SurveyVersion,
  type SurveyVersionSource,
} from '../repositories/survey-versions';
import { loadSurveyDir, type LoadedSurvey } from '../surveys/load';

export type { SurveyVersion, SurveyVersionSource } from '../repositories/survey-versions';

/** The current survey files, validated (throws SurveyDefinitionError naming file, line and path). */
export async function currentSurveys(surveysDir: string): Promise<LoadedSurvey[]> {
  return loadSurveyDir(surveysDir);
}

/** Stores the loaded definition as a version (once per content hash) and returns its id. */
export async function pinSurveyVersion(
  db: Knex,
  loaded: LoadedSurvey,
  source: SurveyVersionSource = 'file',
  made: { createdBy?: number | null; parentVersionId?: number | null; note?: string | null } = {},
): Promise<number> {
  const def = loaded.definition;
  return insertSurveyVersionOnce(db, {
    surveyId: def.id,
    hash: loaded.hash,
    canonicalJson: loaded.canonicalJson,
    title: def.title.sv,
    source,
    ...made,
  });
}

/** The sources whose newest version is a survey's current definition (uploads are only chosen for a round). */
export const CURRENT_SOURCES: SurveyVersionSource[] = ['file', 'editor'];

/**
 * Each survey's current definition — the one whose indicators count: the newest stored version
 * from a file or from the editor. The files are stored (pinned) first, so a file that has changed
 * since the last version made in the browser is newer, and a version made in the browser is
 * newer than the file it was made from. Surveys are those with a file and those made in the
 * editor; `fileName` is the file when the current version is the file's content.
 */
export async function currentDefinitions(db: Knex, files: LoadedSurvey[]): Promise<LoadedSurvey[]> {
  for (const f of files) await pinSurveyVersion(db, f, 'file');
  const ids = [...new Set([...files.map((f) => f.definition.id), ...(await surveyIdsWithVersions(db, ['editor']))])];
  const out: LoadedSurvey[] = [];
  for (const id of ids) {
    const versionId = await latestVersionIdFrom(db, id, CURRENT_SOURCES);
    if (versionId === null) continue;
    const v = await getSurveyVersion(db, versionId);
    const file = files.find((f) => f.definition.id === id && f.hash === v.hash);
    out.push({
      fileName: file?.fileName ?? `version ${v.id}`,
      definition: v.definition,
      hash: v.hash,
      canonicalJson: JSON.stringify(v.definition),
    });
  }
  return out;
}

const cache = new Map<number, SurveyVersion>();

/** A stored version (immutable, so it is cached by id). */
export async function getSurveyVersion(db: Knex, id: number): Promise<SurveyVersion> {
  const hit = cache.get(id);
  if (hit) return hit;
  const v = await findSurveyVersion(db, id);
  if (!v) throw new NotFoundError('Enkätversionen finns inte.');
  cache.set(id, v);
  return v;
}
