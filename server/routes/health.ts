// GET /health: the process answers (for a liveness probe).
// GET /health/ready: this instance can serve pages (database, migrations, views, outbox worker);
// 503 with the failed checks otherwise — for the load balancer and monitoring.
import { type Request, Router } from 'express';
import type { Deps } from '../deps';
import { alive, ready } from '../services/health';

/** Renders one page from the view files, bypassing the view cache, so missing views show. */
function renderProbe(req: Request): () => Promise<void> {
  return () =>
    new Promise((resolve, reject) => {
      req.app.render('pages/not-found', { title: 'Hälsokontroll', cache: false, locale: 'sv' }, (err) => (err ? reject(err) : resolve()));
    });
}

export function healthRouter(deps: Pick<Deps, 'db' | 'config' | 'heartbeats'>): Router {
  const r = Router();
  r.get('/health', (_req, res) => {
    res.json(alive());
  });
  r.get('/health/ready', async (req, res) => {
    const result = await ready(deps, renderProbe(req));
    res.status(result.status === 'ok' ? 200 : 503).json(result);
  });
  return r;
}
