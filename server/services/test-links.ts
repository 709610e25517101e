// A round's test link: a coordinator tries the round's form before and after it opens. Answers
// given through it are kept in test_responses — never in responses/answers — so they can never
// reach an indicator, a response rate, an export, the API or the raw answers, whatever those
// queries look like. Only the SHA-256 of the link's token is kept (the link is shown once; a new
// one replaces it). The test answers can be listed and cleared.
import type { Knex } from 'knex';
import type { Config } from '../config';
import { NotFoundError, ValidationError } from '../errors';
import { testLinkUrl } from '../lib/links';
import { hashToken, looksLikeToken, newToken } from '../lib/tokens';
import {
  countTestResponses,
  deleteTestResponses,
  findLiveTestLink,
  insertTestLink,
  insertTestResponse,
  listTestResponses,
  liveTestLinkCreatedAt,
  revokeTestLinks,
} from '../repositories/test-responses';
import { findRound, type Round } from '../repositories/rounds';
import { inTransaction } from '../repositories/transaction';
import type { Locale } from '../surveys/schema';
import type { AnswerValue } from './answers';
import { type Actor, audit } from './audit';
import { answerSummary, checkPostedAnswers } from './survey-preview';
import { getSurveyVersion, type SurveyVersion } from './survey-versions';

/** Makes the round's test link (any earlier one stops working); returns the link, shown once. */
export async function createTestLink(db: Knex, config: Pick<Config, 'baseUrl'>, actor: Actor, roundId: number): Promise<string> {
  if (!(await findRound(db, roundId))) throw new NotFoundError('Omgången finns inte.');
  const token = newToken();
  await inTransaction(db, async (trx) => {
    await revokeTestLinks(trx, roundId);
    const id = await insertTestLink(trx, roundId, hashToken(token), actor.userId);
    await audit(trx, actor, 'rounds.test_link', { type: 'round', id: roundId }, { testLinkId: id });
  });
  return testLinkUrl(config.baseUrl, token);
}

/** What the round's page says about testing: whether a link exists (since when) and how many test answers there are. */
export async function testState(db: Knex, roundId: number): Promise<{ linkCreatedAt: string | null; answerCount: number }> {
  return { linkCreatedAt: await liveTestLinkCreatedAt(db, roundId), answerCount: await countTestResponses(db, roundId) };
}

export interface TestContext {
  linkId: number;
  round: Round;
  survey: SurveyVersion;
}

/** The round and survey version behind a test link; null for a malformed, unknown or replaced link. Works in every state of the round. */
export async function testContext(db: Knex, token: string): Promise<TestContext | null> {
  if (!looksLikeToken(token)) return null;
  const link = await findLiveTestLink(db, hashToken(token));
  if (!link) return null;
  const round = await findRound(db, link.roundId);
  if (!round) return null;
  return { linkId: link.id, round, survey: await getSurveyVersion(db, round.surveyVersionId) };
}

/** Checks the answers as a real submit does and keeps them as a test answer; returns its id. Throws ValidationError. */
export async function submitTestAnswers(
  db: Knex,
  config: Pick<Config, 'regionName' | 'strategyName'>,
  ctx: TestContext,
  body: unknown,
  locale: Locale,
): Promise<number> {
  const checked = checkPostedAnswers(ctx.survey.definition, body, config, locale, true);
  if (checked.errors.length) throw new ValidationError(checked.errors);
  return insertTestResponse(db, {
    roundId: ctx.round.id,
    testLinkId: ctx.linkId,
    surveyVersionId: ctx.survey.id,
    answers: checked.answers,
    locale,
  });
}

const answersOf = (v: unknown): AnswerValue[] => (Array.isArray(v) ? (v as AnswerValue[]) : []);

/** The round's test answers in words, newest first. */
export async function testAnswersView(db: Knex, config: Pick<Config, 'regionName' | 'strategyName'>, roundId: number, locale: Locale) {
  const out = [];
  for (const r of await listTestResponses(db, roundId)) {
    const version = await getSurveyVersion(db, r.surveyVersionId);
    out.push({
      id: r.id,
      submittedAt: r.submittedAt,
      locale: r.locale,
      versionId: r.surveyVersionId,
      summary: answerSummary(version.definition, answersOf(r.answers), config, locale),
    });
  }
  return out;
}

/** One test answer of the link's round (the receipt after a test submit), or null. */
export async function testAnswer(
  db: Knex,
  config: Pick<Config, 'regionName' | 'strategyName'>,
  ctx: TestContext,
  id: number,
  locale: Locale,
) {
  const found = (await listTestResponses(db, ctx.round.id)).find((r) => r.id === id);
  if (!found) return null;
  const version = await getSurveyVersion(db, found.surveyVersionId);
  return { submittedAt: found.submittedAt, summary: answerSummary(version.definition, answersOf(found.answers), config, locale) };
}

/** Deletes the round's test answers; returns how many. */
export async function clearTestAnswers(db: Knex, actor: Actor, roundId: number): Promise<number> {
  const n = await deleteTestResponses(db, roundId);
  await audit(db, actor, 'rounds.test_answers_cleared', { type: 'round', id: roundId }, { count: n });
  return n;
}
