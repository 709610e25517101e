// The express side of the rate limits (the policies and the store are in services/rate-limits.ts):
// who the client is, the guard in front of every secret link, request counts, and the warning
// about X-Forwarded-For when TRUST_PROXY is not set.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { LinkKind } from '../repositories/link-tokens';
import { DatabaseStore, judgeSecret, type PolicyName, RATE_LIMITS, secretDigest } from '../services/rate-limits';

/** The client's address as the limits see it (IPv6 by /56, as one household or office has). */
export function clientAddress(req: Request): string {
  return ipKeyGenerator(req.ip ?? '');
}

/**
 * In front of a route with a secret in `:token`: a token that exists goes on (whoever else is
 * guessing); one that never existed is counted, and past the limits answered by `limited` (429).
 */
export function secretLinkGuard(db: Knex, kind: LinkKind, limited: (req: Request, res: Response) => void): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = typeof req.params.token === 'string' ? req.params.token : '';
    const verdict = await judgeSecret(db, kind, clientAddress(req), token);
    if (verdict.limited) return limited(req, res);
    next();
  };
}

/**
 * Counts every request under `name` per `keyOf(req)` in the shared store; past the limit,
 * `handler`. With the standard RateLimit headers (for API clients, which pace themselves by them).
 */
export function requestLimit(
  db: Knex,
  name: PolicyName,
  keyOf: (req: Request, res: Response) => string,
  handler: (req: Request, res: Response) => void,
): RequestHandler {
  const policy = RATE_LIMITS[name];
  return rateLimit({
    windowMs: policy.windowMs,
    limit: policy.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new DatabaseStore(db, `${name}:`),
    keyGenerator: keyOf,
    handler,
    // the address is read through clientAddress(); the X-Forwarded-For warning is ours (below)
    validate: { keyGeneratorIpFallback: false, xForwardedForHeader: false },
  });
}

/**
 * The same count for pages people open (personal links): the shared store, the same policy and
 * limit, without express-rate-limit's per-request work — headers a browser ignores, option checks —
 * which was a tenth of the respondent form's server time beyond rendering it (issue 10).
 */
export function pageRequestLimit(
  db: Knex,
  name: PolicyName,
  keyOf: (req: Request, res: Response) => string,
  handler: (req: Request, res: Response) => void,
): RequestHandler {
  const policy = RATE_LIMITS[name];
  const store = new DatabaseStore(db, `${name}:`);
  store.init({ windowMs: policy.windowMs });
  return (req, res, next) => {
    store
      .increment(keyOf(req, res))
      .then(({ totalHits }) => (totalHits > policy.limit ? handler(req, res) : next()))
      .catch(next);
  };
}

/**
 * Behind a proxy without TRUST_PROXY every request seems to come from the proxy, so the limits per
 * address count everyone together: say so once, at the first such request after start.
 */
export function warnOnForwardedFor(trustProxy: unknown, logger: Logger): RequestHandler {
  let warned = false;
  return (req, _res, next) => {
    if (!warned && trustProxy === false && req.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      logger.warn(
        'Requests carry X-Forwarded-For but TRUST_PROXY is not set: every client seems to have the proxy’s address, ' +
          'so the rate limits per address count them together. Set TRUST_PROXY=1 behind one reverse proxy (see README).',
      );
    }
    next();
  };
}

/** The 429 page of a secret link (JSON under /api/). */
export function tooManyOnLink(req: Request, res: Response): void {
  res.status(429);
  if (req.path.startsWith('/api/')) {
    res.json({ error: { status: 429, message: 'För många försök. Vänta en stund och försök igen.' } });
    return;
  }
  res.render('pages/respond/too-many', {
    title: 'För många försök',
    minutes: Math.round(RATE_LIMITS.linkGuessesPerAddress.windowMs / 60_000),
  });
}

/** The limits in front of a check-in, opt-out or setup link: requests per link and address, and guesses. */
export function tokenPageLimits(db: Knex, kind: LinkKind): RequestHandler {
  const requests = pageRequestLimit(
    db,
    'tokenPageRequestsPerLink',
    (req) => `${kind}:${clientAddress(req)}:${secretDigest(String(req.params.token))}`,
    tooManyOnLink,
  );
  const guesses = secretLinkGuard(db, kind, tooManyOnLink);
  return (req, res, next) => {
    const afterRequests = (err?: unknown) => {
      if (err) return next(err);
      Promise.resolve(guesses(req, res, next)).catch(next);
    };
    Promise.resolve(requests(req, res, afterRequests)).catch(next);
  };
}
