// Indicators for analysts (admin passes; coordinators do not — the menu shows Indikatorer to
// analysts only): the year's table, one indicator's page, targets, comments, status overrides,
// values by hand, the import of historical values, publishing and the exports.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { str } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { findComment, findIndicator, latestDataYear, listPublications, targetsOf, valuesOf } from '../repositories/indicators';
import {
  importValues,
  publishYear,
  removeValue,
  setComment,
  setStatusOverride,
  setTarget,
  setValue,
  STATUSES,
} from '../services/indicator-admin';
import { exportYear, isExportFormat } from '../services/indicator-export';
import { placeholderValues } from '../services/surveys';
import { formatTarget, presentRow, seriesChart } from '../services/indicator-view';
import { breakdowns, FIRST_SERIES_YEAR, groupByLevel, indicatorSeries, indicatorTable, LEVEL_LABELS } from '../services/indicators';
import { formatNumber, statusLabel } from '../services/numbers';
import { parseYear } from '../lib/year';

type FieldErrors = Array<{ field: string; message: string }>;

const YEAR_CHOICES_BACK = 8;

const KIND_LABELS: Record<string, string> = { survey: 'Enkätindikator', attendance: 'Närvaroindikator', manual: 'Manuell indikator' };

/** "5 procentenheter", "1 procentenhet", "2,5 procentenheter". */
function formatPpAmount(pp: number): string {
  return `${formatNumber(pp, Number.isInteger(pp) ? 0 : 1)} ${pp === 1 ? 'procentenhet' : 'procentenheter'}`;
}

export function indicatorsRouter(deps: Deps): Router {
  const r = Router();
  const db = deps.db;
  const vars = () => placeholderValues(deps.config);

  async function yearOf(req: Request): Promise<number> {
    const q = req.query.year;
    if (q !== undefined) {
      const y = parseYear(q);
      if (y === null) throw new ValidationError([{ field: 'year', message: 'Ange året med fyra siffror, t.ex. 2025.' }]);
      return y;
    }
    return (await latestDataYear(db)) ?? new Date().getFullYear();
  }

  function yearChoices(year: number): Array<{ value: number; selected: boolean }> {
    const newest = Math.max(year, new Date().getFullYear());
    const out = [];
    for (let y = newest; y >= Math.min(FIRST_SERIES_YEAR, newest - YEAR_CHOICES_BACK); y--) out.push({ value: y, selected: y === year });
    return out;
  }

  async function renderTable(req: Request, res: Response, year: number, extra: Record<string, unknown> = {}): Promise<void> {
    const table = await indicatorTable(db, year, vars());
    const groups = groupByLevel(table.rows.map((row) => presentRow(row)));
    const publications = (await listPublications(db, year)).map((p) => ({ ...p }));
    res.render('pages/indicators/index', {
      title: 'Indikatorer',
      year,
      years: yearChoices(year),
      groups,
      hasRows: table.rows.length > 0,
      publication: table.publication
        ? { version: table.publication.version, publishedAt: table.publication.publishedAt, by: table.publication.publishedByName }
        : null,
      anyDiffers: table.rows.some((row) => row.differsFrom.length > 0),
      publications,
      ...extra,
    });
  }

  r.get('/indicators', requireRole('analyst'), async (req, res) => {
    await renderTable(req, res, await yearOf(req));
  });

  r.get('/indicators/export', requireRole('analyst'), async (req, res) => {
    const year = await yearOf(req);
    const format = req.query.format ?? 'csv';
    if (!isExportFormat(format)) throw new ValidationError([{ field: 'format', message: 'Formatet ska vara json, csv eller flat.' }]);
    const out = await exportYear(db, year, format, vars());
    res.set('Content-Type', out.contentType);
    res.set('Content-Disposition', `attachment; filename="${out.fileName}"`);
    res.send(out.body);
  });

  r.post('/indicators/publish', requireRole('analyst'), async (req, res) => {
    const year = parseYear(str(req.body, 'year'));
    try {
      const p = await publishYear(db, actorOf(req), str(req.body, 'year'), vars(), str(req.body, 'reason'));
      flash(
        req,
        'success',
        p.version === 1 ? `${p.year} är publicerat. Siffrorna är nu frysta.` : `${p.year} är publicerat igen som version ${p.version}.`,
      );
      res.redirect(303, `/indicators?year=${p.year}`);
    } catch (e) {
      if (!(e instanceof ValidationError) || year === null) throw e;
      res.status(400);
      await renderTable(req, res, year, { errors: e.problems, reason: str(req.body, 'reason') });
    }
  });

  // ---- import of historical values ----------------------------------------------------------
  r.get('/indicators/import', requireRole('analyst'), (_req, res) => {
    res.render('pages/indicators/import', { title: 'Läs in historiska indikatorvärden' });
  });

  r.post('/indicators/import', requireRole('analyst'), async (req, res) => {
    if (!req.file) {
      res.status(400);
      return res.render('pages/indicators/import', {
        title: 'Läs in historiska indikatorvärden',
        errors: [{ field: 'file', message: 'Välj en CSV-fil att läsa in.' }],
      });
    }
    try {
      const result = await importValues(db, actorOf(req), req.file.buffer);
      flash(
        req,
        'success',
        `${result.rows} värden är inlästa (${result.replaced} ersatte tidigare värden) för ${result.indicators.join(', ')}.`,
      );
      res.redirect(303, '/indicators/import');
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      res.render('pages/indicators/import', { title: 'Läs in historiska indikatorvärden', errors: e.problems, importFailed: true });
    }
  });

  // ---- one indicator ------------------------------------------------------------------------
  async function renderIndicator(
    req: Request,
    res: Response,
    id: string,
    year: number,
    extra: { errors?: FieldErrors; values?: Record<string, string> } = {},
  ): Promise<void> {
    const indicator = await findIndicator(db, id);
    if (!indicator) throw new NotFoundError('Indikatorn finns inte.');
    const table = await indicatorTable(db, year, vars());
    const tableRow = table.rows.find((x) => x.id === id);
    if (!tableRow) throw new NotFoundError('Indikatorn finns inte längre i enkätfilerna.');
    const row = presentRow(tableRow);
    const live = tableRow.live ? presentRow(tableRow.live) : null;
    const series = (await indicatorSeries(db, id, year, vars())).map((x) => presentRow(x));
    const comment = await findComment(db, id, year);
    const def = indicator.definition;
    res.render('pages/indicators/show', {
      title: indicator.name,
      indicator,
      levelLabel: LEVEL_LABELS[indicator.level ?? ''] ?? '',
      definitionText: {
        policy:
          def.kind === 'survey'
            ? def.dontKnowPolicy === 'include'
              ? 'include – Vet ej räknas med i nämnaren'
              : 'exclude – Vet ej räknas inte med i nämnaren'
            : null,
        question: def.kind === 'survey' ? def.question : null,
        numerator: def.kind === 'survey' ? def.numerator.join(', ') : null,
        meetingType: def.kind === 'attendance' ? def.meetingType : null,
        kind: KIND_LABELS[def.kind],
        tolerance: formatPpAmount(def.tolerance),
        deadBand: formatPpAmount(def.deadBand),
        minN: def.minN,
        direction: def.direction === 'higher' ? 'Högre är bättre' : 'Lägre är bättre',
        defaultTarget: formatTarget(def.target ?? null),
      },
      year,
      years: yearChoices(year),
      row,
      live,
      series,
      chart: series.length > 1 ? seriesChart(series) : null,
      breakdowns: await breakdowns(db, indicator, year),
      comment: extra.values?.comment ?? comment?.comment ?? '',
      statusOverride: extra.values?.status ?? comment?.statusOverride ?? '',
      statusReason: extra.values?.reason ?? comment?.statusReason ?? '',
      statuses: STATUSES.map((s) => ({ value: s, label: statusLabel(s) })),
      targets: (await targetsOf(db, id)).map((t) => ({ year: t.year, display: formatTarget(t.target), setAt: t.setAt })),
      storedValues: (await valuesOf(db, id)).map((v) => ({
        ...v,
        display: v.value !== null ? formatNumber(v.value, 1) + ' %' : `${v.numerator} av ${v.denominator}`,
      })),
      targetValue: extra.values?.target ?? (row.targetSource === 'set' && row.target !== null ? String(row.target).replace('.', ',') : ''),
      formValues: extra.values ?? {},
      errors: extra.errors,
    });
  }

  const idParam = (req: Request): string => {
    const id = String(req.params.id ?? '');
    if (!/^[a-z][a-z0-9_]{0,79}$/.test(id)) throw new NotFoundError('Indikatorn finns inte.');
    return id;
  };

  r.get('/indicators/:id', requireRole('analyst'), async (req, res) => {
    await renderIndicator(req, res, idParam(req), await yearOf(req));
  });

  /** Runs a change; on bad input re-renders the indicator's page with the errors (status 400). */
  async function change(req: Request, res: Response, run: (id: string) => Promise<string>): Promise<void> {
    const id = idParam(req);
    const year = parseYear(str(req.body, 'year'));
    try {
      const message = await run(id);
      flash(req, 'success', message);
      res.redirect(303, `/indicators/${id}?year=${year ?? ''}`);
    } catch (e) {
      if (!(e instanceof ValidationError) || year === null) throw e;
      res.status(400);
      const values: Record<string, string> = {};
      for (const k of ['target', 'comment', 'status', 'reason', 'value', 'numerator', 'denominator', 'source', 'valueComment'])
        values[k] = str(req.body, k);
      await renderIndicator(req, res, id, year, { errors: e.problems, values });
    }
  }

  r.post('/indicators/:id/target', requireRole('analyst'), async (req, res) => {
    await change(req, res, async (id) => {
      const target = await setTarget(db, actorOf(req), id, str(req.body, 'year'), str(req.body, 'target'));
      return `Målvärdet är ${formatTarget(target)}.`;
    });
  });

  r.post('/indicators/:id/comment', requireRole('analyst'), async (req, res) => {
    await change(req, res, async (id) => {
      await setComment(db, actorOf(req), id, str(req.body, 'year'), str(req.body, 'comment'));
      return 'Kommentaren är sparad.';
    });
  });

  r.post('/indicators/:id/status', requireRole('analyst'), async (req, res) => {
    await change(req, res, async (id) => {
      await setStatusOverride(db, actorOf(req), id, str(req.body, 'year'), str(req.body, 'status'), str(req.body, 'reason'));
      return str(req.body, 'status') ? 'Statusen är ändrad.' : 'Statusen följer färgen igen.';
    });
  });

  r.post('/indicators/:id/value', requireRole('analyst'), async (req, res) => {
    await change(req, res, async (id) => {
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
    await change(req, res, async (id) => {
      await removeValue(db, actorOf(req), id, str(req.body, 'year'));
      return 'Värdet är borttaget.';
    });
  });

  return r;
}
