// Survey versions: a survey definition as a round uses it (content hash + canonical JSON). A
// version is never edited; the same content is stored once per survey (unique survey_id +
// content_hash). Each version records who made it and from which version (made in the editor).
import type { Knex } from 'knex';
import { nowIso } from '../db';
import type { SurveyDefinition } from '../surveys/schema';
import type { SurveyVersionRow } from './tables';

/** 'file': pinned from a file in surveys/; 'upload': uploaded by an admin; 'editor': made in the survey editor. */
export type SurveyVersionSource = 'file' | 'upload' | 'editor';
/** The sources a coordinator chooses by version (a file is chosen by its survey id and follows the file). */
export const VERSION_SOURCES: SurveyVersionSource[] = ['upload', 'editor'];

export interface SurveyVersion {
  id: number;
  surveyId: string;
  hash: string;
  definition: SurveyDefinition;
  source: SurveyVersionSource;
  createdAt: string;
  createdBy: number | null;
  parentVersionId: number | null;
  note: string | null;
}

function toSurveyVersion(r: SurveyVersionRow): SurveyVersion {
  return {
    id: Number(r.id),
    surveyId: r.survey_id,
    hash: r.content_hash,
    definition: JSON.parse(r.definition) as SurveyDefinition,
    source: sourceOf(r.source),
    createdAt: r.created_at,
    createdBy: r.created_by === null || r.created_by === undefined ? null : Number(r.created_by),
    parentVersionId: r.parent_version_id === null || r.parent_version_id === undefined ? null : Number(r.parent_version_id),
    note: r.note ?? null,
  };
}

function sourceOf(v: string): SurveyVersionSource {
  return v === 'upload' || v === 'editor' ? v : 'file';
}

export interface NewSurveyVersion {
  surveyId: string;
  hash: string;
  canonicalJson: string;
  title: string;
  source: SurveyVersionSource;
  createdBy?: number | null;
  parentVersionId?: number | null;
  note?: string | null;
}

/** Stores the definition unless the same content is already stored for the survey; returns the version's id either way. */
export async function insertSurveyVersionOnce(db: Knex, v: NewSurveyVersion): Promise<number> {
  await db('survey_versions')
    .insert({
      survey_id: v.surveyId,
      content_hash: v.hash,
      definition: v.canonicalJson,
      title: v.title,
      source: v.source,
      created_at: nowIso(),
      created_by: v.createdBy ?? null,
      parent_version_id: v.parentVersionId ?? null,
      note: v.note ?? null,
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

/** The newest stored version of the survey (from a file, uploaded or made in the editor), or null. */
export async function latestSurveyVersionId(db: Knex, surveyId: string): Promise<number | null> {
  const r = await db('survey_versions').where({ survey_id: surveyId }).orderBy('id', 'desc').first('id');
  return r ? Number(r.id) : null;
}

/** The newest stored version of the survey from one of `sources`, or null. */
export async function latestVersionIdFrom(db: Knex, surveyId: string, sources: SurveyVersionSource[]): Promise<number | null> {
  const r = await db('survey_versions').where({ survey_id: surveyId }).whereIn('source', sources).orderBy('id', 'desc').first('id');
  return r ? Number(r.id) : null;
}

/** The version stored before `id` for the same survey (the one a diff compares with when there is no parent), or null. */
export async function previousSurveyVersionId(db: Knex, surveyId: string, id: number): Promise<number | null> {
  const r = await db('survey_versions').where({ survey_id: surveyId }).where('id', '<', id).orderBy('id', 'desc').first('id');
  return r ? Number(r.id) : null;
}

/** Whether `id` is a version a round chooses by version (uploaded or made in the editor). */
export async function isChoosableVersion(db: Knex, id: number): Promise<boolean> {
  return (await db('survey_versions').where({ id }).whereIn('source', VERSION_SOURCES).first('id')) !== undefined;
}

/** The versions with one of `sources`, newest first. */
export async function listVersionIds(db: Knex, sources: SurveyVersionSource[]): Promise<Array<{ id: number; createdAt: string }>> {
  const rows = await db('survey_versions').whereIn('source', sources).orderBy('id', 'desc').select('id', 'created_at');
  return rows.map((r) => ({ id: Number(r.id), createdAt: r.created_at }));
}

/** Each survey id that has a version with one of `sources`. */
export async function surveyIdsWithVersions(db: Knex, sources: SurveyVersionSource[]): Promise<string[]> {
  const rows = await db('survey_versions').whereIn('source', sources).distinct('survey_id').orderBy('survey_id');
  return rows.map((r) => r.survey_id);
}

/** Each survey id and title that has a version uploaded or made in the editor (a survey may have several titles). */
export async function uploadedSurveyTitles(db: Knex): Promise<Array<{ surveyId: string; title: string }>> {
  const rows = await db('survey_versions').whereIn('source', VERSION_SOURCES).distinct('survey_id', 'title');
  return rows.map((r) => ({ surveyId: r.survey_id, title: r.title }));
}

/** The newest version of the survey that does not come from a file (uploaded, or made in the interface), or null. */
export async function latestNonFileVersionId(db: Knex, surveyId: string): Promise<number | null> {
  const r = await db('survey_versions').where({ survey_id: surveyId }).whereNot({ source: 'file' }).orderBy('id', 'desc').first('id');
  return r ? Number(r.id) : null;
}

export interface SurveyVersionSummary {
  id: number;
  surveyId: string;
  hash: string;
  title: string;
  source: SurveyVersionSource;
  createdAt: string;
  createdByName: string | null;
  parentVersionId: number | null;
  note: string | null;
}

/** Every version of the survey, newest first, with the name of who made it. */
export async function listVersionsOfSurvey(db: Knex, surveyId: string): Promise<SurveyVersionSummary[]> {
  const rows = await db('survey_versions as v')
    .leftJoin('users as u', 'u.id', 'v.created_by')
    .where('v.survey_id', surveyId)
    .orderBy('v.id', 'desc')
    .select<Array<SurveyVersionRow & { user_name: string | null }>>('v.*', 'u.name as user_name');
  return rows.map((r) => ({
    id: Number(r.id),
    surveyId: r.survey_id,
    hash: r.content_hash,
    title: r.title,
    source: sourceOf(r.source),
    createdAt: r.created_at,
    createdByName: r.user_name ?? null,
    parentVersionId: r.parent_version_id === null || r.parent_version_id === undefined ? null : Number(r.parent_version_id),
    note: r.note ?? null,
  }));
}

/** The newest version and the number of versions of every survey that has one. */
export async function versionCountsBySurvey(db: Knex): Promise<Map<string, { newestId: number; count: number; title: string }>> {
  const rows = await db('survey_versions')
    .select('survey_id')
    .count({ n: '*' })
    .max<Array<{ survey_id: string; newest: number | string; n: number | string }>>({ newest: 'id' })
    .groupBy('survey_id');
  const out = new Map<string, { newestId: number; count: number; title: string }>();
  for (const r of rows) {
    const newest = await db('survey_versions')
      .where({ id: Number(r.newest) })
      .first('title');
    out.set(r.survey_id, { newestId: Number(r.newest), count: Number(r.n), title: newest?.title ?? r.survey_id });
  }
  return out;
}
