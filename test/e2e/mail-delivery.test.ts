// Delivery through a real SMTP server that misbehaves: 421/451 then recovery (every message
// exactly once), 550 (the contact is bounced and the coordinator sees it), failure after the last
// attempt and a retry by hand, a worker restart mid-way, and a row left 'sending' by a crash.
import { CLI } from '../../server/services/audit';
import { outboxWorker, sendInvitations } from '../../server/services/mailings';
import { csrfFrom, loggedInAgent } from '../helpers/app';
import { rowCells, textOf } from '../helpers/html';
import {
  deliveriesByMessageId,
  drainAll,
  type MailTestEnv,
  outboxRows,
  partnershipWithOpenRound,
  startMailTestApp,
  testWorker,
} from '../helpers/mail';

let env: MailTestEnv;
beforeEach(async () => {
  env = await startMailTestApp();
});
afterEach(async () => env.close());

function expectEachOnce(messageIds: string[]) {
  const seen = deliveriesByMessageId(env.smtp);
  expect(messageIds.map((id) => [id, seen.get(id) ?? 0])).toEqual(messageIds.map((id) => [id, 1]));
  expect(env.smtp.messages).toHaveLength(messageIds.length);
}

describe('delivery', () => {
  it('a server answering 421 and 451 and then recovering gets every message exactly once', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 12);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    env.smtp.failNext(5, 421);
    const worker = testWorker(env.t);
    await worker.runOnce(); // the first batch meets the outage
    expect(env.smtp.refused).toBeGreaterThan(0);
    const retried = (await outboxRows(db, { status: 'queued' })).filter((r) => r.attempts > 0);
    expect(retried).toHaveLength(5);
    expect(retried.every((r) => r.last_error && /421/.test(r.last_error))).toBe(true);
    env.smtp.failNext(3, 451);
    await drainAll(env.t, worker);
    const rows = await outboxRows(db);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(rows.some((r) => r.attempts > 1)).toBe(true);
    expectEachOnce(rows.map((r) => r.message_id));
    expect(env.smtp.refused).toBe(8);
  });

  it('a message queued before its contact was deactivated or opted out is not sent', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 3);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    await db('contacts').where({ id: p.contactIds[0][0] }).update({ active: false });
    await db('contacts').where({ id: p.contactIds[1][0] }).update({ opted_out_at: new Date().toISOString() });
    await drainAll(env.t);
    const rows = await outboxRows(db);
    const row = (contactId: number) => rows.find((r) => r.contact_id === contactId)!;
    expect([row(p.contactIds[0][0]).status, row(p.contactIds[0][0]).last_error]).toEqual([
      'failed',
      'Kontakten är inaktiverad; skickades inte.',
    ]);
    expect([row(p.contactIds[1][0]).status, row(p.contactIds[1][0]).last_error]).toEqual([
      'failed',
      'Mottagaren har avregistrerat sig; skickades inte.',
    ]);
    expect(row(p.contactIds[2][0]).status).toBe('sent');
    expect(env.smtp.messages).toHaveLength(rows.length - 2);
  });

  it('a 550 reply marks the message and the contact bounced; the coordinator sees it; no reminder goes there', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 3);
    env.smtp.rejectAddress('kontakt2-1@org2.example.se', 550);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    await drainAll(env.t);
    const rows = await outboxRows(db);
    const bounced = rows.find((r) => r.contact_id === p.contactIds[1][0])!;
    expect(bounced.status).toBe('bounced');
    expect(bounced.attempts).toBe(1); // not retried
    expect(bounced.text_body).toBeNull();
    const contact = (await db('contacts').where({ id: p.contactIds[1][0] }).first())!;
    expect(contact.bounced_at).toBeTruthy();
    expect(contact.bounce_reason).toContain('550');
    expect(contact.bounce_reason).not.toContain('kontakt2-1@org2.example.se');
    expect(env.smtp.messages).toHaveLength(2);
    const audit = (await db('audit_log').where({ action: 'mail.bounced' }).first())!;
    expect(audit.entity_id).toBe(String(p.contactIds[1][0]));

    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(`/rounds/${p.roundId}/mail`).expect(200);
    expect(textOf(page.text, '#bounced caption')).toBe('E-post som studsat');
    expect(rowCells(page.text, '#bounced', 'Kontakt 2-1')[0]).toBe('kontakt2-1@org2.example.se');
    expect(textOf(page.text, '#count-bounced')).toBe('Studsade: 1');

    env.smtp.recover();
    const remind = await agent.get(`/rounds/${p.roundId}/mail/remind`);
    await agent
      .post(`/rounds/${p.roundId}/mail/remind`)
      .type('form')
      .send({ _csrf: csrfFrom(remind.text) })
      .expect(303);
    expect((await outboxRows(db, { kind: 'reminder' })).map((r) => r.contact_id).sort()).toEqual(
      [p.contactIds[0][0], p.contactIds[2][0]].sort(),
    );
  });

  it('after the last attempt a message is failed, visible, and can be retried by hand', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 1);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    env.smtp.failNext(1000, 451);
    const worker = testWorker(env.t);
    for (let i = 0; i < 50; i++) {
      await worker.drain();
      const [row] = await outboxRows(db);
      if (row.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const [failed] = await outboxRows(db);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(5); // MAIL_MAX_ATTEMPTS in the test env
    expect(failed.text_body).not.toBeNull(); // kept so it can be retried
    expect(env.smtp.messages).toHaveLength(0);

    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const outbox = await agent.get('/outbox').expect(200);
    // the row of the message: Skapat, Slag, Omgång, Till, Ämne, Status, Försök, Senaste fel, Åtgärd
    const cells = rowCells(outbox.text, '#outbox-messages', String(failed.id));
    expect(cells[5]).toContain('Misslyckades');
    expect(cells[7]).toContain('451');
    env.smtp.recover();
    await agent
      .post(`/outbox/${failed.id}/retry`)
      .type('form')
      .send({ _csrf: csrfFrom(outbox.text) })
      .expect(303);
    await drainAll(env.t);
    expectEachOnce([failed.message_id]);
    expect((await outboxRows(db))[0].status).toBe('sent');
  });

  it('the outbox survives a restart of the worker: stopped mid-way, a new worker delivers the rest, each message once', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 40);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    const first = outboxWorker(env.t.deps, { batchSize: 5, pollMs: 5, schedulerEveryMs: 0 });
    first.start();
    await env.smtp.waitFor(7);
    await first.stop(); // waits for the batch in flight
    const afterStop = env.smtp.messages.length;
    expect(afterStop).toBeLessThan(40);
    expect(await outboxRows(db, { status: 'sending' })).toHaveLength(0);
    const second = outboxWorker(env.t.deps, { batchSize: 5, pollMs: 5, schedulerEveryMs: 0 });
    second.start();
    await env.smtp.waitFor(40);
    await second.stop();
    const rows = await outboxRows(db);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expectEachOnce(rows.map((r) => r.message_id));
    expect(new Set(rows.map((r) => r.claimed_by)).size).toBe(2);
  });

  it('a row left in "sending" by a crashed worker is reclaimed after a while, and not before', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 2);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    const [a, b] = await outboxRows(db);
    // worker "dead" claimed row a ten minutes ago; row b just now (it may still be on the wire)
    await db('email_outbox')
      .where({ id: a.id })
      .update({ status: 'sending', claimed_by: 'dead', claimed_at: new Date(Date.now() - 10 * 60_000).toISOString(), attempts: 1 });
    await db('email_outbox')
      .where({ id: b.id })
      .update({ status: 'sending', claimed_by: 'busy', claimed_at: new Date().toISOString(), attempts: 1 });
    await testWorker(env.t).drain();
    expect((await db('email_outbox').where({ id: a.id }).first())!.status).toBe('sent');
    expect((await db('email_outbox').where({ id: b.id }).first())!.status).toBe('sending');
    expect(env.smtp.messages.map((m) => m.messageId)).toEqual([a.message_id]);
  });
});
