// Mitt konto (every staff role): who you are, two-factor, and changing your own password.
//   GET /konto, GET/POST /konto/losenord
import { Router } from 'express';
import type { Deps } from '../deps';
import { handleForm, str } from '../forms';
import { flash, requireRole } from '../middleware/auth';
import { clientAddress } from '../middleware/rate-limits';
import { knownDevice } from '../middleware/staff-session';
import { changeOwnPassword } from '../services/own-account';
import { loginAllowed, type LoginAttempt, loginFailed } from '../services/rate-limits';
import { recordSignInFailure } from '../services/sign-in';
import { hasTwoFactor } from '../services/totp';

export function accountRouter(deps: Deps): Router {
  const r = Router();
  const { db, config, secret } = deps;
  const staff = requireRole('admin', 'coordinator', 'analyst');

  r.get('/konto', staff, async (req, res) => {
    const user = req.user!;
    res.render('pages/account/show', {
      title: 'Mitt konto',
      twoFactor: await hasTwoFactor(db, user.id),
      ssoSession: req.session.loginMethod?.startsWith('sso:') ?? false,
      hasPassword: user.hasPassword,
    });
  });

  r.get('/konto/losenord', staff, (req, res) => {
    res.render('pages/account/password', { title: 'Byt lösenord', hasPassword: req.user!.hasPassword });
  });

  r.post('/konto/losenord', staff, async (req, res) => {
    const user = req.user!;
    const render = (errors: unknown) =>
      res.render('pages/account/password', { title: 'Byt lösenord', hasPassword: user.hasPassword, errors });
    // the current password is guessed no faster here than at the login page
    const attempt: LoginAttempt = {
      scope: 'password',
      address: clientAddress(req),
      account: user.email,
      device: knownDevice(req, config, secret, user.email),
    };
    if (!(await loginAllowed(db, attempt))) {
      res.status(429);
      return render([{ field: 'current', message: 'För många felaktiga lösenord. Vänta 15 minuter och försök igen.' }]);
    }
    await handleForm(
      res,
      async () => {
        const result = await changeOwnPassword(db, user.id, {
          current: str(req.body, 'current'),
          password: str(req.body, 'password'),
          confirm: str(req.body, 'confirm'),
        });
        if (!result.ok) {
          await loginFailed(db, attempt);
          await recordSignInFailure(db, user.id, 'password_change', 'wrong_password');
          res.status(400);
          return render([{ field: 'current', message: 'Det nuvarande lösenordet stämmer inte.' }]);
        }
        // this session goes on; every other session of the account has ended
        req.session.epoch = result.epoch;
        flash(req, 'success', 'Ditt lösenord är bytt. Du är utloggad på alla andra ställen.');
        res.redirect(303, '/konto');
      },
      (problems) => render(problems),
    );
  });

  return r;
}
