// Survey drafts: a version being edited in the browser (services/survey-editor.ts). The document
// is the survey in the shape of its file (JSON), always a valid survey; `revision` is bumped on
// every save so a stale form never overwrites a newer save silently.
import type { Knex } from 'knex';
import { nowIso } from '../db';
import type { SurveyDraftRow } from './tables';

export interface SurveyDraft {
  id: number;
  surveyId: string;
  parentVersionId: number | null;
  /** The survey file's data (JSON-parsed). */
  document: unknown;
  /** The guarded changes the editor has explicitly accepted (keys, see services/survey-guard.ts). */
  confirmed: string[];
  note: string | null;
  revision: number;
  createdBy: number | null;
  createdByName: string | null;
  updatedBy: number | null;
  updatedByName: string | null;
  createdAt: string;
  updatedAt: string;
}

type Joined = SurveyDraftRow & { created_name: string | null; updated_name: string | null };

function toDraft(r: Joined): SurveyDraft {
  const confirmed: unknown = JSON.parse(r.confirmed || '[]');
  return {
    id: Number(r.id),
    surveyId: r.survey_id,
    parentVersionId: r.parent_version_id === null || r.parent_version_id === undefined ? null : Number(r.parent_version_id),
    document: JSON.parse(r.document),
    confirmed: Array.isArray(confirmed) ? confirmed.filter((c): c is string => typeof c === 'string') : [],
    note: r.note ?? null,
    revision: Number(r.revision),
    createdBy: r.created_by === null || r.created_by === undefined ? null : Number(r.created_by),
    createdByName: r.created_name ?? null,
    updatedBy: r.updated_by === null || r.updated_by === undefined ? null : Number(r.updated_by),
    updatedByName: r.updated_name ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function withNames(db: Knex) {
  return db('survey_drafts as d')
    .leftJoin('users as c', 'c.id', 'd.created_by')
    .leftJoin('users as u', 'u.id', 'd.updated_by')
    .select<Joined[]>('d.*', 'c.name as created_name', 'u.name as updated_name');
}

export async function insertDraft(
  db: Knex,
  d: { surveyId: string; parentVersionId: number | null; document: unknown; createdBy: number | null },
): Promise<number> {
  const now = nowIso();
  const [row] = await db('survey_drafts')
    .insert({
      survey_id: d.surveyId,
      parent_version_id: d.parentVersionId,
      document: JSON.stringify(d.document),
      confirmed: '[]',
      revision: 1,
      created_by: d.createdBy,
      updated_by: d.createdBy,
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export async function findDraft(db: Knex, id: number): Promise<SurveyDraft | null> {
  const r = await withNames(db).where('d.id', id).first();
  return r ? toDraft(r) : null;
}

/** The drafts (of one survey, or all), newest first. */
export async function listDrafts(db: Knex, surveyId?: string): Promise<SurveyDraft[]> {
  const q = withNames(db).orderBy('d.id', 'desc');
  const rows = await (surveyId === undefined ? q : q.where('d.survey_id', surveyId));
  return rows.map(toDraft);
}

/** Saves the draft if it still has `revision`; false when someone saved it in between. */
export async function updateDraftIfRevision(
  db: Knex,
  id: number,
  revision: number,
  d: { document: unknown; confirmed: string[]; updatedBy: number | null },
): Promise<boolean> {
  const n = await db('survey_drafts')
    .where({ id, revision })
    .update({
      document: JSON.stringify(d.document),
      confirmed: JSON.stringify(d.confirmed),
      updated_by: d.updatedBy,
      updated_at: nowIso(),
      revision: revision + 1,
    });
  return Number(n) === 1;
}

export async function deleteDraft(db: Knex, id: number): Promise<boolean> {
  return Number(await db('survey_drafts').where({ id }).delete()) === 1;
}
