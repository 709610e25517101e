// Staff sessions, stored in the database so every app instance shares them. Anonymous visitors
// (respondents) get no session unless something is stored in it (saveUninitialized: false).
//
// A request without a session cookie to the respondent's pages (/s/…) or the API (/api/…) has no
// session to load and never starts one (respondents have no account; the API uses keys), so it
// skips the session machinery altogether. With a session cookie (a staff member opening a
// respondent link) it is loaded as anywhere else.
import type { Request, RequestHandler } from 'express';
import session, { type SessionData } from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { Deps } from '../deps';
import { SESSION_IDLE_MS, sessionCookieName } from './staff-session';

const SESSIONLESS_PREFIXES = ['/s/', '/api/'];
/** A session's new expiry is written when it moves by at least this much (not on every page view). */
const TOUCH_EVERY_MS = 5 * 60_000;

/**
 * The session store, with the idle timeout's expiry written at most every five minutes: the
 * expiry moves on with every request (rolling), and writing it each time made every staff page
 * view a write. The stored expiry is then at most five minutes short of the cookie's — a session
 * idle for 7 h 55 min may end a few minutes early, never late.
 */
class SessionStore extends ConnectSessionKnexStore {
  private readonly written = new Map<string, number>();

  private remember(sid: string, session: SessionData): void {
    const expires = session.cookie?.expires ? new Date(session.cookie.expires).getTime() : 0;
    if (this.written.size >= 10_000) this.written.clear();
    this.written.set(sid, expires);
  }

  override async set(sid: string, session: SessionData, callback?: (err?: unknown) => void): Promise<void> {
    this.remember(sid, session);
    return super.set(sid, session, callback);
  }

  override async touch(sid: string, session: SessionData, callback?: () => void): Promise<void> {
    const expires = session.cookie?.expires ? new Date(session.cookie.expires).getTime() : 0;
    const last = this.written.get(sid);
    if (last !== undefined && expires - last < TOUCH_EVERY_MS) return callback?.();
    this.remember(sid, session);
    return super.touch(sid, session, callback);
  }
}

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
    store: new SessionStore({ knex: deps.db, tableName: 'sessions', createTable: false, cleanupInterval: 0 }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_IDLE_MS },
  });
  return (req, res, next) => (sessionless(req, name) ? next() : handler(req, res, next));
}
