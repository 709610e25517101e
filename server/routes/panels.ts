// Panels for coordinators: list and create panels, and choose per year which organisations are
// members (a checklist), or copy one year's members to another year in one action.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors';
import { handleForm, intParam, str, strList } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { organisationTypeLabel } from '../services/organisation-types';
import { copyPanelMembers, createPanel, editPanel, panelSummaries, panelYear, setPanelMembers } from '../services/panels';
import { currentYear, parseYear } from '../lib/year';
import { titleOfData } from '../lib/titles';

function idOf(req: Request): number {
  const id = intParam(req.params.id);
  if (!id) throw new NotFoundError('Panelen finns inte.');
  return id;
}

/** The organisations ticked in the members form. */
function organisationIds(body: unknown): number[] {
  return strList(body, 'organisation').map((v) => {
    const n = intParam(v);
    if (!n)
      throw new ValidationError([{ field: 'organisations', message: 'Okänd organisation i listan. Ladda om sidan och försök igen.' }]);
    return n;
  });
}

/** The copy form's two years. */
function copyYears(body: unknown): { from: number; to: number } {
  const from = parseYear(str(body, 'from'));
  const to = parseYear(str(body, 'to'));
  const errors: FieldProblem[] = [];
  if (!from) errors.push({ field: 'from', message: 'Ange året att kopiera från som fyra siffror, t.ex. 2024.' });
  if (!to) errors.push({ field: 'to', message: 'Ange året att kopiera till som fyra siffror, t.ex. 2025.' });
  if (!from || !to) throw new ValidationError(errors);
  return { from, to };
}

export function panelsRouter(deps: Deps): Router {
  const r = Router();
  const db = deps.db;

  const renderList = async (res: Response, extra: Record<string, unknown> = {}) => {
    res.render('pages/panels/list', { title: 'Paneler', panels: await panelSummaries(db), values: {}, ...extra });
  };

  /** One panel's page for a year (without a year: the latest year with members, else this year). */
  const renderPanel = async (res: Response, id: number, year: number | null, extra: Record<string, unknown> = {}) => {
    let y = year;
    if (!y) {
      const first = await panelYear(db, id, currentYear());
      y = first.years.length ? first.years[first.years.length - 1].year : currentYear();
    }
    const view = await panelYear(db, id, y);
    const locale = res.locals.locale;
    const lastYearWithMembers = [...view.years].reverse().find((x) => x.year < y)?.year ?? null;
    res.render('pages/panels/show', {
      ...titleOfData(view.panel.name),
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

  r.get('/panels', requireRole('coordinator'), async (_req, res) => renderList(res));

  r.post('/panels', requireRole('coordinator'), async (req, res) => {
    const input = { slug: str(req.body, 'slug'), name: str(req.body, 'name'), description: str(req.body, 'description') };
    await handleForm(
      res,
      async () => {
        const id = await createPanel(db, actorOf(req), input);
        flash(req, 'success', 'Panelen är skapad. Välj nu vilka organisationer som är med.');
        res.redirect(303, `/panels/${id}`);
      },
      (errors) => renderList(res, { errors, values: input }),
    );
  });

  r.get('/panels/:id', requireRole('coordinator'), async (req, res) => {
    await renderPanel(res, idOf(req), parseYear(req.query.year));
  });

  r.post('/panels/:id', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const input = { name: str(req.body, 'name'), description: str(req.body, 'description') };
    await handleForm(
      res,
      async () => {
        await editPanel(db, actorOf(req), id, input);
        flash(req, 'success', 'Panelens namn och beskrivning är sparade.');
        res.redirect(303, `/panels/${id}`);
      },
      (errors) => renderPanel(res, id, null, { errors, values: input }),
    );
  });

  // Not a form to re-render: the checklist comes from the page itself, so a bad value is a stale page.
  r.post('/panels/:id/members', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const year = parseYear(str(req.body, 'year'));
    if (!year) throw new ValidationError([{ field: 'year', message: 'Året saknas eller är ogiltigt. Ladda om sidan och försök igen.' }]);
    const { added, removed } = await setPanelMembers(db, actorOf(req), id, year, organisationIds(req.body));
    flash(req, 'success', `Medlemmarna för ${year} är sparade (${added} tillagda, ${removed} borttagna).`);
    res.redirect(303, `/panels/${id}?year=${year}`);
  });

  r.post('/panels/:id/copy', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    await handleForm(
      res,
      async () => {
        const { from, to } = copyYears(req.body);
        const added = await copyPanelMembers(db, actorOf(req), id, from, to);
        flash(req, 'success', `${added} organisationer kopierades från ${from} till ${to}.`);
        res.redirect(303, `/panels/${id}?year=${to}`);
      },
      (errors) =>
        renderPanel(res, id, parseYear(str(req.body, 'year')), { errors, copy: { from: str(req.body, 'from'), to: str(req.body, 'to') } }),
    );
  });

  return r;
}
