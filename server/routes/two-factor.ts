// Two-factor authentication for local accounts (TOTP, services/totp.ts):
//   after the password: GET/POST /login/tvastegs (a code from the app or a recovery code), or —
//   an admin without two-factor while TWO_FACTOR_ADMINS=required — GET/POST /login/tvastegs/aktivera;
//   signed in: GET /konto/tvastegs, POST /konto/tvastegs/aktivera, POST /konto/tvastegs/stang-av.
// The pending sign-in lives in the session for 10 minutes; codes are rate-limited like passwords.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { NotFoundError } from '../errors';
import { intParam, str } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { clientAddress } from '../middleware/rate-limits';
import { knownDevice, startStaffSession } from '../middleware/staff-session';
import type { User } from '../repositories/users';
import { findAccount } from '../services/own-account';
import { loginAllowed, type LoginAttempt, loginFailed, loginSucceeded } from '../services/rate-limits';
import { recordSignIn, recordSignInFailure } from '../services/sign-in';
import { checkSecondFactor, confirmEnrolment, hasTwoFactor, newEnrolment, recoveryCodesLeft, turnOffTwoFactor } from '../services/totp';
import { safeReturnPath } from './public';

declare module 'express-session' {
  interface SessionData {
    /** a password that was right, waiting for the second factor (or for enrolment) */
    pendingLogin?: { userId: number; at: number; next: string; enrol: boolean; method: string; flash?: string };
    /** a TOTP secret shown for enrolment, until a code from it is confirmed */
    totpEnrolment?: string;
  }
}

const PENDING_MS = 10 * 60_000;

type Signable = Pick<User, 'id' | 'email' | 'sessionEpoch'>;

/** The end of every sign-in: a new session, the audit entry, and on to `next`. */
export async function finishSignIn(
  deps: Deps,
  req: Request,
  res: Response,
  user: Signable,
  method: string,
  next: string,
  sso?: { provider: string; idToken: string },
  message?: string,
): Promise<void> {
  await startStaffSession(req, res, deps, user, method, sso);
  await recordSignIn(deps.db, user.id, method);
  if (message) flash(req, 'success', message);
  await new Promise<void>((resolve) => req.session.save(() => resolve()));
  res.redirect(303, safeReturnPath(next, '/'));
}

/** After a right password: the second factor when the account has one (or must enrol), else signed in. */
export async function continueAfterPassword(
  deps: Deps,
  req: Request,
  res: Response,
  user: User,
  next: string,
  opts: { method?: string; flash?: string } = {},
): Promise<void> {
  const method = opts.method ?? 'password';
  const enrolled = await hasTwoFactor(deps.db, user.id);
  const mustEnrol = !enrolled && user.role === 'admin' && deps.config.signIn.twoFactorForAdmins === 'required';
  if (!enrolled && !mustEnrol) return finishSignIn(deps, req, res, user, method, next, undefined, opts.flash);
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err as Error) : resolve())));
  req.session.pendingLogin = { userId: user.id, at: Date.now(), next, enrol: mustEnrol, method, flash: opts.flash };
  await new Promise<void>((resolve) => req.session.save(() => resolve()));
  res.redirect(303, mustEnrol ? '/login/tvastegs/aktivera' : '/login/tvastegs');
}

/** What the two-factor pages share: the pending sign-in, and the enrolment page and its confirmation. */
function helpers(deps: Deps) {
  const { db, config, secret } = deps;
  const issuer = `Partnerpuls ${config.regionName}`;
  /** The pending sign-in's account, when it is recent and the account still active. */
  const pendingUser = async (req: Request): Promise<User | null> => {
    const p = req.session.pendingLogin;
    if (!p || Date.now() - p.at > PENDING_MS) return null;
    return findAccount(db, p.userId);
  };
  const expired = (res: Response) =>
    res.status(400).render('pages/error', { title: 'Inloggningen har gått ut', status: 400, message: 'Logga in igen.' });

  /** The enrolment page: a QR code and the secret as text, and a field for the first code. */
  const renderEnrol = (req: Request, res: Response, action: string, email: string, errors?: unknown) => {
    req.session.totpEnrolment ??= newEnrolment(null, email, issuer).secret;
    res.render('pages/two-factor/enrol', {
      title: 'Aktivera tvåstegsverifiering',
      enrolment: newEnrolment(req.session.totpEnrolment, email, issuer),
      action,
      required: action.startsWith('/login/'),
      errors,
    });
  };

  /** A confirmed enrolment: the recovery codes, shown once. */
  const confirm = async (req: Request, res: Response, user: User, action: string): Promise<string[] | null> => {
    const pendingSecret = req.session.totpEnrolment;
    const codes = pendingSecret
      ? await confirmEnrolment(db, secret, { userId: user.id, label: 'user' }, user.id, pendingSecret, str(req.body, 'code'))
      : null;
    if (!codes) {
      res.status(400);
      renderEnrol(req, res, action, user.email, [
        { field: 'code', message: 'Koden stämmer inte. Skriv de sex siffrorna som appen visar just nu.' },
      ]);
      return null;
    }
    delete req.session.totpEnrolment;
    return codes;
  };

  return { pendingUser, expired, renderEnrol, confirm };
}

/** The sign-in's second step: a code, or (an admin who must) enrolment. */
function addSignInSteps(r: Router, deps: Deps): void {
  const { db, config, secret } = deps;
  const { pendingUser, expired, renderEnrol, confirm } = helpers(deps);
  r.get('/login/tvastegs', async (req, res) => {
    const user = await pendingUser(req);
    if (!user || req.session.pendingLogin?.enrol) return expired(res);
    res.render('pages/two-factor/code', { title: 'Tvåstegsverifiering' });
  });

  r.post('/login/tvastegs', async (req, res) => {
    const user = await pendingUser(req);
    const pending = req.session.pendingLogin;
    if (!user || !pending || pending.enrol) return expired(res);
    const attempt: LoginAttempt = {
      scope: 'code',
      address: clientAddress(req),
      account: `user:${user.id}`,
      device: knownDevice(req, config, secret, user.email),
    };
    const fail = async (status: number, message: string) => {
      await recordSignInFailure(db, user.id, 'password', status === 429 ? 'rate_limited' : 'wrong_code');
      res.status(status).render('pages/two-factor/code', { title: 'Tvåstegsverifiering', errors: [{ field: 'code', message }] });
    };
    if (!(await loginAllowed(db, attempt))) return fail(429, 'För många felaktiga koder. Vänta 15 minuter och försök igen.');
    const check = await checkSecondFactor(db, secret, user.id, str(req.body, 'code'));
    if (!check.ok) {
      await loginFailed(db, attempt);
      return fail(401, 'Koden stämmer inte. Skriv de sex siffrorna som appen visar just nu, eller en av dina återställningskoder.');
    }
    await loginSucceeded(db, attempt);
    const note = check.recoveryCodeUsed
      ? `Du loggade in med en återställningskod. Du har ${check.recoveryCodesLeft} kvar.` +
        (check.recoveryCodesLeft <= 3 ? ' Stäng av och aktivera tvåstegsverifieringen igen under Mitt konto för att få nya.' : '')
      : pending.flash;
    await finishSignIn(deps, req, res, user, pending.method, pending.next, undefined, note);
  });

  r.get('/login/tvastegs/aktivera', async (req, res) => {
    const user = await pendingUser(req);
    if (!user || !req.session.pendingLogin?.enrol) return expired(res);
    renderEnrol(req, res, '/login/tvastegs/aktivera', user.email);
  });

  r.post('/login/tvastegs/aktivera', async (req, res) => {
    const user = await pendingUser(req);
    const pending = req.session.pendingLogin;
    if (!user || !pending?.enrol) return expired(res);
    const codes = await confirm(req, res, user, '/login/tvastegs/aktivera');
    if (!codes) return;
    await startStaffSession(req, res, deps, user, pending.method);
    await recordSignIn(db, user.id, pending.method);
    res.render('pages/two-factor/recovery-codes', { title: 'Dina återställningskoder', codes, next: safeReturnPath(pending.next, '/') });
  });
}

/** Mitt konto → Tvåstegsverifiering: turn it on (enrol) or off. */
function addAccountPages(r: Router, deps: Deps): void {
  const { db, config, secret } = deps;
  const { renderEnrol, confirm } = helpers(deps);
  const staff = requireRole('admin', 'coordinator', 'analyst');

  r.get('/konto/tvastegs', staff, async (req, res) => {
    const user = req.user!;
    if (await hasTwoFactor(db, user.id)) {
      return res.render('pages/two-factor/status', {
        title: 'Tvåstegsverifiering',
        codesLeft: await recoveryCodesLeft(db, user.id),
        canTurnOff: !(user.role === 'admin' && config.signIn.twoFactorForAdmins === 'required'),
      });
    }
    renderEnrol(req, res, '/konto/tvastegs/aktivera', user.email);
  });

  r.post('/konto/tvastegs/aktivera', staff, async (req, res) => {
    const codes = await confirm(req, res, req.user!, '/konto/tvastegs/aktivera');
    if (codes) res.render('pages/two-factor/recovery-codes', { title: 'Dina återställningskoder', codes, next: '/konto' });
  });

  r.post('/konto/tvastegs/stang-av', staff, async (req, res) => {
    const user = req.user!;
    if (user.role === 'admin' && config.signIn.twoFactorForAdmins === 'required') {
      flash(req, 'error', 'Administratörer måste ha tvåstegsverifiering.');
      return res.redirect(303, '/konto/tvastegs');
    }
    // a session alone is not enough: turning it off takes a code (or a recovery code)
    if (!(await checkSecondFactor(db, secret, user.id, str(req.body, 'code'))).ok) {
      flash(req, 'error', 'Koden stämmer inte. Tvåstegsverifieringen är fortfarande på.');
      return res.redirect(303, '/konto/tvastegs');
    }
    await turnOffTwoFactor(db, actorOf(req), user.id);
    flash(req, 'success', 'Tvåstegsverifieringen är avstängd.');
    res.redirect(303, '/konto');
  });
}

export function twoFactorRouter(deps: Deps): Router {
  const r = Router();
  addSignInSteps(r, deps);
  addAccountPages(r, deps);
  // Konton: an admin turns two-factor off for someone who lost both phone and recovery codes
  r.post('/admin/users/:id/tvastegs/stang-av', requireRole('admin'), async (req, res) => {
    const id = intParam(req.params.id);
    if (!id || !(await findAccount(deps.db, id))) throw new NotFoundError('Kontot finns inte.');
    if (id === req.user!.id) {
      flash(req, 'error', 'Din egen tvåstegsverifiering ändrar du under Mitt konto.');
      return res.redirect(303, '/admin/users');
    }
    await turnOffTwoFactor(deps.db, actorOf(req), id);
    flash(req, 'success', 'Tvåstegsverifieringen är avstängd för kontot. Personen kan aktivera den igen under Mitt konto.');
    res.redirect(303, '/admin/users');
  });
  return r;
}
