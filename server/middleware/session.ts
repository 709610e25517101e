// Staff sessions, stored in the database so every app instance shares them. Anonymous visitors
// (respondents) get no session unless something is stored in it (saveUninitialized: false).
import type { RequestHandler } from 'express';
import session from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { Deps } from '../deps';
import { SESSION_IDLE_MS, sessionCookieName } from './staff-session';

export function sessions(deps: Pick<Deps, 'config' | 'db' | 'secret'>): RequestHandler {
  const secure = deps.config.baseUrl.startsWith('https://');
  return session({
    // `__Host-pp.sid` with https, else `pp.sid`; 8 hours idle (the absolute lifetime: staff-session.ts)
    name: sessionCookieName(deps.config),
    secret: deps.secret,
    store: new ConnectSessionKnexStore({ knex: deps.db, tableName: 'sessions', createTable: false, cleanupInterval: 0 }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_IDLE_MS },
  });
}
