// The respondent's journey under /s/:token (public by token, no account):
//   GET  /s/:token         first page: who asks, why, how long data is kept, whom to contact,
//                          how long it takes, the closing date; the state of the organisation's answer
//   GET  /s/:token/svar    the form (the organisation's draft, or its submitted answer to change)
//   POST /s/:token/svar    _action=save ("Spara och fortsätt senare") or submit ("Skicka in")
//   GET  /s/:token/kvitto  the receipt: a summary of the submitted answers and the receipt code
// A malformed, unknown or revoked token always gets the same calm page with status 404, after
// the same single lookup. Rate limits (services/rate-limits.ts): a valid link always works; links
// that never existed count per client address and per target bucket.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { clientAddress, requestLimit, secretLinkGuard } from '../middleware/rate-limits';
import { RATE_LIMITS, secretDigest } from '../services/rate-limits';
import { ConflictError, type FieldProblem, ValidationError } from '../errors';
import { str } from '../forms';
import { checkAnswers, rawFromAnswers, rawFromBody, type RawAnswers, summariseAnswers } from '../services/answers';
import { formView, introParagraphs, orderErrors } from '../services/respond-view';
import {
  recordOpened,
  type RespondentContext,
  respondentContext,
  responseState,
  type ResponseState,
  saveDraft,
  submitResponse,
} from '../services/responses';
import { formatStockholmDeadline } from '../services/stockholm-time';
import { placeholderValues } from '../services/surveys';
import { localize } from '../surveys/schema';

export function respondRouter(deps: Deps): Router {
  const r = Router();
  const { db, config } = deps;
  const vars = placeholderValues(config);

  const tooMany = (_req: Request, res: Response) => {
    res.status(429).render('pages/respond/too-many', {
      title: 'För många försök',
      minutes: Math.round(RATE_LIMITS.linkGuessesPerAddress.windowMs / 60_000),
    });
  };
  r.use(
    '/s/:token',
    requestLimit(db, 'respondRequestsPerLink', (req) => clientAddress(req) + ':' + secretDigest(String(req.params.token)), tooMany),
    secretLinkGuard(db, 'respond', tooMany),
    (_req, res, next) => {
      // Personal pages: never cached, never indexed.
      res.set('Cache-Control', 'no-store');
      res.set('X-Robots-Tag', 'noindex, nofollow');
      next();
    },
  );

  const localeOf = (res: Response) => res.locals.locale ?? 'sv';

  const tokenOf = (res: Response): string => String(res.locals.respondentToken ?? '');
  const renderInvalid = (res: Response) => res.status(404).render('pages/respond/invalid', { title: 'Länken fungerar inte' });

  const base = (ctx: RespondentContext, res: Response) => {
    const locale = localeOf(res);
    const def = ctx.survey.definition;
    return {
      surveyTitle: localize(def.title, locale, vars),
      organisationName: ctx.organisation.name,
      closesText: formatStockholmDeadline(ctx.round.closesAt, locale),
      opensText: formatStockholmDeadline(ctx.round.opensAt, locale),
      contactName: ctx.round.contactName,
      contactEmail: ctx.round.contactEmail,
      privacyContact: config.privacyContact,
      privacyContactIsEmail: /^[^\s@]+@[^\s@]+$/.test(config.privacyContact),
      retentionMonths: config.retentionMonths,
      regionName: config.regionName,
      confidential: ctx.round.confidential,
      allowChanges: ctx.round.allowChanges,
      estimatedMinutes: def.estimatedMinutes,
      basePath: `/s/${tokenOf(res)}`,
    };
  };

  /** Resolves the token; renders the right page and returns null when the form is not available. */
  const open = async (req: Request, res: Response, opts: { postStatus?: boolean } = {}): Promise<RespondentContext | null> => {
    const token = String(req.params.token ?? '');
    const ctx = await respondentContext(db, token);
    if (!ctx) {
      renderInvalid(res);
      return null;
    }
    res.locals.respondentToken = token;
    if (ctx.phase === 'not_open') {
      res
        .status(opts.postStatus ? 409 : 200)
        .render('pages/respond/not-open', { title: 'Enkäten har inte öppnat ännu', ...base(ctx, res) });
      return null;
    }
    if (ctx.phase === 'closed') {
      const state = await responseState(db, ctx.round.id, ctx.organisation.id);
      res.status(opts.postStatus ? 409 : 200).render('pages/respond/closed', {
        title: 'Enkäten är stängd',
        ...base(ctx, res),
        submittedAt: state.response?.status === 'submitted' ? state.response.submittedAt : null,
      });
      return null;
    }
    return ctx;
  };

  const responseStatus = (state: ResponseState) => ({
    hasDraft: state.response?.status === 'draft',
    submitted: state.response?.status === 'submitted',
    savedAt: state.response?.savedAt ?? null,
    savedByName: state.savedByName,
    submittedAt: state.response?.submittedAt ?? null,
    submittedByName: state.submittedByName,
  });

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
  }

  const renderForm = (res: Response, ctx: RespondentContext, o: FormOptions) => {
    const locale = localeOf(res);
    const def = ctx.survey.definition;
    const errors = orderErrors(def, o.errors ?? []);
    const unsavedSummary = o.unsaved
      ? summariseAnswers(def, checkAnswers(def, o.unsaved, { enforceRequired: false }).answers, locale, vars).filter((s) => s.answered)
      : null;
    res.status(o.status ?? 200).render('pages/respond/form', {
      title: localize(def.title, locale, vars),
      ...base(ctx, res),
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
    });
  };

  r.get('/s/:token', async (req, res) => {
    const ctx = await open(req, res);
    if (!ctx) return;
    // Recording the first opening is bookkeeping for the follow-up page, not a change the visitor makes.
    await recordOpened(db, ctx);
    const state = await responseState(db, ctx.round.id, ctx.organisation.id);
    res.render('pages/respond/start', {
      title: localize(ctx.survey.definition.title, localeOf(res), vars),
      ...base(ctx, res),
      ...responseStatus(state),
      intro: introParagraphs(ctx.survey.definition, localeOf(res), vars),
    });
  });

  r.get('/s/:token/svar', async (req, res) => {
    const ctx = await open(req, res);
    if (!ctx) return;
    await recordOpened(db, ctx);
    const state = await responseState(db, ctx.round.id, ctx.organisation.id);
    if (state.response?.status === 'submitted' && !ctx.round.allowChanges) return res.redirect(303, `/s/${tokenOf(res)}/kvitto`);
    renderForm(res, ctx, {
      raw: rawFromAnswers(state.answers),
      version: state.response?.version ?? 0,
      state,
      saved: req.query.sparat === '1',
    });
  });

  r.post('/s/:token/svar', async (req, res) => {
    const ctx = await open(req, res, { postStatus: true });
    if (!ctx) return;
    const def = ctx.survey.definition;
    const raw = rawFromBody(def, req.body);
    const versionText = str(req.body, '_version');
    const formVersion = /^\d{1,9}$/.test(versionText) ? Number(versionText) : -1;
    const action = str(req.body, '_action') === 'submit' ? 'submit' : 'save';
    const token = tokenOf(res);
    const showConflict = async (kind: 'stale' | 'locked') => {
      const state = await responseState(db, ctx.round.id, ctx.organisation.id);
      renderForm(res, ctx, {
        raw: rawFromAnswers(state.answers),
        version: state.response?.version ?? 0,
        state,
        status: 409,
        conflict: state.response?.status === 'submitted' ? 'submitted_by_other' : 'newer_draft',
        unsaved: raw,
        locked: kind === 'locked',
      });
    };
    try {
      if (action === 'save') {
        const result = await saveDraft(db, config, ctx, raw, formVersion, localeOf(res));
        if (result.kind === 'saved') return res.redirect(303, `/s/${token}/svar?sparat=1#sparat`);
        return await showConflict(result.kind);
      }
      const result = await submitResponse(db, config, ctx, raw, formVersion, localeOf(res));
      if (result.kind === 'submitted' || result.kind === 'already') return res.redirect(303, `/s/${token}/kvitto`);
      return await showConflict(result.kind);
    } catch (e) {
      if (e instanceof ValidationError) {
        const state = await responseState(db, ctx.round.id, ctx.organisation.id);
        return renderForm(res, ctx, {
          raw,
          version: formVersion < 0 ? (state.response?.version ?? 0) : formVersion,
          state,
          errors: e.problems,
          status: 400,
        });
      }
      if (e instanceof ConflictError && e.code === 'round_closed') {
        return res.status(409).render('pages/respond/closed', { title: 'Enkäten är stängd', ...base(ctx, res), submittedAt: null });
      }
      throw e;
    }
  });

  r.get('/s/:token/kvitto', async (req, res) => {
    const ctx = await open(req, res);
    if (!ctx) return;
    const state = await responseState(db, ctx.round.id, ctx.organisation.id);
    if (state.response?.status !== 'submitted') return res.redirect(303, `/s/${tokenOf(res)}`);
    const locale = localeOf(res);
    res.render('pages/respond/receipt', {
      title: 'Tack för ert svar',
      ...base(ctx, res),
      ...responseStatus(state),
      receiptCode: state.response.receiptCode,
      revision: state.response.revision,
      summary: summariseAnswers(ctx.survey.definition, state.answers, locale, vars),
    });
  });

  return r;
}
