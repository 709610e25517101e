// Issue 13: two-factor authentication for local accounts — enrolment with a QR code (and the key as
// text), sign-in with a code from the app, a wrong code, a recovery code (each once), codes
// rate-limited like passwords, and admins made to enrol when TWO_FACTOR_ADMINS=required.
import { generate, generateURI } from 'otplib';
import request from 'supertest';
import { qrSvgPath } from '../../server/services/qr';
import { RATE_LIMITS } from '../../server/services/rate-limits';
import { page, textOf, textsOf } from '../helpers/html';
import { type Agent, createUser, csrfFrom, loggedInAgent, startTestApp, type TestApp, TEST_PASSWORD } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ TWO_FACTOR_ADMINS: 'required' });
});
afterAll(async () => t.close());

/** The code of the next 30-second period (the one enrolment used is spent). */
function nextCode(secret: string): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
}

async function postCode(agent: Agent, pageUrl: string, action: string, code: string) {
  const form = await agent.get(pageUrl);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), code });
}

async function passwordStep(agent: Agent, email: string): Promise<request.Response> {
  const form = await agent.get('/login');
  return agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), email, password: TEST_PASSWORD });
}

/**
 * The key shown beside the QR code; the QR code is checked to hold the otpauth:// URI of that key
 * (services/qr.ts draws it, and test/unit/qr.test.ts reads such codes back with a real reader).
 */
function shownSecret(html: string, email: string): string {
  const $ = page(html);
  const secret = textOf($, '.totp-secret').replace(/\s/g, '');
  const uri = generateURI({ issuer: 'Partnerpuls Region Exempel', label: email, secret });
  expect(uri).toMatch(/^otpauth:\/\/totp\/Partnerpuls%20Region%20Exempel:.*\?secret=[A-Z2-7]+/);
  expect($('figure.qr svg path').attr('d')).toBe(qrSvgPath(uri).path);
  return secret;
}

async function enrol(agent: Agent, email: string, pageUrl: string, action: string): Promise<{ secret: string; codes: string[] }> {
  const form = await agent.get(pageUrl).expect(200);
  const secret = shownSecret(form.text, email);
  const wrong = await agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), code: '000000' });
  expect(wrong.status).toBe(400);
  expect(textOf(wrong.text, '#error-code')).toContain('Koden stämmer inte');
  const ok = await agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), code: await generate({ secret }) });
  expect(ok.status).toBe(200);
  const codes = textsOf(ok.text, '.recovery-codes code');
  expect(codes).toHaveLength(10);
  return { secret, codes };
}

async function logout(agent: Agent) {
  const home = await agent.get('/').expect(200);
  await agent
    .post('/logout')
    .type('form')
    .send({ _csrf: csrfFrom(home.text) })
    .expect(303);
}

describe('two-factor authentication', () => {
  it('a coordinator enrols, then signs in with a code; a wrong code and a used code are refused', async () => {
    const { agent, user } = await loggedInAgent(t, 'coordinator');
    const { secret } = await enrol(agent, user.email, '/konto/tvastegs', '/konto/tvastegs/aktivera');
    expect(await t.deps.db('user_recovery_codes').where({ user_id: user.id }).count({ n: '*' })).toEqual([{ n: 10 }]);
    const stored = await t.deps.db('user_totp').where({ user_id: user.id }).first();
    expect(stored?.secret_encrypted).not.toContain(secret);
    await logout(agent);

    const browser = request.agent(t.app);
    const step1 = await passwordStep(browser, user.email);
    expect(step1.status).toBe(303);
    expect(step1.headers.location).toBe('/login/tvastegs');
    await browser.get('/').expect(303).expect('location', '/login'); // not signed in yet
    const wrong = await postCode(browser, '/login/tvastegs', '/login/tvastegs', '000000');
    expect(wrong.status).toBe(401);
    expect(textOf(wrong.text, '#error-code')).toContain('Koden stämmer inte');
    // the enrolment used this period's code: the app shows the next one (one step of drift is accepted)
    const code = await nextCode(secret);
    const ok = await postCode(browser, '/login/tvastegs', '/login/tvastegs', code);
    expect(ok.status).toBe(303);
    await browser.get('/').expect(200);
    expect(
      JSON.stringify(
        (
          await t.deps
            .db('audit_log')
            .where({ action: 'auth.login_failed', entity_id: String(user.id) })
            .first()
        )?.details,
      ),
    ).toContain('wrong_code');

    // the same code a second time (someone looking over the shoulder) is refused
    const other = request.agent(t.app);
    await passwordStep(other, user.email);
    expect((await postCode(other, '/login/tvastegs', '/login/tvastegs', code)).status).toBe(401);
  });

  it('a recovery code signs in once', async () => {
    const { agent, user } = await loggedInAgent(t, 'analyst');
    const { codes } = await enrol(agent, user.email, '/konto/tvastegs', '/konto/tvastegs/aktivera');
    const browser = request.agent(t.app);
    await passwordStep(browser, user.email);
    const ok = await postCode(browser, '/login/tvastegs', '/login/tvastegs', codes[3].toUpperCase());
    expect(ok.status).toBe(303);
    const home = await browser.get('/').expect(200);
    expect(textOf(home.text, '.notice-success')).toContain('Du har 9 kvar');
    const again = request.agent(t.app);
    await passwordStep(again, user.email);
    expect((await postCode(again, '/login/tvastegs', '/login/tvastegs', codes[3])).status).toBe(401);
  });

  it('wrong codes are rate-limited per account', async () => {
    const { agent, user } = await loggedInAgent(t, 'analyst');
    const { secret } = await enrol(agent, user.email, '/konto/tvastegs', '/konto/tvastegs/aktivera');
    const statuses: number[] = [];
    for (let i = 0; i <= RATE_LIMITS.codePerAccount.limit; i++) {
      const browser = request.agent(t.app);
      await passwordStep(browser, user.email);
      statuses.push((await postCode(browser, '/login/tvastegs', '/login/tvastegs', String(100000 + i))).status);
    }
    expect(statuses.slice(0, RATE_LIMITS.codePerAccount.limit).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(-1)[0]).toBe(429);
    // the owner, in the browser where they signed in before, is not locked out
    await logout(agent);
    await passwordStep(agent, user.email);
    await new Promise((r) => setTimeout(r, 0));
    expect(
      (await postCode(agent, '/login/tvastegs', '/login/tvastegs', await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 })))
        .status,
    ).toBe(303);
  });

  it('an admin without two-factor must enrol before the sign-in completes', async () => {
    const admin = await createUser(t.deps, 'admin');
    const browser = request.agent(t.app);
    const step1 = await passwordStep(browser, admin.email);
    expect(step1.headers.location).toBe('/login/tvastegs/aktivera');
    await browser.get('/admin/users').expect(303);
    await enrol(browser, admin.email, '/login/tvastegs/aktivera', '/login/tvastegs/aktivera');
    await browser.get('/admin/users').expect(200);
    // and cannot turn it off
    const status = await browser.get('/konto/tvastegs').expect(200);
    expect(page(status.text)('form[action="/konto/tvastegs/stang-av"]').length).toBe(0);
  });

  it('turning two-factor off takes a code', async () => {
    const { agent, user } = await loggedInAgent(t, 'coordinator');
    const { codes } = await enrol(agent, user.email, '/konto/tvastegs', '/konto/tvastegs/aktivera');
    await postCode(agent, '/konto/tvastegs', '/konto/tvastegs/stang-av', '123');
    expect(await t.deps.db('user_totp').where({ user_id: user.id }).first()).toBeDefined();
    expect((await postCode(agent, '/konto/tvastegs', '/konto/tvastegs/stang-av', codes[0])).status).toBe(303);
    expect(await t.deps.db('user_totp').where({ user_id: user.id }).first()).toBeUndefined();
    expect((await passwordStep(request.agent(t.app), user.email)).headers.location).toBe('/');
  });

  it('an admin can turn two-factor off for another account (lost phone and codes)', async () => {
    const { agent, user } = await loggedInAgent(t, 'coordinator');
    await enrol(agent, user.email, '/konto/tvastegs', '/konto/tvastegs/aktivera');
    const admin = request.agent(t.app);
    const a = await createUser(t.deps, 'admin');
    await passwordStep(admin, a.email);
    await enrol(admin, a.email, '/login/tvastegs/aktivera', '/login/tvastegs/aktivera');
    const users = await admin.get('/admin/users').expect(200);
    await admin
      .post(`/admin/users/${user.id}/tvastegs/stang-av`)
      .type('form')
      .send({ _csrf: csrfFrom(users.text) })
      .expect(303);
    expect(await t.deps.db('user_totp').where({ user_id: user.id }).first()).toBeUndefined();
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'account.two_factor_disabled', entity_id: String(user.id) })
        .first(),
    ).toBeDefined();
    await agent
      .post(`/admin/users/${user.id}/tvastegs/stang-av`)
      .type('form')
      .send({ _csrf: csrfFrom(users.text) })
      .expect(403);
  });
});
