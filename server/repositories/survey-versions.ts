// Survey versions: a survey definition as a round uses it (content hash + canonical JSON). A
// version is never edited; the same content is stored once per survey (unique survey_id +
// content_hash).
import type { Knex } from 'knex';
import { nowIso } from '../db';
import type { SurveyDefinition } from '../surveys/schema';
import type { SurveyVersionRow } from './tables';

/** 'file': pinned from a file in surveys/; 'upload': uploaded by an admin in the interface. */
export type SurveyVersionSource = 'file' | 'upload';

export interface SurveyVersion {
  id: number;
  surveyId: string;
  hash: string;
  definition: SurveyDefinition;
  source: SurveyVersionSource;
  createdAt: string;
}

function toSurveyVersion(r: SurveyVersionRow): SurveyVersion {
  return {
    id: Number(r.id),
    surveyId: r.survey_id,
    hash: r.content_hash,
    definition: JSON.parse(r.definition) as SurveyDefinition,
    source: sourceOf(r.source),
    createdAt: r.created_at,
  };
}

function sourceOf(v: string): SurveyVersionSource {
  return v === 'upload' ? 'upload' : 'file';
}

/** Stores the definition unless the same content is already stored for the survey; returns the version's id either way. */
export async function insertSurveyVersionOnce(
  db: Knex,
  v: { surveyId: string; hash: string; canonicalJson: string; title: string; source: SurveyVersionSource },
): Promise<number> {
  await db('survey_versions')
    .insert({
      survey_id: v.surveyId,
      content_hash: v.hash,
      definition: v.canonicalJson,
      title: v.title,
      source: v.source,
      created_at: nowIso(),
    })
    .onConflict(['survey_id', 'content_hash'])
    .ignore();
  const stored = await findSurveyVersionByHash(db, v.surveyId, v.hash);
  if (!stored) throw new Error(`survey version ${v.surveyId} ${v.hash} was not stored`);
  return stored.id;
}

export async function findSurveyVersion(db: Knex, id: number): Promise<SurveyVersion | null> {
  const r = await db('survey_versions').where({ id }).first();
  return r ? toSurveyVersion(r) : null;
}

/** The stored version with this content, or null. */
export async function findSurveyVersionByHash(
  db: Knex,
  surveyId: string,
  hash: string,
): Promise<{ id: number; source: SurveyVersionSource } | null> {
  const r = await db('survey_versions').where({ survey_id: surveyId, content_hash: hash }).first('id', 'source');
  return r ? { id: Number(r.id), source: sourceOf(r.source) } : null;
}

/** The newest stored version of the survey (from a file or uploaded), or null. */
export async function latestSurveyVersionId(db: Knex, surveyId: string): Promise<number | null> {
  const r = await db('survey_versions').where({ survey_id: surveyId }).orderBy('id', 'desc').first('id');
  return r ? Number(r.id) : null;
}

/** Whether `id` is an uploaded version. */
export async function isUploadedVersion(db: Knex, id: number): Promise<boolean> {
  return (await db('survey_versions').where({ id, source: 'upload' }).first('id')) !== undefined;
}

/** The uploaded versions, newest first. */
export async function listUploadedVersionIds(db: Knex): Promise<Array<{ id: number; createdAt: string }>> {
  const rows = await db('survey_versions').where({ source: 'upload' }).orderBy('id', 'desc').select('id', 'created_at');
  return rows.map((r) => ({ id: Number(r.id), createdAt: r.created_at }));
}

/** Each survey id and title that has an uploaded version (a survey may have several titles). */
export async function uploadedSurveyTitles(db: Knex): Promise<Array<{ surveyId: string; title: string }>> {
  const rows = await db('survey_versions').where({ source: 'upload' }).distinct('survey_id', 'title');
  return rows.map((r) => ({ surveyId: r.survey_id, title: r.title }));
}

/** The newest version of the survey that does not come from a file (uploaded, or made in the interface), or null. */
export async function latestNonFileVersionId(db: Knex, surveyId: string): Promise<number | null> {
  const r = await db('survey_versions').where({ survey_id: surveyId }).whereNot({ source: 'file' }).orderBy('id', 'desc').first('id');
  return r ? Number(r.id) : null;
}
