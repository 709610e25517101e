// The request counts behind the respondent and API limits (services/rate-limits.ts DatabaseStore):
// each instance counts hits in memory and adds them to the shared counters once a second, all keys
// in one statement. Two stores on one database stand for two instances.
import { DatabaseStore } from '../../server/services/rate-limits';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const stored = async (key: string) => {
  const row = await t.deps.db('rate_limits').where({ key }).first<{ hits: number | string; reset_at: number | string } | undefined>();
  return row ? { hits: Number(row.hits), resetAt: Number(row.reset_at) } : null;
};

it('two instances flushing many keys add up to the same shared counts, and each learns the other’s hits', async () => {
  const a = new DatabaseStore(t.deps.db, 'test:');
  const b = new DatabaseStore(t.deps.db, 'test:');
  a.init({ windowMs: 15 * 60_000 });
  b.init({ windowMs: 15 * 60_000 });
  // more keys than one statement takes (300), so the flush goes in parts
  const keys = Array.from({ length: 650 }, (_, i) => `k${i}`);
  for (const k of keys) await a.increment(k);
  for (const k of keys.slice(0, 10)) for (let n = 0; n < 3; n++) await b.increment(k);
  await a.flush();
  await b.flush();
  expect(await stored('test:k0')).toMatchObject({ hits: 4 });
  expect(await stored('test:k9')).toMatchObject({ hits: 4 });
  expect(await stored('test:k10')).toMatchObject({ hits: 1 });
  expect(await stored('test:k649')).toMatchObject({ hits: 1 });
  expect(Number((await t.deps.db('rate_limits').where('key', 'like', 'test:%').count<Array<{ n: number }>>({ n: '*' }))[0].n)).toBe(650);
  // b has learnt a's hit on k0 (its flush returned the shared count); a learns b's at its next flush
  expect((await b.get('k0'))?.totalHits).toBe(4);
  await a.increment('k0');
  await a.flush();
  expect((await a.get('k0'))?.totalHits).toBe(5);
  expect(await stored('test:k0')).toMatchObject({ hits: 5 });
});

it('a window that has ended starts again from the hits of the flush', async () => {
  const s = new DatabaseStore(t.deps.db, 'ended:');
  s.init({ windowMs: 60_000 });
  await t.deps.db('rate_limits').insert({ key: 'ended:x', hits: 99, reset_at: Date.now() - 1000 });
  await s.increment('x');
  await s.increment('x');
  await s.flush();
  const row = await stored('ended:x');
  expect(row?.hits).toBe(2);
  expect(row!.resetAt).toBeGreaterThan(Date.now());
});
