// Staff sessions, stored in the database so every app instance shares them. Anonymous visitors
// (respondents) get no session unless something is stored in it (saveUninitialized: false).
//
// A request without a session cookie to the respondent's pages (/s/…) or the API (/api/…) has no
// session to load and never starts one (respondents have no account; the API uses keys), so it
// skips the session machinery altogether. With a session cookie (a staff member opening a
// respondent link) it is loaded as anywhere else.
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { Deps } from '../deps';
import { SESSION_IDLE_MS, sessionCookieName } from './staff-session';

const SESSIONLESS_PREFIXES = ['/s/', '/api/'];

function sessionless(req: Request, cookieName: string): boolean {
  if (!SESSIONLESS_PREFIXES.some((p) => req.path.startsWith(p))) return false;
  const cookies = req.cookies as Record<string, unknown> | undefined;
  return cookies?.[cookieName] === undefined;
}

export function sessions(deps: Pick<Deps, 'config' | 'db' | 'secret'>): RequestHandler {
  const secure = deps.config.baseUrl.startsWith('https://');
  const name = sessionCookieName(deps.config);
  const handler = session({
    // `__Host-pp.sid` with https, else `pp.sid`; 8 hours idle (the absolute lifetime: staff-session.ts)
    name,
    secret: deps.secret,
    store: new ConnectSessionKnexStore({ knex: deps.db, tableName: 'sessions', createTable: false, cleanupInterval: 0 }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_IDLE_MS },
  });
  return (req, res, next) => (sessionless(req, name) ? next() : handler(req, res, next));
}
