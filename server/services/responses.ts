// The respondent's journey: a personal link (token) → the organisation's one response for the
// round. Any contact of the organisation may save a draft or submit; it is the organisation's
// answer.
//
// Concurrency: a response carries `version`, bumped on every save and submit, and every form
// carries the version it was made from. A write is a compare-and-swap on that version, so a
// stale form never overwrites a newer save silently — the caller gets `stale` and shows the
// newer state. A stale form whose answers equal what is stored is not a conflict: a double
// click or a resubmitted form gives the same receipt. Two first submits at the same moment
// meet at the unique (round_id, organisation_id) index: one inserts, the other retries and
// finds the stored response (same answers → same receipt; different → stale).
//
// Every submitted version is kept as a row in response_revisions; `answers` holds the current
// state (the draft, or the latest submitted version).
//
// A write's transaction only writes: what it needs is read and made before it (the answers
// checked, the receipt code, the confirmation e-mail rendered with its new link tokens), and
// inside it only the round and the response row are read again — the response locked
// (roundAndLockedResponse), so a double-clicked submit waits for the first and then finds its own
// answers stored: the same receipt.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import {
  findResponse,
  findResponseState,
  insertAnswers,
  insertResponse,
  insertRevision,
  isUniqueViolation,
  loadAnswers,
  organisationName,
  replaceAnswers,
  type ResponseRow,
  roundAndLockedResponse,
  submittedRevisions,
  updateResponseIfVersion,
} from '../repositories/responses';
import { findRound, type Round } from '../repositories/rounds';
import type { Locale } from '../surveys/schema';
import { type AnswerValue, answersKey, checkAnswers, type RawAnswers, summariseAnswers, type AnswerSummaryItem } from './answers';
import { audit } from './audit';
import {
  type LinkAccess,
  markOpened,
  type RespondentLink,
  type ResolvedToken,
  resolveRespondentLink,
  resolveRespondentLinkAndState,
} from './invitations';
import { queueConfirmation } from './mailings';
import { respondentPhase, type RespondentPhase } from './rounds';
import { getSurveyVersion, type SurveyVersion } from './survey-versions';
import { placeholderValues } from './surveys';
import { nowIso } from '../db';
import { inTransaction, type StorageFailure, storageFailureOf } from '../repositories/transaction';

const RESPONDENT = { userId: null, label: 'respondent' as const };

const asLocale = (v: string | null): Locale | null => (v === 'sv' || v === 'en' ? v : null);

export interface RespondentContext {
  resolved: ResolvedToken;
  round: Round;
  organisation: { id: number; name: string };
  /** The contact the link was made for; null for a link made by hand by a coordinator. */
  contactId: number | null;
  /** That contact's language (sv | en): the pages are in it unless the visitor has chosen another. */
  contactLanguage: Locale | null;
  /**
   * What the link may do: 'answer', or 'status' — a link issued in a confidential round after the
   * organisation began answering (services/invitations.ts): it tells whether the organisation has
   * answered, and never shows or changes the answer.
   */
  access: LinkAccess;
  survey: SurveyVersion;
  phase: RespondentPhase;
}

/**
 * Everything a respondent page needs, from the token; null for a malformed, unknown or revoked
 * token (the caller shows the same "link not valid" page for all three).
 */
export async function respondentContext(db: Knex, token: string, now: Date = new Date()): Promise<RespondentContext | null> {
  const link = await resolveRespondentLink(db, token);
  return link ? contextOf(db, link, now) : null;
}

/**
 * The same together with the state of the organisation's answer (responseState), read in the
 * same one query: what a respondent page that shows the answer or its status starts from.
 */
export async function respondentContextAndState(
  db: Knex,
  token: string,
  now: Date = new Date(),
): Promise<{ ctx: RespondentContext; state: ResponseState } | null> {
  const found = await resolveRespondentLinkAndState(db, token);
  const ctx = found ? await contextOf(db, found.link, now) : null;
  return ctx && found ? { ctx, state: found.state ?? noResponse() } : null;
}

async function contextOf(db: Knex, link: RespondentLink, now: Date): Promise<RespondentContext | null> {
  if (link.round.state === 'utkast') return null;
  const { token: resolved, round } = link;
  return {
    resolved,
    round,
    organisation: { id: resolved.organisationId, name: link.organisationName },
    contactId: resolved.contactId,
    contactLanguage: asLocale(link.contactLanguage),
    access: resolved.access,
    survey: await getSurveyVersion(db, round.surveyVersionId),
    phase: respondentPhase(round, now),
  };
}

/** Records that the link was opened (invitations.first_opened_at, the token's last use). */
export async function recordOpened(db: Knex, ctx: RespondentContext): Promise<void> {
  await markOpened(db, ctx.resolved);
}

export interface ResponseState {
  response: ResponseRow | null;
  answers: AnswerValue[];
  /** Who saved last (name of the contact; null when the link had no contact or the contact is erased). */
  savedByName: string | null;
  submittedByName: string | null;
}

/** The state of an organisation without a response. */
const noResponse = (): ResponseState => ({ response: null, answers: [], savedByName: null, submittedByName: null });

export async function responseState(db: Knex, roundId: number, organisationId: number): Promise<ResponseState> {
  return (await findResponseState(db, roundId, organisationId)) ?? noResponse();
}

function newReceiptCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I
  const bytes = crypto.randomBytes(12);
  let s = '';
  for (let i = 0; i < 12; i++) s += alphabet[bytes[i] % alphabet.length];
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}`;
}

function problemsToError(problems: Array<{ ref: string; message: string }>): ValidationError {
  return new ValidationError(problems.map((p) => ({ field: p.ref, message: p.message })));
}

/** Runs `work` once more when it hit the unique index (another first save/submit won the race). */
async function retryOnUniqueViolation<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    return work();
  }
}

/** A link that may only tell the organisation's status never writes (the routes do not offer it either). */
function assertMayAnswer(ctx: RespondentContext): void {
  if (ctx.access !== 'answer')
    throw new ForbiddenError('Länken visar bara att organisationen har svarat; den kan inte visa eller ändra svaret.');
}

/** The ids an audit entry of a respondent's save or submit carries: the link and its contact. */
function viaLink(ctx: RespondentContext): { tokenId: number; contactId: number | null } {
  return { tokenId: ctx.resolved.tokenId, contactId: ctx.contactId };
}

/** Inside a save's or submit's transaction: the round, still open, and the organisation's response (locked). */
async function stillOpen(trx: Knex, ctx: RespondentContext): Promise<{ round: Round; resp: ResponseRow | null }> {
  const { round, response } = await roundAndLockedResponse(trx, ctx.round.id, ctx.organisation.id);
  if (!round || respondentPhase(round) !== 'open')
    throw new ConflictError('Enkäten är stängd och tar inte emot fler svar.', 'round_closed');
  return { round, resp: response };
}

export type SaveResult = { kind: 'saved'; version: number } | { kind: 'stale' } | { kind: 'locked' };

/**
 * "Spara och fortsätt senare": keeps a server-side draft. Option codes and text lengths are
 * checked (not required answers). Throws ValidationError for answers that are not allowed.
 */
export async function saveDraft(
  db: Knex,
  config: Config,
  ctx: RespondentContext,
  raw: RawAnswers,
  formVersion: number,
  locale: Locale = 'sv',
): Promise<SaveResult> {
  assertMayAnswer(ctx);
  const checked = checkAnswers(ctx.survey.definition, raw, { enforceRequired: false, vars: placeholderValues(config), locale });
  if (checked.problems.length) throw problemsToError(checked.problems);
  return retryOnUniqueViolation(() =>
    inTransaction(db, async (trx): Promise<SaveResult> => {
      const { resp } = await stillOpen(trx, ctx);
      if (resp?.status === 'submitted') return { kind: 'locked' };
      const now = nowIso();
      if (!resp) {
        if (formVersion !== 0) return { kind: 'stale' };
        const id = await insertResponse(trx, {
          roundId: ctx.round.id,
          organisationId: ctx.organisation.id,
          status: 'draft',
          contactId: ctx.contactId,
          receiptCode: null,
          at: now,
        });
        await insertAnswers(trx, id, checked.answers);
        await audit(trx, RESPONDENT, 'responses.save', { type: 'response', id }, { roundId: ctx.round.id, version: 1, ...viaLink(ctx) });
        return { kind: 'saved', version: 1 };
      }
      if (resp.version !== formVersion) {
        const same = answersKey(await loadAnswers(trx, resp.id)) === answersKey(checked.answers);
        return same ? { kind: 'saved', version: resp.version } : { kind: 'stale' };
      }
      if (!(await updateResponseIfVersion(trx, resp.id, formVersion, { savedByContactId: ctx.contactId, savedAt: now })))
        return { kind: 'stale' };
      await replaceAnswers(trx, resp.id, checked.answers);
      await audit(
        trx,
        RESPONDENT,
        'responses.save',
        { type: 'response', id: resp.id },
        { roundId: ctx.round.id, version: formVersion + 1, ...viaLink(ctx) },
      );
      return { kind: 'saved', version: formVersion + 1 };
    }),
  );
}

export type SubmitResult =
  | { kind: 'submitted'; responseId: number; receiptCode: string; revision: number }
  /** Already submitted with exactly these answers (double click, resubmitted form): the same receipt. */
  | { kind: 'already'; responseId: number; receiptCode: string; revision: number }
  /** The form was made from an older version and the answers differ from what is stored. */
  | { kind: 'stale' }
  /** Submitted before, and the round does not allow changes. */
  | { kind: 'locked' };

/** Where a submit goes: stored as `revision` of `responseId`, or an outcome that stores nothing. */
type SubmitWrite = { kind: 'write'; responseId: number; revision: number; fresh?: boolean } | Exclude<SubmitResult, { kind: 'submitted' }>;

/** One submit, as the transaction sees it. */
interface Submission {
  ctx: RespondentContext;
  round: Round;
  formVersion: number;
  /** Whether the stored answers are exactly the submitted ones. */
  same: boolean;
  receiptCode: string;
  now: string;
}

/** The organisation's first submit (no draft saved before). */
async function submitFirst(trx: Knex, s: Submission): Promise<SubmitWrite> {
  if (s.formVersion !== 0) return { kind: 'stale' };
  const responseId = await insertResponse(trx, {
    roundId: s.round.id,
    organisationId: s.ctx.organisation.id,
    status: 'submitted',
    contactId: s.ctx.contactId,
    receiptCode: s.receiptCode,
    at: s.now,
  });
  return { kind: 'write', responseId, revision: 1, fresh: true };
}

/** A submit over a submitted response: the same answers again, or a change (when the round allows changes). */
async function submitChange(trx: Knex, resp: ResponseRow, s: Submission): Promise<SubmitWrite> {
  if (s.same) return { kind: 'already', responseId: resp.id, receiptCode: resp.receiptCode ?? '', revision: resp.revision };
  if (!s.round.allowChanges) return { kind: 'locked' };
  if (resp.version !== s.formVersion) return { kind: 'stale' };
  const revision = resp.revision + 1;
  const ok = await updateResponseIfVersion(trx, resp.id, s.formVersion, {
    revision,
    savedByContactId: s.ctx.contactId,
    savedAt: s.now,
    submittedAt: s.now,
    submittedByContactId: s.ctx.contactId,
    receiptCode: s.receiptCode,
  });
  return ok ? { kind: 'write', responseId: resp.id, revision } : { kind: 'stale' };
}

/** A draft: submitted when the form is current, or when it carries exactly the stored answers. */
async function submitDraft(trx: Knex, resp: ResponseRow, s: Submission): Promise<SubmitWrite> {
  if (resp.version !== s.formVersion && !s.same) return { kind: 'stale' };
  const revision = resp.revision + 1;
  const ok = await updateResponseIfVersion(trx, resp.id, resp.version, {
    status: 'submitted',
    revision,
    savedByContactId: s.ctx.contactId,
    savedAt: s.now,
    startedAt: resp.startedAt ?? s.now,
    submittedAt: s.now,
    submittedByContactId: s.ctx.contactId,
    receiptCode: s.receiptCode,
  });
  return ok ? { kind: 'write', responseId: resp.id, revision } : { kind: 'stale' };
}

/** The answers as the new revision, its audit entry and (on the first submit) the queued confirmation. */
async function storeSubmission(
  trx: Knex,
  s: Submission,
  write: { responseId: number; revision: number; fresh?: boolean },
  answers: AnswerValue[],
): Promise<void> {
  const { responseId, revision } = write;
  if (write.fresh) await insertAnswers(trx, responseId, answers);
  else await replaceAnswers(trx, responseId, answers);
  await insertRevision(trx, { responseId, revision, kind: 'submitted', answers, contactId: s.ctx.contactId });
  await audit(
    trx,
    RESPONDENT,
    revision === 1 ? 'responses.submit' : 'responses.change',
    { type: 'response', id: responseId },
    { roundId: s.round.id, revision, ...viaLink(s.ctx) },
  );
  if (revision === 1 && s.round.sendConfirmation)
    await queueConfirmation(trx, { responseId, contactId: s.ctx.contactId, receiptCode: s.receiptCode });
}

/**
 * "Skicka in": every rule checked on the server (required answers, option codes of the pinned
 * definition, one option where one is allowed, exclusive options, text length), stored in one
 * transaction with a revision row. A change after submitting (when the round allows it) is a
 * new revision with a new receipt code. The first submit queues the confirmation e-mail (when the
 * round sends one) as one row of its transaction; the outbox worker prepares the e-mail from it.
 */
export async function submitResponse(
  db: Knex,
  config: Config,
  ctx: RespondentContext,
  raw: RawAnswers,
  formVersion: number,
  locale: Locale = 'sv',
): Promise<SubmitResult> {
  assertMayAnswer(ctx);
  const checked = checkAnswers(ctx.survey.definition, raw, { enforceRequired: true, vars: placeholderValues(config), locale });
  if (checked.problems.length) throw problemsToError(checked.problems);
  const key = answersKey(checked.answers);
  const receiptCode = newReceiptCode();
  return retryOnUniqueViolation(() =>
    inTransaction(db, async (trx): Promise<SubmitResult> => {
      const { round, resp } = await stillOpen(trx, ctx);
      const same = resp ? answersKey(await loadAnswers(trx, resp.id)) === key : false;
      const s: Submission = { ctx, round, formVersion, same, receiptCode, now: nowIso() };
      const write = !resp
        ? await submitFirst(trx, s)
        : resp.status === 'submitted'
          ? await submitChange(trx, resp, s)
          : await submitDraft(trx, resp, s);
      if (write.kind !== 'write') return write;
      await storeSubmission(trx, s, write, checked.answers);
      return { kind: 'submitted', responseId: write.responseId, receiptCode, revision: write.revision };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// When the database could not store a save or a submit
// ---------------------------------------------------------------------------------------------

export type { StorageFailure };

/** Why a save or submit failed when the database itself is the cause (busy, full, unavailable); null otherwise. */
export function storageFailure(e: unknown): StorageFailure | null {
  return storageFailureOf(e);
}

/**
 * After a save or submit failed on the database: whether what the form sent is stored anyway (a
 * commit can fail after the data was written, e.g. a lost connection) — true when the response
 * holds exactly these answers (and, for a submit, is submitted), false when it does not, null when
 * the database cannot be read to tell.
 */
export async function answersKept(
  db: Knex,
  config: Config,
  ctx: RespondentContext,
  raw: RawAnswers,
  action: 'save' | 'submit',
): Promise<boolean | null> {
  const checked = checkAnswers(ctx.survey.definition, raw, { enforceRequired: false, vars: placeholderValues(config) });
  try {
    const resp = await findResponse(db, ctx.round.id, ctx.organisation.id);
    if (!resp || (action === 'submit' && resp.status !== 'submitted')) return false;
    return answersKey(await loadAnswers(db, resp.id)) === answersKey(checked.answers);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Staff: one organisation's answers (never in a confidential round)
// ---------------------------------------------------------------------------------------------

export interface OrganisationAnswers {
  round: Round;
  organisationName: string;
  response: ResponseRow | null;
  summary: AnswerSummaryItem[];
  revisions: Array<{ revision: number; createdAt: string }>;
}

export async function organisationAnswers(
  db: Knex,
  config: Pick<Config, 'regionName' | 'strategyName'>,
  roundId: number,
  organisationId: number,
  locale: Locale,
): Promise<OrganisationAnswers> {
  const round = await findRound(db, roundId);
  if (!round) throw new NotFoundError('Omgången finns inte.');
  if (round.confidential)
    throw new ForbiddenError('Omgången är konfidentiell: enskilda organisationers svar visas inte, bara sammanställningar.');
  const name = await organisationName(db, organisationId);
  if (name === null) throw new NotFoundError('Organisationen finns inte.');
  const version = await getSurveyVersion(db, round.surveyVersionId);
  const response = await findResponse(db, roundId, organisationId);
  const answers = response?.status === 'submitted' ? await loadAnswers(db, response.id) : [];
  const revisions = response ? await submittedRevisions(db, response.id) : [];
  return {
    round,
    organisationName: name,
    response,
    summary: summariseAnswers(version.definition, answers, locale, placeholderValues(config)),
    revisions,
  };
}
