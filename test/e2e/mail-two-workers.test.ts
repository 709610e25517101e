// Two app instances, each with its own worker, database pool and SMTP pool, against one database:
// no message is sent twice. On PostgreSQL this exercises SELECT … FOR UPDATE SKIP LOCKED; on
// SQLite (one writer, one connection) the claim is a conditional update — the test name says which.
import { createDb } from '../../server/db';
import { createSmtpMailer } from '../../server/mail/transport';
import { CLI } from '../../server/services/audit';
import { outboxWorker, prepareQueuedConfirmations, queueConfirmation, sendInvitations } from '../../server/services/mailings';
import { testDatabaseKind } from '../helpers/app';
import {
  deliveriesByMessageId,
  type MailTestEnv,
  markSubmitted,
  outboxRows,
  partnershipWithOpenRound,
  startMailTestApp,
} from '../helpers/mail';

let env: MailTestEnv;
beforeAll(async () => {
  env = await startMailTestApp();
});
afterAll(async () => env.close());

const kind = testDatabaseKind();
const title =
  kind === 'postgres'
    ? 'two workers on PostgreSQL (SKIP LOCKED) never send a message twice'
    : 'two workers on SQLite (one connection, claim by conditional update; PostgreSQL not configured: set TEST_DATABASE_URL) never send a message twice';

it(title, async () => {
  const { db, config, logger } = env.t.deps;
  const p = await partnershipWithOpenRound(db, 60);
  await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
  // the second "instance": its own database pool (PostgreSQL) and its own SMTP pool
  const db2 = kind === 'postgres' ? createDb(config.databaseUrl) : db;
  const mailer2 = createSmtpMailer(config, config.smtpUrl!);
  const a = outboxWorker(env.t.deps, { workerId: 'instance-a', batchSize: 4, pollMs: 5, schedulerEveryMs: 0 });
  const b = outboxWorker(
    { db: db2, config, logger, mailer: mailer2 },
    { workerId: 'instance-b', batchSize: 4, pollMs: 5, schedulerEveryMs: 0 },
  );
  a.start();
  b.start();
  await env.smtp.waitFor(60);
  await Promise.all([a.stop(), b.stop()]);
  await mailer2.close();
  if (db2 !== db) await db2.destroy();

  const rows = await outboxRows(db);
  expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  const seen = deliveriesByMessageId(env.smtp);
  expect(rows.filter((r) => seen.get(r.message_id) !== 1)).toEqual([]);
  expect(env.smtp.messages).toHaveLength(60);
  expect(rows.every((r) => r.claimed_by === 'instance-a' || r.claimed_by === 'instance-b')).toBe(true);
});

it(`two workers ${kind === 'postgres' ? 'on PostgreSQL (SKIP LOCKED)' : 'on SQLite'} prepare every queued confirmation exactly once`, async () => {
  const { db, config } = env.t.deps;
  const p = await partnershipWithOpenRound(db, 30);
  await db('rounds').where({ id: p.roundId }).update({ send_confirmation: true });
  for (const [i, organisationId] of p.organisationIds.entries()) {
    await markSubmitted(db, p.roundId, organisationId);
    const response = (await db('responses').where({ round_id: p.roundId, organisation_id: organisationId }).first('id'))!;
    await db.transaction((trx) =>
      queueConfirmation(trx, { responseId: Number(response.id), contactId: p.contactIds[i][0], receiptCode: `KV-${1000 + i}` }),
    );
  }
  const db2 = kind === 'postgres' ? createDb(config.databaseUrl) : db;
  try {
    const written = await Promise.all([prepareQueuedConfirmations({ db, config }, 3), prepareQueuedConfirmations({ db: db2, config }, 3)]);
    expect(written[0].emails + written[1].emails).toBe(30);
    expect([...written[0].dropped, ...written[1].dropped]).toEqual([]);
  } finally {
    if (db2 !== db) await db2.destroy();
  }
  const mails = await outboxRows(db, { round_id: p.roundId, kind: 'confirmation' });
  expect(mails).toHaveLength(30);
  expect(new Set(mails.map((m) => Number(m.contact_id)))).toEqual(new Set(p.contactIds.map((c) => c[0])));
  expect(mails.every((m) => /Kvittens: KV-1\d{3}/.test(String(m.text_body)))).toBe(true);
  expect(await db('confirmation_queue')).toEqual([]);
});
