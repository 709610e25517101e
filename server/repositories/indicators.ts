// Indicators, their targets (målvärde), imported/manual values, comments and status overrides,
// published snapshots — and the grouped counts the computation is made of. Knex only; the rules
// live in services/indicators.ts. Every count is a GROUP BY / COUNT in the database, written so
// the same query runs on SQLite and PostgreSQL.
import type { Knex } from 'knex';
import { bool, isPostgres, json, nowIso } from '../db';
import type { IndicatorDefinition } from '../surveys/schema';
import type {
  IndicatorCommentRow,
  IndicatorRow as IndicatorTableRow,
  IndicatorTargetRow,
  IndicatorValueRow,
  PublicationRow,
  RoundRow,
} from './tables';

/** A nullable numeric column as a number (PostgreSQL's numeric is parsed in db.ts; SQLite may hand back text). */
function numOrNull(v: number | string | null | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** The `n` of a `count({ n: … })` row (a number, or a string from PostgreSQL's bigint before db.ts parses it). */
function countIn(row: { n?: number | string } | undefined): number {
  return Number(row?.n ?? 0);
}

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

function toIndicator(r: IndicatorTableRow): IndicatorRecord {
  return {
    id: r.id,
    surveyId: r.survey_id ?? null,
    kind: r.kind as IndicatorRecord['kind'],
    name: r.name,
    goal: r.goal ?? null,
    level: (r.level ?? null) as IndicatorRecord['level'],
    unit: r.unit,
    direction: r.direction === 'lower' ? 'lower' : 'higher',
    definition: json<IndicatorDefinition>(r.definition),
    retiredAt: r.retired_at ?? null,
    updatedAt: r.updated_at,
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

/** pg_advisory_xact_lock's key for syncing the indicators (any constant; "PPIS"). */
const INDICATOR_SYNC_LOCK = 0x50504953;

/**
 * Inside the sync's transaction: waits until no other instance is syncing. PostgreSQL runs
 * transactions side by side, so two instances starting at once would both insert a new
 * indicator; the lock is released at commit. SQLite transactions hold the write lock already.
 */
export async function lockIndicatorSync(trx: Knex.Transaction): Promise<void> {
  if (isPostgres(trx)) await trx.raw('select pg_advisory_xact_lock(?)', [INDICATOR_SYNC_LOCK]);
}

/** Marks every indicator not in `keep` as retired; returns the ids newly retired. */
export async function retireIndicatorsExcept(db: Knex, keep: string[]): Promise<string[]> {
  const q = db('indicators').whereNull('retired_at');
  if (keep.length > 0) q.whereNotIn('id', keep);
  const ids = (await q.select('id')).map((r) => r.id);
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

function toTarget(r: IndicatorTargetRow): TargetRecord {
  return {
    indicatorId: r.indicator_id,
    year: Number(r.year),
    target: Number(r.target),
    setBy: numOrNull(r.set_by),
    setAt: r.set_at,
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

function toValue(r: IndicatorValueRow): ValueRecord {
  return {
    indicatorId: r.indicator_id,
    year: Number(r.year),
    numerator: numOrNull(r.numerator),
    denominator: numOrNull(r.denominator),
    value: numOrNull(r.value),
    source: r.source,
    comment: r.comment ?? null,
    createdAt: r.created_at,
  };
}

export async function valuesForYears(db: Knex, years: number[]): Promise<ValueRecord[]> {
  return (await db('indicator_values').whereIn('year', years)).map(toValue);
}

export async function valuesOf(db: Knex, indicatorId: string): Promise<ValueRecord[]> {
  return (await db('indicator_values').where({ indicator_id: indicatorId }).orderBy('year')).map(toValue);
}

/** Inserts or replaces the value of (indicator, year); true when it replaced an earlier value. */
export async function upsertValue(db: Knex, v: Omit<ValueRecord, 'createdAt'>): Promise<boolean> {
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
  return Boolean(existing);
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

function toComment(r: IndicatorCommentRow): CommentRecord {
  return {
    indicatorId: r.indicator_id,
    year: Number(r.year),
    comment: r.comment ?? null,
    statusOverride: (r.status_override ?? null) as CommentRecord['statusOverride'],
    statusReason: r.status_reason ?? null,
    updatedBy: numOrNull(r.updated_by),
    updatedAt: r.updated_at,
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
  const row: Partial<IndicatorCommentRow> = { updated_by: userId, updated_at: nowIso() };
  if ('comment' in patch) row.comment = patch.comment ?? null;
  if ('statusOverride' in patch) row.status_override = patch.statusOverride ?? null;
  if ('statusReason' in patch) row.status_reason = patch.statusReason ?? null;
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

/** A publication joined with the name of the user who published it. */
type PublicationWithName = Omit<PublicationRow, 'snapshot'> & { snapshot?: PublicationRow['snapshot']; published_by_name: string | null };

function toPublication<Row>(r: PublicationWithName): PublicationRecord<Row> {
  return {
    id: Number(r.id),
    year: Number(r.year),
    version: Number(r.version),
    reason: r.reason ?? null,
    snapshot: r.snapshot === undefined ? [] : json<Row[]>(r.snapshot),
    publishedBy: numOrNull(r.published_by),
    publishedByName: r.published_by_name ?? null,
    publishedAt: r.published_at,
  };
}

/** The versions of a year, newest first, without their snapshots. */
export async function listPublications(db: Knex, year: number): Promise<PublicationRecord[]> {
  const rows = await db('publications as p')
    .leftJoin('users as u', 'u.id', 'p.published_by')
    .where('p.year', year)
    .select<PublicationWithName[]>(
      'p.id',
      'p.year',
      'p.version',
      'p.reason',
      'p.published_by',
      'p.published_at',
      'u.name as published_by_name',
    )
    .orderBy('p.version', 'desc');
  return rows.map((r) => toPublication(r));
}

/** The newest version of a year with its snapshot, or null when the year is not published. */
export async function latestPublication<Row>(db: Knex, year: number): Promise<PublicationRecord<Row> | null> {
  const r = await db('publications as p')
    .leftJoin('users as u', 'u.id', 'p.published_by')
    .where('p.year', year)
    .select<PublicationWithName[]>('p.*', 'u.name as published_by_name')
    .orderBy('p.version', 'desc')
    .first();
  return r ? toPublication<Row>(r) : null;
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
  const r = await db('publications').where({ year }).max<{ v: number | null }[]>({ v: 'version' }).first();
  return numOrNull(r?.v) ?? 0;
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
  return r ? toRoundRef(r) : null;
}

function toRoundRef(r: RoundRow): RoundRef {
  return {
    id: Number(r.id),
    surveyVersionId: Number(r.survey_version_id),
    panelId: Number(r.panel_id),
    year: Number(r.year),
    state: r.state,
    confidential: bool(r.confidential),
    imported: bool(r.imported),
  };
}

/** Submitted responses of the round. */
export async function respondedCount(db: Knex, roundId: number): Promise<number> {
  return countIn(await db('responses').where({ round_id: roundId, status: 'submitted' }).count<{ n: number }[]>({ n: '*' }).first());
}

/**
 * Organisations invited to the round: its invitations that are not revoked, or — when the round
 * has no invitations at all (an imported round) — the members of the round's panel that year;
 * in both cases together with any organisation that submitted a response (so responded ≤ invited).
 */
export async function invitedCount(db: Knex, round: RoundRef): Promise<number> {
  const invited = invitedOrganisations(db, round, await hasInvitations(db, round.id));
  return countIn(await db.from(invited.as('invited')).count<{ n: number }[]>({ n: '*' }).first());
}

export async function hasInvitations(db: Knex, roundId: number): Promise<boolean> {
  return (await db('invitations').where({ round_id: roundId }).first('id')) !== undefined;
}

/**
 * The organisations invitedCount counts, as a query of `organisation_id` rows (also for counts
 * per organisation type or municipality): `withInvitations` is hasInvitations() of the round.
 */
export function invitedOrganisations(
  db: Knex,
  round: Pick<RoundRef, 'id' | 'panelId' | 'year'>,
  withInvitations: boolean,
): Knex.QueryBuilder {
  // the union's second part, built in place on the builder knex hands over
  const submitted = (q: Knex.QueryBuilder): void => {
    void q.select('organisation_id').from('responses').where({ round_id: round.id, status: 'submitted' });
  };
  return withInvitations
    ? db('invitations').select('organisation_id').where({ round_id: round.id }).whereNull('revoked_at').union(submitted)
    : db('panel_memberships').select('organisation_id').where({ panel_id: round.panelId, year: round.year }).union(submitted);
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
    .countDistinct<Array<{ option_code: string; n: number }>>({ n: 'r.id' })
    .groupBy('a.option_code');
  return new Map(rows.map((r) => [r.option_code, Number(r.n)]));
}

/** Submitted responses that have an answer (an option) to the question. */
export async function answeredCount(db: Knex, roundId: number, questionId: string, itemId: string): Promise<number> {
  return countIn(await answersOfQuestion(db, roundId, questionId, itemId).countDistinct<{ n: number }[]>({ n: 'r.id' }).first());
}

/** One row per submitted response's answer to a question: the organisation, its type and municipality, the option. */
export async function answersByOrganisation(
  db: Knex,
  roundId: number,
  questionId: string,
  itemId: string,
): Promise<Array<{ organisationId: number; type: string | null; municipality: string | null; code: string }>> {
  const rows = await answersOfQuestion(db, roundId, questionId, itemId)
    .join('organisations as o', 'o.id', 'r.organisation_id')
    .select<Array<{ organisation_id: number; type: string | null; municipality: string | null; code: string }>>(
      'r.organisation_id',
      'o.type',
      'o.municipality',
      'a.option_code as code',
    );
  const blank = (v: string | null) => (v === null || v === '' ? null : v);
  return rows.map((r) => ({
    organisationId: Number(r.organisation_id),
    type: blank(r.type),
    municipality: blank(r.municipality),
    code: r.code,
  }));
}

// ---------------------------------------------------------------------------------------------
// The counts behind an attendance indicator
// ---------------------------------------------------------------------------------------------

/** Panels that held meetings of `type` in `year`, with how many such meetings each held. */
export async function meetingPanels(db: Knex, type: string, year: number): Promise<Array<{ panelId: number; meetings: number }>> {
  const rows = await db('meetings')
    .where({ type, year })
    .select('panel_id')
    .count<Array<{ panel_id: number; n: number }>>({ n: '*' })
    .groupBy('panel_id')
    .orderBy('panel_id');
  return rows.map((r) => ({ panelId: Number(r.panel_id), meetings: Number(r.n) }));
}

export async function panelSize(db: Knex, panelId: number, year: number): Promise<number> {
  return countIn(await db('panel_memberships').where({ panel_id: panelId, year }).count<{ n: number }[]>({ n: '*' }).first());
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
    .countDistinct<{ n: number }[]>({ n: 'a.organisation_id' })
    .first();
  return countIn(r);
}

/** The newest year with any data behind indicators (a round, a meeting, a value, a publication). */
export async function latestDataYear(db: Knex): Promise<number | null> {
  const newest = (row: { y: number | null } | undefined): number[] => (row?.y === null || row?.y === undefined ? [] : [Number(row.y)]);
  const years = [
    ...newest(await db('rounds').whereNot('state', 'utkast').max<{ y: number | null }[]>({ y: 'year' }).first()),
    ...newest(await db('meetings').max<{ y: number | null }[]>({ y: 'year' }).first()),
    ...newest(await db('indicator_values').max<{ y: number | null }[]>({ y: 'year' }).first()),
    ...newest(await db('publications').max<{ y: number | null }[]>({ y: 'year' }).first()),
  ];
  return years.length > 0 ? Math.max(...years) : null;
}
