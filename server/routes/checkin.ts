// The check-in link of an årshjul meeting (public by token): an attendee opens it at the meeting
// and picks their organisation from the panel's list. Rate-limited; the token is checked by hash.
import { type Response, Router } from 'express';
import type { Deps } from '../deps';
import { tokenPageLimits } from '../middleware/rate-limits';
import { handleForm, str } from '../forms';
import { checkIn, checkinPage } from '../services/meetings';

function invalid(res: Response): void {
  res.status(404).render('pages/checkin/invalid', { title: 'Länken gäller inte' });
}

export function checkinRouter(deps: Deps): Router {
  const r = Router();
  const limiter = tokenPageLimits(deps.db, 'checkin');

  r.get('/incheckning/:token', limiter, async (req, res) => {
    const page = await checkinPage(deps.db, String(req.params.token));
    if (!page) return invalid(res);
    res.render('pages/checkin/show', page);
  });

  r.post('/incheckning/:token', limiter, async (req, res) => {
    const token = String(req.params.token);
    await handleForm(
      res,
      async () => {
        const result = await checkIn(deps.db, token, str(req.body, 'organisation'));
        if (!result) return invalid(res);
        const page = await checkinPage(deps.db, token);
        res.render('pages/checkin/done', {
          title: 'Tack för att du checkade in',
          name: result.name,
          already: result.already,
          meeting: page?.meeting ?? null,
          token,
        });
      },
      async (errors) => {
        const page = await checkinPage(deps.db, token);
        if (!page) return invalid(res);
        res.render('pages/checkin/show', { ...page, errors });
      },
    );
  });

  return r;
}
