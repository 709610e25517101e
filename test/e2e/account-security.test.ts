// Issue 9, items 12–14: password links that cannot be used late, password strength, and the
// session and account hygiene of staff pages.
import request from 'supertest';
import { CLI } from '../../server/services/audit';
import { createAccount, newSetupLinkFor, setActive } from '../../server/services/accounts';
import { page, textOf } from '../helpers/html';
import { type Agent, createUser, csrfFrom, loggedInAgent, startTestApp, type TestApp, TEST_PASSWORD } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

let n = 0;
async function newAccount(role: 'coordinator' | 'analyst' = 'analyst') {
  n++;
  return createAccount(t.deps.db, CLI, { email: `konto${n}@region.example.se`, name: `Konto Nummer${n}`, role });
}

async function setPassword(agent: Agent, token: string, password: string) {
  const form = await agent.get(`/setup/${token}`);
  if (form.status !== 200) return form;
  return agent
    .post(`/setup/${token}`)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), password, confirm: password });
}

async function login(agent: Agent, email: string, password: string): Promise<number> {
  const form = await agent.get('/login');
  return (
    await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), email, password })
  ).status;
}

describe('item 12: a password link is void once another was used, the password changed or the account deactivated', () => {
  it('an older link stops working once a newer one is used', async () => {
    const { user, setupToken: older } = await newAccount();
    const newer = await newSetupLinkFor(t.deps.db, CLI, user.id);
    expect((await setPassword(request.agent(t.app), newer, TEST_PASSWORD)).status).toBe(303);
    await request(t.app).get(`/setup/${older}`).expect(404);
  });

  it('a link made before a deactivation does not work after reactivation, and none can be made meanwhile', async () => {
    await createUser(t.deps, 'admin');
    const { user, setupToken } = await newAccount();
    await setActive(t.deps.db, CLI, user.id, false);
    await expect(newSetupLinkFor(t.deps.db, CLI, user.id)).rejects.toThrow('avstängt');
    await setActive(t.deps.db, CLI, user.id, true);
    await request(t.app).get(`/setup/${setupToken}`).expect(404);
  });

  it('changing the password voids open links', async () => {
    const { agent, user } = await loggedInAgent(t, 'coordinator');
    const link = await newSetupLinkFor(t.deps.db, CLI, user.id);
    const form = await agent.get('/konto/losenord').expect(200);
    await agent
      .post('/konto/losenord')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        current: TEST_PASSWORD,
        password: 'fyra ovanliga ord tillsammans',
        confirm: 'fyra ovanliga ord tillsammans',
      })
      .expect(303);
    await request(t.app).get(`/setup/${link}`).expect(404);
  });
});

describe('item 13: weak passwords are refused with advice in Swedish', () => {
  it.each([['123456789012'], ['passwordpassword'], ['own e-mail']])('refuses %s', async (which) => {
    const { user, setupToken } = await newAccount();
    const password = which === 'own e-mail' ? user.email : which;
    const res = await setPassword(request.agent(t.app), setupToken, password);
    expect(res.status).toBe(400);
    const message = textOf(res.text, '#error-password');
    expect(message).toContain('Lösenordet är för lätt att gissa.');
    expect(message).toContain('Tips: skriv en mening');
  });

  it('accepts a sentence of ordinary words', async () => {
    const { setupToken } = await newAccount();
    expect((await setPassword(request.agent(t.app), setupToken, 'kaffet på kontoret är bäst')).status).toBe(303);
  });
});

describe('item 14: staff sessions and pages', () => {
  it('staff pages are never cached', async () => {
    const { agent } = await loggedInAgent(t, 'coordinator');
    for (const url of ['/', '/organisations', '/konto']) {
      const res = await agent.get(url).expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('a session ends after SESSION_MAX_HOURS however active it is', async () => {
    const { agent } = await loggedInAgent(t, 'analyst');
    await agent.get('/').expect(200);
    // move the start of the session 13 hours back: past SESSION_MAX_HOURS (12)
    const rows = await t.deps.db('sessions').select('sid', 'sess');
    for (const r of rows) {
      const sess = (typeof r.sess === 'string' ? JSON.parse(r.sess) : r.sess) as Record<string, unknown>;
      if (!sess.userId) continue;
      sess.loginAt = Date.now() - 13 * 3600_000;
      await t.deps
        .db('sessions')
        .where({ sid: r.sid })
        .update({ sess: JSON.stringify(sess) });
    }
    await agent.get('/').expect(303).expect('location', '/login');
  });

  it('with https the session cookie has the __Host- prefix', async () => {
    const secure = await startTestApp({ BASE_URL: 'https://partnerpuls.test', TRUST_PROXY: '1' });
    try {
      const user = await createUser(secure.deps, 'analyst');
      // Secure cookies: sent by hand (supertest talks plain http; X-Forwarded-Proto says https)
      const form = await request(secure.app).get('/login').set('X-Forwarded-Proto', 'https');
      const csrfCookie = (form.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
      expect(csrfCookie).toMatch(/^__Host-pp\.csrf=/);
      const res = await request(secure.app)
        .post('/login')
        .set('X-Forwarded-Proto', 'https')
        .set('Cookie', csrfCookie)
        .type('form')
        .send({ _csrf: csrfFrom(form.text), email: user.email, password: TEST_PASSWORD });
      expect(res.status).toBe(303);
      const cookies = res.headers['set-cookie'] as unknown as string[];
      const sid = cookies.find((c) => c.includes('pp.sid='));
      expect(sid).toMatch(/^__Host-pp\.sid=.*; Path=\/;.*Secure/);
      expect(sid).not.toMatch(/Domain=/i);
    } finally {
      await secure.close();
    }
  });

  it('failed sign-ins are audited with the account id and the reason', async () => {
    const user = await createUser(t.deps, 'analyst');
    expect(await login(request.agent(t.app), user.email, 'inte rätt lösenord alls')).toBe(401);
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'auth.login_failed', entity_id: String(user.id) })
      .first();
    expect(entry).toBeDefined();
    expect(JSON.stringify(entry?.details)).toContain('wrong_password');
    expect(await login(request.agent(t.app), user.email, TEST_PASSWORD)).toBe(303);
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'auth.login', entity_id: String(user.id) })
        .first(),
    ).toBeDefined();
  });

  it('staff change their own password: the old one stops working and other sessions end', async () => {
    const { agent, user } = await loggedInAgent(t, 'coordinator');
    const elsewhere = request.agent(t.app);
    expect(await login(elsewhere, user.email, TEST_PASSWORD)).toBe(303);
    const form = await agent.get('/konto/losenord').expect(200);
    const wrong = await agent
      .post('/konto/losenord')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        current: 'fel nuvarande lösenord',
        password: 'helt nya ord i rad',
        confirm: 'helt nya ord i rad',
      });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.text, '#error-current')).toContain('Det nuvarande lösenordet stämmer inte.');
    const weak = await agent
      .post('/konto/losenord')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), current: TEST_PASSWORD, password: '123456789012', confirm: '123456789012' });
    expect(weak.status).toBe(400);
    expect(textOf(weak.text, '#error-password')).toContain('för lätt att gissa');
    const ok = await agent
      .post('/konto/losenord')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), current: TEST_PASSWORD, password: 'helt nya ord i rad', confirm: 'helt nya ord i rad' });
    expect(ok.status).toBe(303);
    const after = await agent.get('/konto').expect(200);
    expect(page(after.text)('.notice-success').text()).toContain('Ditt lösenord är bytt');
    await elsewhere.get('/').expect(303);
    expect(await login(request.agent(t.app), user.email, TEST_PASSWORD)).toBe(401);
    expect(await login(request.agent(t.app), user.email, 'helt nya ord i rad')).toBe(303);
  });
});
