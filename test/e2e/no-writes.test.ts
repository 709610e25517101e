// Reading a page writes only when something changed (issue 10): a repeat visit to the respondent's
// form, a staff page viewed again and an API call made again issue no write to the database while
// they are answered; the requests-per-link counts of the rate limits are added up in the process
// and written at most once a second, yet still all arrive in the shared counter.
import type { Knex } from 'knex';
import request from 'supertest';
import { CLI } from '../../server/services/audit';
import { createApiToken } from '../../server/services/api-tokens';
import { ensureInvitation, issueToken } from '../../server/services/invitations';
import { loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import { createPartnership, createRound, TEST_LINK_CAUSE } from '../helpers/fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

/** The writing statements (insert, update, delete) `db` is asked to run while `work` runs. */
async function writesDuring(db: Knex, work: () => Promise<unknown>): Promise<string[]> {
  const writes: string[] = [];
  const listener = (q: { sql: string }) => {
    if (/^\s*(insert|update|delete)\b/i.test(q.sql)) writes.push(q.sql);
  };
  db.on('query', listener);
  try {
    await work();
  } finally {
    db.off('query', listener);
  }
  return writes;
}

async function respondentToken(): Promise<string> {
  const db = t.deps.db;
  const p = await createPartnership(db, 1, 2025);
  const roundId = await createRound(db, { year: 2025, panelId: p.panelId });
  return issueToken(db, await ensureInvitation(db, roundId, p.organisationIds[0]), p.contactIds[0], TEST_LINK_CAUSE);
}

it('a repeat visit to the respondent form writes nothing (the first records the opening)', async () => {
  const token = await respondentToken();
  const first = await writesDuring(t.deps.db, () => request(t.app).get(`/s/${token}/svar`).expect(200));
  expect(first.some((sql) => /invitations/.test(sql))).toBe(true); // first opened
  const again = await writesDuring(t.deps.db, () => request(t.app).get(`/s/${token}/svar`).expect(200));
  // (the request counts of the rate limits are written in the background, once a second: next test)
  expect(again.filter((sql) => !/rate_limits/.test(sql))).toEqual([]);
});

it('the requests to a link are counted in memory and written together, all of them', async () => {
  const token = await respondentToken();
  await request(t.app).get(`/s/${token}/svar`).expect(200);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the first visit's count is written
  const before = await t.deps.db('rate_limits').where('key', 'like', 'respondRequestsPerLink:%').sum<{ n: number }[]>({ n: 'hits' });
  const started = Date.now();
  let seconds = 0;
  const writes = await writesDuring(t.deps.db, async () => {
    for (let i = 0; i < 20; i++) await request(t.app).get(`/s/${token}/svar`).expect(200);
    seconds = Math.ceil((Date.now() - started) / 1000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });
  // one write a second at most, however many requests came (here 20)
  expect(writes.filter((sql) => /rate_limits/.test(sql)).length).toBeLessThanOrEqual(Math.min(seconds + 2, 19));
  expect(writes.filter((sql) => !/rate_limits/.test(sql))).toEqual([]);
  const after = await t.deps.db('rate_limits').where('key', 'like', 'respondRequestsPerLink:%').sum<{ n: number }[]>({ n: 'hits' });
  expect(Number(after[0].n) - Number(before[0].n)).toBe(20);
});

it('a staff page viewed again writes nothing (the session expiry is written every few minutes)', async () => {
  const { agent } = await loggedInAgent(t, 'coordinator');
  await agent.get('/rounds').expect(200);
  const again = await writesDuring(t.deps.db, () => agent.get('/rounds').expect(200));
  expect(again).toEqual([]);
});

it('an API call made again writes nothing (the key’s last use is written every few minutes)', async () => {
  const key = await createApiToken(t.deps.db, CLI, 'Test');
  const call = () => request(t.app).get('/api/v1/indicators?year=2025').set('Authorization', `Bearer ${key}`).expect(200);
  const first = await writesDuring(t.deps.db, call);
  expect(first.some((sql) => /api_tokens/.test(sql))).toBe(true);
  const again = await writesDuring(t.deps.db, call);
  expect(again.filter((sql) => !/rate_limits/.test(sql))).toEqual([]);
  expect((await call()).headers['set-cookie']).toBeUndefined(); // no CSRF cookie on API answers
});
