// What every page needs: the reader's language, the user and their roles, the region, flash messages.
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { isLocale } from '../i18n';

/** The user's choice of language (cookie pp.lang) or the configured default. */
export function locale(config: Pick<Config, 'defaultLocale'>): RequestHandler {
  return (req, res, next) => {
    const cookies = req.cookies as Record<string, unknown> | undefined;
    const fromCookie = cookies?.['pp.lang'];
    res.locals.locale = isLocale(fromCookie) ? fromCookie : config.defaultLocale;
    next();
  };
}

export function pageLocals(config: Pick<Config, 'regionName'>): RequestHandler {
  return (req, res, next) => {
    const role = req.user?.role;
    res.locals.user = req.user;
    res.locals.regionName = config.regionName;
    res.locals.currentPath = req.path;
    res.locals.isAdmin = role === 'admin';
    res.locals.isCoordinator = role === 'coordinator' || role === 'admin';
    res.locals.isAnalyst = role === 'analyst' || role === 'admin';
    if (req.session?.flash?.length) {
      res.locals.flash = req.session.flash;
      delete req.session.flash;
    }
    next();
  };
}
