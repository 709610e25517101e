// Every route must either be public on purpose (listed below) or carry requireRole(...).
// The test walks the real router, so a new route without a role check fails here.
import type { Express } from 'express';
import request from 'supertest';
import { loggedInAgent, startTestApp, type TestApp } from '../helpers/app';

/** Routes anyone may reach: login, setup links, the respondent's token pages, the accessibility statement, the token-authenticated API. */
const PUBLIC = [
  'GET /',
  'GET /health',
  'GET /health/ready',
  'GET /tillganglighet',
  'POST /sprak',
  'GET /login',
  'POST /login',
  'POST /logout',
  'GET /setup/:token',
  'POST /setup/:token',
  // single sign-on and the second step of a sign-in (before anyone is signed in)
  'POST /login/sso/:provider',
  'GET /login/sso/:provider/callback',
  'GET /login/tvastegs',
  'POST /login/tvastegs',
  'GET /login/tvastegs/aktivera',
  'POST /login/tvastegs/aktivera',
];
/** Route prefixes protected by their own token (respondent links, check-in links, API tokens). */
const TOKEN_PREFIXES = ['/s/', '/avregistrera/', '/incheckning/', '/api/v1/'];

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: { requiredRoles?: string[] } }> };
  name: string;
  handle: { stack?: Layer[]; requiredRoles?: string[] };
  matchers?: Array<(p: string) => unknown>;
}

type FoundRoute = { method: string; path: string; roles: string[] | null };

function walk(stack: Layer[], inheritedRoles: string[] | null, out: FoundRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const routeGuard = layer.route.stack.find((l) => Array.isArray(l.handle.requiredRoles));
      const effective = routeGuard?.handle.requiredRoles ?? inheritedRoles;
      for (const m of Object.keys(layer.route.methods))
        out.push({ method: m.toUpperCase(), path: layer.route.path, roles: effective ?? null });
    } else if (layer.handle.stack) {
      walk(layer.handle.stack, inheritedRoles, out);
    }
    // A router.use('/prefix', requireRole(...)) guards what follows only under that prefix; it is
    // not counted: each route must carry its own guard or be public.
  }
}

function routesOf(app: Express): FoundRoute[] {
  const out: FoundRoute[] = [];
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  walk(router.stack, null, out);
  return out;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('route guards', () => {
  it('finds the routes of the app', () => {
    const routes = routesOf(t.app);
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.some((r) => r.path === '/admin/users' && r.method === 'GET')).toBe(true);
  });

  it('every non-public route carries requireRole', () => {
    const unguarded = routesOf(t.app)
      .filter((r) => r.roles === null)
      .map((r) => `${r.method} ${r.path}`)
      .filter((k) => !PUBLIC.includes(k) && !TOKEN_PREFIXES.some((p) => k.split(' ')[1].startsWith(p)));
    expect(unguarded).toEqual([]);
  });

  it('anonymous visitors are sent to login on every guarded GET and refused on every guarded POST', async () => {
    const guarded = routesOf(t.app).filter((r) => r.roles !== null);
    for (const r of guarded) {
      const url = r.path.replace(/:[A-Za-z]+/g, '1');
      const res = await request(t.app)[r.method.toLowerCase() as 'get' | 'post'](url);
      if (r.method === 'GET') {
        expect([r.path, res.status]).toEqual([r.path, 303]);
        expect(res.headers.location).toMatch(/^\/login/);
      } else {
        // no session → CSRF or login check refuses; nothing changes
        expect([r.path, [401, 403].includes(res.status)]).toEqual([r.path, true]);
      }
    }
  });

  it('a logged-in user without the role gets 403 on every guarded GET', async () => {
    const analyst = await loggedInAgent(t, 'analyst');
    const coordinator = await loggedInAgent(t, 'coordinator');
    const guarded = routesOf(t.app).filter((r) => r.roles !== null && r.method === 'GET');
    let checked = 0;
    for (const r of guarded) {
      const url = r.path.replace(/:[A-Za-z]+/g, '1');
      for (const [role, agent] of [
        ['analyst', analyst.agent],
        ['coordinator', coordinator.agent],
      ] as const) {
        if (r.roles!.includes(role)) continue;
        const res = await agent.get(url);
        expect([r.path, role, res.status]).toEqual([r.path, role, 403]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });
});
