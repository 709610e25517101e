// Panels for coordinators: list and create panels, and choose per year which organisations are
// members (a checklist), or copy one year's members to another year in one action.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { intParam, str, strList } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { organisationTypeLabel } from '../services/organisation-types';
import { copyPanelMembers, createPanel, editPanel, panelSummaries, panelYear, setPanelMembers } from '../services/panels';
import { currentYear, parseYear } from '../lib/year';

export function panelsRouter(deps: Deps): Router {
  const r = Router();
  const db = deps.db;
  const idOf = (req: Request): number => {
    const id = intParam(req.params.id);
    if (!id) throw new NotFoundError('Panelen finns inte.');
    return id;
  };

  const renderList = async (res: Response, extra: Record<string, unknown> = {}) => {
    res.render('pages/panels/list', { title: 'Paneler', panels: await panelSummaries(db), values: {}, ...extra });
  };

  r.get('/panels', requireRole('coordinator'), async (_req, res) => renderList(res));

  r.post('/panels', requireRole('coordinator'), async (req, res) => {
    const input = { slug: str(req.body, 'slug'), name: str(req.body, 'name'), description: str(req.body, 'description') };
    try {
      const id = await createPanel(db, actorOf(req), input);
      flash(req, 'success', 'Panelen är skapad. Välj nu vilka organisationer som är med.');
      res.redirect(303, `/panels/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderList(res, { errors: e.problems, values: input });
    }
  });

  const renderPanel = async (req: Request, res: Response, id: number, year: number | null, extra: Record<string, unknown> = {}) => {
    let y = year;
    if (!y) {
      const first = await panelYear(db, id, currentYear());
      y = first.years.length ? first.years[first.years.length - 1].year : currentYear();
    }
    const view = await panelYear(db, id, y);
    const locale = res.locals.locale;
    const lastYearWithMembers = [...view.years].reverse().find((x) => x.year < y)?.year ?? null;
    res.render('pages/panels/show', {
      title: view.panel.name,
      panel: view.panel,
      year: y,
      years: view.years.map((x) => ({ ...x, current: x.year === y })),
      organisations: view.organisations.map((o) => ({ ...o, typeLabel: organisationTypeLabel(o.type, locale) })),
      memberCount: view.memberCount,
      copy: { from: lastYearWithMembers ?? y - 1, to: y },
      values: { name: view.panel.name, description: view.panel.description ?? '' },
      ...extra,
    });
  };

  r.get('/panels/:id', requireRole('coordinator'), async (req, res) => {
    await renderPanel(req, res, idOf(req), parseYear(req.query.year));
  });

  r.post('/panels/:id', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const input = { name: str(req.body, 'name'), description: str(req.body, 'description') };
    try {
      await editPanel(db, actorOf(req), id, input);
      flash(req, 'success', 'Panelens namn och beskrivning är sparade.');
      res.redirect(303, `/panels/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderPanel(req, res, id, null, { errors: e.problems, values: input });
    }
  });

  r.post('/panels/:id/members', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const year = parseYear(str(req.body, 'year'));
    if (!year) throw new ValidationError([{ field: 'year', message: 'Året saknas eller är ogiltigt. Ladda om sidan och försök igen.' }]);
    const ids: number[] = [];
    for (const v of strList(req.body, 'organisation')) {
      const n = intParam(v);
      if (!n)
        throw new ValidationError([{ field: 'organisations', message: 'Okänd organisation i listan. Ladda om sidan och försök igen.' }]);
      ids.push(n);
    }
    const { added, removed } = await setPanelMembers(db, actorOf(req), id, year, ids);
    flash(req, 'success', `Medlemmarna för ${year} är sparade (${added} tillagda, ${removed} borttagna).`);
    res.redirect(303, `/panels/${id}?year=${year}`);
  });

  r.post('/panels/:id/copy', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const from = parseYear(str(req.body, 'from'));
    const to = parseYear(str(req.body, 'to'));
    const errors = [];
    if (!from) errors.push({ field: 'from', message: 'Ange året att kopiera från som fyra siffror, t.ex. 2024.' });
    if (!to) errors.push({ field: 'to', message: 'Ange året att kopiera till som fyra siffror, t.ex. 2025.' });
    try {
      if (errors.length) throw new ValidationError(errors);
      const added = await copyPanelMembers(db, actorOf(req), id, from!, to!);
      flash(req, 'success', `${added} organisationer kopierades från ${from} till ${to}.`);
      res.redirect(303, `/panels/${id}?year=${to}`);
    } catch (e) {
      if (e instanceof ValidationError) {
        res.status(400);
        return renderPanel(req, res, id, parseYear(str(req.body, 'year')), {
          errors: e.problems,
          copy: { from: str(req.body, 'from'), to: str(req.body, 'to') },
        });
      }
      if (e instanceof ConflictError) {
        res.status(400);
        return renderPanel(req, res, id, parseYear(str(req.body, 'year')), {
          errors: [{ field: 'from', message: e.message }],
          copy: { from: str(req.body, 'from'), to: str(req.body, 'to') },
        });
      }
      throw e;
    }
  });

  return r;
}
