// createApp(deps): the express app as a short list of named setup steps. Each step lives in
// middleware/ (or routes/ for the routers); the order matters and is the order below.
import http from 'node:http';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express from 'express';
import type { RenderViewOptions } from 'express-handlebars/types';
import type { Config } from './config';
import type { Deps } from './deps';
import type { Locale } from './i18n';
import { loadUser } from './middleware/auth';
import { csrfProtection } from './middleware/csrf';
import { errorHandler, notFound } from './middleware/error-handler';
import { cleanBody, cleanQueryParser, readableCharsetOnly } from './middleware/input';
import { locale, pageLocals } from './middleware/page';
import { securityHeaders } from './middleware/security';
import { sessions } from './middleware/session';
import { warnOnForwardedFor } from './middleware/rate-limits';
import { enforceSessionLifetime } from './middleware/staff-session';
import { uploads } from './middleware/uploads';
import { adminRouter } from './routes/admin';
import { authRouter } from './routes/auth';
import { healthRouter } from './routes/health';
import { extraRouters } from './routes';
import { publicRouter } from './routes/public';
import { requestLog } from './middleware/request-log';
import { createViewEngine } from './views';
import { gated } from './lib/route-gate';

declare module 'express-serve-static-core' {
  interface Locals {
    locale: Locale;
    csrfToken?: string;
  }
}

/**
 * The HTTP server for the app (not yet listening). Idle kept-alive connections stay open for
 * KEEP_ALIVE_TIMEOUT_SECONDS — longer than a reverse proxy or load balancer keeps its own (often
 * 60 s), so the app is never the side that closes a connection the other is about to reuse (that
 * race is answered with a reset, ECONNRESET or a 502 at the proxy). Node's default is 5 s.
 */
export function createHttpServer(app: express.Express, config: Pick<Config, 'keepAliveTimeoutMs'>): http.Server {
  const server = http.createServer(app);
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  return server;
}

export function createApp(deps: Deps): express.Express {
  const app = express();
  settings(app, deps);
  app.use(requestLog(deps));
  app.use(securityHeaders(deps.config));
  staticFiles(app, deps);
  app.use(noStore);
  app.use(healthRouter(deps));
  bodyParsers(app);
  app.use(sessions(deps));
  app.use(enforceSessionLifetime(deps.config));
  app.use(loadUser(deps.db));
  app.use(uploads());
  app.use(cleanBody());
  app.use(locale(deps.config));
  app.use(csrfProtection(deps));
  app.use(pageLocals(deps.config));
  routes(app, deps);
  app.use(notFound);
  app.use(errorHandler(deps));
  return app;
}

/** Proxy trust, the view engine, and the view cache in production. */
function settings(app: express.Express, { config, logger }: Deps): void {
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', cleanQueryParser);
  app.use(warnOnForwardedFor(config.trustProxy, logger));
  const engine = createViewEngine(config.viewsDir);
  // renderView reports success and failure through the callback; its promise is not needed
  app.engine('.hbs', (file, options, done) => void engine.renderView(file, options as RenderViewOptions, done));
  app.set('view engine', '.hbs');
  app.set('views', config.viewsDir);
  if (config.viewCache) app.enable('view cache');
}

function staticFiles(app: express.Express, { config }: Deps): void {
  app.use('/static', express.static(path.join(config.viewsDir, 'static'), { maxAge: config.env === 'production' ? '1d' : 0 }));
}

/** Nothing but the static files is kept in a cache: after logout, Back must not show a staff page. */
const noStore: express.RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

function bodyParsers(app: express.Express): void {
  app.use(readableCharsetOnly());
  app.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 5000 }));
  app.use(express.json({ limit: '1mb' }));
  app.use(cookieParser());
}

/** Every router, each entered only for the paths it has (lib/route-gate.ts). */
function routes(app: express.Express, deps: Deps): void {
  for (const r of [publicRouter(deps), authRouter(deps), adminRouter(deps), ...extraRouters(deps)]) app.use(gated(r));
}
