// The counts behind a round's results page and the rows behind its raw-answer export. Every
// figure is a GROUP BY over the round's submitted responses (selected by round id, as everywhere
// in the app), optionally for one group of organisations (an organisation type or a
// municipality). Rules (shares, suppression) live in services/results.ts.
import type { Knex } from 'knex';
import { hasInvitations, invitedOrganisations } from './indicators';

/** The organisations a results page can be narrowed to: one organisation type, or one municipality. */
export type GroupDimension = 'type' | 'municipality';

/** One group: `key` is the type code or the municipality; null for organisations without a municipality. */
export interface GroupFilter {
  by: GroupDimension;
  key: string | null;
}

export interface RoundKey {
  id: number;
  panelId: number;
  year: number;
}

const columnOf = (by: GroupDimension): string => (by === 'type' ? 'o.type' : 'o.municipality');

/** A group key as stored (an empty municipality is the same as none). */
function keyOf(v: string | null | undefined): string | null {
  return v === null || v === undefined || v === '' ? null : v;
}

/** Narrows a query that has `r` (responses) to the organisations of one group. */
function inGroup<Q extends Knex.QueryBuilder>(q: Q, filter: GroupFilter | null): Q {
  if (!filter) return q;
  void q.join('organisations as o', 'o.id', 'r.organisation_id');
  const column = columnOf(filter.by);
  if (filter.key === null) void q.where((w) => void w.whereNull(column).orWhere(column, ''));
  else void q.where(column, filter.key);
  return q;
}

/** Answers of the round's submitted responses. */
function submittedAnswers(db: Knex, roundId: number) {
  return db('answers as a').join('responses as r', 'r.id', 'a.response_id').where('r.round_id', roundId).where('r.status', 'submitted');
}

interface OptionCountRow {
  questionId: string;
  itemId: string;
  code: string;
  n: number;
}

interface AnsweredRow {
  questionId: string;
  itemId: string;
  n: number;
}

export interface GroupCountRow {
  key: string | null;
  n: number;
}

/** Submitted responses per group (organisation type or municipality). */
export async function respondentsByGroup(db: Knex, roundId: number, by: GroupDimension): Promise<GroupCountRow[]> {
  const column = columnOf(by);
  const rows = await db('responses as r')
    .join('organisations as o', 'o.id', 'r.organisation_id')
    .where('r.round_id', roundId)
    .where('r.status', 'submitted')
    .select({ key: column })
    .count<Array<{ key: string | null; n: number }>>({ n: 'r.id' })
    .groupBy(column);
  return merged(rows);
}

/** Invited organisations per group, by the rule of the indicators' `invited` (repositories/indicators.ts invitedCount). */
export async function invitedByGroup(db: Knex, round: RoundKey, by: GroupDimension): Promise<GroupCountRow[]> {
  const column = columnOf(by);
  const invited = invitedOrganisations(db, round, await hasInvitations(db, round.id));
  const rows = await db
    .from(invited.as('i'))
    .join('organisations as o', 'o.id', 'i.organisation_id')
    .select({ key: column })
    .count<Array<{ key: string | null; n: number }>>({ n: '*' })
    .groupBy(column);
  return merged(rows);
}

/** Rows per group key with '' and null as one group. */
function merged(rows: Array<{ key: string | null; n: number | string }>): GroupCountRow[] {
  const out = new Map<string | null, number>();
  for (const r of rows) out.set(keyOf(r.key), (out.get(keyOf(r.key)) ?? 0) + Number(r.n));
  return [...out].map(([key, n]) => ({ key, n }));
}

export interface GroupAnsweredRow extends AnsweredRow {
  key: string | null;
}

/** Per group: submitted responses that answered each question (matrix statement). */
export async function answeredByGroup(db: Knex, roundId: number, by: GroupDimension): Promise<GroupAnsweredRow[]> {
  const column = columnOf(by);
  const rows = await submittedAnswers(db, roundId)
    .join('organisations as o', 'o.id', 'r.organisation_id')
    .where((w) => void w.whereNotNull('a.option_code').orWhereNotNull('a.text_value'))
    .select({ questionId: 'a.question_id', itemId: 'a.item_id', key: column })
    .countDistinct({ n: 'r.id' })
    .groupBy<Array<{ questionId: string; itemId: string; key: string | null; n: number }>>(['a.question_id', 'a.item_id', column]);
  return rows.map((r) => ({ questionId: r.questionId, itemId: r.itemId ?? '', key: keyOf(r.key), n: Number(r.n) }));
}

export interface GroupOptionCountRow extends OptionCountRow {
  key: string | null;
}

/** Per group: submitted responses per question (matrix statement) and option code. */
export async function choiceCountsByGroup(db: Knex, roundId: number, by: GroupDimension): Promise<GroupOptionCountRow[]> {
  const column = columnOf(by);
  const rows = await submittedAnswers(db, roundId)
    .join('organisations as o', 'o.id', 'r.organisation_id')
    .whereNotNull('a.option_code')
    .select({ questionId: 'a.question_id', itemId: 'a.item_id', code: 'a.option_code', key: column })
    .countDistinct({ n: 'r.id' })
    .groupBy<
      Array<{
        questionId: string;
        itemId: string;
        code: string;
        key: string | null;
        n: number;
      }>
    >(['a.question_id', 'a.item_id', 'a.option_code', column]);
  return rows.map((r) => ({ questionId: r.questionId, itemId: r.itemId ?? '', code: r.code, key: keyOf(r.key), n: Number(r.n) }));
}

export interface OrganisationAnswerRow {
  organisationId: number;
  type: string | null;
  municipality: string | null;
  questionId: string;
  itemId: string;
  /** The option chosen; null for a free-text answer. */
  code: string | null;
}

/**
 * Who answered what, per organisation (one row per answer of a submitted response, with the
 * organisation's type and municipality): what the suppression across the type and municipality
 * tables needs to know — which organisations stand behind each group's figure.
 */
export async function answersWithOrganisation(db: Knex, roundId: number): Promise<OrganisationAnswerRow[]> {
  const rows = await submittedAnswers(db, roundId)
    .join('organisations as o', 'o.id', 'r.organisation_id')
    .where((w) => void w.whereNotNull('a.option_code').orWhereNotNull('a.text_value'))
    .select<
      Array<{
        organisationId: number;
        type: string | null;
        municipality: string | null;
        questionId: string;
        itemId: string | null;
        code: string | null;
      }>
    >({
      organisationId: 'r.organisation_id',
      type: 'o.type',
      municipality: 'o.municipality',
      questionId: 'a.question_id',
      itemId: 'a.item_id',
      code: 'a.option_code',
    });
  return rows.map((r) => ({
    organisationId: Number(r.organisationId),
    type: keyOf(r.type),
    municipality: keyOf(r.municipality),
    questionId: r.questionId,
    itemId: r.itemId ?? '',
    code: r.code,
  }));
}

export interface TextAnswerRow {
  questionId: string;
  itemId: string;
  text: string;
  /** The organisation's name; null when not asked for (a confidential round). */
  organisation: string | null;
}

/** The free-text answers of the submitted responses (of one group), with the organisation's name only when asked for. */
export async function textAnswers(
  db: Knex,
  roundId: number,
  filter: GroupFilter | null,
  opts: { withOrganisation: boolean },
): Promise<TextAnswerRow[]> {
  const q = inGroup(submittedAnswers(db, roundId), filter).whereNotNull('a.text_value').where('a.text_value', '<>', '');
  if (!filter && opts.withOrganisation) void q.join('organisations as o', 'o.id', 'r.organisation_id');
  const rows = await q.select<Array<{ question_id: string; item_id: string; text_value: string; name?: string }>>(
    'a.question_id',
    'a.item_id',
    'a.text_value',
    ...(opts.withOrganisation ? ['o.name'] : []),
  );
  return rows.map((r) => ({
    questionId: r.question_id,
    itemId: r.item_id ?? '',
    text: r.text_value,
    organisation: opts.withOrganisation ? (r.name ?? null) : null,
  }));
}

// ---------------------------------------------------------------------------------------------
// The raw answers, page by page (the export streams them; nothing holds the whole round)
// ---------------------------------------------------------------------------------------------

export interface ExportResponseRow {
  responseId: number;
  organisationId: number;
  organisationName: string;
  organisationNumber: string | null;
  type: string;
  municipality: string | null;
  submittedAt: string | null;
}

/** Where the previous page ended: the last row's organisation name and id. */
export interface ExportCursor {
  name: string;
  organisationId: number;
}

/**
 * The next `limit` submitted responses after `after`, in the order of organisation name (then id):
 * keyset pagination that walks the organisations' name index and asks for each whether it has a
 * submitted response in the round, so a page costs the same at the end of a large round as at its start.
 */
export async function submittedResponsesPage(
  db: Knex,
  roundId: number,
  after: ExportCursor | null,
  limit: number,
): Promise<ExportResponseRow[]> {
  const q = db('organisations as o').whereExists((e) => {
    void e
      .select(db.raw('1'))
      .from('responses as r')
      .where('r.organisation_id', db.ref('o.id'))
      .where('r.round_id', roundId)
      .where('r.status', 'submitted');
  });
  if (after)
    void q
      .where('o.name', '>=', after.name)
      .where((w) => void w.where('o.name', '>', after.name).orWhere('o.id', '>', after.organisationId));
  const organisations = await q
    .select<Array<{ id: number; name: string; organisation_number: string | null; type: string; municipality: string | null }>>(
      'o.id',
      'o.name',
      'o.organisation_number',
      'o.type',
      'o.municipality',
    )
    .orderBy([{ column: 'o.name' }, { column: 'o.id' }])
    .limit(limit);
  if (organisations.length === 0) return [];
  const responses = await db('responses')
    .where({ round_id: roundId, status: 'submitted' })
    .whereIn(
      'organisation_id',
      organisations.map((o) => o.id),
    )
    .select('id', 'organisation_id', 'submitted_at');
  const byOrganisation = new Map(responses.map((r) => [Number(r.organisation_id), r]));
  return organisations.flatMap((o) => {
    const r = byOrganisation.get(Number(o.id));
    if (!r) return []; // its response changed between the two queries: the next export has it
    return [
      {
        responseId: Number(r.id),
        organisationId: Number(o.id),
        organisationName: o.name,
        organisationNumber: o.organisation_number ?? null,
        type: o.type,
        municipality: keyOf(o.municipality),
        submittedAt: r.submitted_at ?? null,
      },
    ];
  });
}

/** The ids of the round's submitted responses (only the ids: the confidential export shuffles them). */
export async function submittedResponseIds(db: Knex, roundId: number): Promise<number[]> {
  const rows = await db('responses').where({ round_id: roundId, status: 'submitted' }).select('id');
  return rows.map((r) => Number(r.id));
}

export interface ExportAnswerRow {
  responseId: number;
  questionId: string;
  itemId: string;
  optionCode: string | null;
  textValue: string | null;
}

/** The answers of the given responses, in the order they were stored. */
export async function answersOfResponses(db: Knex, responseIds: number[]): Promise<ExportAnswerRow[]> {
  if (responseIds.length === 0) return [];
  const rows = await db('answers')
    .whereIn('response_id', responseIds)
    .select('response_id', 'question_id', 'item_id', 'option_code', 'text_value')
    .orderBy([{ column: 'response_id' }, { column: 'id' }]);
  return rows.map((r) => ({
    responseId: Number(r.response_id),
    questionId: r.question_id,
    itemId: r.item_id ?? '',
    optionCode: r.option_code ?? null,
    textValue: r.text_value ?? null,
  }));
}
