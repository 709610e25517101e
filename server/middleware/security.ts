// Security headers (helmet): a strict Content-Security-Policy with no inline scripts or styles,
// HSTS over https, and no Referer, so personal links never leak to other sites.
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config';

export function securityHeaders(config: Pick<Config, 'baseUrl'>): RequestHandler {
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
