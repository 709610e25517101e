// Staff sessions, stored in the database so every app instance shares them. Anonymous visitors
// (respondents) get no session unless something is stored in it (saveUninitialized: false).
import type { RequestHandler } from 'express';
import session from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { Deps } from '../deps';

export const SESSION_COOKIE = 'pp.sid';
const SESSION_HOURS = 8;

export function sessions(deps: Pick<Deps, 'config' | 'db' | 'secret'>): RequestHandler {
  const secure = deps.config.baseUrl.startsWith('https://');
  return session({
    name: SESSION_COOKIE,
    secret: deps.secret,
    store: new ConnectSessionKnexStore({ knex: deps.db, tableName: 'sessions', createTable: false, cleanupInterval: 0 }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_HOURS * 3600_000 },
  });
}
