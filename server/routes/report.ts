// The year's report for analysts (admin passes): /rapport/:year, the page that goes into the
// annual report, in the reader's language; its print stylesheet's page box; the same report as
// Word, PDF and HTML files; each chart as SVG and PNG. Unpublished years show the live figures,
// marked as preliminary; the report is a staff page (the region publishes the files itself).
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { NotFoundError } from '../errors';
import { requireRole } from '../middleware/auth';
import { svgToPng } from '../services/charts/render';
import { yearChoices } from '../services/indicator-view';
import { defaultIndicatorYear } from '../services/indicators';
import { reportChartOf, reportModel } from '../services/report';
import { reportDocx } from '../services/report-docx';
import { htmlToPdf, reportFileCss, reportPageCss } from '../services/report-files';
import { placeholderValues } from '../services/surveys';
import { parseYear } from '../lib/year';
import { renderToString } from '../views';

function yearParam(req: Request): number {
  const year = parseYear(req.params.year);
  if (year === null) throw new NotFoundError('Rapporten finns inte: ange året med fyra siffror, t.ex. /rapport/2025.');
  return year;
}

function download(res: Response, body: Buffer | string, contentType: string, fileName: string): void {
  res.set('Content-Type', contentType);
  res.set('Content-Disposition', `attachment; filename="${fileName}"`);
  res.send(body);
}

export function reportRouter(deps: Deps): Router {
  const r = Router();
  const { db, config } = deps;
  const vars = () => placeholderValues(config);
  const model = (req: Request, res: Response) => reportModel(db, yearParam(req), vars(), config.regionName, res.locals.locale);
  /** The report as one HTML file with its styles inline (the HTML download and the PDF's source). */
  const standalone = async (req: Request, res: Response) => {
    const m = await model(req, res);
    const inlineCss = reportFileCss(config.regionName, m.year, m.locale);
    return { m, html: await renderToString('pages/report/show', { ...m, standalone: true, layout: 'report-file', inlineCss }) };
  };

  r.get('/rapport', requireRole('analyst'), async (req, res) => {
    const year = parseYear(req.query.year) ?? (await defaultIndicatorYear(db));
    res.redirect(303, `/rapport/${year}`);
  });

  r.get('/rapport/:year', requireRole('analyst'), async (req, res) => {
    const m = await model(req, res);
    res.render('pages/report/show', {
      ...m,
      title: 'Indikatorrapport',
      years: yearChoices(m.year),
      stylesheets: ['/static/report.css', `/rapport/${m.year}/sida.css`],
    });
  });

  r.get('/rapport/:year/sida.css', requireRole('analyst'), (req, res) => {
    res.type('text/css').send(reportPageCss(config.regionName, yearParam(req), res.locals.locale));
  });

  r.get('/rapport/:year/rapport.html', requireRole('analyst'), async (req, res) => {
    const { m, html } = await standalone(req, res);
    download(res, html, 'text/html; charset=utf-8', `indikatorer-${m.year}.html`);
  });

  r.get('/rapport/:year/rapport.pdf', requireRole('analyst'), async (req, res) => {
    const { m, html } = await standalone(req, res);
    download(res, await htmlToPdf(html, config.chromiumPath), 'application/pdf', `indikatorer-${m.year}.pdf`);
  });

  r.get('/rapport/:year/rapport.docx', requireRole('analyst'), async (req, res) => {
    const m = await model(req, res);
    download(
      res,
      await reportDocx(m),
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      `indikatorer-${m.year}.docx`,
    );
  });

  r.get('/rapport/:year/diagram/:file', requireRole('analyst'), async (req, res) => {
    const m = /^([a-z][a-z0-9_]{0,79})\.(svg|png)$/.exec(String(req.params.file));
    if (!m) throw new NotFoundError('Diagrammet finns inte.');
    const year = yearParam(req);
    const chart = await reportChartOf(db, m[1], year, vars(), res.locals.locale);
    if (m[2] === 'svg') download(res, chart.svg, 'image/svg+xml; charset=utf-8', `${m[1]}-${year}.svg`);
    else download(res, svgToPng(chart.svg), 'image/png', `${m[1]}-${year}.png`);
  });

  return r;
}
