// Issue 13: PASSWORD_LOGIN hides the password form (a break-glass link keeps it reachable) or
// turns password sign-in off.
import request from 'supertest';
import { page } from '../helpers/html';
import { createUser, csrfFrom, startTestApp, TEST_PASSWORD } from '../helpers/app';

const provider = {
  OIDC_PROVIDERS: 'region',
  OIDC_REGION_ISSUER: 'http://127.0.0.1:9',
  OIDC_REGION_CLIENT_ID: 'partnerpuls',
  OIDC_REGION_CLIENT_SECRET: 'hemligt',
  OIDC_REGION_LABEL: 'Logga in med SITHS eID',
};

it('PASSWORD_LOGIN=hidden: only the provider’s button, and the password form behind a link', async () => {
  const t = await startTestApp({ ...provider, PASSWORD_LOGIN: 'hidden' });
  try {
    const $ = page((await request(t.app).get('/login').expect(200)).text);
    expect($('form[action="/login"]').length).toBe(0);
    expect($('.sso-buttons button').text().trim()).toBe('Logga in med SITHS eID');
    expect($('a[href="/login?losenord=1"]').length).toBe(1);
    const agent = request.agent(t.app);
    const withForm = await agent.get('/login?losenord=1').expect(200);
    expect(page(withForm.text)('form[action="/login"]').length).toBe(1);
    const user = await createUser(t.deps, 'analyst');
    await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(withForm.text), email: user.email, password: TEST_PASSWORD })
      .expect(303);
  } finally {
    await t.close();
  }
});

it('PASSWORD_LOGIN=off: no password form and password sign-in refused', async () => {
  const t = await startTestApp({ ...provider, PASSWORD_LOGIN: 'off' });
  try {
    const agent = request.agent(t.app);
    const form = await agent.get('/login?losenord=1').expect(200);
    expect(page(form.text)('form[action="/login"]').length).toBe(0);
    const user = await createUser(t.deps, 'analyst');
    await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), email: user.email, password: TEST_PASSWORD })
      .expect(404);
  } finally {
    await t.close();
  }
});
