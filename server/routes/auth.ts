// Login (rate-limited per address and account, session regenerated against fixation), logout,
// and one-time setup links. Two-factor codes: routes/two-factor.ts; single sign-on: routes/sso.ts.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { str } from '../forms';
import { clientAddress, tokenPageLimits } from '../middleware/rate-limits';
import { knownDevice, sessionCookieName } from '../middleware/staff-session';
import { completeSetup, findSetupToken, normaliseEmail } from '../services/accounts';
import { loginAllowed, type LoginAttempt, loginFailed, loginSucceeded } from '../services/rate-limits';
import { checkPassword, recordSignInFailure } from '../services/sign-in';
import { safeReturnPath } from './public';
import { endSessionRedirect, loginPageView } from './sso';
import { continueAfterPassword } from './two-factor';

/** GET/POST /login (password) and POST /logout. */
function addPasswordLogin(r: Router, deps: Deps): void {
  const renderLogin = (req: Request, res: Response, extra: Record<string, unknown> = {}) =>
    res.render('pages/login', { ...loginPageView(deps.config, req), ...extra });
  const tooMany = (req: Request, res: Response) =>
    res.status(429).render('pages/login', {
      ...loginPageView(deps.config, req),
      errors: [{ field: 'email', message: 'För många misslyckade inloggningsförsök. Vänta 15 minuter och försök igen.' }],
    });

  r.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, '/');
    renderLogin(req, res, { next: safeReturnPath(req.query.next, '') });
  });

  r.post('/login', async (req, res) => {
    if (deps.config.signIn.passwordLogin === 'off') throw new NotFoundError();
    const email = str(req.body, 'email');
    const password = str(req.body, 'password');
    const next = safeReturnPath(str(req.body, 'next'), '');
    const errors = [];
    if (!email.trim()) errors.push({ field: 'email', message: 'Ange din e-postadress.' });
    if (!password) errors.push({ field: 'password', message: 'Ange ditt lösenord.' });
    if (errors.length) return renderLogin(req, res.status(400), { errors, email, next, showPassword: true });
    // Limits (services/rate-limits.ts): per address and account, per account, per address — or,
    // in a browser where this account has signed in before, per device.
    const attempt: LoginAttempt = {
      scope: 'password',
      address: clientAddress(req),
      account: normaliseEmail(email),
      device: knownDevice(req, deps.config, deps.secret, email),
    };
    if (!(await loginAllowed(deps.db, attempt))) {
      await recordSignInFailure(deps.db, null, 'password', 'rate_limited');
      return tooMany(req, res);
    }
    const check = await checkPassword(deps.db, email, password);
    if (!check.ok) {
      await loginFailed(deps.db, attempt);
      await recordSignInFailure(deps.db, check.userId, 'password', check.reason);
      const message = 'Fel e-postadress eller lösenord, eller så är kontot avstängt.';
      return renderLogin(req, res.status(401), { errors: [{ field: 'email', message }], email, next, showPassword: true });
    }
    await loginSucceeded(deps.db, attempt);
    await continueAfterPassword(deps, req, res, check.user, next);
  });

  r.post('/logout', async (req, res, next) => {
    const after = await endSessionRedirect(deps, req);
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(sessionCookieName(deps.config));
      res.redirect(303, after);
    });
  });
}

export function authRouter(deps: Deps): Router {
  const r = Router();
  addPasswordLogin(r, deps);
  const setupLimits = tokenPageLimits(deps.db, 'setup');

  r.get('/setup/:token', setupLimits, async (req, res) => {
    const info = await findSetupToken(deps.db, String(req.params.token));
    if (!info) return res.status(404).render('pages/setup-invalid', { title: 'Länken gäller inte' });
    res.render('pages/setup', {
      title: info.purpose === 'first_admin' ? 'Skapa det första administratörskontot' : 'Välj lösenord',
      info,
      token: req.params.token,
    });
  });

  r.post('/setup/:token', setupLimits, async (req, res) => {
    const token = String(req.params.token);
    const info = await findSetupToken(deps.db, token);
    if (!info) return res.status(404).render('pages/setup-invalid', { title: 'Länken gäller inte' });
    try {
      const user = await completeSetup(deps.db, token, {
        name: str(req.body, 'name'),
        email: str(req.body, 'email'),
        password: str(req.body, 'password'),
        confirm: str(req.body, 'confirm'),
      });
      await continueAfterPassword(deps, req, res, user, '/', {
        method: 'setup_link',
        flash: 'Ditt lösenord är sparat och du är inloggad.',
      });
    } catch (e) {
      if (e instanceof ValidationError) {
        return res.status(400).render('pages/setup', {
          title: info.purpose === 'first_admin' ? 'Skapa det första administratörskontot' : 'Välj lösenord',
          info,
          token,
          errors: e.problems,
          values: { name: str(req.body, 'name'), email: str(req.body, 'email') },
        });
      }
      throw e;
    }
  });
  return r;
}
