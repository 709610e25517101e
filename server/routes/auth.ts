// Login (rate-limited, session regenerated against fixation), logout, and one-time setup links.
import { Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Deps } from '../deps';
import { ValidationError } from '../errors';
import { flash } from '../middleware/auth';
import { authenticate, completeSetup, findSetupToken } from '../services/accounts';
import { safeReturnPath } from './public';

export function authRouter(deps: Deps): Router {
  const r = Router();
  // Failed logins are limited per address and account (10 per 15 minutes), and per address
  // over all accounts (100), so guessing is slow but one office behind NAT is not locked out.
  const tooMany = (_req: import('express').Request, res: import('express').Response) => {
    res.status(429).render('pages/login', {
      title: 'Logga in',
      errors: [{ field: 'email', message: 'För många misslyckade inloggningsförsök. Vänta 15 minuter och försök igen.' }],
    });
  };
  const loginLimiterPerAccount = rateLimit({
    windowMs: 15 * 60_000,
    limit: 10,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    keyGenerator: (req) =>
      `${ipKeyGenerator(req.ip ?? '')}|${String(req.body?.email ?? '')
        .trim()
        .toLowerCase()}`,
    handler: tooMany,
  });
  const loginLimiterPerAddress = rateLimit({
    windowMs: 15 * 60_000,
    limit: 100,
    standardHeaders: false,
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    handler: tooMany,
  });
  const setupLimiter = rateLimit({ windowMs: 15 * 60_000, limit: 30, standardHeaders: 'draft-8', legacyHeaders: false });

  r.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, '/');
    res.render('pages/login', { title: 'Logga in', next: safeReturnPath(req.query.next, '') });
  });

  r.post('/login', loginLimiterPerAddress, loginLimiterPerAccount, async (req, res, next) => {
    const email = typeof req.body?.email === 'string' ? req.body.email : '';
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const errors = [];
    if (!email.trim()) errors.push({ field: 'email', message: 'Ange din e-postadress.' });
    if (!password) errors.push({ field: 'password', message: 'Ange ditt lösenord.' });
    const user = errors.length ? null : await authenticate(deps.db, email, password);
    if (!user) {
      if (!errors.length) errors.push({ field: 'email', message: 'Fel e-postadress eller lösenord, eller så är kontot avstängt.' });
      res.status(errors.length && !email ? 400 : 401);
      // a failed attempt counts against the rate limit (skipSuccessfulRequests counts status >= 400)
      return res.render('pages/login', { title: 'Logga in', errors, email, next: safeReturnPath(req.body?.next, '') });
    }
    // A new session id at login: a session id planted before login is worth nothing.
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.userId = user.id;
      req.session.epoch = user.sessionEpoch;
      req.session.save((err2) => {
        if (err2) return next(err2);
        res.redirect(303, safeReturnPath(req.body?.next, '/'));
      });
    });
  });

  r.post('/logout', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie('pp.sid');
      res.redirect(303, '/login?utloggad=1');
    });
  });

  r.get('/setup/:token', setupLimiter, async (req, res) => {
    const info = await findSetupToken(deps.db, String(req.params.token));
    if (!info) return res.status(404).render('pages/setup-invalid', { title: 'Länken gäller inte' });
    res.render('pages/setup', {
      title: info.purpose === 'first_admin' ? 'Skapa det första administratörskontot' : 'Välj lösenord',
      info,
      token: req.params.token,
    });
  });

  r.post('/setup/:token', setupLimiter, async (req, res, next) => {
    const token = String(req.params.token);
    const info = await findSetupToken(deps.db, token);
    if (!info) return res.status(404).render('pages/setup-invalid', { title: 'Länken gäller inte' });
    try {
      const user = await completeSetup(deps.db, token, {
        name: req.body?.name,
        email: req.body?.email,
        password: String(req.body?.password ?? ''),
        confirm: String(req.body?.confirm ?? ''),
      });
      req.session.regenerate((err) => {
        if (err) return next(err);
        req.session.userId = user.id;
        req.session.epoch = user.sessionEpoch;
        flash(req, 'success', 'Ditt lösenord är sparat och du är inloggad.');
        req.session.save(() => res.redirect(303, '/'));
      });
    } catch (e) {
      if (e instanceof ValidationError) {
        return res.status(400).render('pages/setup', {
          title: info.purpose === 'first_admin' ? 'Skapa det första administratörskontot' : 'Välj lösenord',
          info,
          token,
          errors: e.problems,
          values: { name: req.body?.name, email: req.body?.email },
        });
      }
      throw e;
    }
  });
  return r;
}
