// Indicators for analysts (admin passes; coordinators do not — the menu shows Indikatorer to
// analysts only): the year's table, one indicator's page, targets, comments, status overrides,
// values by hand, the import of historical values, publishing and the exports.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { handleForm, str } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import {
  importValues,
  publishYear,
  removeValue,
  setComment,
  setStatusOverride,
  setTarget,
  setValue,
  unusedValuesText,
} from '../services/indicator-admin';
import { exportIndicators, isExportFormat } from '../services/indicator-export';
import { formatTarget, INDICATOR_FORM_FIELDS, type IndicatorFormValues, indicatorTablePage } from '../services/indicator-view';
import { defaultIndicatorYear } from '../services/indicators';
import { indicatorPageWithChart } from '../services/report';
import { placeholderValues } from '../services/surveys';
import type { PlaceholderValues } from '../surveys/schema';
import { parseYear, parseYears } from '../lib/year';
import { UPLOAD_LIMITS, uploadLimitText } from '../lib/upload-limits';

const IMPORT_TITLE = 'Läs in historiska indikatorvärden';
const IMPORT_PAGE = { title: IMPORT_TITLE, uploadLimit: uploadLimitText(UPLOAD_LIMITS.indicatorValues) };

/** "1 indikator saknar värde" / "3 indikatorer saknar värde". */
function withoutValueText(n: number): string {
  return n === 1 ? '1 indikator saknar värde' : `${n} indikatorer saknar värde`;
}

function idParam(req: Request): string {
  const id = String(req.params.id ?? '');
  if (!/^[a-z][a-z0-9_]{0,79}$/.test(id)) throw new NotFoundError('Indikatorn finns inte.');
  return id;
}

function typedValues(body: unknown): IndicatorFormValues {
  const values = {} as IndicatorFormValues;
  for (const k of INDICATOR_FORM_FIELDS) values[k] = str(body, k);
  return values;
}

/** What the handlers use: the database and the region's placeholder values ({region}, {strategy}). */
interface Context {
  db: Deps['db'];
  vars: () => PlaceholderValues;
}

/** ?year=YYYY, or the newest year with data. */
async function yearOf(ctx: Context, req: Request): Promise<number> {
  const q = req.query.year;
  if (q === undefined) return defaultIndicatorYear(ctx.db);
  const y = parseYear(q);
  if (y === null) throw new ValidationError([{ field: 'year', message: 'Ange året med fyra siffror, t.ex. 2025.' }]);
  return y;
}

export function indicatorsRouter(deps: Deps): Router {
  const r = Router();
  const ctx: Context = { db: deps.db, vars: () => placeholderValues(deps.config) };
  yearRoutes(r, ctx);
  importRoutes(r, ctx);
  indicatorRoutes(r, ctx);
  return r;
}

/** The year's table, its exports and publishing it. */
function yearRoutes(r: Router, ctx: Context): void {
  const { db, vars } = ctx;
  r.get('/indicators', requireRole('analyst'), async (req, res) => {
    res.render('pages/indicators/index', await indicatorTablePage(db, await yearOf(ctx, req), vars()));
  });

  r.get('/indicators/export', requireRole('analyst'), async (req, res) => {
    const format = req.query.format ?? 'csv-excel';
    if (!isExportFormat(format))
      throw new ValidationError([{ field: 'format', message: 'Formatet ska vara xlsx, csv-excel, csv-codes, json eller flat.' }]);
    const years = req.query.year === undefined ? [await yearOf(ctx, req)] : parseYears(req.query.year);
    if (years === null)
      throw new ValidationError([{ field: 'year', message: 'Ange året med fyra siffror, t.ex. 2025 (flera: 2023-2025).' }]);
    const out = await exportIndicators(db, years, format, vars());
    res.set('Content-Type', out.contentType);
    res.set('Content-Disposition', `attachment; filename="${out.fileName}"`);
    res.send(out.body);
  });

  r.post('/indicators/publish', requireRole('analyst'), async (req, res) => {
    const year = parseYear(str(req.body, 'year'));
    await handleForm(
      res,
      async () => {
        const p = await publishYear(db, actorOf(req), str(req.body, 'year'), vars(), str(req.body, 'reason'));
        flash(
          req,
          'success',
          p.version === 1 ? `${p.year} är publicerat. Siffrorna är nu frysta.` : `${p.year} är publicerat igen som version ${p.version}.`,
        );
        if (p.withoutValue.length > 0)
          flash(req, 'info', `${withoutValueText(p.withoutValue.length)}, och redovisas som värde saknas: ${p.withoutValue.join('; ')}.`);
        res.redirect(303, `/indicators?year=${p.year}`);
      },
      async (errors) => {
        if (year === null) throw new ValidationError(errors); // no table to show it on: the error page
        res.render('pages/indicators/index', { ...(await indicatorTablePage(db, year, vars())), errors, reason: str(req.body, 'reason') });
      },
    );
  });
}

/** The import of historical values from a CSV file. */
function importRoutes(r: Router, { db, vars }: Context): void {
  r.get('/indicators/import', requireRole('analyst'), (_req, res) => {
    res.render('pages/indicators/import', { ...IMPORT_PAGE });
  });

  r.post('/indicators/import', requireRole('analyst'), async (req, res) => {
    const file = req.file;
    if (!file) {
      res.status(400);
      return res.render('pages/indicators/import', {
        ...IMPORT_PAGE,
        errors: [{ field: 'file', message: 'Välj en CSV-fil att läsa in.' }],
      });
    }
    await handleForm(
      res,
      async () => {
        const result = await importValues(db, actorOf(req), file.buffer, vars());
        flash(
          req,
          'success',
          `${result.rows} värden är inlästa (${result.replaced} ersatte tidigare värden) för ${result.indicators.join(', ')}.`,
        );
        if (result.unused.length > 0) flash(req, 'info', unusedValuesText(result.unused));
        res.redirect(303, '/indicators/import');
      },
      (errors) => res.render('pages/indicators/import', { ...IMPORT_PAGE, errors, importFailed: true }),
    );
  });
}

/** Runs a change on an indicator's page; on bad input shows the page again with the problems and what was typed. */
async function change(ctx: Context, req: Request, res: Response, run: (id: string) => Promise<string>): Promise<void> {
  const id = idParam(req);
  const year = parseYear(str(req.body, 'year'));
  await handleForm(
    res,
    async () => {
      flash(req, 'success', await run(id));
      res.redirect(303, `/indicators/${id}?year=${year ?? ''}`);
    },
    async (errors) => {
      if (year === null) throw new ValidationError(errors); // no year to show the page for: the error page
      const typed = typedValues(req.body);
      res.render('pages/indicators/show', {
        ...(await indicatorPageWithChart(ctx.db, id, year, ctx.vars(), res.locals.locale, { typed })),
        errors,
      });
    },
  );
}

/** One indicator: its page, and its target, comment, status and values. */
function indicatorRoutes(r: Router, ctx: Context): void {
  const { db } = ctx;
  r.get('/indicators/:id', requireRole('analyst'), async (req, res) => {
    const takeDraft = req.query.forslag === '1';
    res.render(
      'pages/indicators/show',
      await indicatorPageWithChart(db, idParam(req), await yearOf(ctx, req), ctx.vars(), res.locals.locale, { takeDraft }),
    );
  });

  r.post('/indicators/:id/target', requireRole('analyst'), async (req, res) => {
    await change(ctx, req, res, async (id) => {
      const target = await setTarget(db, actorOf(req), id, str(req.body, 'year'), str(req.body, 'target'));
      return `Målvärdet är ${formatTarget(target)}.`;
    });
  });

  r.post('/indicators/:id/comment', requireRole('analyst'), async (req, res) => {
    await change(ctx, req, res, async (id) => {
      await setComment(db, actorOf(req), id, str(req.body, 'year'), str(req.body, 'comment'));
      return 'Kommentaren är sparad.';
    });
  });

  r.post('/indicators/:id/status', requireRole('analyst'), async (req, res) => {
    await change(ctx, req, res, async (id) => {
      await setStatusOverride(db, actorOf(req), id, str(req.body, 'year'), str(req.body, 'status'), str(req.body, 'reason'));
      return str(req.body, 'status') ? 'Statusen är ändrad.' : 'Statusen följer färgen igen.';
    });
  });

  r.post('/indicators/:id/value', requireRole('analyst'), async (req, res) => {
    await change(ctx, req, res, async (id) => {
      await setValue(db, actorOf(req), {
        indicator: id,
        year: str(req.body, 'year'),
        value: str(req.body, 'value'),
        numerator: str(req.body, 'numerator'),
        denominator: str(req.body, 'denominator'),
        source: str(req.body, 'source'),
        comment: str(req.body, 'valueComment'),
      });
      return 'Värdet är sparat.';
    });
  });

  r.post('/indicators/:id/value/delete', requireRole('analyst'), async (req, res) => {
    await change(ctx, req, res, async (id) => {
      await removeValue(db, actorOf(req), id, str(req.body, 'year'));
      return 'Värdet är borttaget.';
    });
  });
}
