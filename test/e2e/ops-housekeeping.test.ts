// The daily housekeeping (issue 12): once a day across all instances (a lease in the database),
// at HOUSEKEEPING_AT Swedish time: purge, expired sessions, expired import previews, old outbox bodies.
import { insertOutboxMessage as enqueue } from '../../server/repositories/outbox';
import { HOUSEKEEPING_JOB, housekeepingTick, nextRunAfter, OUTBOX_BODY_DAYS } from '../../server/services/housekeeping';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const day = 86400_000;

async function failedMail(createdAt: Date): Promise<number> {
  const id = await enqueue(t.deps.db, {
    kind: 'other',
    roundId: null,
    organisationId: null,
    contactId: null,
    to: 'x@example.se',
    subject: 'S',
    text: 'personlig länk',
    html: '<p>personlig länk</p>',
    headers: {},
    messageId: `<hk-${createdAt.getTime()}@test>`,
  });
  await t.deps.db('email_outbox').where({ id }).update({ status: 'failed', created_at: createdAt.toISOString() });
  return id;
}

describe('housekeeping', () => {
  it('the next run is at HOUSEKEEPING_AT Swedish time, winter and summer', () => {
    expect(nextRunAfter('03:00', new Date('2026-12-01T10:00:00Z'))).toBe('2026-12-02T02:00:00.000Z');
    expect(nextRunAfter('03:00', new Date('2026-12-01T01:00:00Z'))).toBe('2026-12-01T02:00:00.000Z');
    expect(nextRunAfter('03:00', new Date('2026-07-01T10:00:00Z'))).toBe('2026-07-02T01:00:00.000Z');
    expect(nextRunAfter('23:30', new Date('2026-07-01T10:00:00Z'))).toBe('2026-07-01T21:30:00.000Z');
  });

  it('runs once across two instances, then not again until the next day; clears what has expired', async () => {
    const now = new Date();
    const { db } = t.deps;
    await db('sessions').insert([
      { sid: 'old', sess: JSON.stringify({}), expired: new Date(now.getTime() - day).toISOString() },
      { sid: 'live', sess: JSON.stringify({}), expired: new Date(now.getTime() + day).toISOString() },
    ]);
    await db('register_imports').insert([
      {
        id: 'gammal',
        row_count: 1,
        content: '{}',
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() - 1000).toISOString(),
      },
      {
        id: 'aktuell',
        row_count: 1,
        content: '{}',
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + 3600_000).toISOString(),
      },
    ]);
    const oldMail = await failedMail(new Date(now.getTime() - (OUTBOX_BODY_DAYS + 5) * day));
    const recentMail = await failedMail(new Date(now.getTime() - 2 * day));

    const [a, b] = await Promise.all([housekeepingTick(t.deps, 'instans-a', now), housekeepingTick(t.deps, 'instans-b', now)]);
    expect([a, b].filter((r) => r !== null)).toHaveLength(1);
    const report = (a ?? b)!;
    expect(report.sessionsDeleted).toBe(1);
    expect(report.purge.importsDeleted).toBe(1);
    expect(report.outboxBodiesCleared).toBe(1);
    expect((await db('sessions').select('sid')).map((r) => r.sid)).toEqual(['live']);
    expect((await db('register_imports').select('id')).map((r) => r.id)).toEqual(['aktuell']);
    expect(await db('email_outbox').where({ id: oldMail }).first()).toMatchObject({ text_body: null, html_body: null });
    expect(await db('email_outbox').where({ id: recentMail }).first()).toMatchObject({ text_body: 'personlig länk' });

    const lease = await db('background_leases').where({ name: HOUSEKEEPING_JOB }).first();
    expect(lease).toMatchObject({ holder: null, lease_until: null });
    expect(new Date(lease!.next_run_at!).getTime()).toBeGreaterThan(now.getTime());
    expect(JSON.parse(lease!.last_result!)).toMatchObject({ sessionsDeleted: 1 });

    expect(await housekeepingTick(t.deps, 'instans-a', new Date(now.getTime() + 60_000))).toBeNull();
    const tomorrow = new Date(new Date(lease!.next_run_at!).getTime() + 60_000);
    expect(await housekeepingTick(t.deps, 'instans-b', tomorrow)).not.toBeNull();
  });

  it('HOUSEKEEPING_AT=off turns it off', async () => {
    const deps = { ...t.deps, config: { ...t.config, housekeepingAt: null } };
    expect(await housekeepingTick(deps, 'instans-c', new Date(Date.now() + 10 * day))).toBeNull();
  });
});
