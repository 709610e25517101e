// Issue 9, item 11: the rate limits count guesses per target as well as per address, so one
// client cannot lock others out (everyone behind a proxy without TRUST_PROXY shares one address)
// and cannot escape by changing address (TRUST_PROXY=1 with a forged X-Forwarded-For).
import crypto from 'node:crypto';
import request from 'supertest';
import { createApiToken } from '../../server/services/api-tokens';
import { CLI } from '../../server/services/audit';
import { ensureInvitation, issueToken } from '../../server/services/invitations';
import { RATE_LIMITS } from '../../server/services/rate-limits';
import { type Agent, createUser, csrfFrom, startTestApp, type TestApp, TEST_PASSWORD } from '../helpers/app';
import { createPartnership, createRound, TEST_LINK_CAUSE } from '../helpers/fixtures';

const YEAR = new Date().getFullYear();

/** A random token whose first character is `first` (so every guess lands in one target bucket). */
function tokenStartingWith(first: string): string {
  return first + crypto.randomBytes(32).toString('base64url').slice(1);
}

async function tryLogin(agent: Agent, email: string, password: string, forwardedFor?: string): Promise<number> {
  const page = await agent.get('/login');
  if (page.status !== 200) throw new Error(`GET /login: ${page.status} ${page.headers.location}`);
  const req = agent.post('/login').type('form');
  if (forwardedFor) void req.set('X-Forwarded-For', forwardedFor);
  const res = await req.send({ _csrf: csrfFrom(page.text), email, password });
  return res.status;
}

async function respondentLink(t: TestApp): Promise<string> {
  const p = await createPartnership(t.deps.db, 1, YEAR);
  const roundId = await createRound(t.deps.db, { year: YEAR, panelId: p.panelId });
  const invitationId = await ensureInvitation(t.deps.db, roundId, p.organisationIds[0]);
  return issueToken(t.deps.db, invitationId, p.contactIds[0], TEST_LINK_CAUSE);
}

describe('behind a proxy without TRUST_PROXY (everyone shares one address)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('wrong /s/ links lock nobody out: a valid link still works', async () => {
    const token = await respondentLink(t);
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMITS.linkGuessesPerAddress.limit + 2; i++)
      statuses.push((await request(t.app).get(`/s/${crypto.randomBytes(32).toString('base64url')}`)).status);
    expect(statuses.slice(-1)[0]).toBe(429);
    await request(t.app).get(`/s/${token}`).expect(200);
  });

  it('wrong passwords for one account lock out neither other accounts nor the owner in a browser they used before', async () => {
    const owner = await createUser(t.deps, 'coordinator');
    const colleague = await createUser(t.deps, 'analyst');
    const ownersBrowser = request.agent(t.app);
    expect(await tryLogin(ownersBrowser, owner.email, TEST_PASSWORD)).toBe(303);
    const home = await ownersBrowser.get('/').expect(200);
    await ownersBrowser
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfFrom(home.text) })
      .expect(303);

    const attacker = request.agent(t.app);
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMITS.loginPerAddressAndAccount.limit + 2; i++)
      statuses.push(await tryLogin(attacker, owner.email, `fel lösenord nummer ${i}`));
    expect(statuses.slice(-1)[0]).toBe(429);
    // the attacker is refused even with the right password now
    expect(await tryLogin(attacker, owner.email, TEST_PASSWORD)).toBe(429);

    expect(await tryLogin(request.agent(t.app), colleague.email, TEST_PASSWORD)).toBe(303);
    expect(await tryLogin(ownersBrowser, owner.email, TEST_PASSWORD)).toBe(303);
  });

  it('bad API calls with a valid key do not block that key', async () => {
    const key = await createApiToken(t.deps.db, CLI, 'rapportverktyget');
    for (let i = 0; i < RATE_LIMITS.apiGuessesPerAddress.limit + 5; i++)
      await request(t.app).get('/api/v1/indicators?year=abc').set('Authorization', `Bearer ${key}`).expect(400);
    await request(t.app).get(`/api/v1/indicators?year=${YEAR}`).set('Authorization', `Bearer ${key}`).expect(200);
  });

  it('guessed API keys do not block a valid key at the same address', async () => {
    const key = await createApiToken(t.deps.db, CLI, 'statistikportalen');
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMITS.apiGuessesPerAddress.limit + 2; i++)
      statuses.push(
        (
          await request(t.app)
            .get(`/api/v1/indicators?year=${YEAR}`)
            .set('Authorization', `Bearer pp_${tokenStartingWith('Q')}`)
        ).status,
      );
    expect(statuses.slice(-1)[0]).toBe(429);
    await request(t.app).get(`/api/v1/indicators?year=${YEAR}`).set('Authorization', `Bearer ${key}`).expect(200);
  });

  it('logs a warning when requests carry X-Forwarded-For', async () => {
    const warn = jest.spyOn(t.deps.logger, 'warn');
    await request(t.app).get('/login').set('X-Forwarded-For', '198.51.100.20');
    await request(t.app).get('/login').set('X-Forwarded-For', '198.51.100.21');
    const calls = warn.mock.calls.filter((c) => String(c[0]).includes('TRUST_PROXY'));
    expect(calls).toHaveLength(1);
    warn.mockRestore();
  });
});

describe('with TRUST_PROXY=1 and a forged X-Forwarded-For (the app reachable directly)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: '1' });
  });
  afterAll(async () => t.close());

  const address = (i: number) => `203.0.113.${i % 250}`;

  it('guessing /s/ links is limited per target bucket, whatever address it comes from', async () => {
    const token = await respondentLink(t);
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMITS.linkGuessesPerBucket.limit + 2; i++)
      statuses.push(
        (
          await request(t.app)
            .get(`/s/${tokenStartingWith('Z')}`)
            .set('X-Forwarded-For', address(i))
        ).status,
      );
    expect(statuses.slice(0, RATE_LIMITS.linkGuessesPerBucket.limit).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(-1)[0]).toBe(429);
    // another bucket, and a valid link, are untouched
    await request(t.app)
      .get(`/s/${tokenStartingWith('k')}`)
      .set('X-Forwarded-For', '198.51.100.99')
      .expect(404);
    await request(t.app).get(`/s/${token}`).set('X-Forwarded-For', address(1)).expect(200);
  });

  it('guessing one account’s password is limited per account, whatever address it comes from', async () => {
    const owner = await createUser(t.deps, 'analyst');
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMITS.loginPerAccount.limit; i++)
      statuses.push(await tryLogin(request.agent(t.app), owner.email, `gissning ${i}`, address(i)));
    expect(statuses.every((s) => s === 401)).toBe(true);
    // from a fresh address, even the right password is not checked while the account is locked …
    expect(await tryLogin(request.agent(t.app), owner.email, TEST_PASSWORD, '192.0.2.77')).toBe(429);
    // … and other accounts are not affected
    const other = await createUser(t.deps, 'analyst');
    expect(await tryLogin(request.agent(t.app), other.email, TEST_PASSWORD, '192.0.2.77')).toBe(303);
  });

  it('one address opening one valid /s/ link is limited per link and address; other addresses are not', async () => {
    const token = await respondentLink(t);
    const { limit } = RATE_LIMITS.respondRequestsPerLink;
    const statuses: number[] = [];
    for (let i = 0; i < limit + 1; i++)
      statuses.push((await request(t.app).get(`/s/${token}`).set('X-Forwarded-For', '198.51.100.7')).status);
    expect(statuses.slice(0, limit).every((s) => s === 200)).toBe(true);
    const refused = await request(t.app).get(`/s/${token}/svar`).set('X-Forwarded-For', '198.51.100.7');
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('För många försök');
    await request(t.app).get(`/s/${token}`).set('X-Forwarded-For', '198.51.100.8').expect(200);
  }, 60_000);

  it('guessing API keys is limited per key bucket, whatever address it comes from', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMITS.apiGuessesPerBucket.limit + 2; i++)
      statuses.push(
        (
          await request(t.app)
            .get(`/api/v1/indicators?year=${YEAR}`)
            .set('Authorization', `Bearer pp_${tokenStartingWith('W')}`)
            .set('X-Forwarded-For', address(i))
        ).status,
      );
    expect(statuses.slice(0, RATE_LIMITS.apiGuessesPerBucket.limit).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(-1)[0]).toBe(429);
  });
});
