// The read-only API: GET /api/v1/indicators?year=YYYY[&format=json|flat|csv-codes|csv-excel] with `Authorization: Bearer <token>` (a
// token an admin creates at /admin/api-tokens). Answers JSON only — 401 without a valid token,
// 400 for a bad year, 429 when rate-limited. A published year gives its published snapshot.
import { type NextFunction, type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { clientAddress, requestLimit } from '../middleware/rate-limits';
import { judgeSecret, RATE_LIMITS } from '../services/rate-limits';
import { verifyApiToken } from '../services/api-tokens';
import { type ExportFormat, exportYear, toJsonRows } from '../services/indicator-export';
import { placeholderValues } from '../services/surveys';
import { outputRows } from '../services/indicators';
import { parseYear } from '../lib/year';

export const API_RATE_LIMIT = RATE_LIMITS.apiRequestsPerKey;
/** ?format= besides json: the goal-management file and the two CSV variants. */
const API_FORMATS = ['flat', 'csv-codes', 'csv-excel'];

function apiError(res: Response, status: number, message: string): void {
  res.status(status).json({ error: { status, message } });
}

export function apiRouter(deps: Deps): Router {
  const r = Router();
  const tooMany = (_req: Request, res: Response) => apiError(res, 429, 'För många förfrågningar. Vänta en stund och försök igen.');
  // Use: per verified key, so one busy client does not lock out another.
  const limiter = requestLimit(deps.db, 'apiRequestsPerKey', (_req, res) => String(res.locals.apiTokenId), tooMany);

  const requireToken = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    const tokenId = m ? await verifyApiToken(deps.db, m[1]) : null;
    if (tokenId === null) {
      // a key that never existed is a guess: counted per address and per key bucket (a valid key is never held up)
      const verdict = await judgeSecret(deps.db, 'api', clientAddress(req), m?.[1] ?? '');
      if (verdict.limited) return tooMany(req, res);
      res.set('WWW-Authenticate', 'Bearer realm="partnerpuls"');
      return apiError(res, 401, 'En giltig API-nyckel krävs: skicka rubriken Authorization: Bearer <nyckel>.');
    }
    res.set('Cache-Control', 'no-store');
    res.locals.apiTokenId = tokenId;
    next();
  };

  r.get('/api/v1/indicators', requireToken, limiter, async (req, res) => {
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
