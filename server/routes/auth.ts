// Login (rate-limited per address and account, session regenerated against fixation), logout,
// and one-time setup links. Two-factor codes: routes/two-factor.ts; single sign-on: routes/sso.ts.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { type FieldProblem, NotFoundError } from '../errors';
import { handleForm, str } from '../forms';
import { clientAddress, tokenPageLimits } from '../middleware/rate-limits';
import { knownDevice, sessionCookieName } from '../middleware/staff-session';
import { completeSetup, findSetupToken, type SetupTokenInfo } from '../services/accounts';
import { loginAllowed, type LoginAttempt, loginFailed, loginSucceeded } from '../services/rate-limits';
import { checkPassword, recordSignInFailure } from '../services/sign-in';
import { safeReturnPath } from './public';
import { endSessionRedirect, loginPageView } from './sso';
import { continueAfterPassword } from './two-factor';

function loginRoutes(r: Router, deps: Deps): void {
  const { db, config } = deps;
  const renderLogin = (req: Request, res: Response, extra: Record<string, unknown> = {}) =>
    res.render('pages/login', { ...loginPageView(config, req), ...extra });
  const tooMany = (req: Request, res: Response) =>
    res.status(429).render('pages/login', {
      ...loginPageView(config, req),
      errors: [{ field: 'email', message: 'För många misslyckade inloggningsförsök. Vänta 15 minuter och försök igen.' }],
    });

  r.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, '/');
    renderLogin(req, res, { next: safeReturnPath(req.query.next, '') });
  });

  // Not handleForm: a wrong password is a 401 (it counts against the rate limits), not a form to correct.
  r.post('/login', async (req, res) => {
    if (config.signIn.passwordLogin === 'off') throw new NotFoundError();
    const email = str(req.body, 'email');
    const password = str(req.body, 'password');
    const next = safeReturnPath(str(req.body, 'next'), '');
    const errors: FieldProblem[] = [];
    if (!email.trim()) errors.push({ field: 'email', message: 'Ange din e-postadress.' });
    if (!password) errors.push({ field: 'password', message: 'Ange ditt lösenord.' });
    if (errors.length) return renderLogin(req, res.status(400), { errors, email, next, showPassword: true });
    // Limits (services/rate-limits.ts): per address and account, per account, per address — or,
    // in a browser where this account has signed in before, per device.
    const attempt: LoginAttempt = {
      scope: 'password',
      address: clientAddress(req),
      account: email,
      device: knownDevice(req, config, deps.secret, email),
    };
    if (!(await loginAllowed(db, attempt))) {
      await recordSignInFailure(db, null, 'password', 'rate_limited');
      return tooMany(req, res);
    }
    const check = await checkPassword(db, email, password);
    if (!check.ok) {
      await loginFailed(db, attempt);
      await recordSignInFailure(db, check.userId, 'password', check.reason);
      const message = 'Fel e-postadress eller lösenord, eller så är kontot avstängt.';
      return renderLogin(req, res.status(401), { errors: [{ field: 'email', message }], email, next, showPassword: true });
    }
    await loginSucceeded(db, attempt);
    await continueAfterPassword(deps, req, res, check.user, next);
  });

  r.post('/logout', async (req, res, next) => {
    const after = await endSessionRedirect(deps, req);
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(sessionCookieName(config));
      res.redirect(303, after);
    });
  });
}

function setupRoutes(r: Router, deps: Deps): void {
  const { db } = deps;
  const setupLimits = tokenPageLimits(db, 'setup');
  const renderSetup = (res: Response, info: SetupTokenInfo, token: string, extra: Record<string, unknown> = {}) => {
    res.render('pages/setup', {
      title: info.purpose === 'first_admin' ? 'Skapa det första administratörskontot' : 'Välj lösenord',
      info,
      token,
      ...extra,
    });
  };
  const renderInvalid = (res: Response) => res.status(404).render('pages/setup-invalid', { title: 'Länken gäller inte' });

  r.get('/setup/:token', setupLimits, async (req, res) => {
    const token = String(req.params.token);
    const info = await findSetupToken(db, token);
    if (!info) return renderInvalid(res);
    renderSetup(res, info, token);
  });

  r.post('/setup/:token', setupLimits, async (req, res) => {
    const token = String(req.params.token);
    const info = await findSetupToken(db, token);
    if (!info) return renderInvalid(res);
    const input = { name: str(req.body, 'name'), email: str(req.body, 'email') };
    await handleForm(
      res,
      async () => {
        const user = await completeSetup(db, token, { ...input, password: str(req.body, 'password'), confirm: str(req.body, 'confirm') });
        // an admin who must use two-factor enrols before the sign-in completes
        await continueAfterPassword(deps, req, res, user, '/', {
          method: 'setup_link',
          flash: 'Ditt lösenord är sparat och du är inloggad.',
        });
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
