// Indicators, their targets (målvärde), imported/manual values, comments and status overrides,
// published snapshots — and the grouped counts the computation is made of. Knex only; the rules
// live in services/indicators.ts. Every count is a GROUP BY / COUNT in the database, written so
// the same query runs on SQLite and PostgreSQL.
import type { Knex } from 'knex';
import { json, nowIso } from '../db';
import type { IndicatorDefinition } from '../surveys/schema';

// ---------------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------------

export interface IndicatorRecord {
  id: string;
  surveyId: string | null;
  kind: 'survey' | 'attendance' | 'manual';
  /** Swedish name as written in the report, placeholders filled in at sync. */
  name: string;
  goal: string | null;
  level: 'effektmal' | 'namndmal' | 'uppdrag' | null;
  unit: string;
  direction: 'higher' | 'lower';
  /** The definition as declared in the file (placeholders unrendered). */
  definition: IndicatorDefinition;
  retiredAt: string | null;
  updatedAt: string;
}

function toIndicator(r: Record<string, unknown>): IndicatorRecord {
  return {
    id: String(r.id),
    surveyId: r.survey_id === null || r.survey_id === undefined ? null : String(r.survey_id),
    kind: r.kind as IndicatorRecord['kind'],
    name: String(r.name),
    goal: r.goal === null || r.goal === undefined ? null : String(r.goal),
    level: (r.level ?? null) as IndicatorRecord['level'],
    unit: String(r.unit),
    direction: r.direction === 'lower' ? 'lower' : 'higher',
    definition: json<IndicatorDefinition>(r.definition),
    retiredAt: (r.retired_at as string | null) ?? null,
    updatedAt: String(r.updated_at),
  };
}

export async function listIndicators(db: Knex, opts: { includeRetired?: boolean } = {}): Promise<IndicatorRecord[]> {
  const q = db('indicators').orderBy('id');
  if (!opts.includeRetired) q.whereNull('retired_at');
  return (await q).map(toIndicator);
}

export async function findIndicator(db: Knex, id: string): Promise<IndicatorRecord | null> {
  const r = await db('indicators').where({ id }).first();
  return r ? toIndicator(r) : null;
}

export async function upsertIndicator(db: Knex, rec: Omit<IndicatorRecord, 'retiredAt' | 'updatedAt'>): Promise<void> {
  const row = {
    survey_id: rec.surveyId,
    kind: rec.kind,
    name: rec.name,
    goal: rec.goal,
    level: rec.level,
    unit: rec.unit,
    direction: rec.direction,
    definition: JSON.stringify(rec.definition),
    retired_at: null,
    updated_at: nowIso(),
  };
  const existing = await db('indicators').where({ id: rec.id }).first('id');
  if (existing) await db('indicators').where({ id: rec.id }).update(row);
  else await db('indicators').insert({ id: rec.id, ...row });
}

/** Marks every indicator not in `keep` as retired; returns the ids newly retired. */
export async function retireIndicatorsExcept(db: Knex, keep: string[]): Promise<string[]> {
  const q = db('indicators').whereNull('retired_at');
  if (keep.length > 0) q.whereNotIn('id', keep);
  const ids = (await q.select('id')).map((r: { id: string }) => String(r.id));
  if (ids.length > 0) await db('indicators').whereIn('id', ids).update({ retired_at: nowIso() });
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Targets (målvärde)
// ---------------------------------------------------------------------------------------------

export interface TargetRecord {
  indicatorId: string;
  year: number;
  target: number;
  setBy: number | null;
  setAt: string;
}

function toTarget(r: Record<string, unknown>): TargetRecord {
  return {
    indicatorId: String(r.indicator_id),
    year: Number(r.year),
    target: Number(r.target),
    setBy: r.set_by === null || r.set_by === undefined ? null : Number(r.set_by),
    setAt: String(r.set_at),
  };
}

export async function targetsForYears(db: Knex, years: number[]): Promise<TargetRecord[]> {
  return (await db('indicator_targets').whereIn('year', years)).map(toTarget);
}

export async function targetsOf(db: Knex, indicatorId: string): Promise<TargetRecord[]> {
  return (await db('indicator_targets').where({ indicator_id: indicatorId }).orderBy('year')).map(toTarget);
}

export async function upsertTarget(db: Knex, indicatorId: string, year: number, target: number, userId: number | null): Promise<void> {
  const existing = await db('indicator_targets').where({ indicator_id: indicatorId, year }).first('id');
  const row = { target, set_by: userId, set_at: nowIso() };
  if (existing) await db('indicator_targets').where({ id: existing.id }).update(row);
  else await db('indicator_targets').insert({ indicator_id: indicatorId, year, ...row });
}

// ---------------------------------------------------------------------------------------------
// Imported and manual values
// ---------------------------------------------------------------------------------------------

export interface ValueRecord {
  indicatorId: string;
  year: number;
  numerator: number | null;
  denominator: number | null;
  value: number | null;
  source: string;
  comment: string | null;
  createdAt: string;
}

function toValue(r: Record<string, unknown>): ValueRecord {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    indicatorId: String(r.indicator_id),
    year: Number(r.year),
    numerator: num(r.numerator),
    denominator: num(r.denominator),
    value: num(r.value),
    source: String(r.source),
    comment: (r.comment as string | null) ?? null,
    createdAt: String(r.created_at),
  };
}

export async function valuesForYears(db: Knex, years: number[]): Promise<ValueRecord[]> {
  return (await db('indicator_values').whereIn('year', years)).map(toValue);
}

export async function valuesOf(db: Knex, indicatorId: string): Promise<ValueRecord[]> {
  return (await db('indicator_values').where({ indicator_id: indicatorId }).orderBy('year')).map(toValue);
}

/** Inserts or replaces the value of (indicator, year). */
export async function upsertValue(db: Knex, v: Omit<ValueRecord, 'createdAt'>): Promise<void> {
  const row = {
    numerator: v.numerator,
    denominator: v.denominator,
    value: v.value,
    source: v.source,
    comment: v.comment,
    created_at: nowIso(),
  };
  const existing = await db('indicator_values').where({ indicator_id: v.indicatorId, year: v.year }).first('id');
  if (existing) await db('indicator_values').where({ id: existing.id }).update(row);
  else await db('indicator_values').insert({ indicator_id: v.indicatorId, year: v.year, ...row });
}

export async function deleteValue(db: Knex, indicatorId: string, year: number): Promise<number> {
  return db('indicator_values').where({ indicator_id: indicatorId, year }).delete();
}

// ---------------------------------------------------------------------------------------------
// Comments and status overrides
// ---------------------------------------------------------------------------------------------

export interface CommentRecord {
  indicatorId: string;
  year: number;
  comment: string | null;
  statusOverride: 'helt' | 'delvis' | 'inte_alls' | 'varde_saknas' | null;
  statusReason: string | null;
  updatedBy: number | null;
  updatedAt: string;
}

function toComment(r: Record<string, unknown>): CommentRecord {
  return {
    indicatorId: String(r.indicator_id),
    year: Number(r.year),
    comment: (r.comment as string | null) ?? null,
    statusOverride: (r.status_override as CommentRecord['statusOverride']) ?? null,
    statusReason: (r.status_reason as string | null) ?? null,
    updatedBy: r.updated_by === null || r.updated_by === undefined ? null : Number(r.updated_by),
    updatedAt: String(r.updated_at),
  };
}

export async function commentsForYear(db: Knex, year: number): Promise<CommentRecord[]> {
  return (await db('indicator_comments').where({ year })).map(toComment);
}

export async function findComment(db: Knex, indicatorId: string, year: number): Promise<CommentRecord | null> {
  const r = await db('indicator_comments').where({ indicator_id: indicatorId, year }).first();
  return r ? toComment(r) : null;
}

export async function upsertComment(
  db: Knex,
  indicatorId: string,
  year: number,
  patch: Partial<Pick<CommentRecord, 'comment' | 'statusOverride' | 'statusReason'>>,
  userId: number | null,
): Promise<void> {
  const row: Record<string, unknown> = { updated_by: userId, updated_at: nowIso() };
  if ('comment' in patch) row.comment = patch.comment;
  if ('statusOverride' in patch) row.status_override = patch.statusOverride;
  if ('statusReason' in patch) row.status_reason = patch.statusReason;
  const existing = await db('indicator_comments').where({ indicator_id: indicatorId, year }).first('id');
  if (existing) await db('indicator_comments').where({ id: existing.id }).update(row);
  else
    await db('indicator_comments').insert({
      indicator_id: indicatorId,
      year,
      comment: null,
      status_override: null,
      status_reason: null,
      ...row,
    });
}

// ---------------------------------------------------------------------------------------------
// Publications
// ---------------------------------------------------------------------------------------------

export interface PublicationRecord<Row = unknown> {
  id: number;
  year: number;
  version: number;
  reason: string | null;
  snapshot: Row[];
  publishedBy: number | null;
  publishedByName: string | null;
  publishedAt: string;
}

function toPublication<Row>(r: Record<string, unknown>, withSnapshot: boolean): PublicationRecord<Row> {
  return {
    id: Number(r.id),
    year: Number(r.year),
    version: Number(r.version),
    reason: (r.reason as string | null) ?? null,
    snapshot: withSnapshot ? json<Row[]>(r.snapshot) : [],
    publishedBy: r.published_by === null || r.published_by === undefined ? null : Number(r.published_by),
    publishedByName: (r.published_by_name as string | null) ?? null,
    publishedAt: String(r.published_at),
  };
}

/** The versions of a year, newest first, without their snapshots. */
export async function listPublications(db: Knex, year: number): Promise<PublicationRecord[]> {
  const rows = await db('publications as p')
    .leftJoin('users as u', 'u.id', 'p.published_by')
    .where('p.year', year)
    .select('p.id', 'p.year', 'p.version', 'p.reason', 'p.published_by', 'p.published_at', 'u.name as published_by_name')
    .orderBy('p.version', 'desc');
  return rows.map((r: Record<string, unknown>) => toPublication(r, false));
}

/** The newest version of a year with its snapshot, or null when the year is not published. */
export async function latestPublication<Row>(db: Knex, year: number): Promise<PublicationRecord<Row> | null> {
  const r = await db('publications as p')
    .leftJoin('users as u', 'u.id', 'p.published_by')
    .where('p.year', year)
    .select('p.*', 'u.name as published_by_name')
    .orderBy('p.version', 'desc')
    .first();
  return r ? toPublication<Row>(r, true) : null;
}

/** Years that have at least one publication. */
export async function publishedYears(db: Knex): Promise<number[]> {
  const rows = await db('publications').distinct('year').orderBy('year');
  return rows.map((r: { year: number }) => Number(r.year));
}

export async function insertPublication(
  db: Knex,
  p: { year: number; version: number; reason: string | null; snapshot: unknown[]; publishedBy: number | null },
): Promise<number> {
  const [row] = await db('publications')
    .insert({
      year: p.year,
      version: p.version,
      reason: p.reason,
      snapshot: JSON.stringify(p.snapshot),
      published_by: p.publishedBy,
      published_at: nowIso(),
    })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export async function maxPublicationVersion(db: Knex, year: number): Promise<number> {
  const r = await db('publications').where({ year }).max({ v: 'version' }).first();
  return r && r.v !== null && r.v !== undefined ? Number(r.v) : 0;
}

// ---------------------------------------------------------------------------------------------
// The counts behind a survey-fed indicator
// ---------------------------------------------------------------------------------------------

export interface RoundRef {
  id: number;
  surveyVersionId: number;
  panelId: number;
  year: number;
  state: string;
  confidential: boolean;
  imported: boolean;
}

/**
 * The round an indicator of `surveyId` reads for `year`: the newest (highest id) round of that
 * survey and year that is not a draft. One round per survey and year is the normal case.
 */
export async function roundFor(db: Knex, surveyId: string, year: number): Promise<RoundRef | null> {
  const r = await db('rounds').where({ survey_id: surveyId, year }).whereNot('state', 'utkast').orderBy('id', 'desc').first();
  if (!r) return null;
  return {
    id: Number(r.id),
    surveyVersionId: Number(r.survey_version_id),
    panelId: Number(r.panel_id),
    year: Number(r.year),
    state: String(r.state),
    confidential: r.confidential === true || r.confidential === 1,
    imported: r.imported === true || r.imported === 1,
  };
}

/** Submitted responses of the round. */
export async function respondedCount(db: Knex, roundId: number): Promise<number> {
  const r = await db('responses').where({ round_id: roundId, status: 'submitted' }).count({ n: '*' }).first();
  return Number(r?.n ?? 0);
}

/**
 * Organisations invited to the round: its invitations that are not revoked, or — when the round
 * has no invitations at all (an imported round) — the members of the round's panel that year;
 * in both cases together with any organisation that submitted a response (so responded ≤ invited).
 */
export async function invitedCount(db: Knex, round: RoundRef): Promise<number> {
  const anyInvitation = await db('invitations').where({ round_id: round.id }).first('id');
  const base = anyInvitation
    ? db('invitations').select('organisation_id').where({ round_id: round.id }).whereNull('revoked_at')
    : db('panel_memberships').select('organisation_id').where({ panel_id: round.panelId, year: round.year });
  const union = base.union((q) => {
    q.select('organisation_id').from('responses').where({ round_id: round.id, status: 'submitted' });
  });
  const r = await db.from(union.as('invited')).count({ n: '*' }).first();
  return Number(r?.n ?? 0);
}

function answersOfQuestion(db: Knex, roundId: number, questionId: string, itemId: string) {
  return db('answers as a')
    .join('responses as r', 'r.id', 'a.response_id')
    .where('r.round_id', roundId)
    .where('r.status', 'submitted')
    .where('a.question_id', questionId)
    .where('a.item_id', itemId)
    .whereNotNull('a.option_code');
}

/** Number of submitted responses per option code for one question (or matrix statement). */
export async function optionCounts(db: Knex, roundId: number, questionId: string, itemId: string): Promise<Map<string, number>> {
  const rows = await answersOfQuestion(db, roundId, questionId, itemId)
    .select('a.option_code')
    .countDistinct({ n: 'r.id' })
    .groupBy('a.option_code');
  return new Map(rows.map((r: Record<string, unknown>) => [String(r.option_code), Number(r.n)]));
}

/** Submitted responses that have an answer (an option) to the question. */
export async function answeredCount(db: Knex, roundId: number, questionId: string, itemId: string): Promise<number> {
  const r = await answersOfQuestion(db, roundId, questionId, itemId).countDistinct({ n: 'r.id' }).first();
  return Number(r?.n ?? 0);
}

/** Counts per (organisation type or municipality, option code) for the breakdowns. */
export async function breakdownCounts(
  db: Knex,
  roundId: number,
  questionId: string,
  itemId: string,
  by: 'type' | 'municipality',
): Promise<Array<{ key: string | null; code: string; n: number }>> {
  const column = by === 'type' ? 'o.type' : 'o.municipality';
  const rows = await answersOfQuestion(db, roundId, questionId, itemId)
    .join('organisations as o', 'o.id', 'r.organisation_id')
    .select({ key: column, code: 'a.option_code' })
    .countDistinct({ n: 'r.id' })
    .groupBy(column, 'a.option_code');
  return rows.map((r: Record<string, unknown>) => ({
    key: r.key === null || r.key === undefined || r.key === '' ? null : String(r.key),
    code: String(r.code),
    n: Number(r.n),
  }));
}

// ---------------------------------------------------------------------------------------------
// The counts behind an attendance indicator
// ---------------------------------------------------------------------------------------------

/** Panels that held meetings of `type` in `year`, with how many such meetings each held. */
export async function meetingPanels(db: Knex, type: string, year: number): Promise<Array<{ panelId: number; meetings: number }>> {
  const rows = await db('meetings').where({ type, year }).select('panel_id').count({ n: '*' }).groupBy('panel_id').orderBy('panel_id');
  return rows.map((r: Record<string, unknown>) => ({ panelId: Number(r.panel_id), meetings: Number(r.n) }));
}

export async function panelSize(db: Knex, panelId: number, year: number): Promise<number> {
  const r = await db('panel_memberships').where({ panel_id: panelId, year }).count({ n: '*' }).first();
  return Number(r?.n ?? 0);
}

/** Organisations of the panel (that year) represented at one or more meetings of `type` in `year`. */
export async function representedCount(db: Knex, panelId: number, type: string, year: number): Promise<number> {
  const r = await db('attendance as a')
    .join('meetings as m', 'm.id', 'a.meeting_id')
    .join('panel_memberships as pm', function () {
      this.on('pm.organisation_id', '=', 'a.organisation_id').andOn('pm.panel_id', '=', 'm.panel_id');
    })
    .where('m.panel_id', panelId)
    .where('m.type', type)
    .where('m.year', year)
    .where('pm.year', year)
    .countDistinct({ n: 'a.organisation_id' })
    .first();
  return Number(r?.n ?? 0);
}

/** The newest year with any data behind indicators (a round, a meeting, a value, a publication). */
export async function latestDataYear(db: Knex): Promise<number | null> {
  const years: number[] = [];
  for (const [table, draftFilter] of [
    ['rounds', true],
    ['meetings', false],
    ['indicator_values', false],
    ['publications', false],
  ] as const) {
    const q = db(table).max({ y: 'year' });
    if (draftFilter) q.whereNot('state', 'utkast');
    const r = await q.first();
    if (r && r.y !== null && r.y !== undefined) years.push(Number(r.y));
  }
  return years.length > 0 ? Math.max(...years) : null;
}
