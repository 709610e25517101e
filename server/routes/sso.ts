// Single sign-on through OpenID Connect (services/oidc.ts):
//   POST /login/sso/:provider           the button on the login page (a form with CSRF): to the provider
//   GET  /login/sso/:provider/callback  the provider sends the browser back here with a code. This
//                                       GET signs in (the provider can only redirect); its state
//                                       parameter, bound to this browser's session, stands in for CSRF.
// Logout ends the provider's session too when it offers an end-session endpoint.
import { type Request, type Response, Router } from 'express';
import type { Config } from '../config';
import type { Deps } from '../deps';
import { NotFoundError } from '../errors';
import { str } from '../forms';
import {
  beginAuthorization,
  completeAuthorization,
  endSessionUrl,
  OidcClients,
  type PendingAuthorization,
  resolveAccount,
} from '../services/oidc';
import { recordSignInFailure, recordSignOut } from '../services/sign-in';
import type { OidcProviderConfig } from '../sign-in-config';
import { safeReturnPath } from './public';
import { finishSignIn } from './two-factor';

declare module 'express-session' {
  interface SessionData {
    /** an authorization request on its way to a provider */
    oidc?: PendingAuthorization;
  }
}

const PENDING_MS = 10 * 60_000;

/** One set of discovered providers per app (the config object is per app). */
const clientsByConfig = new WeakMap<Config, OidcClients>();
function clientsOf(config: Config): OidcClients {
  let c = clientsByConfig.get(config);
  if (!c) clientsByConfig.set(config, (c = new OidcClients()));
  return c;
}

function providerNamed(config: Config, name: unknown): OidcProviderConfig | null {
  return config.signIn.oidcProviders.find((p) => p.name === name) ?? null;
}

function callbackUri(config: Config, p: OidcProviderConfig): string {
  return `${config.baseUrl}/login/sso/${p.name}/callback`;
}

/** What the login page shows: one button per provider, and the password form unless it is hidden or off. */
export function loginPageView(config: Config, req: Request): Record<string, unknown> {
  const mode = config.signIn.passwordLogin;
  return {
    title: 'Logga in',
    providers: config.signIn.oidcProviders.map((p) => ({ name: p.name, label: p.label })),
    showPassword: mode === 'on' || (mode === 'hidden' && req.query.losenord === '1'),
    passwordHidden: mode === 'hidden' && req.query.losenord !== '1',
  };
}

/** Where logout sends the browser: the provider's end-session endpoint for an SSO session, else the login page. */
export async function endSessionRedirect(deps: Deps, req: Request): Promise<string> {
  const local = '/login?utloggad=1';
  const userId = req.session?.userId;
  if (userId) await recordSignOut(deps.db, userId, req.session.loginMethod ?? 'password');
  const sso = req.session?.sso;
  const p = sso ? providerNamed(deps.config, sso.provider) : null;
  if (!sso || !p) return local;
  try {
    return (await endSessionUrl(clientsOf(deps.config), p, sso.idToken, deps.config.baseUrl + local)) ?? local;
  } catch (err) {
    deps.logger.warn({ err, provider: p.name }, 'end-session endpoint unavailable; logged out locally');
    return local;
  }
}

const REFUSALS: Record<string, string> = {
  unknown_account: 'Det finns inget konto i Partnerpuls för dig. Be en administratör att skapa ett med din e-postadress.',
  inactive: 'Ditt konto i Partnerpuls är avstängt. Kontakta en administratör.',
  no_role: 'Du har ingen roll i Partnerpuls hos din organisations inloggningstjänst. Kontakta en administratör.',
  no_email: 'Inloggningstjänsten skickade ingen e-postadress. Kontakta en administratör.',
  email_unverified: 'Inloggningstjänsten har inte bekräftat din e-postadress. Kontakta en administratör.',
  subject_mismatch: 'Kontot hör ihop med en annan identitet hos inloggningstjänsten. Kontakta en administratör.',
};

export function ssoRouter(deps: Deps): Router {
  const r = Router();
  const { config, db, logger } = deps;
  const clients = clientsOf(config);

  const failed = (res: Response, status: number, message: string) =>
    res.status(status).render('pages/sso-failed', { title: 'Inloggningen misslyckades', message });

  r.post('/login/sso/:provider', async (req, res) => {
    const p = providerNamed(config, req.params.provider);
    if (!p) throw new NotFoundError();
    try {
      const { url, pending } = await beginAuthorization(clients, p, callbackUri(config, p), safeReturnPath(str(req.body, 'next'), '/'));
      req.session.oidc = pending;
      await new Promise<void>((resolve) => req.session.save(() => resolve()));
      res.redirect(303, url);
    } catch (err) {
      logger.error({ err, provider: p.name }, 'OpenID Connect provider unavailable');
      failed(res, 502, 'Inloggningstjänsten svarar inte just nu. Försök igen om en stund.');
    }
  });

  r.get('/login/sso/:provider/callback', async (req, res) => {
    const p = providerNamed(config, req.params.provider);
    if (!p) throw new NotFoundError();
    const pending = req.session.oidc;
    delete req.session.oidc; // one use, whatever happens
    if (!pending || pending.provider !== p.name || Date.now() - pending.at > PENDING_MS || str(req.query, 'state') !== pending.state) {
      await recordSignInFailure(db, null, `sso:${p.name}`, 'sso_refused', 'state');
      return failed(res, 400, 'Inloggningen kunde inte slutföras (den har gått ut eller startades i en annan flik). Försök igen.');
    }
    let identity;
    try {
      identity = await completeAuthorization(clients, p, new URL(req.originalUrl, config.baseUrl), pending);
    } catch (err) {
      logger.warn({ err, provider: p.name }, 'OpenID Connect sign-in refused');
      await recordSignInFailure(db, null, `sso:${p.name}`, 'sso_refused', 'provider');
      return failed(res, 400, 'Inloggningstjänsten godkände inte inloggningen. Försök igen.');
    }
    const account = await resolveAccount(db, p, identity);
    if (!account.ok) {
      await recordSignInFailure(db, account.userId, `sso:${p.name}`, 'sso_refused', account.reason);
      return failed(res, 403, REFUSALS[account.reason] ?? REFUSALS.unknown_account);
    }
    await finishSignIn(deps, req, res, account.user, `sso:${p.name}`, pending.next, { provider: p.name, idToken: identity.idToken });
  });

  return r;
}
