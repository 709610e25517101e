// The read-only API: GET /api/v1/indicators?year=YYYY[&format=json|flat|csv-codes|csv-excel] with `Authorization: Bearer <token>` (a
// token an admin creates at /admin/api-tokens). Answers JSON only — 401 without a valid token,
// 400 for a bad year, 429 when rate-limited. A published year gives its published snapshot.
import { type NextFunction, type Request, type Response, Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Deps } from '../deps';
import { verifyApiToken } from '../services/api-tokens';
import { type ExportFormat, exportYear, toJsonRows } from '../services/indicator-export';
import { placeholderValues } from '../services/surveys';
import { outputRows } from '../services/indicators';
import { parseYear } from '../lib/year';

export const API_RATE_LIMIT = { windowMs: 60_000, limit: 120 };
/** ?format= besides json: the goal-management file and the two CSV variants. */
const API_FORMATS = ['flat', 'csv-codes', 'csv-excel'];

function apiError(res: Response, status: number, message: string): void {
  res.status(status).json({ error: { status, message } });
}

export function apiRouter(deps: Deps): Router {
  const r = Router();
  const tooMany = (_req: Request, res: Response) => apiError(res, 429, 'För många förfrågningar. Vänta en stund och försök igen.');
  // Guessing keys: failed authentications are limited per address (a made-up key gets no bucket of its own).
  const failedAuthLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: 20,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    keyGenerator: (req) => 'ip:' + ipKeyGenerator(req.ip ?? ''),
    handler: tooMany,
  });
  // Use: per verified key, so one busy client does not lock out another.
  const limiter = rateLimit({
    windowMs: API_RATE_LIMIT.windowMs,
    limit: API_RATE_LIMIT.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => 'key:' + String(res.locals.apiTokenId),
    handler: tooMany,
  });

  const requireToken = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    const tokenId = m ? await verifyApiToken(deps.db, m[1]) : null;
    if (tokenId === null) {
      res.set('WWW-Authenticate', 'Bearer realm="partnerpuls"');
      return apiError(res, 401, 'En giltig API-nyckel krävs: skicka rubriken Authorization: Bearer <nyckel>.');
    }
    res.set('Cache-Control', 'no-store');
    res.locals.apiTokenId = tokenId;
    next();
  };

  r.get('/api/v1/indicators', failedAuthLimiter, requireToken, limiter, async (req, res) => {
    const year = parseYear(req.query.year);
    if (year === null) return apiError(res, 400, 'Ange året som ?year=ÅÅÅÅ, t.ex. ?year=2025.');
    const format = typeof req.query.format === 'string' ? req.query.format : 'json';
    if (format === 'json') return res.json(toJsonRows(await outputRows(deps.db, year, placeholderValues(deps.config))));
    if (!API_FORMATS.includes(format)) return apiError(res, 400, 'Formatet ska vara json, flat, csv-codes eller csv-excel.');
    const out = await exportYear(deps.db, year, format as ExportFormat, placeholderValues(deps.config));
    res.set('Content-Type', out.contentType);
    res.set('Content-Disposition', `attachment; filename="${out.fileName}"`);
    res.send(out.body);
  });

  return r;
}
