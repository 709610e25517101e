import request from 'supertest';
import { csrfFrom, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import { textOf } from '../helpers/html';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('security basics', () => {
  it('sends a strict Content-Security-Policy and other helmet headers', async () => {
    const res = await request(t.app).get('/login').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('rejects a POST without a CSRF token', async () => {
    const { agent } = await loggedInAgent(t, 'admin');
    const res = await agent.post('/admin/users').type('form').send({ name: 'X', email: 'x@region.example.se', role: 'analyst' });
    expect(res.status).toBe(403);
    expect(textOf(res.text, 'main p:first-of-type')).toContain('Formuläret har gått ut');
    expect(await t.deps.db('users').where({ email: 'x@region.example.se' }).first()).toBeUndefined();
  });

  it('rejects a CSRF token from another session', async () => {
    const a = await loggedInAgent(t, 'admin');
    const b = await loggedInAgent(t, 'admin');
    const tokenOfB = csrfFrom((await b.agent.get('/admin/users')).text);
    const res = await a.agent
      .post('/admin/users')
      .type('form')
      .send({ _csrf: tokenOfB, name: 'Y', email: 'y@region.example.se', role: 'analyst' });
    expect(res.status).toBe(403);
  });

  it('renders a friendly Swedish 404 page', async () => {
    const res = await request(t.app).get('/finns-inte').expect(404);
    expect(textOf(res.text, 'main#main h1')).toBe('Sidan finns inte');
  });

  it('refuses oversized request bodies', async () => {
    const page = await request.agent(t.app).get('/login');
    const res = await request(t.app)
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'a'.repeat(2_000_000) });
    expect(res.status).toBe(413);
  });

  it('escapes what users wrote', async () => {
    const { agent } = await loggedInAgent(t, 'admin');
    const page = await agent.get('/admin/users');
    await agent
      .post('/admin/users')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), name: '<script>alert(1)</script>', email: 'xss@region.example.se', role: 'analyst' });
    const list = await agent.get('/admin/users').expect(200);
    expect(list.text).not.toContain('<script>alert(1)</script>');
    expect(list.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('errors in production', () => {
  it('gives a friendly 500 page without a stack trace', async () => {
    const prod = await startTestApp({ NODE_ENV: 'production' });
    try {
      const { agent } = await loggedInAgent(prod, 'coordinator');
      await prod.deps.db.schema.dropTable('panel_memberships');
      const res = await agent.get('/panels');
      expect(res.status).toBe(500);
      expect(textOf(res.text, 'main p:first-of-type')).toContain('Något gick fel hos oss');
      expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
      expect(res.text).not.toContain('SQLITE');
      expect(res.text).not.toContain('relation');
    } finally {
      await prod.close();
    }
  });
});
