// CSRF on every form: a signed double-submit cookie (csrf-csrf), bound to the login session when
// there is one. Every rendered page gets the token as res.locals.csrfToken; /api/ uses bearer tokens instead.
import type { Request, RequestHandler } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import type { Deps } from '../deps';

function tokenFromRequest(req: Request): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  return body && typeof body._csrf === 'string' ? body._csrf : req.get('x-csrf-token');
}

export function csrfProtection(deps: Pick<Deps, 'config' | 'secret'>): RequestHandler[] {
  const secure = deps.config.baseUrl.startsWith('https://');
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => deps.secret,
    getSessionIdentifier: (req) => (req.session?.userId ? req.sessionID : 'anonymous'),
    cookieName: secure ? '__Host-pp.csrf' : 'pp.csrf',
    cookieOptions: { sameSite: 'lax', secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: tokenFromRequest,
    skipCsrfProtection: (req) => req.path.startsWith('/api/'),
  });
  const exposeToken: RequestHandler = (req, res, next) => {
    // the API renders no forms: no token, and no CSRF cookie on its answers. Elsewhere the token
    // (and its cookie) is made when a page that is rendered asks for it — not for a redirect or a
    // download, which never show a form (a submit's 303 made one for nothing).
    if (!req.path.startsWith('/api/')) {
      let token: string | undefined;
      Object.defineProperty(res.locals, 'csrfToken', {
        enumerable: true,
        configurable: true,
        get: () => (token ??= generateCsrfToken(req, res)),
        set: (v: string | undefined) => {
          token = v;
        },
      });
    }
    next();
  };
  return [exposeToken, doubleCsrfProtection];
}
