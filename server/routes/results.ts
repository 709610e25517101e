// The results of a round (analysts and admins; coordinators may look too — nothing here changes
// anything):
//   GET /rounds/:id/resultat[?urval=typ:KOD|kommun:NAMN]   every question: counts, shares, charts, comments
//   GET /rounds/:id/resultat/svar.xlsx|svar.csv[?varden=koder]  the raw answers, streamed
import { type Request, Router } from 'express';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { intParam } from '../forms';
import { requireRole } from '../middleware/auth';
import { type AnswersFormat, answersExport } from '../services/answers-export';
import { resultsPage } from '../services/results-view';

function idOf(req: Request): number {
  const id = intParam(req.params.id);
  if (!id) throw new NotFoundError('Omgången finns inte.');
  return id;
}

function variantOf(req: Request): 'labels' | 'codes' {
  const v = req.query.varden;
  if (v === undefined || v === 'etiketter') return 'labels';
  if (v === 'koder') return 'codes';
  throw new ValidationError([
    { field: 'varden', message: 'Välj svarsalternativ i klartext (varden=etiketter) eller svarskoder (varden=koder).' },
  ]);
}

export function resultsRouter({ db, config }: Deps): Router {
  const r = Router();

  r.get('/rounds/:id/resultat', requireRole('analyst', 'coordinator'), async (req, res) => {
    const view = await resultsPage(db, config, idOf(req), {
      urval: req.query.urval,
      role: req.user!.role,
      locale: res.locals.locale ?? 'sv',
    });
    if (view.errors) res.status(400);
    res.render('pages/rounds/results', view);
  });

  const download = (format: AnswersFormat) =>
    r.get(`/rounds/:id/resultat/svar.${format}`, requireRole('analyst', 'coordinator'), async (req, res) => {
      const file = await answersExport(db, config, idOf(req), format, variantOf(req));
      res.set('Content-Type', file.contentType);
      res.set('Content-Disposition', `attachment; filename="${file.fileName}"`);
      res.set('Cache-Control', 'no-store');
      try {
        await file.write(res);
      } catch (e) {
        // the headers are gone: all that can be done is to break the download off, so no half file looks whole
        res.destroy(e instanceof Error ? e : undefined);
        throw e;
      }
    });
  download('xlsx');
  download('csv');
  return r;
}
