// Issue 13: staff sign in through a real OpenID Connect provider running in this process
// (oidc-provider): accounts pre-created by an admin and matched on e-mail, or created with the role
// a group claim maps to; a wrong state, a replayed code, an unknown and a deactivated user are refused;
// every sign-in is audited; logout ends the provider's session too.
import request from 'supertest';
import { SYSTEM } from '../../server/services/audit';
import { setActive } from '../../server/services/accounts';
import { textOf, textsOf } from '../helpers/html';
import { type Agent, createUser, csrfFrom, startTestApp, type TestApp } from '../helpers/app';
import { signInAtProvider, startTestProvider, type TestProvider } from '../helpers/oidc-provider';

const BASE = 'http://partnerpuls.test';
let idp: TestProvider;
let t: TestApp;

beforeAll(async () => {
  idp = await startTestProvider(BASE, [
    { name: 'region', clientId: 'partnerpuls-konton', clientSecret: 'hemlighet-ett-0123456789' },
    { name: 'grupper', clientId: 'partnerpuls-grupper', clientSecret: 'hemlighet-tva-0123456789' },
  ]);
  t = await startTestApp({
    OIDC_PROVIDERS: 'region,grupper',
    OIDC_REGION_ISSUER: idp.issuer,
    OIDC_REGION_CLIENT_ID: 'partnerpuls-konton',
    OIDC_REGION_CLIENT_SECRET: 'hemlighet-ett-0123456789',
    OIDC_REGION_LABEL: 'Logga in med regionens konto',
    OIDC_GRUPPER_ISSUER: idp.issuer,
    OIDC_GRUPPER_CLIENT_ID: 'partnerpuls-grupper',
    OIDC_GRUPPER_CLIENT_SECRET: 'hemlighet-tva-0123456789',
    OIDC_GRUPPER_LABEL: 'Logga in med SITHS',
    OIDC_GRUPPER_SCOPES: 'openid email profile groups',
    OIDC_GRUPPER_ROLES_CLAIM: 'groups',
    OIDC_GRUPPER_ROLE_VALUES: 'admin=pp-admin,coordinator=pp-samordnare,analyst=pp-analytiker',
  });
});
afterAll(async () => {
  await t.close();
  await idp.close();
});

/** Presses the provider's button on the login page; returns the provider's authorization URL. */
async function startAt(agent: Agent, provider: string): Promise<string> {
  const form = await agent.get('/login').expect(200);
  const res = await agent
    .post(`/login/sso/${provider}`)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), next: '/' });
  expect(res.status).toBe(303);
  return String(res.headers.location);
}

async function signIn(agent: Agent, provider: string, subject: string) {
  const callback = await signInAtProvider(idp, await startAt(agent, provider), subject);
  expect(callback.startsWith(`${BASE}/login/sso/${provider}/callback?`)).toBe(true);
  return { callback, res: await agent.get(callback.slice(BASE.length)) };
}

async function lastAudit(action: string) {
  return t.deps.db('audit_log').where({ action }).orderBy('id', 'desc').first();
}

describe('single sign-on', () => {
  it('the login page has one button per provider, each a form with CSRF', async () => {
    const res = await request(t.app).get('/login').expect(200);
    expect(textsOf(res.text, '.sso-buttons button')).toEqual(['Logga in med regionens konto', 'Logga in med SITHS']);
    expect(res.text).toContain('action="/login/sso/region"');
    const agent = request.agent(t.app);
    await agent.get('/login');
    await agent.post('/login/sso/region').type('form').send({}).expect(403);
  });

  it('signs in a pre-created account matched on e-mail, with PKCE, and audits it', async () => {
    const user = await createUser(t.deps, 'coordinator', 'eva.ek@region.example.se');
    idp.accounts.set('sub-eva', { email: 'Eva.Ek@region.example.se', name: 'Eva Ek' });
    const agent = request.agent(t.app);
    const authorize = new URL(await startAt(agent, 'region'));
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    const callback = await signInAtProvider(idp, authorize.href, 'sub-eva');
    await agent.get(callback.slice(BASE.length)).expect(303).expect('location', '/');
    await agent.get('/').expect(200);
    const entry = await lastAudit('auth.login');
    expect(entry?.entity_id).toBe(String(user.id));
    expect(JSON.stringify(entry?.details)).toContain('sso:region');
    expect(await t.deps.db('user_identities').where({ provider: 'region', subject: 'sub-eva' }).first()).toMatchObject({
      user_id: user.id,
    });
  });

  it('refuses a callback with a wrong state', async () => {
    await createUser(t.deps, 'analyst', 'olle.berg@region.example.se');
    idp.accounts.set('sub-olle', { email: 'olle.berg@region.example.se', name: 'Olle Berg' });
    const agent = request.agent(t.app);
    const callback = new URL(await signInAtProvider(idp, await startAt(agent, 'region'), 'sub-olle'));
    callback.searchParams.set('state', 'en-annan-state');
    const res = await agent.get(callback.pathname + callback.search).expect(400);
    expect(textOf(res.text, 'h1')).toBe('Inloggningen misslyckades');
    await agent.get('/').expect(303).expect('location', '/login');
    expect(JSON.stringify((await lastAudit('auth.login_failed'))?.details)).toContain('state');
  });

  it('refuses a replayed code, even with a state of its own', async () => {
    idp.accounts.set('sub-olle', { email: 'olle.berg@region.example.se', name: 'Olle Berg' });
    const first = request.agent(t.app);
    const { callback } = await signIn(first, 'region', 'sub-olle');
    await first.get('/').expect(200);
    // someone who saw the callback URL starts a sign-in of their own and hands in the used code
    const thief = request.agent(t.app);
    const own = new URL(await startAt(thief, 'region'));
    const replay = new URL(callback);
    replay.searchParams.set('state', own.searchParams.get('state')!);
    await thief.get(replay.pathname + replay.search).expect(400);
    await thief.get('/').expect(303);
    // and the same browser cannot use its own callback twice
    await first.get(callback.slice(BASE.length)).expect(400);
  });

  it('refuses a user without an account (when accounts are pre-created) and creates none', async () => {
    idp.accounts.set('sub-okand', { email: 'okand@region.example.se', name: 'Okänd Person' });
    const agent = request.agent(t.app);
    const { res } = await signIn(agent, 'region', 'sub-okand');
    expect(res.status).toBe(403);
    expect(textOf(res.text, '.notice-error')).toContain('Det finns inget konto i Partnerpuls för dig');
    expect(await t.deps.db('users').where({ email: 'okand@region.example.se' }).first()).toBeUndefined();
    expect(JSON.stringify((await lastAudit('auth.login_failed'))?.details)).toContain('unknown_account');
  });

  it('refuses a deactivated account, also through a group claim that would give it a role', async () => {
    await createUser(t.deps, 'admin');
    const user = await createUser(t.deps, 'analyst', 'stangd@region.example.se');
    await setActive(t.deps.db, SYSTEM, user.id, false);
    idp.accounts.set('sub-stangd', { email: 'stangd@region.example.se', name: 'Stängd', groups: ['pp-analytiker'] });
    for (const provider of ['region', 'grupper']) {
      const agent = request.agent(t.app);
      const { res } = await signIn(agent, provider, 'sub-stangd');
      expect(res.status).toBe(403);
      expect(textOf(res.text, '.notice-error')).toContain('avstängt');
      await agent.get('/').expect(303);
    }
    expect((await t.deps.db('users').where({ id: user.id }).first())?.active).toBeFalsy();
  });

  it('maps group values to roles: creates the account, follows a changed group, refuses without one', async () => {
    idp.accounts.set('sub-ny', {
      email: 'ny.analytiker@region.example.se',
      name: 'Ny Analytiker',
      groups: ['alla-anstallda', 'pp-analytiker'],
    });
    const agent = request.agent(t.app);
    expect((await signIn(agent, 'grupper', 'sub-ny')).res.status).toBe(303);
    const created = await t.deps.db('users').where({ email: 'ny.analytiker@region.example.se' }).first();
    expect(created).toMatchObject({ role: 'analyst', name: 'Ny Analytiker' });
    await agent.get('/indicators').expect(200);
    await agent.get('/organisations').expect(403);

    idp.accounts.set('sub-ny', {
      email: 'ny.analytiker@region.example.se',
      name: 'Ny Analytiker',
      groups: ['pp-samordnare', 'pp-analytiker'],
    });
    const again = request.agent(t.app);
    expect((await signIn(again, 'grupper', 'sub-ny')).res.status).toBe(303);
    expect((await t.deps.db('users').where({ id: created!.id }).first())?.role).toBe('coordinator');
    await again.get('/organisations').expect(200);
    await agent.get('/').expect(303); // the role changed: the older session has ended

    idp.accounts.set('sub-ny', { email: 'ny.analytiker@region.example.se', name: 'Ny Analytiker', groups: ['alla-anstallda'] });
    const { res } = await signIn(request.agent(t.app), 'grupper', 'sub-ny');
    expect(res.status).toBe(403);
    expect(textOf(res.text, '.notice-error')).toContain('ingen roll');
  });

  it('logout ends the local session and sends the browser to the provider’s end-session endpoint', async () => {
    idp.accounts.set('sub-eva', { email: 'eva.ek@region.example.se', name: 'Eva Ek' });
    const agent = request.agent(t.app);
    await signIn(agent, 'region', 'sub-eva');
    const home = await agent.get('/').expect(200);
    const out = await agent
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfFrom(home.text) })
      .expect(303);
    const to = new URL(String(out.headers.location));
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('id_token_hint')).toBeTruthy();
    expect(to.searchParams.get('post_logout_redirect_uri')).toBe(`${BASE}/login?utloggad=1`);
    await agent.get('/').expect(303);
    expect(await lastAudit('auth.logout')).toBeDefined();
  });
});
