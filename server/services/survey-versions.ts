// Survey versions: when a round is opened, the definition it uses is stored (content hash +
// canonical JSON), so editing the file later never changes an existing round.
import type { Knex } from 'knex';
import { nowIso } from '../db';
import { NotFoundError } from '../errors';
import { loadSurveyDir, type LoadedSurvey } from '../surveys/load';
import type { SurveyDefinition } from '../surveys/schema';

export interface SurveyVersion {
  id: number;
  surveyId: string;
  hash: string;
  definition: SurveyDefinition;
  source: 'file' | 'upload';
  createdAt: string;
}

/** The current survey files, validated (throws SurveyDefinitionError naming file, line and path). */
export async function currentSurveys(surveysDir: string): Promise<LoadedSurvey[]> {
  return loadSurveyDir(surveysDir);
}

/** Stores the loaded definition as a version (once per content hash) and returns its id. */
export async function pinSurveyVersion(db: Knex, loaded: LoadedSurvey, source: 'file' | 'upload' = 'file'): Promise<number> {
  const def = loaded.definition;
  await db('survey_versions')
    .insert({
      survey_id: def.id,
      content_hash: loaded.hash,
      definition: loaded.canonicalJson,
      title: def.title.sv,
      source,
      created_at: nowIso(),
    })
    .onConflict(['survey_id', 'content_hash'])
    .ignore();
  const row = await db('survey_versions').where({ survey_id: def.id, content_hash: loaded.hash }).first('id');
  return Number(row.id);
}

const cache = new Map<number, SurveyVersion>();

/** A stored version (immutable, so it is cached by id). */
export async function getSurveyVersion(db: Knex, id: number): Promise<SurveyVersion> {
  const hit = cache.get(id);
  if (hit) return hit;
  const row = await db('survey_versions').where({ id }).first();
  if (!row) throw new NotFoundError('Enkätversionen finns inte.');
  const v: SurveyVersion = {
    id: Number(row.id),
    surveyId: String(row.survey_id),
    hash: String(row.content_hash),
    definition: JSON.parse(String(row.definition)) as SurveyDefinition,
    source: row.source,
    createdAt: String(row.created_at),
  };
  cache.set(id, v);
  return v;
}
