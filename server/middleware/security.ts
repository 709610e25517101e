// Security headers (helmet): a strict Content-Security-Policy with no inline scripts or styles,
// HSTS over https, and no Referer, so personal links never leak to other sites.
//
// The headers are the same on every response (no nonces, nothing from the request), so helmet is
// asked once, at start, which headers it sets; each response then gets that list (one function
// instead of helmet's chain of fourteen).
import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { Config } from '../config';

/** The headers a (static) helmet middleware sets, and the ones it removes. */
function headersOf(middleware: RequestHandler): { set: Array<[string, string]>; removed: string[] } {
  const set = new Map<string, string>();
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: unknown) {
      set.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader(name: string) {
      set.delete(name);
      removed.push(name);
    },
  };
  let called = false;
  void middleware({} as Request, recorder as unknown as Response, () => (called = true));
  if (!called) throw new Error('helmet did not finish synchronously: the security headers cannot be worked out once');
  return { set: [...set], removed };
}

export function securityHeaders(config: Pick<Config, 'baseUrl'>): RequestHandler {
  const { set, removed } = headersOf(helmetFor(config));
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

function helmetFor(config: Pick<Config, 'baseUrl'>): RequestHandler {
  const secure = config.baseUrl.startsWith('https://');
  return helmet({
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
  });
}
