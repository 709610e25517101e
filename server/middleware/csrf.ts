// CSRF on every form: a signed double-submit cookie (csrf-csrf), bound to the login session when
// there is one. Every page gets the token as res.locals.csrfToken; /api/ uses bearer tokens instead.
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
    // the API renders no forms: no token, and no CSRF cookie on its answers
    if (!req.path.startsWith('/api/')) res.locals.csrfToken = generateCsrfToken(req, res);
    next();
  };
  return [exposeToken, doubleCsrfProtection];
}
