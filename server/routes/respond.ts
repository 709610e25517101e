// The respondent's journey under /s/:token (public by token, no account):
//   GET  /s/:token         first page: who asks, why, how long data is kept, whom to contact,
//                          how long it takes, the closing date; the state of the organisation's answer
//   GET  /s/:token/svar    the form (the organisation's draft, or its submitted answer to change)
//   POST /s/:token/svar    _action=save ("Spara och fortsätt senare") or submit ("Skicka in")
//   GET  /s/:token/kvitto  the receipt: a summary of the submitted answers and the receipt code
// A malformed, unknown or revoked token always gets the same calm page with status 404, after
// the same single lookup. Rate limits (services/rate-limits.ts): a valid link always works; links
// that never existed count per client address and per target bucket.
import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { clientAddress, pageRequestLimit, secretLinkGuard } from '../middleware/rate-limits';
import { RATE_LIMITS, secretDigest } from '../services/rate-limits';
import { ConflictError, type FieldProblem } from '../errors';
import { handleForm, str } from '../forms';
import { isLocale } from '../i18n';
import { checkAnswers, rawFromAnswers, rawFromBody, type RawAnswers, summariseAnswers } from '../services/answers';
import { closedView, formView, introParagraphs, orderErrors, respondentPage } from '../services/respond-view';
import {
  answersKept,
  recordOpened,
  type RespondentContext,
  respondentContext,
  respondentContextAndState,
  responseState,
  type ResponseState,
  saveDraft,
  type StorageFailure,
  storageFailure,
  submitResponse,
} from '../services/responses';
import { placeholderValues } from '../services/surveys';
import { type Locale, type SurveyDefinition, surveyLanguages } from '../surveys/schema';
import { titleOfData } from '../lib/titles';

type RespondDeps = Pick<Deps, 'db' | 'config'>;

/** The rate limits (requests per link and address; links that never existed) and the headers every personal page gets. */
function respondGuards(db: Deps['db']): RequestHandler[] {
  const tooMany = (_req: Request, res: Response) => {
    res.status(429).render('pages/respond/too-many', {
      title: 'För många försök',
      minutes: Math.round(RATE_LIMITS.linkGuessesPerAddress.windowMs / 60_000),
    });
  };
  return [
    pageRequestLimit(db, 'respondRequestsPerLink', (req) => clientAddress(req) + ':' + secretDigest(String(req.params.token)), tooMany),
    secretLinkGuard(db, 'respond', tooMany),
    (_req, res, next) => {
      // Personal pages: never cached, never indexed.
      res.set('Cache-Control', 'no-store');
      res.set('X-Robots-Tag', 'noindex, nofollow');
      next();
    },
  ];
}

const localeOf = (res: Response): Locale => res.locals.locale ?? 'sv';
/** Whether the visitor has picked a language with the switch in the header (the pp.lang cookie). */
const languageChosen = (req: Request): boolean => isLocale((req.cookies as Record<string, unknown> | undefined)?.['pp.lang']);

/**
 * The respondent reads the survey in a language it has: a Swedish-only survey is shown in Swedish
 * (also to a visitor who chose English) and without the language switch.
 */
export function surveyLanguage(res: Response, def: Pick<SurveyDefinition, 'title'>): void {
  const languages = surveyLanguages(def);
  if (!languages.includes(localeOf(res))) res.locals.locale = 'sv';
  if (languages.length < 2) res.locals.hideLanguageSwitch = true;
}
const tokenOf = (res: Response): string => String(res.locals.respondentToken ?? '');

function responseStatus(state: ResponseState) {
  return {
    hasDraft: state.response?.status === 'draft',
    submitted: state.response?.status === 'submitted',
    savedAt: state.response?.savedAt ?? null,
    savedByName: state.savedByName,
    submittedAt: state.response?.submittedAt ?? null,
    submittedByName: state.submittedByName,
  };
}

interface FormOptions {
  raw: RawAnswers;
  version: number;
  state: ResponseState;
  errors?: FieldProblem[];
  status?: number;
  saved?: boolean;
  conflict?: 'newer_draft' | 'submitted_by_other' | null;
  unsaved?: RawAnswers | null;
  locked?: boolean;
  /** The database did not store the save or submit: why, and whether it could tell. */
  notSaved?: { submit: boolean; reason: StorageFailure; unknown: boolean } | null;
}

/** The respondent's pages: what each shows of the round, and the form. */
function respondPages({ db, config }: RespondDeps) {
  const vars = placeholderValues(config);

  const base = (ctx: RespondentContext, res: Response) => respondentPage(ctx, config, localeOf(res), `/s/${tokenOf(res)}`);

  const closed = (res: Response, ctx: RespondentContext, submittedAt: string | null) =>
    res.render('pages/respond/closed', {
      title: 'Enkäten är stängd',
      ...base(ctx, res),
      ...closedView(ctx.round, localeOf(res)),
      submittedAt,
    });

  /**
   * The link's page for a context from the token (null: not valid): the language, and the page
   * instead of the form when the round is not open. True when the form is available.
   */
  const enter = async (
    req: Request,
    res: Response,
    ctx: RespondentContext | null,
    state: ResponseState | null,
    opts: { postStatus?: boolean },
  ): Promise<boolean> => {
    if (!ctx) {
      res.status(404).render('pages/respond/invalid', { title: 'Länken fungerar inte' });
      return false;
    }
    res.locals.respondentToken = String(req.params.token ?? '');
    // The contact's own language, unless the visitor has chosen one with the language switch.
    if (ctx.contactLanguage && !languageChosen(req)) res.locals.locale = ctx.contactLanguage;
    // …in a language the survey has (a Swedish-only survey stays Swedish)
    surveyLanguage(res, ctx.survey.definition);
    if (ctx.phase === 'open') return true;
    res.status(opts.postStatus ? 409 : 200);
    if (ctx.phase === 'not_open') {
      res.render('pages/respond/not-open', { title: 'Enkäten har inte öppnat ännu', ...base(ctx, res) });
      return false;
    }
    const s = state ?? (await responseState(db, ctx.round.id, ctx.organisation.id));
    closed(res, ctx, s.response?.status === 'submitted' ? s.response.submittedAt : null);
    return false;
  };

  /** Resolves the token; renders the right page and returns null when the form is not available. */
  const open = async (req: Request, res: Response, opts: { postStatus?: boolean } = {}): Promise<RespondentContext | null> => {
    const ctx = await respondentContext(db, String(req.params.token ?? ''));
    return (await enter(req, res, ctx, null, opts)) ? ctx : null;
  };

  /** As open, with the state of the organisation's answer read in the same query (the pages that show it). */
  const openWithState = async (req: Request, res: Response): Promise<{ ctx: RespondentContext; state: ResponseState } | null> => {
    const found = await respondentContextAndState(db, String(req.params.token ?? ''));
    return (await enter(req, res, found?.ctx ?? null, found?.state ?? null, {})) ? found : null;
  };

  /** The form, with the status the response already has unless `o.status` says otherwise. */
  const form = (res: Response, ctx: RespondentContext, o: FormOptions) => {
    const locale = localeOf(res);
    const def = ctx.survey.definition;
    const errors = orderErrors(def, o.errors ?? []);
    const unsavedSummary = o.unsaved
      ? summariseAnswers(def, checkAnswers(def, o.unsaved, { enforceRequired: false }).answers, locale, vars).filter((s) => s.answered)
      : null;
    if (o.status) res.status(o.status);
    const page = base(ctx, res);
    res.render('pages/respond/form', {
      ...titleOfData(page.surveyTitle),
      ...page,
      ...responseStatus(o.state),
      errors: errors.length ? errors : undefined,
      sections: formView(def, o.raw, errors, locale, vars),
      version: o.version,
      saved: o.saved,
      conflict: o.conflict ?? null,
      conflictNewerDraft: o.conflict === 'newer_draft',
      conflictSubmitted: o.conflict === 'submitted_by_other',
      unsavedSummary,
      editingSubmitted: o.state.response?.status === 'submitted',
      locked: o.locked,
      notSaved: o.notSaved ?? null,
    });
  };

  /**
   * A link that may only tell the organisation's status (a confidential round, issued after the
   * organisation began answering): says whether it has answered, never shows or changes the answer.
   */
  const statusOnly = async (res: Response, ctx: RespondentContext, status = 200, known?: ResponseState) => {
    const state = known ?? (await responseState(db, ctx.round.id, ctx.organisation.id));
    res.status(status).render('pages/respond/status-only', {
      title: state.response?.status === 'submitted' ? 'Organisationen har svarat' : 'Organisationen har börjat svara',
      ...base(ctx, res),
      ...responseStatus(state),
    });
  };

  return { vars, base, closed, open, openWithState, form, statusOnly };
}

type RespondPages = ReturnType<typeof respondPages>;

/**
 * The database could not store a save or submit (busy for too long, disk full, not reachable): the
 * form again, status 503, with what was typed and a notice saying whether it was kept — never the
 * generic error page, which would lose the answers. Stored anyway (a commit that failed after the
 * data was written): on as if it had gone well.
 */
async function showNotStored(
  { db, config }: RespondDeps,
  pages: RespondPages,
  res: Response,
  ctx: RespondentContext,
  f: { raw: RawAnswers; formVersion: number; submit: boolean; failure: StorageFailure; token: string },
): Promise<void> {
  const kept = await answersKept(db, config, ctx, f.raw, f.submit ? 'submit' : 'save');
  if (kept === true) return res.redirect(303, f.submit ? `/s/${f.token}/kvitto` : `/s/${f.token}/svar?sparat=1#sparat`);
  const state = await responseState(db, ctx.round.id, ctx.organisation.id).catch((): ResponseState => ({
    response: null,
    answers: [],
    savedByName: null,
    submittedByName: null,
  }));
  pages.form(res, ctx, {
    raw: f.raw,
    version: f.formVersion < 0 ? (state.response?.version ?? 0) : f.formVersion,
    state,
    status: 503,
    notSaved: { submit: f.submit, reason: f.failure, unknown: kept === null },
  });
}

/** POST /s/:token/svar: save a draft or submit; a stale form or a locked answer shows the newer state (409). */
function answerRoute(r: Router, { db, config }: RespondDeps, pages: RespondPages): void {
  r.post('/s/:token/svar', async (req, res) => {
    const ctx = await pages.open(req, res, { postStatus: true });
    if (!ctx) return;
    if (ctx.access !== 'answer') return pages.statusOnly(res, ctx, 403);
    const raw = rawFromBody(ctx.survey.definition, req.body);
    const versionText = str(req.body, '_version');
    const formVersion = /^\d{1,9}$/.test(versionText) ? Number(versionText) : -1;
    const token = tokenOf(res);
    const showConflict = async (kind: 'stale' | 'locked') => {
      const state = await responseState(db, ctx.round.id, ctx.organisation.id);
      pages.form(res, ctx, {
        raw: rawFromAnswers(state.answers),
        version: state.response?.version ?? 0,
        state,
        status: 409,
        conflict: state.response?.status === 'submitted' ? 'submitted_by_other' : 'newer_draft',
        unsaved: raw,
        locked: kind === 'locked',
      });
    };
    const saveOrSubmit = async () => {
      if (str(req.body, '_action') !== 'submit') {
        const result = await saveDraft(db, config, ctx, raw, formVersion, localeOf(res));
        if (result.kind === 'saved') return res.redirect(303, `/s/${token}/svar?sparat=1#sparat`);
        return showConflict(result.kind);
      }
      const result = await submitResponse(db, config, ctx, raw, formVersion, localeOf(res));
      if (result.kind === 'submitted' || result.kind === 'already') return res.redirect(303, `/s/${token}/kvitto`);
      return showConflict(result.kind);
    };
    const showErrors = async (errors: FieldProblem[]) => {
      const state = await responseState(db, ctx.round.id, ctx.organisation.id);
      pages.form(res, ctx, { raw, version: formVersion < 0 ? (state.response?.version ?? 0) : formVersion, state, errors });
    };
    try {
      await handleForm(res, saveOrSubmit, showErrors);
    } catch (e) {
      // The round closed while the respondent was answering.
      if (e instanceof ConflictError && e.code === 'round_closed') return pages.closed(res.status(409), ctx, null);
      const failure = storageFailure(e);
      if (!failure) throw e;
      const submit = str(req.body, '_action') === 'submit';
      await showNotStored({ db, config }, pages, res, ctx, { raw, formVersion, submit, failure, token });
    }
  });
}

export function respondRouter(deps: Deps): Router {
  const r = Router();
  const { db } = deps;
  const pages = respondPages(deps);
  const { vars } = pages;
  r.use('/s/:token', ...respondGuards(deps.db));

  r.get('/s/:token', async (req, res) => {
    const found = await pages.openWithState(req, res);
    if (!found) return;
    const { ctx, state } = found;
    // Recording the first opening is bookkeeping for the follow-up page, not a change the visitor makes.
    await recordOpened(db, ctx);
    const page = pages.base(ctx, res);
    res.render('pages/respond/start', {
      ...titleOfData(page.surveyTitle),
      ...page,
      ...responseStatus(state),
      statusOnly: ctx.access !== 'answer',
      intro: introParagraphs(ctx.survey.definition, localeOf(res), vars),
    });
  });

  r.get('/s/:token/svar', async (req, res) => {
    const found = await pages.openWithState(req, res);
    if (!found) return;
    const { ctx, state } = found;
    await recordOpened(db, ctx);
    if (ctx.access !== 'answer') return pages.statusOnly(res, ctx, 200, state);
    if (state.response?.status === 'submitted' && !ctx.round.allowChanges) return res.redirect(303, `/s/${tokenOf(res)}/kvitto`);
    pages.form(res, ctx, {
      raw: rawFromAnswers(state.answers),
      version: state.response?.version ?? 0,
      state,
      saved: req.query.sparat === '1',
    });
  });

  answerRoute(r, deps, pages);

  r.get('/s/:token/kvitto', async (req, res) => {
    const found = await pages.openWithState(req, res);
    if (!found) return;
    const { ctx, state } = found;
    if (ctx.access !== 'answer') return pages.statusOnly(res, ctx, 200, state);
    if (state.response?.status !== 'submitted') return res.redirect(303, `/s/${tokenOf(res)}`);
    res.render('pages/respond/receipt', {
      title: 'Tack för ert svar',
      ...pages.base(ctx, res),
      ...responseStatus(state),
      receiptCode: state.response.receiptCode,
      revision: state.response.revision,
      summary: summariseAnswers(ctx.survey.definition, state.answers, localeOf(res), vars),
    });
  });

  return r;
}
