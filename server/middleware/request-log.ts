// One structured log line per request (pino-http): method, route, path, status and time. Never
// tokens (personal links are masked, see loggableUrl), query strings, headers, cookies or the
// client's address — nothing personal.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Deps } from '../deps';
import { loggableUrl } from './error-handler';

/** The route pattern that answered (e.g. /rounds/:id/mail), or null for static files and 404s. */
function routeOf(req: Request): string | null {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : null;
}

function pathOf(req: Request): string {
  return loggableUrl(req).split('?')[0];
}

export function requestLog(deps: Pick<Deps, 'logger'>): RequestHandler {
  const middleware = pinoHttp<IncomingMessage, ServerResponse>({
    logger: deps.logger,
    autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/static/') || req.url === '/health' },
    serializers: {
      req: (r: { raw: Request; id: unknown }) => ({ id: r.id, method: r.raw.method, url: pathOf(r.raw) }),
      res: (r: { statusCode: number }) => ({ statusCode: r.statusCode }),
    },
    // the route is known only once answered: put on the line itself (customProps would make a
    // child logger at the start and another at the end of every request)
    customSuccessObject: (req, _res, val: Record<string, unknown>) => ({ ...val, route: routeOf(req as Request) }),
    customErrorObject: (req, _res, _err, val: Record<string, unknown>) => ({ ...val, route: routeOf(req as Request) }),
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req as Request) ?? '-'} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req as Request) ?? '-'} ${res.statusCode}`,
  });
  return (req, res, next) => middleware(req, res, next);
}
