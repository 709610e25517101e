// Survey rounds (coordinators; analysts may look):
//   GET  /rounds                         list: survey, year, panel, state, svarsfrekvens
//   GET  /rounds/ny  POST /rounds        create
//   GET  /rounds/:id                     detail: state actions, response rate, organisations
//   GET|POST /rounds/:id/redigera        edit while utkast
//   GET  /rounds/ny?fran=:id             "Skapa omgång från förra året": the form filled in from that round
//   POST /rounds/:id/oppna|publicera, GET|POST /rounds/:id/ateroppna (with a reason)
//   GET|POST /rounds/:id/stang           close, after a confirmation naming who has not answered
//   POST /rounds/:id/lank                a personal link for one organisation, shown once
//   GET  /rounds/:id/svar/:organisationId one organisation's answers (never in a confidential round)
//   GET|POST /rounds/import              import earlier answers from CSV (preview, then import)
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { ConflictError, type FieldProblem, NotFoundError } from '../errors';
import { handleForm, intParam, str } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { organisationAnswers } from '../services/responses';
import { formFromLastYear, type FromLastYearForm, lastYearCandidates } from '../services/round-from-last-year';
import {
  closeRound,
  closingSummary,
  createRound,
  defaultRoundForm,
  getRound,
  listRounds,
  manualLinkFor,
  openRound,
  panelChoices,
  publishRound,
  readRoundForm,
  reopenRound,
  type RoundFormValues,
  roundDetail,
  roundToForm,
  surveyChoiceOf,
  updateRound,
} from '../services/rounds';
import { formatStockholmDeadline, utcToStockholm } from '../services/stockholm-time';
import { sendFormFields } from '../services/mailings';
import { surveyChoices } from '../services/surveys';
import { testState } from '../services/test-links';
import { importRoutes } from './response-import';
import { titleOfData } from '../lib/titles';

type RoundsDeps = Pick<Deps, 'db' | 'config'>;

function idOf(req: Request): number {
  const id = intParam(req.params.id);
  if (!id) throw new NotFoundError('Omgången finns inte.');
  return id;
}

/** The pages of a round, rendered with whatever status the response already has (400 after a form error). */
function roundPages({ db, config }: RoundsDeps) {
  const form = async (
    res: Response,
    o: { values: RoundFormValues; roundId?: number; errors?: FieldProblem[]; fromLastYear?: FromLastYearForm['source'] },
  ) => {
    res.render('pages/rounds/form', {
      title: o.roundId ? 'Ändra enkätomgång' : o.fromLastYear ? 'Skapa omgång från förra året' : 'Skapa enkätomgång',
      values: o.values,
      roundId: o.roundId,
      fromLastYear: o.fromLastYear,
      action: o.roundId ? `/rounds/${o.roundId}/redigera` : '/rounds',
      surveys: await surveyChoices(db, config),
      panels: await panelChoices(db),
      errors: o.errors,
    });
  };

  const detail = async (
    req: Request,
    res: Response,
    id: number,
    extra: { errors?: FieldProblem[]; manualLink?: { url: string; organisationName: string } } = {},
  ) => {
    const role = req.user!.role;
    const view = await roundDetail(db, config, id, role);
    const round = view.round;
    res.render('pages/rounds/detail', {
      ...titleOfData(round.title),
      ...view,
      test: await testState(db, id),
      opensText: formatStockholmDeadline(round.opensAt),
      closesText: formatStockholmDeadline(round.closesAt),
      isDraft: round.state === 'utkast',
      isOpen: round.state === 'oppen',
      isClosed: round.state === 'stangd',
      canCoordinate: role === 'coordinator' || role === 'admin',
      invitationsText: round.invitationsAt ? formatStockholmDeadline(round.invitationsAt) : null,
      replyToText: round.replyTo ?? round.contactEmail,
      reminderText: round.reminderDays.length ? round.reminderDays.map((d) => `${d}`).join(', ') : null,
      ...extra,
    });
  };

  const reopen = async (res: Response, id: number, values: Record<string, string>, errors?: FieldProblem[]) => {
    const round = await getRound(db, id);
    res.render('pages/rounds/reopen', {
      title: 'Öppna omgången igen',
      round,
      values,
      errors,
      closesText: formatStockholmDeadline(round.closesAt),
    });
  };

  return { form, detail, reopen };
}

type RoundPages = ReturnType<typeof roundPages>;

function createRoutes(r: Router, { db, config }: RoundsDeps, pages: RoundPages): void {
  r.get('/rounds/ny', requireRole('coordinator'), async (req, res) => {
    const from = intParam(str(req.query, 'fran'));
    if (!from) return pages.form(res, { values: defaultRoundForm() });
    const filled = await formFromLastYear(db, config, from);
    await pages.form(res, { values: filled.values, fromLastYear: filled.source });
  });
  r.post('/rounds', requireRole('coordinator'), async (req, res) => {
    const values = readRoundForm(req.body);
    await handleForm(
      res,
      async () => {
        const id = await createRound(db, config, actorOf(req), values);
        flash(req, 'success', 'Omgången är skapad som utkast. Kontrollera uppgifterna och öppna den när den ska börja.');
        res.redirect(303, `/rounds/${id}`);
      },
      async (errors) => {
        const from = intParam(values.copy_from);
        const fromLastYear = from ? (await formFromLastYear(db, config, from).catch(() => null))?.source : undefined;
        await pages.form(res, { values, errors, fromLastYear });
      },
    );
  });
}

/** Only a draft (utkast) can be edited. */
function editRoutes(r: Router, { db, config }: RoundsDeps, pages: RoundPages): void {
  r.get('/rounds/:id/redigera', requireRole('coordinator'), async (req, res) => {
    const round = await getRound(db, idOf(req));
    if (round.state !== 'utkast') {
      flash(req, 'error', 'Bara en omgång som är utkast kan ändras.');
      return res.redirect(303, `/rounds/${round.id}`);
    }
    await pages.form(res, { values: roundToForm(round, await surveyChoiceOf(db, round)), roundId: round.id });
  });
  r.post('/rounds/:id/redigera', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const values = readRoundForm(req.body);
    await handleForm(
      res,
      async () => {
        await updateRound(db, config, actorOf(req), id, values);
        flash(req, 'success', 'Omgången är ändrad.');
        res.redirect(303, `/rounds/${id}`);
      },
      (errors) => pages.form(res, { values, roundId: id, errors }),
    );
  });
}

/** The state actions: open, close, publish, reopen (with a reason). */
function stateRoutes(r: Router, { db, config }: RoundsDeps, pages: RoundPages): void {
  /**
   * A state action: on a ValidationError the detail page shows what is missing. With `confirmedOn`,
   * a POST without the confirmation of that page (bekrafta=ja) changes nothing and shows the page.
   */
  const transition = (path: string, run: (req: Request, id: number) => Promise<string>, opts: { confirmedOn?: string } = {}) => {
    r.post(`/rounds/:id/${path}`, requireRole('coordinator'), async (req, res) => {
      const id = idOf(req);
      if (opts.confirmedOn && str(req.body, 'bekrafta') !== 'ja') return res.redirect(303, `/rounds/${id}/${opts.confirmedOn}`);
      await handleForm(
        res,
        async () => {
          flash(req, 'success', await run(req, id));
          res.redirect(303, `/rounds/${id}`);
        },
        (problems) => pages.detail(req, res, id, { errors: problems.map((p) => ({ field: '', message: p.message })) }),
      );
    });
  };
  transition('oppna', async (req, id) => {
    const { invited } = await openRound(db, config, actorOf(req), id);
    return `Omgången är öppen. ${invited} organisationer är inbjudna; skicka inbjudningarna under E-post.`;
  });
  // Closing asks first: the page names who has not answered and who has a draft not sent in.
  r.get('/rounds/:id/stang', requireRole('coordinator'), async (req, res) => {
    const summary = await closingSummary(db, idOf(req));
    if (summary.round.state !== 'oppen') {
      flash(req, 'error', 'Bara en öppen omgång kan stängas.');
      return res.redirect(303, `/rounds/${summary.round.id}`);
    }
    res.render('pages/rounds/close', {
      title: 'Stäng omgången',
      ...summary,
      closesText: formatStockholmDeadline(summary.round.closesAt),
      ...(await sendFormFields(db, summary.round.id, 'reminder')),
    });
  });
  transition(
    'stang',
    async (req, id) => {
      await closeRound(db, actorOf(req), id);
      return 'Omgången är stängd. Länkarna tar inte längre emot svar.';
    },
    { confirmedOn: 'stang' },
  );
  transition('publicera', async (req, id) => {
    await publishRound(db, actorOf(req), id);
    return 'Omgången är publicerad.';
  });

  r.get('/rounds/:id/ateroppna', requireRole('coordinator'), async (req, res) => {
    const round = await getRound(db, idOf(req));
    const closes = utcToStockholm(round.closesAt);
    await pages.reopen(res, round.id, { reason: '', closes_date: closes?.date ?? '', closes_time: closes?.time ?? '17:00' });
  });
  r.post('/rounds/:id/ateroppna', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const values = {
      reason: str(req.body, 'reason'),
      closes_date: str(req.body, 'closes_date').trim(),
      closes_time: str(req.body, 'closes_time').trim(),
    };
    await handleForm(
      res,
      async () => {
        await reopenRound(db, actorOf(req), id, { reason: values.reason, closesDate: values.closes_date, closesTime: values.closes_time });
        flash(req, 'success', 'Omgången är öppen igen. Skälet är sparat i händelseloggen.');
        res.redirect(303, `/rounds/${id}`);
      },
      (errors) => pages.reopen(res, id, values, errors),
    );
  });
}

/** Following up one organisation: a personal link made by hand, its answers. */
function organisationRoutes(r: Router, { db, config }: RoundsDeps, pages: RoundPages): void {
  r.post('/rounds/:id/lank', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const organisationId = intParam(str(req.body, 'organisation_id'));
    if (!organisationId) throw new NotFoundError('Organisationen finns inte.');
    let manualLink: { url: string; organisationName: string };
    try {
      manualLink = await manualLinkFor(db, config, actorOf(req), id, organisationId);
    } catch (e) {
      // Refused (round not open, invitation revoked, a confidential round with answers): say why on the round's page.
      if (!(e instanceof ConflictError)) throw e;
      res.status(409);
      return pages.detail(req, res, id, { errors: [{ field: '', message: e.message }] });
    }
    await pages.detail(req, res, id, { manualLink });
  });

  r.get('/rounds/:id/svar/:organisationId', requireRole('coordinator', 'analyst'), async (req, res) => {
    const id = idOf(req);
    const organisationId = intParam(req.params.organisationId);
    if (!organisationId) throw new NotFoundError('Organisationen finns inte.');
    const view = await organisationAnswers(db, config, id, organisationId, res.locals.locale ?? 'sv');
    res.render('pages/rounds/answers', {
      title: '%{organisation} – %{round}',
      titleValues: { organisation: view.organisationName, round: view.round.title },
      ...view,
    });
  });
}

export function roundsRouter(deps: Deps): Router {
  const r = Router();
  const pages = roundPages(deps);

  r.get('/rounds', requireRole('coordinator', 'analyst'), async (_req, res) => {
    res.render('pages/rounds/list', {
      title: 'Enkätomgångar',
      rounds: await listRounds(deps.db),
      fromLastYear: await lastYearCandidates(deps.db),
    });
  });
  createRoutes(r, deps, pages);
  // Import of earlier answers: literal paths before /rounds/:id.
  importRoutes(r, deps);
  r.get('/rounds/:id', requireRole('coordinator', 'analyst'), async (req, res) => {
    await pages.detail(req, res, idOf(req));
  });
  editRoutes(r, deps, pages);
  stateRoutes(r, deps, pages);
  organisationRoutes(r, deps, pages);
  return r;
}
