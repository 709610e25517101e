// Several instances starting at once each sync the indicators of the survey files (server/
// background.ts, before listening). On PostgreSQL their transactions ran side by side: both found
// an indicator missing and both inserted it, and one instance stopped at start with "duplicate key
// value violates unique constraint indicators_pkey" (seen in rate-limits-two-instances.test.ts).
// The sync now takes a lock for its transaction, so the instances sync one after the other.
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { startTestApp, type TestApp, testDatabaseKind } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const on = testDatabaseKind() === 'postgres' ? 'on PostgreSQL' : 'on SQLite (set TEST_DATABASE_URL for PostgreSQL)';

it(`six instances syncing the indicators of an empty database at once all succeed ${on}`, async () => {
  expect(Number((await t.deps.db('indicators').count<Array<{ n: number }>>({ n: '*' }))[0].n)).toBe(0);
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => syncIndicatorsFromFiles(t.deps)));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  expect(failures).toEqual([]);
  const synced = results.map((r) => (r.status === 'fulfilled' ? r.value.synced.length : 0));
  expect(new Set(synced).size).toBe(1);
  expect(synced[0]).toBeGreaterThan(0);
  const rows = await t.deps.db('indicators').whereNull('retired_at').count<Array<{ n: number | string }>>({ n: '*' });
  expect(Number(rows[0].n)).toBe(synced[0]);
});
