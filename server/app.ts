// createApp(deps): express, view engine, security middleware, routes, 404 and errors.
import path from 'node:path';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import multer from 'multer';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { Deps } from './deps';
import { AppError, ValidationError } from './errors';
import { isLocale, type Locale } from './i18n';
import { loadUser } from './middleware/auth';
import { warnOnForwardedFor } from './middleware/rate-limits';
import { enforceSessionLifetime, SESSION_IDLE_MS, sessionCookieName } from './middleware/staff-session';
import { createViewEngine } from './views';
import { authRouter } from './routes/auth';
import { publicRouter } from './routes/public';
import { adminRouter } from './routes/admin';
import { extraRouters } from './routes';

export const VIEWS_DIR = path.resolve(__dirname, '..', 'views');
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

declare module 'express-serve-static-core' {
  interface Locals {
    locale: Locale;
    csrfToken?: string;
  }
}

export function createApp(deps: Deps): express.Express {
  const { config, db } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(warnOnForwardedFor(config.trustProxy, deps.logger));
  const engine = createViewEngine(VIEWS_DIR);
  app.engine('.hbs', engine.engine);
  app.set('view engine', '.hbs');
  app.set('views', VIEWS_DIR);
  if (config.env === 'production') app.enable('view cache');

  const secure = config.baseUrl.startsWith('https://');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
          ...(secure ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: secure,
      referrerPolicy: { policy: 'no-referrer' }, // personal links must not leak in Referer
    }),
  );
  app.use('/static', express.static(path.join(VIEWS_DIR, 'static'), { maxAge: config.env === 'production' ? '1d' : 0 }));
  app.get('/health', async (_req, res) => {
    await db.raw('select 1');
    res.json({ status: 'ok' });
  });

  // Nothing but the static files is kept in a cache: after logout, Back must not show a staff page.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 5000 }));
  app.use(express.json({ limit: '1mb' }));
  app.use(cookieParser());

  app.use(
    session({
      name: sessionCookieName(config),
      secret: deps.secret,
      store: new ConnectSessionKnexStore({ knex: db, tableName: 'sessions', createTable: false, cleanupInterval: 0 }),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_IDLE_MS },
    }),
  );
  app.use(enforceSessionLifetime(config));
  app.use(loadUser(db));
  // Files (CSV imports, survey uploads) arrive as multipart, only from logged-in staff; parsed
  // before the CSRF check. An anonymous multipart request is not read (and fails the CSRF check).
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 50 } }).single('file');
  app.use((req, res, next) => (req.user ? upload(req, res, next) : next()));

  // Locale: the user's choice (cookie) or the configured default.
  app.use((req, res, next) => {
    const fromCookie = req.cookies?.['pp.lang'];
    res.locals.locale = isLocale(fromCookie) ? fromCookie : config.defaultLocale;
    next();
  });

  // CSRF: signed double-submit cookie, bound to the login session when there is one.
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => deps.secret,
    getSessionIdentifier: (req) => (req.session?.userId ? req.sessionID : 'anonymous'),
    cookieName: secure ? '__Host-pp.csrf' : 'pp.csrf',
    cookieOptions: { sameSite: 'lax', secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => (req.body && typeof req.body._csrf === 'string' ? req.body._csrf : req.get('x-csrf-token')),
    skipCsrfProtection: (req) => req.path.startsWith('/api/'),
  });
  app.use((req, res, next) => {
    res.locals.csrfToken = generateCsrfToken(req, res);
    next();
  });
  app.use(doubleCsrfProtection);

  // What every page needs: the user, the region, flash messages.
  app.use((req, res, next) => {
    res.locals.user = req.user;
    res.locals.regionName = config.regionName;
    res.locals.currentPath = req.path;
    res.locals.isAdmin = req.user?.role === 'admin';
    res.locals.isCoordinator = req.user?.role === 'coordinator' || req.user?.role === 'admin';
    res.locals.isAnalyst = req.user?.role === 'analyst' || req.user?.role === 'admin';
    if (req.session?.flash?.length) {
      res.locals.flash = req.session.flash;
      delete req.session.flash;
    }
    next();
  });

  app.use(publicRouter(deps));
  app.use(authRouter(deps));
  app.use(adminRouter(deps));
  for (const r of extraRouters(deps)) app.use(r);

  app.use((req, res) => {
    res.status(404).render('pages/not-found', { title: 'Sidan finns inte' });
  });

  const errorHandler: ErrorRequestHandler = (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { code?: string; status?: number; type?: string; message?: string; stack?: string };
    let status = 500;
    let message = 'Något gick fel hos oss. Försök igen om en stund. Om felet finns kvar, kontakta samordnaren.';
    if (e?.code === 'EBADCSRFTOKEN' || e?.message === 'invalid csrf token') {
      status = 403;
      message = 'Formuläret har gått ut eller skickades från en annan sida. Gå tillbaka, ladda om sidan och försök igen.';
    } else if (err instanceof ValidationError) {
      status = 400;
      message = err.problems.map((p) => p.message).join(' ') || err.message;
    } else if (err instanceof AppError) {
      status = err.status;
      message = err.message;
    } else if (e?.type === 'entity.too.large' || e?.code === 'LIMIT_FILE_SIZE' || e?.code === 'LIMIT_FIELD_VALUE') {
      status = 413;
      message = 'Det du skickade är för stort. En fil får vara högst 20 MB.';
    } else if (e?.code?.startsWith?.('LIMIT_') || e?.type === 'entity.parse.failed' || e?.type === 'parameters.too.many') {
      status = 400;
      message = 'Förfrågan kunde inte läsas. Kontrollera formuläret och försök igen.';
    } else {
      // personal-link tokens never reach the log
      deps.logger.error(
        { err, url: req.originalUrl.replace(/\/(s|setup|avregistrera|incheckning)\/[^/?#]+/g, '/$1/***') },
        'unhandled error',
      );
    }
    if (res.headersSent) return;
    res.status(status);
    if (req.path.startsWith('/api/')) {
      res.json({ error: { status, message } });
      return;
    }
    res.render('pages/error', {
      title: status === 403 ? 'Ingen behörighet' : status === 500 ? 'Något gick fel' : 'Det gick inte',
      status,
      message,
      stack: config.env === 'development' && status === 500 ? e?.stack : undefined,
    });
  };
  app.use(errorHandler);
  return app;
}
