// Responses (one per organisation and round), their answers and their kept revisions.
import type { Knex } from 'knex';
import { isPostgres, nowIso, preparedRows } from '../db';
import { findRound, type Round, toRound } from './rounds';
import type { ResponseRow as ResponseTableRow, RoundRow } from './tables';

/** One stored answer: an option chosen, or a text written, for a question (or matrix statement). */
export interface AnswerValue {
  questionId: string;
  /** The matrix statement id; '' for every other question. */
  itemId: string;
  optionCode: string | null;
  textValue: string | null;
}

export interface ResponseRow {
  id: number;
  roundId: number;
  organisationId: number;
  status: 'draft' | 'submitted';
  /** Bumped on every save or submit; a form carries the version it was made from. */
  version: number;
  /** Number of submitted revisions. */
  revision: number;
  savedByContactId: number | null;
  savedAt: string | null;
  startedAt: string | null;
  submittedAt: string | null;
  submittedByContactId: number | null;
  receiptCode: string | null;
  source: 'web' | 'import';
}

const numOrNull = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

function toResponse(r: ResponseTableRow): ResponseRow {
  return {
    id: Number(r.id),
    roundId: Number(r.round_id),
    organisationId: Number(r.organisation_id),
    status: r.status === 'submitted' ? 'submitted' : 'draft',
    version: Number(r.version),
    revision: Number(r.revision),
    savedByContactId: numOrNull(r.saved_by_contact_id),
    savedAt: r.saved_at ?? null,
    startedAt: r.started_at ?? null,
    submittedAt: r.submitted_at ?? null,
    submittedByContactId: numOrNull(r.submitted_by_contact_id),
    receiptCode: r.receipt_code ?? null,
    source: r.source === 'import' ? 'import' : 'web',
  };
}

export async function findResponse(db: Knex, roundId: number, organisationId: number): Promise<ResponseRow | null> {
  const r = await db('responses').where({ round_id: roundId, organisation_id: organisationId }).first();
  return r ? toResponse(r) : null;
}

const RESPONSE_COLUMNS = [
  'id',
  'round_id',
  'organisation_id',
  'status',
  'version',
  'revision',
  'saved_by_contact_id',
  'saved_at',
  'started_at',
  'submitted_at',
  'submitted_by_contact_id',
  'receipt_code',
  'source',
] as const satisfies ReadonlyArray<keyof ResponseTableRow>;

/** The columns of a response `resp`, each as `resp_<column>` (beside another table's columns in one row). */
const PREFIXED_RESPONSE_COLUMNS = RESPONSE_COLUMNS.map((c) => `resp.${c} as resp_${c}`).join(', ');

/** The response of a row that carries it as `resp_<column>` (RESPONSE_COLUMNS), or null when it has none (an outer join). */
function prefixedResponse(row: Record<string, unknown>): ResponseRow | null {
  if (row.resp_id === null || row.resp_id === undefined) return null;
  return toResponse(Object.fromEntries(RESPONSE_COLUMNS.map((c) => [c, row[`resp_${c}`]])) as unknown as ResponseTableRow);
}

/**
 * What a query of a response `resp` selects for its state (read by responseStateOfRows), with
 * RESPONSE_STATE_JOINS: one row per answer, or one row without any.
 */
export const RESPONSE_STATE_COLUMNS = [
  PREFIXED_RESPONSE_COLUMNS,
  'cs.name as saved_by_name',
  'cb.name as submitted_by_name',
  'a.question_id',
  'a.item_id',
  'a.option_code',
  'a.text_value',
].join(', ');

/** The joins behind RESPONSE_STATE_COLUMNS after the response `resp`: who saved and submitted it, and its answers. */
export const RESPONSE_STATE_JOINS = `
  left join contacts cs on cs.id = resp.saved_by_contact_id
  left join contacts cb on cb.id = resp.submitted_by_contact_id
  left join answers a on a.response_id = resp.id`;

export interface StoredResponseState {
  response: ResponseRow;
  answers: AnswerValue[];
  savedByName: string | null;
  submittedByName: string | null;
}

/** The response state from the rows of a query with RESPONSE_STATE_COLUMNS (in answer order); null without a response. */
export function responseStateOfRows(rows: Array<Record<string, unknown>>): StoredResponseState | null {
  const response = rows.length ? prefixedResponse(rows[0]) : null;
  if (!response) return null;
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
  return {
    response,
    answers: rows
      .filter((r) => r.question_id !== null && r.question_id !== undefined)
      .map((r) => ({
        questionId: String(r.question_id),
        itemId: text(r.item_id) ?? '',
        optionCode: text(r.option_code),
        textValue: text(r.text_value),
      })),
    savedByName: text(rows[0].saved_by_name) || null,
    submittedByName: text(rows[0].submitted_by_name) || null,
  };
}

const RESPONSE_STATE_SQL = `
  select ${RESPONSE_STATE_COLUMNS}
  from responses resp ${RESPONSE_STATE_JOINS}
  where resp.round_id = ? and resp.organisation_id = ?
  order by a.id`;

/**
 * The organisation's response with its answers and the names of the contacts who saved and
 * submitted it last (null when unknown or erased) — one query, a kept prepared statement (the
 * respondent's pages read it on every view). Null when the organisation has no response.
 */
export async function findResponseState(db: Knex, roundId: number, organisationId: number): Promise<StoredResponseState | null> {
  return responseStateOfRows(await preparedRows<Record<string, unknown>>(db, RESPONSE_STATE_SQL, [roundId, organisationId]));
}

/**
 * The response, inside a transaction that is about to change it. PostgreSQL: the row is locked
 * (FOR UPDATE) until the transaction ends, so two submits of one organisation at the same moment
 * take turns, and the second sees what the first stored. SQLite: the transaction holds the
 * database's write lock from its start (repositories/transaction.ts), which serialises them already.
 */
async function lockResponse(trx: Knex, roundId: number, organisationId: number): Promise<ResponseRow | null> {
  const q = trx('responses').where({ round_id: roundId, organisation_id: organisationId }).first();
  const r = await (isPostgres(trx) ? q.forUpdate() : q);
  return r ? toResponse(r) : null;
}

const ROUND_AND_RESPONSE_SQL = `
  select rounds.*, ${PREFIXED_RESPONSE_COLUMNS}
  from rounds
  left join responses resp on resp.round_id = rounds.id and resp.organisation_id = ?
  where rounds.id = ?`;

/**
 * The round and the organisation's response in it, inside a transaction that is about to change
 * the response (as findRound and lockResponse). SQLite: one statement — the transaction holds the
 * database's write lock from its start, so nothing changes either meanwhile. PostgreSQL: the
 * round, then the response locked FOR UPDATE (a lock that cannot be taken through an outer join).
 */
export async function roundAndLockedResponse(
  trx: Knex,
  roundId: number,
  organisationId: number,
): Promise<{ round: Round | null; response: ResponseRow | null }> {
  if (isPostgres(trx)) return { round: await findRound(trx, roundId), response: await lockResponse(trx, roundId, organisationId) };
  const [row] = await trx.raw<Array<Record<string, unknown>>>(ROUND_AND_RESPONSE_SQL, [organisationId, roundId]);
  return row ? { round: toRound(row as unknown as RoundRow), response: prefixedResponse(row) } : { round: null, response: null };
}

/** The organisations that have a response (draft or submitted) in the round. */
export async function organisationsWithResponse(db: Knex, roundId: number): Promise<number[]> {
  const rows = await db('responses').where({ round_id: roundId }).select('organisation_id');
  return rows.map((r) => Number(r.organisation_id));
}

export async function loadAnswers(db: Knex, responseId: number): Promise<AnswerValue[]> {
  const rows = await db('answers')
    .where({ response_id: responseId })
    .orderBy('id')
    .select('question_id', 'item_id', 'option_code', 'text_value');
  return rows.map((r) => ({
    questionId: r.question_id,
    itemId: r.item_id ?? '',
    optionCode: r.option_code ?? null,
    textValue: r.text_value ?? null,
  }));
}

/** Replaces the response's answers by `answers`. */
export async function replaceAnswers(db: Knex, responseId: number, answers: AnswerValue[]): Promise<void> {
  await db('answers').where({ response_id: responseId }).delete();
  await insertAnswers(db, responseId, answers);
}

/** Adds answers to a response (one that has none yet: a new one). */
export async function insertAnswers(db: Knex, responseId: number, answers: AnswerValue[]): Promise<void> {
  for (let i = 0; i < answers.length; i += 200) {
    await db('answers').insert(
      answers.slice(i, i + 200).map((a) => ({
        response_id: responseId,
        question_id: a.questionId,
        item_id: a.itemId,
        option_code: a.optionCode,
        text_value: a.textValue,
      })),
    );
  }
}

export interface NewResponse {
  roundId: number;
  organisationId: number;
  status: 'draft' | 'submitted';
  contactId: number | null;
  receiptCode: string | null;
  source?: 'web' | 'import';
  at?: string;
}

/** Inserts the organisation's response (version 1). Throws a unique violation when one already exists. */
export async function insertResponse(db: Knex, r: NewResponse): Promise<number> {
  const now = r.at ?? nowIso();
  const submitted = r.status === 'submitted';
  const [row] = await db('responses')
    .insert({
      round_id: r.roundId,
      organisation_id: r.organisationId,
      status: r.status,
      version: 1,
      revision: submitted ? 1 : 0,
      saved_by_contact_id: r.contactId,
      saved_at: now,
      started_at: now,
      submitted_at: submitted ? now : null,
      submitted_by_contact_id: submitted ? r.contactId : null,
      receipt_code: r.receiptCode,
      source: r.source ?? 'web',
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

/** What a save or a submit changes on a response (besides `version`). */
export type ResponsePatch = Partial<
  Pick<
    ResponseRow,
    'status' | 'revision' | 'savedByContactId' | 'savedAt' | 'startedAt' | 'submittedAt' | 'submittedByContactId' | 'receiptCode'
  >
>;

function patchRow(p: ResponsePatch): Partial<ResponseTableRow> {
  const row: Partial<ResponseTableRow> = {};
  if (p.status !== undefined) row.status = p.status;
  if (p.revision !== undefined) row.revision = p.revision;
  if (p.savedByContactId !== undefined) row.saved_by_contact_id = p.savedByContactId;
  if (p.savedAt !== undefined) row.saved_at = p.savedAt;
  if (p.startedAt !== undefined) row.started_at = p.startedAt;
  if (p.submittedAt !== undefined) row.submitted_at = p.submittedAt;
  if (p.submittedByContactId !== undefined) row.submitted_by_contact_id = p.submittedByContactId;
  if (p.receiptCode !== undefined) row.receipt_code = p.receiptCode;
  return row;
}

/** Compare-and-swap on `version`: updates only when the row still has `expectedVersion`; returns whether it did. */
export async function updateResponseIfVersion(db: Knex, id: number, expectedVersion: number, patch: ResponsePatch): Promise<boolean> {
  const n = await db('responses')
    .where({ id, version: expectedVersion })
    .update({ ...patchRow(patch), version: expectedVersion + 1, updated_at: nowIso() });
  return Number(n) === 1;
}

export async function insertRevision(
  db: Knex,
  r: { responseId: number; revision: number; kind: 'draft' | 'submitted'; answers: AnswerValue[]; contactId: number | null },
): Promise<void> {
  await db('response_revisions').insert({
    response_id: r.responseId,
    revision: r.revision,
    kind: r.kind,
    answers: JSON.stringify(r.answers),
    contact_id: r.contactId,
    created_at: nowIso(),
  });
}

/** The submitted revisions of a response, oldest first. */
export async function submittedRevisions(db: Knex, responseId: number): Promise<Array<{ revision: number; createdAt: string }>> {
  const rows = await db('response_revisions')
    .where({ response_id: responseId, kind: 'submitted' })
    .orderBy('revision')
    .select('revision', 'created_at');
  return rows.map((r) => ({ revision: Number(r.revision), createdAt: r.created_at }));
}

export async function organisationName(db: Knex, organisationId: number): Promise<string | null> {
  const r = await db('organisations').where({ id: organisationId }).first('name');
  return r ? r.name : null;
}

/** Every organisation in the register by name and organisation number (an import matches its rows on these). */
export async function organisationsForMatching(db: Knex): Promise<Array<{ id: number; name: string; organisationNumber: string | null }>> {
  const rows = await db('organisations').select('id', 'name', 'organisation_number');
  return rows.map((o) => ({ id: Number(o.id), name: o.name, organisationNumber: o.organisation_number ?? null }));
}

/** True for a unique-constraint violation on SQLite or PostgreSQL. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string; errno?: number };
  return err?.code === '23505' || ((err?.code === 'SQLITE_CONSTRAINT' || err?.errno === 19) && /UNIQUE/i.test(err?.message ?? ''));
}
