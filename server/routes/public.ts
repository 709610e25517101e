// Pages anyone may see: the accessibility statement, the language switch; and the start page
// (Översikt) for staff.
import { type RequestHandler, Router } from 'express';
import type { Deps } from '../deps';
import { str } from '../forms';
import { isLocale } from '../i18n';
import { requireRole } from '../middleware/auth';
import { overviewPage } from '../services/overview';

export function safeReturnPath(v: unknown, fallback = '/'): string {
  return typeof v === 'string' && /^\/(?![/\\])[^\s]*$/.test(v) ? v : fallback;
}

export function publicRouter(deps: Deps): Router {
  const r = Router();
  // The start page (Översikt) for every staff role; anyone else is sent to the login page.
  const toLogin: RequestHandler = (req, res, next) => (req.user ? next() : res.redirect(303, '/login'));
  r.get('/', toLogin, requireRole('coordinator', 'analyst'), async (req, res) => {
    res.render('pages/home', await overviewPage(deps.db, req.user!.role));
  });
  r.get('/tillganglighet', (_req, res) => {
    res.render('pages/accessibility', {
      title: 'Tillgänglighetsredogörelse',
      contact: deps.config.accessibilityContact,
      regionName: deps.config.regionName,
    });
  });
  r.post('/sprak', (req, res) => {
    const lang = str(req.body, 'lang');
    if (isLocale(lang)) {
      res.cookie('pp.lang', lang, {
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.config.baseUrl.startsWith('https://'),
        maxAge: 365 * 86400_000,
      });
    }
    res.redirect(303, safeReturnPath(str(req.body, 'returnTo')));
  });
  return r;
}
