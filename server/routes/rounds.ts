// Survey rounds (coordinators; analysts may look):
//   GET  /rounds                         list: survey, year, panel, state, svarsfrekvens
//   GET  /rounds/ny  POST /rounds        create
//   GET  /rounds/:id                     detail: state actions, response rate, organisations
//   GET|POST /rounds/:id/redigera        edit while utkast
//   POST /rounds/:id/oppna|stang|publicera, GET|POST /rounds/:id/ateroppna (with a reason)
//   POST /rounds/:id/lank                a personal link for one organisation, shown once
//   GET  /rounds/:id/svar/:organisationId one organisation's answers (never in a confidential round)
//   GET|POST /rounds/import              import earlier answers from CSV (preview, then import)
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { intParam, str } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { listPanels } from '../repositories/panels';
import type { Role } from '../repositories/users';
import { organisationAnswers } from '../services/responses';
import {
  closeRound,
  createRound,
  defaultRoundForm,
  getRound,
  listRounds,
  manualLink,
  openRound,
  publishRound,
  readRoundForm,
  reopenRound,
  respondentUrl,
  type RoundFormValues,
  roundDetail,
  roundToForm,
  surveyChoiceOf,
  updateRound,
} from '../services/rounds';
import { formatStockholmDeadline, utcToStockholm } from '../services/stockholm-time';
import { surveyChoices } from '../services/surveys';
import { importRoutes } from './response-import';

export function roundsRouter(deps: Deps): Router {
  const r = Router();
  const { db, config } = deps;

  const idOf = (req: Request): number => {
    const id = intParam(req.params.id);
    if (!id) throw new NotFoundError('Omgången finns inte.');
    return id;
  };

  r.get('/rounds', requireRole('coordinator', 'analyst'), async (_req, res) => {
    res.render('pages/rounds/list', { title: 'Enkätomgångar', rounds: await listRounds(db) });
  });

  const renderForm = async (
    res: Response,
    o: { values: RoundFormValues; roundId?: number; errors?: Array<{ field: string; message: string }>; status?: number },
  ) => {
    const panels = await listPanels(db);
    res.status(o.status ?? 200).render('pages/rounds/form', {
      title: o.roundId ? 'Ändra enkätomgång' : 'Skapa enkätomgång',
      values: o.values,
      roundId: o.roundId,
      action: o.roundId ? `/rounds/${o.roundId}/redigera` : '/rounds',
      surveys: await surveyChoices(db, config),
      panels: panels.map((p) => ({ value: String(p.id), label: p.name })),
      errors: o.errors,
    });
  };

  r.get('/rounds/ny', requireRole('coordinator'), async (_req, res) => {
    await renderForm(res, { values: defaultRoundForm() });
  });

  r.post('/rounds', requireRole('coordinator'), async (req, res) => {
    const values = readRoundForm(req.body);
    try {
      const id = await createRound(db, config, actorOf(req), values);
      flash(req, 'success', 'Omgången är skapad som utkast. Kontrollera uppgifterna och öppna den när den ska börja.');
      res.redirect(303, `/rounds/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      await renderForm(res, { values, errors: e.problems, status: 400 });
    }
  });

  // Import of earlier answers: literal paths before /rounds/:id.
  importRoutes(r, deps);

  const renderDetail = async (req: Request, res: Response, id: number, extra: Record<string, unknown> = {}) => {
    const role = req.user!.role;
    const detail = await roundDetail(db, config, id, role);
    const round = detail.round;
    res.status((extra.status as number) ?? 200).render('pages/rounds/detail', {
      title: round.title,
      ...detail,
      opensText: formatStockholmDeadline(round.opensAt),
      closesText: formatStockholmDeadline(round.closesAt),
      isDraft: round.state === 'utkast',
      isOpen: round.state === 'oppen',
      isClosed: round.state === 'stangd',
      canCoordinate: role === 'coordinator' || role === 'admin',
      reminderText: round.reminderDays.length ? round.reminderDays.map((d) => `${d}`).join(', ') : null,
      ...extra,
    });
  };

  r.get('/rounds/:id', requireRole('coordinator', 'analyst'), async (req, res) => {
    await renderDetail(req, res, idOf(req));
  });

  r.get('/rounds/:id/redigera', requireRole('coordinator'), async (req, res) => {
    const round = await getRound(db, idOf(req));
    if (round.state !== 'utkast') {
      flash(req, 'error', 'Bara en omgång som är utkast kan ändras.');
      return res.redirect(303, `/rounds/${round.id}`);
    }
    await renderForm(res, { values: roundToForm(round, await surveyChoiceOf(db, round)), roundId: round.id });
  });

  r.post('/rounds/:id/redigera', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const values = readRoundForm(req.body);
    try {
      await updateRound(db, config, actorOf(req), id, values);
      flash(req, 'success', 'Omgången är ändrad.');
      res.redirect(303, `/rounds/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      await renderForm(res, { values, roundId: id, errors: e.problems, status: 400 });
    }
  });

  /** A state action: on a ValidationError the detail page shows what is missing. */
  const transition = (path: string, run: (req: Request, id: number) => Promise<string>) => {
    r.post(`/rounds/:id/${path}`, requireRole('coordinator'), async (req, res) => {
      const id = idOf(req);
      try {
        flash(req, 'success', await run(req, id));
        res.redirect(303, `/rounds/${id}`);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        await renderDetail(req, res, id, { errors: e.problems.map((p) => ({ field: '', message: p.message })), status: 400 });
      }
    });
  };
  transition('oppna', async (req, id) => {
    const { invited } = await openRound(db, config, actorOf(req), id);
    return `Omgången är öppen. ${invited} organisationer är inbjudna; skicka inbjudningarna under E-post.`;
  });
  transition('stang', async (req, id) => {
    await closeRound(db, actorOf(req), id);
    return 'Omgången är stängd. Länkarna tar inte längre emot svar.';
  });
  transition('publicera', async (req, id) => {
    await publishRound(db, actorOf(req), id);
    return 'Omgången är publicerad.';
  });

  const renderReopen = async (
    res: Response,
    id: number,
    values: Record<string, string>,
    errors?: Array<{ field: string; message: string }>,
  ) => {
    const round = await getRound(db, id);
    res.status(errors ? 400 : 200).render('pages/rounds/reopen', {
      title: 'Öppna omgången igen',
      round,
      values,
      errors,
      closesText: formatStockholmDeadline(round.closesAt),
    });
  };

  r.get('/rounds/:id/ateroppna', requireRole('coordinator'), async (req, res) => {
    const round = await getRound(db, idOf(req));
    const closes = utcToStockholm(round.closesAt);
    await renderReopen(res, round.id, { reason: '', closes_date: closes?.date ?? '', closes_time: closes?.time ?? '17:00' });
  });

  r.post('/rounds/:id/ateroppna', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const values = {
      reason: str(req.body, 'reason'),
      closes_date: str(req.body, 'closes_date').trim(),
      closes_time: str(req.body, 'closes_time').trim(),
    };
    try {
      await reopenRound(db, actorOf(req), id, { reason: values.reason, closesDate: values.closes_date, closesTime: values.closes_time });
      flash(req, 'success', 'Omgången är öppen igen. Skälet är sparat i händelseloggen.');
      res.redirect(303, `/rounds/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      await renderReopen(res, id, values, e.problems);
    }
  });

  r.post('/rounds/:id/lank', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const organisationId = intParam(str(req.body, 'organisation_id'));
    if (!organisationId) throw new NotFoundError('Organisationen finns inte.');
    let token: string;
    try {
      token = await manualLink(db, actorOf(req), id, organisationId);
    } catch (e) {
      // Refused (round not open, invitation revoked, a confidential round with answers): say why on the round's page.
      if (!(e instanceof ConflictError)) throw e;
      return renderDetail(req, res, id, { errors: [{ field: '', message: e.message }], status: 409 });
    }
    const org = await db('organisations').where({ id: organisationId }).first('name');
    await renderDetail(req, res, id, {
      manualLink: { url: respondentUrl(config.baseUrl, token), organisationName: org ? String(org.name) : '' },
    });
  });

  r.get('/rounds/:id/svar/:organisationId', requireRole('coordinator', 'analyst'), async (req, res) => {
    const id = idOf(req);
    const organisationId = intParam(req.params.organisationId);
    if (!organisationId) throw new NotFoundError('Organisationen finns inte.');
    const view = await organisationAnswers(db, config, id, organisationId, res.locals.locale ?? 'sv');
    res.render('pages/rounds/answers', { title: `${view.organisationName} – ${view.round.title}`, ...view });
  });

  return r;
}
