// Pages anyone may see: the start page, the accessibility statement, the language switch.
import { Router } from 'express';
import type { Deps } from '../deps';
import { str } from '../forms';
import { isLocale } from '../i18n';

export function safeReturnPath(v: unknown, fallback = '/'): string {
  return typeof v === 'string' && /^\/(?![/\\])[^\s]*$/.test(v) ? v : fallback;
}

export function publicRouter(deps: Deps): Router {
  const r = Router();
  r.get('/', (req, res) => {
    if (!req.user) return res.redirect(303, '/login');
    res.render('pages/home', { title: 'Översikt' });
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
