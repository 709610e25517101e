// Routers are mounted at the root (each area's router names its full paths), so every request
// used to enter every router and be tried against each of its routes in turn. gated(router)
// enters a router only for requests whose first path segment one of its routes (or path-mounted
// middleware) starts with — worked out from the router itself, so an area adds routes as before.
// A router with middleware for every path, or a route whose first segment is a parameter or a
// pattern, is entered for every request as before. The router's stack stays reachable
// (`.stack`), so the tests that walk the routes see through the gate.
import type { RequestHandler, Router } from 'express';

interface LayerLike {
  route?: { path?: unknown };
  rawPath?: unknown;
}

/** The first path segment of a route path ("/indicators/:id" → "indicators"), or null when it is not a plain word. */
function firstSegment(path: unknown): string | null {
  if (typeof path !== 'string' || !path.startsWith('/')) return null;
  const segment = path.split('/')[1] ?? '';
  return /^[A-Za-z0-9._~-]*$/.test(segment) ? segment.toLowerCase() : null;
}

/** The first segments under which the router has anything, or null when it may answer any path. */
function segmentsOf(router: Router): Set<string> | null {
  const out = new Set<string>();
  for (const layer of (router as unknown as { stack: LayerLike[] }).stack) {
    const segment = firstSegment(layer.route ? layer.route.path : layer.rawPath);
    if (segment === null || (!layer.route && segment === '')) return null;
    out.add(segment);
  }
  return out;
}

export function gated(router: Router): RequestHandler {
  const segments = segmentsOf(router);
  if (!segments) return router;
  const gate: RequestHandler & { stack?: unknown } = (req, res, next) => {
    const segment = (req.path.split('/')[1] ?? '').toLowerCase();
    if (segments.has(segment)) return router(req, res, next);
    next();
  };
  gate.stack = (router as unknown as { stack: unknown }).stack;
  return gate;
}
