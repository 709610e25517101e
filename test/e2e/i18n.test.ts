import request from 'supertest';
import { csrfFrom, startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('language', () => {
  it('is Swedish by default', async () => {
    const res = await request(t.app).get('/login').expect(200);
    expect(res.text).toContain('<html lang="sv">');
    expect(res.text).toContain('<h1>Logga in</h1>');
  });

  it('switches to English with a POST and back, and only to known languages', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    await agent
      .post('/sprak')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), lang: 'en', returnTo: '/login' })
      .expect(303)
      .expect('location', '/login');
    const en = await agent.get('/login');
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('<h1>Log in</h1>');
    expect(en.text).toContain('Skip to main content');
    // an unknown language or an off-site return address changes nothing
    await agent
      .post('/sprak')
      .type('form')
      .send({ _csrf: csrfFrom(en.text), lang: 'xx', returnTo: '//evil.example' })
      .expect(303)
      .expect('location', '/');
    expect((await agent.get('/login')).text).toContain('<html lang="en">');
    await agent
      .post('/sprak')
      .type('form')
      .send({ _csrf: csrfFrom(en.text), lang: 'sv', returnTo: '/login' });
    expect((await agent.get('/login')).text).toContain('<h1>Logga in</h1>');
  });
});
