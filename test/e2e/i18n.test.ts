import request from 'supertest';
import { csrfFrom, startTestApp, type TestApp } from '../helpers/app';
import { page as parsePage, textOf } from '../helpers/html';

const langOf = (html: string) => parsePage(html)('html').attr('lang');

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('language', () => {
  it('is Swedish by default', async () => {
    const res = await request(t.app).get('/login').expect(200);
    expect(langOf(res.text)).toBe('sv');
    expect(textOf(res.text, 'h1')).toBe('Logga in');
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
    expect(langOf(en.text)).toBe('en');
    expect(textOf(en.text, 'h1')).toBe('Log in');
    expect(textOf(en.text, '.skip-link')).toBe('Skip to main content');
    // an unknown language or an off-site return address changes nothing
    await agent
      .post('/sprak')
      .type('form')
      .send({ _csrf: csrfFrom(en.text), lang: 'xx', returnTo: '//evil.example' })
      .expect(303)
      .expect('location', '/');
    expect(langOf((await agent.get('/login')).text)).toBe('en');
    await agent
      .post('/sprak')
      .type('form')
      .send({ _csrf: csrfFrom(en.text), lang: 'sv', returnTo: '/login' });
    expect(textOf((await agent.get('/login')).text, 'h1')).toBe('Logga in');
  });
});
