// A round's test link (only the SHA-256 of its token is kept) and the answers given through it.
// Test answers live in test_responses, never in `responses`/`answers`: every figure, export,
// response rate and raw-answer view reads those, so none of them can count a test answer.
import type { Knex } from 'knex';
import { nowIso } from '../db';

export async function insertTestLink(db: Knex, roundId: number, tokenHash: string, createdBy: number | null): Promise<number> {
  const [row] = await db('round_test_links')
    .insert({ round_id: roundId, token_hash: tokenHash, created_by: createdBy, created_at: nowIso() })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

/** Revokes the round's test links (a new one replaces them). */
export async function revokeTestLinks(db: Knex, roundId: number): Promise<void> {
  await db('round_test_links').where({ round_id: roundId }).whereNull('revoked_at').update({ revoked_at: nowIso() });
}

/** The live test link with this token hash, or null. */
export async function findLiveTestLink(db: Knex, tokenHash: string): Promise<{ id: number; roundId: number } | null> {
  const r = await db('round_test_links').where({ token_hash: tokenHash }).whereNull('revoked_at').first('id', 'round_id');
  return r ? { id: Number(r.id), roundId: Number(r.round_id) } : null;
}

/** When the round's live test link was made, or null when it has none. */
export async function liveTestLinkCreatedAt(db: Knex, roundId: number): Promise<string | null> {
  const r = await db('round_test_links').where({ round_id: roundId }).whereNull('revoked_at').orderBy('id', 'desc').first('created_at');
  return r ? r.created_at : null;
}

export interface TestResponse {
  id: number;
  roundId: number;
  surveyVersionId: number;
  answers: unknown;
  locale: string;
  submittedAt: string;
}

export async function insertTestResponse(
  db: Knex,
  r: { roundId: number; testLinkId: number; surveyVersionId: number; answers: unknown; locale: string },
): Promise<number> {
  const [row] = await db('test_responses')
    .insert({
      round_id: r.roundId,
      test_link_id: r.testLinkId,
      survey_version_id: r.surveyVersionId,
      answers: JSON.stringify(r.answers),
      locale: r.locale,
      submitted_at: nowIso(),
    })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

/** The round's test answers, newest first. */
export async function listTestResponses(db: Knex, roundId: number): Promise<TestResponse[]> {
  const rows = await db('test_responses').where({ round_id: roundId }).orderBy('id', 'desc');
  return rows.map((r) => ({
    id: Number(r.id),
    roundId: Number(r.round_id),
    surveyVersionId: Number(r.survey_version_id),
    answers: JSON.parse(r.answers) as unknown,
    locale: r.locale,
    submittedAt: r.submitted_at,
  }));
}

export async function countTestResponses(db: Knex, roundId: number): Promise<number> {
  const [row] = await db('test_responses').where({ round_id: roundId }).count<Array<{ n: number | string }>>({ n: '*' });
  return Number(row?.n ?? 0);
}

/** Deletes the round's test answers; returns how many. */
export async function deleteTestResponses(db: Knex, roundId: number): Promise<number> {
  return Number(await db('test_responses').where({ round_id: roundId }).delete());
}
