// The check-in link of an årshjul meeting (public by token): an attendee opens it at the meeting
// and picks their organisation from the panel's list — a claim the coordinator confirms on the
// meeting's checklist (services/meetings.ts). One organisation per browser: a random cookie names
// the browser (only its hash is stored). Rate-limited; the token is checked by hash.
import crypto from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { tokenPageLimits } from '../middleware/rate-limits';
import { handleForm, str } from '../forms';
import { checkIn, checkinPage } from '../services/meetings';

const BROWSER_COOKIE = 'pp_checkin';

/** The browser's check-in id: from its cookie, or a new random one set now (for a year, this path only). */
function browserIdOf(req: Request, res: Response): string {
  const cookies = req.cookies as Record<string, unknown> | undefined;
  const existing = cookies?.[BROWSER_COOKIE];
  if (typeof existing === 'string' && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const id = crypto.randomBytes(32).toString('base64url');
  res.cookie(BROWSER_COOKIE, id, { httpOnly: true, sameSite: 'lax', path: '/incheckning', maxAge: 365 * 86400_000, secure: req.secure });
  return id;
}

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
        const result = await checkIn(deps.db, token, str(req.body, 'organisation'), browserIdOf(req, res));
        if (!result) return invalid(res);
        const page = await checkinPage(deps.db, token);
        res.render('pages/checkin/done', {
          title: 'Tack för att du checkade in',
          name: result.name,
          already: result.kind === 'already',
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
