// Login (rate-limited, session regenerated against fixation), logout, and one-time setup links.
import { type Request, type Response, Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Deps } from '../deps';
import type { FieldProblem } from '../errors';
import { handleForm, str } from '../forms';
import { flash } from '../middleware/auth';
import type { User } from '../repositories/users';
import { authenticate, completeSetup, findSetupToken, type SetupTokenInfo } from '../services/accounts';
import { safeReturnPath } from './public';

/** A new session id for the user (a session id planted before login is worth nothing). */
function regenerateSession(req: Request, user: User): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((err) => {
      if (err) return reject(err as Error);
      req.session.userId = user.id;
      req.session.epoch = user.sessionEpoch;
      resolve();
    });
  });
}

function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err as Error) : resolve())));
}

function loginRoutes(r: Router, { db }: Deps): void {
  // Failed logins are limited per address and account (10 per 15 minutes), and per address
  // over all accounts (100), so guessing is slow but one office behind NAT is not locked out.
  const tooMany = (_req: Request, res: Response) => {
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
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${str(req.body, 'email').trim().toLowerCase()}`,
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

  r.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, '/');
    res.render('pages/login', { title: 'Logga in', next: safeReturnPath(req.query.next, '') });
  });

  // Not handleForm: a wrong password is a 401 (it counts against the rate limit), not a form to correct.
  r.post('/login', loginLimiterPerAddress, loginLimiterPerAccount, async (req, res) => {
    const email = str(req.body, 'email');
    const password = str(req.body, 'password');
    const errors: FieldProblem[] = [];
    if (!email.trim()) errors.push({ field: 'email', message: 'Ange din e-postadress.' });
    if (!password) errors.push({ field: 'password', message: 'Ange ditt lösenord.' });
    const user = errors.length ? null : await authenticate(db, email, password);
    if (!user) {
      if (!errors.length) errors.push({ field: 'email', message: 'Fel e-postadress eller lösenord, eller så är kontot avstängt.' });
      res.status(errors.length && !email ? 400 : 401);
      // a failed attempt counts against the rate limit (skipSuccessfulRequests counts status >= 400)
      return res.render('pages/login', { title: 'Logga in', errors, email, next: safeReturnPath(str(req.body, 'next'), '') });
    }
    await regenerateSession(req, user);
    await saveSession(req);
    res.redirect(303, safeReturnPath(str(req.body, 'next'), '/'));
  });

  r.post('/logout', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie('pp.sid');
      res.redirect(303, '/login?utloggad=1');
    });
  });
}

function setupRoutes(r: Router, { db }: Deps): void {
  const setupLimiter = rateLimit({ windowMs: 15 * 60_000, limit: 30, standardHeaders: 'draft-8', legacyHeaders: false });
  const renderSetup = (res: Response, info: SetupTokenInfo, token: string, extra: Record<string, unknown> = {}) => {
    res.render('pages/setup', {
      title: info.purpose === 'first_admin' ? 'Skapa det första administratörskontot' : 'Välj lösenord',
      info,
      token,
      ...extra,
    });
  };
  const renderInvalid = (res: Response) => res.status(404).render('pages/setup-invalid', { title: 'Länken gäller inte' });

  r.get('/setup/:token', setupLimiter, async (req, res) => {
    const token = String(req.params.token);
    const info = await findSetupToken(db, token);
    if (!info) return renderInvalid(res);
    renderSetup(res, info, token);
  });

  r.post('/setup/:token', setupLimiter, async (req, res) => {
    const token = String(req.params.token);
    const info = await findSetupToken(db, token);
    if (!info) return renderInvalid(res);
    const input = { name: str(req.body, 'name'), email: str(req.body, 'email') };
    await handleForm(
      res,
      async () => {
        const user = await completeSetup(db, token, { ...input, password: str(req.body, 'password'), confirm: str(req.body, 'confirm') });
        await regenerateSession(req, user);
        flash(req, 'success', 'Ditt lösenord är sparat och du är inloggad.');
        req.session.save(() => res.redirect(303, '/'));
      },
      (errors) => renderSetup(res, info, token, { errors, values: input }),
    );
  });
}

export function authRouter(deps: Deps): Router {
  const r = Router();
  loginRoutes(r, deps);
  setupRoutes(r, deps);
  return r;
}
