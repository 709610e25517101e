// Who is logged in, and the role check every staff route must carry.
// A route without requireRole(...) fails test/e2e/route-guards.test.ts unless it is
// listed there as public.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import { ForbiddenError } from '../errors';
import type { Role, User } from '../repositories/users';
import { sessionUser } from '../services/accounts';
import type { Actor } from '../services/audit';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    epoch?: number;
    flash?: { kind: 'success' | 'info' | 'error'; message: string }[];
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- express declares its Request type in this global namespace
  namespace Express {
    interface Request {
      user?: User;
    }
  }
}

export function loadUser(db: Knex): RequestHandler {
  return async (req, _res, next) => {
    const id = req.session?.userId;
    if (id) {
      const user = await sessionUser(db, id, req.session.epoch);
      if (user) {
        req.user = user;
      } else {
        // deactivated, role changed or logged out elsewhere: this session is over
        await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
      }
    }
    next();
  };
}

export type GuardedHandler = RequestHandler & { requiredRoles?: Role[] };

/** Admin may do everything; otherwise the user's role must be one of `roles`. */
export function requireRole(...roles: Role[]): GuardedHandler {
  const guard: GuardedHandler = (req: Request, res: Response, next: NextFunction) => {
    if (!req.user) {
      if (req.method === 'GET') return res.redirect(303, '/login?next=' + encodeURIComponent(req.originalUrl));
      return res.status(401).render('pages/error', { title: 'Logga in', message: 'Du behöver logga in igen.', status: 401 });
    }
    if (req.user.role === 'admin' || roles.includes(req.user.role)) return next();
    next(new ForbiddenError());
  };
  guard.requiredRoles = roles;
  return guard;
}

export function actorOf(req: Request): Actor {
  return { userId: req.user?.id ?? null, label: req.user ? 'user' : 'respondent' };
}

export function flash(req: Request, kind: 'success' | 'info' | 'error', message: string): void {
  if (!req.session) return;
  req.session.flash = [...(req.session.flash ?? []), { kind, message }];
}
