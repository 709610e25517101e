// Survey versions: when a round is opened, the definition it uses is stored (content hash +
// canonical JSON), so editing the file later never changes an existing round.
import type { Knex } from 'knex';
import { NotFoundError } from '../errors';
import { findSurveyVersion, insertSurveyVersionOnce, type SurveyVersion, type SurveyVersionSource } from '../repositories/survey-versions';
import { loadSurveyDir, type LoadedSurvey } from '../surveys/load';

export type { SurveyVersion } from '../repositories/survey-versions';

/** The current survey files, validated (throws SurveyDefinitionError naming file, line and path). */
export async function currentSurveys(surveysDir: string): Promise<LoadedSurvey[]> {
  return loadSurveyDir(surveysDir);
}

/** Stores the loaded definition as a version (once per content hash) and returns its id. */
export async function pinSurveyVersion(db: Knex, loaded: LoadedSurvey, source: SurveyVersionSource = 'file'): Promise<number> {
  const def = loaded.definition;
  return insertSurveyVersionOnce(db, {
    surveyId: def.id,
    hash: loaded.hash,
    canonicalJson: loaded.canonicalJson,
    title: def.title.sv,
    source,
  });
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
