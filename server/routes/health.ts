// GET /health: the instance answers and its database is reachable.
import { Router } from 'express';
import type { Deps } from '../deps';
import { alive } from '../services/health';

export function healthRouter(deps: Pick<Deps, 'db'>): Router {
  const r = Router();
  r.get('/health', async (_req, res) => {
    res.json(await alive(deps.db));
  });
  return r;
}
