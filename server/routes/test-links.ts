// A round's test link (services/test-links.ts): answers through it are kept apart and never count.
//   POST /rounds/:id/testlank                  a new test link, shown once (an earlier one stops working)
//   GET  /rounds/:id/testsvar                  the round's test answers
//   POST /rounds/:id/testsvar/rensa            clear them
//   GET  /s/test/:token                        the round's form, marked as a test, in any state of the round
//   POST /s/test/:token                        submit a test answer (checked as a real one)
//   GET  /s/test/:token/kvitto/:answerId       the test answer's receipt
// The /s/ pages share the respondent pages' rate limits and headers (routes/respond.ts).
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { type FieldProblem, NotFoundError } from '../errors';
import { handleForm, intParam } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { getRound } from '../services/rounds';
import { checkPostedAnswers, respondentFormPage } from '../services/survey-preview';
import {
  clearTestAnswers,
  createTestLink,
  submitTestAnswers,
  testAnswer,
  testAnswersView,
  testContext,
  type TestContext,
  testState,
} from '../services/test-links';
import { surveyLanguage } from './respond';

const roundIdOf = (req: Request): number => {
  const id = intParam(req.params.id);
  if (!id) throw new NotFoundError('Omgången finns inte.');
  return id;
};

function staffRoutes(r: Router, { db, config }: Pick<Deps, 'db' | 'config'>): void {
  r.post('/rounds/:id/testlank', requireRole('coordinator'), async (req, res) => {
    const round = await getRound(db, roundIdOf(req));
    const url = await createTestLink(db, config, actorOf(req), round.id);
    res.render('pages/rounds/test-link', { title: 'Testlänk', round, url, ...(await testState(db, round.id)) });
  });
  r.get('/rounds/:id/testsvar', requireRole('coordinator'), async (req, res) => {
    const round = await getRound(db, roundIdOf(req));
    res.render('pages/rounds/test-answers', {
      title: 'Testsvar',
      round,
      answers: await testAnswersView(db, config, round.id, res.locals.locale ?? 'sv'),
      ...(await testState(db, round.id)),
    });
  });
  r.post('/rounds/:id/testsvar/rensa', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    const n = await clearTestAnswers(db, actorOf(req), id);
    flash(req, 'success', n === 1 ? 'Ett testsvar är borttaget.' : `${n} testsvar är borttagna.`);
    res.redirect(303, `/rounds/${id}/testsvar`);
  });
}

function publicRoutes(r: Router, { db, config }: Pick<Deps, 'db' | 'config'>): void {
  const open = async (req: Request, res: Response): Promise<TestContext | null> => {
    const ctx = await testContext(db, String(req.params.token ?? ''));
    if (!ctx) {
      res.status(404).render('pages/respond/invalid', { title: 'Länken fungerar inte' });
      return null;
    }
    res.set('Cache-Control', 'no-store');
    surveyLanguage(res, ctx.survey.definition);
    return ctx;
  };
  const form = (res: Response, ctx: TestContext, raw: Record<string, string[]>, errors: FieldProblem[]) => {
    const page = respondentFormPage(ctx.survey.definition, config, res.locals.locale ?? 'sv', raw, errors);
    res.render('pages/respond/test-form', {
      title: page.surveyTitle,
      ...page,
      round: ctx.round,
      basePath: `/s/test/${String(res.locals.testToken)}`,
    });
  };

  r.get('/s/test/:token', async (req, res) => {
    const ctx = await open(req, res);
    if (!ctx) return;
    res.locals.testToken = req.params.token;
    form(res, ctx, {}, []);
  });
  r.post('/s/test/:token', async (req, res) => {
    const ctx = await open(req, res);
    if (!ctx) return;
    const token = String(req.params.token);
    res.locals.testToken = token;
    const locale = res.locals.locale ?? 'sv';
    await handleForm(
      res,
      async () => {
        const id = await submitTestAnswers(db, config, ctx, req.body, locale);
        res.redirect(303, `/s/test/${token}/kvitto/${id}`);
      },
      (errors) => form(res, ctx, checkPostedAnswers(ctx.survey.definition, req.body, config, locale, true).raw, errors),
    );
  });
  r.get('/s/test/:token/kvitto/:answerId', async (req, res) => {
    const ctx = await open(req, res);
    if (!ctx) return;
    const answer = await testAnswer(db, config, ctx, intParam(req.params.answerId) ?? 0, res.locals.locale ?? 'sv');
    if (!answer) throw new NotFoundError('Testsvaret finns inte längre.');
    const page = respondentFormPage(ctx.survey.definition, config, res.locals.locale ?? 'sv', {}, []);
    res.render('pages/respond/test-receipt', {
      title: 'Testsvaret är sparat',
      surveyTitle: page.surveyTitle,
      ...answer,
      basePath: `/s/test/${String(req.params.token)}`,
    });
  });
}

export function testLinkRouter(deps: Deps): Router {
  const r = Router();
  staffRoutes(r, deps);
  publicRoutes(r, deps);
  return r;
}
