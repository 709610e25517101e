import request from 'supertest';
import { bumpSessionEpoch } from '../../server/repositories/users';
import * as accounts from '../../server/services/accounts';
import { firstAdminLinkIfNeeded, setActive } from '../../server/services/accounts';
import { SYSTEM } from '../../server/services/audit';
import { createUser, csrfFrom, loggedInAgent, startTestApp, type TestApp, TEST_PASSWORD } from '../helpers/app';
import { errorSummary, textOf } from '../helpers/html';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('login', () => {
  it('logs in with the right password and shows the overview', async () => {
    const { agent } = await loggedInAgent(t, 'coordinator');
    const res = await agent.get('/').expect(200);
    expect(textOf(res.text, 'h1')).toBe('Översikt');
    expect(textOf(res.text, 'form.logout button')).toBe('Logga ut');
  });

  it('refuses a wrong password with a Swedish message and no session', async () => {
    const user = await createUser(t.deps, 'analyst');
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: user.email, password: 'fel lösenord helt' });
    expect(res.status).toBe(401);
    expect(errorSummary(res.text)).toEqual(['Fel e-postadress eller lösenord, eller så är kontot avstängt.']);
    await agent.get('/').expect(303).expect('location', '/login');
  });

  it('gives a new session id at login (no session fixation)', async () => {
    const user = await createUser(t.deps, 'analyst');
    const agent = request.agent(t.app);
    // a session exists before login (the language switch does not make one; a failed login does not either),
    // so plant one through a failed login attempt that flashes nothing: use the setup page instead
    const page = await agent.get('/login');
    const before = (page.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) => c.startsWith('pp.sid=')) ?? null;
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: user.email, password: TEST_PASSWORD });
    expect(res.status).toBe(303);
    const after = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('pp.sid='));
    expect(after).toBeDefined();
    expect(after).not.toEqual(before);
  });

  it('logs out with POST only', async () => {
    const { agent } = await loggedInAgent(t, 'analyst');
    await agent.get('/logout').expect(404);
    const page = await agent.get('/');
    await agent
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    await agent.get('/').expect(303);
  });

  it('rate-limits failed logins per account, without locking out other accounts', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const token = csrfFrom(page.text);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await agent
        .post('/login')
        .type('form')
        .send({ _csrf: token, email: 'target@region.example.se', password: 'wrong-password-123' });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    expect(statuses[11]).toBe(429);
    // a colleague at the same address can still log in
    const { agent: other } = await loggedInAgent(t, 'analyst');
    await other.get('/').expect(200);
  });
});

describe('deactivation ends sessions', () => {
  it('a deactivated account is logged out at its next request', async () => {
    await createUser(t.deps, 'admin'); // another admin must exist
    const { agent, user } = await loggedInAgent(t, 'coordinator');
    await agent.get('/').expect(200);
    await setActive(t.deps.db, SYSTEM, user.id, false);
    await agent.get('/').expect(303).expect('location', '/login');
  });

  it('bumping the epoch ends every session of the user', async () => {
    const { agent, user } = await loggedInAgent(t, 'analyst');
    await agent.get('/').expect(200);
    await bumpSessionEpoch(t.deps.db, user.id);
    await agent.get('/').expect(303);
  });
});

describe('first admin setup link', () => {
  it('creates the first admin once, through a one-time link', async () => {
    const fresh = await startTestApp();
    try {
      const token = await firstAdminLinkIfNeeded(fresh.deps.db);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const agent = request.agent(fresh.app);
      const page = await agent.get(`/setup/${token}`).expect(200);
      const bad = await agent
        .post(`/setup/${token}`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), name: '', email: 'x', password: 'kort', confirm: 'annat' });
      expect(bad.status).toBe(400);
      const errors = errorSummary(bad.text);
      expect(errors).toContain('Ange ditt namn.');
      expect(errors).toContainEqual(expect.stringContaining('minst 12 tecken'));
      const ok = await agent
        .post(`/setup/${token}`)
        .type('form')
        .send({
          _csrf: csrfFrom(bad.text),
          name: 'Ada Admin',
          email: 'ada@region.example.se',
          password: TEST_PASSWORD,
          confirm: TEST_PASSWORD,
        });
      expect(ok.status).toBe(303);
      await agent.get('/admin/users').expect(200);
      // the link is used up
      await request(fresh.app).get(`/setup/${token}`).expect(404);
      const users = await fresh.deps.db('users').select('role', 'password_hash');
      expect(users).toHaveLength(1);
      expect(users[0].role).toBe('admin');
      expect(users[0].password_hash).toMatch(/^\$argon2id\$/);
    } finally {
      await fresh.close();
    }
  });
});

describe('setup links are used once', () => {
  it('two simultaneous uses of the first-admin link create exactly one admin', async () => {
    const fresh = await startTestApp();
    try {
      const token = (await firstAdminLinkIfNeeded(fresh.deps.db))!;
      const { completeSetup } = accounts;
      const attempt = (email: string) =>
        completeSetup(fresh.deps.db, token, { name: 'Admin', email, password: TEST_PASSWORD, confirm: TEST_PASSWORD }).then(
          () => 'ok',
          (e: Error) => e.message,
        );
      const results = await Promise.all([attempt('a@region.example.se'), attempt('b@region.example.se')]);
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(await fresh.deps.db('users').count({ n: '*' })).toEqual([{ n: 1 }]);
    } finally {
      await fresh.close();
    }
  });
});
