// The outbox under faults (issue 9, items 16 and 22): opt-out tokens do not stay in plaintext
// after sending; a claim is short and kept alive by a heartbeat, so a crashed sender's rows come
// back within a minute while a slow but living sender never sees its messages sent by another
// worker; "Skicka nu" (and `outbox send --now`) retries backed-off mail at once.
import { runCli } from '../../server/cli';
import { json } from '../../server/db';
import type { Mailer, OutgoingMessage } from '../../server/mail/transport';
import { CLI } from '../../server/services/audit';
import { closeRound } from '../../server/services/rounds';
import { optOut, outboxWorker, sendInvitations } from '../../server/services/mailings';
import { csrfFrom, loggedInAgent } from '../helpers/app';
import { textOf } from '../helpers/html';
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

const TOKEN_IN_URL = /avregistrera\/[A-Za-z0-9_-]{43}/;

/** Every stored text of an outbox row that could carry a token. */
function storedText(row: Record<string, unknown>): string {
  return JSON.stringify(row);
}

describe('opt-out tokens are not kept in plaintext (item 16)', () => {
  it('after sending, the outbox row holds no opt-out token; the e-mail had its List-Unsubscribe header', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 3);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    await drainAll(env.t);
    expect(env.smtp.messages).toHaveLength(3);
    for (const m of env.smtp.messages) expect(m.headers['list-unsubscribe']).toMatch(TOKEN_IN_URL);
    const rows = await outboxRows(db);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(rows.filter((r) => TOKEN_IN_URL.test(storedText(r)))).toEqual([]);
    // the language the message was written in is still known (reminders use it)
    expect(rows.map((r) => json<Record<string, string>>(r.headers)['Content-Language'])).toEqual(['sv', 'sv', 'sv']);
    // the one-click link in the e-mail still works: the hash is kept
    const token = TOKEN_IN_URL.exec(env.smtp.messages[0].headers['list-unsubscribe'])![0].split('/')[1];
    expect(await optOut(db, token, 'one-click')).not.toBeNull();
  });

  it('a bounced message, a message not sent because of an opt-out, and the failed ones of a closed round keep no token', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 3);
    env.smtp.rejectAddress('kontakt1-1@org1.example.se', 550);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    // contact 2 opts out (through an earlier e-mail's link) before the worker runs
    const [, second] = await outboxRows(db);
    await db('contacts').where({ id: second.contact_id! }).update({ opted_out_at: new Date().toISOString() });
    await drainAll(env.t);
    // contact 3's message fails for good and the round is closed
    const third = (await outboxRows(db)).find((r) => r.contact_id === p.contactIds[2][0])!;
    await db('email_outbox').where({ id: third.id }).update({ status: 'queued', next_attempt_at: new Date().toISOString() });
    env.smtp.failNext(1000, 451);
    const worker = testWorker(env.t);
    for (let i = 0; i < 50 && (await db('email_outbox').where({ id: third.id }).first())!.status !== 'failed'; i++) {
      await worker.drain();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await db('email_outbox').where({ id: third.id }).first())!.status).toBe('failed');
    await closeRound(db, CLI, p.roundId);
    const rows = await outboxRows(db);
    expect(rows.map((r) => r.status).sort()).toEqual(['bounced', 'failed', 'failed']);
    expect(rows.filter((r) => TOKEN_IN_URL.test(storedText(r)))).toEqual([]);
  });

  it('a queued message is sent with its List-Unsubscribe header (the token is kept only until then)', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 1);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    const [queued] = await outboxRows(db);
    expect(json<Record<string, string>>(queued.headers)['List-Unsubscribe']).toBeUndefined();
    await drainAll(env.t);
    expect(env.smtp.messages[0].headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(env.smtp.messages[0].headers['list-unsubscribe']).toMatch(TOKEN_IN_URL);
  });
});

/** A mailer that holds every message until release() (a slow SMTP server), then hands it on. */
function gatedMailer(inner: Mailer): Mailer & { release(): void; started: number } {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  const m = {
    kind: inner.kind,
    description: 'gated',
    started: 0,
    async send(message: OutgoingMessage) {
      m.started++;
      await gate;
      return inner.send(message);
    },
    close: () => Promise.resolve(),
    release: () => open(),
  };
  return m;
}

describe('claims with a heartbeat (item 22)', () => {
  it('a row left in "sending" by a crashed worker is sent again after about a minute, not after five', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 2);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    const [a, b] = await outboxRows(db);
    const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    await db('email_outbox')
      .where({ id: a.id })
      .update({ status: 'sending', claimed_by: 'crashed', claimed_at: ago(90), attempts: 1 });
    await db('email_outbox')
      .where({ id: b.id })
      .update({ status: 'sending', claimed_by: 'alive', claimed_at: ago(5), attempts: 1 });
    // a worker with the app's defaults (only the scheduler off)
    await outboxWorker(env.t.deps, { schedulerEveryMs: 0 }).drain();
    expect((await db('email_outbox').where({ id: a.id }).first())!.status).toBe('sent');
    expect((await db('email_outbox').where({ id: b.id }).first())!.status).toBe('sending');
    expect(env.smtp.messages.map((m) => m.messageId)).toEqual([a.message_id]);
  });

  it('a slow sender that is alive keeps its claim past the time-out: another worker never sends its messages', async () => {
    const { db, config, logger, mailer } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 4);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    const slow = gatedMailer(mailer);
    const ttl = { staleAfterMs: 300, heartbeatMs: 60 };
    const a = outboxWorker({ db, config, logger, mailer: slow }, { workerId: 'slow', batchSize: 10, schedulerEveryMs: 0, ...ttl });
    const b = outboxWorker(env.t.deps, { workerId: 'other', batchSize: 10, schedulerEveryMs: 0, ...ttl });
    const inFlight = a.runOnce();
    while (slow.started < 4) await new Promise((r) => setTimeout(r, 5));
    // well past the claim's time-out, the other worker keeps looking for due mail
    for (let i = 0; i < 12; i++) {
      await b.runOnce();
      await new Promise((r) => setTimeout(r, 100));
    }
    slow.release();
    await inFlight;
    await drainAll(env.t);
    const rows = await outboxRows(db);
    expect(rows.map((r) => [r.status, r.claimed_by, r.attempts])).toEqual(rows.map(() => ['sent', 'slow', 1]));
    const seen = deliveriesByMessageId(env.smtp);
    expect(rows.map((r) => seen.get(r.message_id))).toEqual([1, 1, 1, 1]);
  });

  it('a worker that lost its claim (it stalled longer than the time-out) does not send the message', async () => {
    const { db, config, logger, mailer } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 2);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    const [first, second] = await outboxRows(db);
    // while the first message is on the wire, the worker stalls; meanwhile another worker takes the second row
    const stalling: Mailer = {
      ...mailer,
      async send(message) {
        await db('email_outbox').where({ id: second.id }).update({ claimed_by: 'reclaimer', claimed_at: new Date().toISOString() });
        await new Promise((r) => setTimeout(r, 50));
        return mailer.send(message);
      },
    };
    const w = outboxWorker(
      { db, config, logger, mailer: stalling },
      { workerId: 'stalled', concurrency: 1, schedulerEveryMs: 0, staleAfterMs: 60_000, heartbeatMs: 5 },
    );
    const result = await w.runOnce();
    expect([result.claimed, result.sent, result.released]).toEqual([2, 1, 1]);
    expect(env.smtp.messages.map((m) => m.messageId)).toEqual([first.message_id]);
    expect((await db('email_outbox').where({ id: second.id }).first())!.claimed_by).toBe('reclaimer');
  });
});

describe('"Skicka nu" after an outage (item 22)', () => {
  async function backedOff() {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 3);
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    // the SMTP server was down: every message waits for its next try in an hour
    const later = new Date(Date.now() + 3600_000).toISOString();
    await db('email_outbox').update({ attempts: 3, next_attempt_at: later, last_error: 'ECONNREFUSED: connect ECONNREFUSED' });
    await testWorker(env.t).drain();
    expect(env.smtp.messages).toHaveLength(0);
    return p;
  }

  it('a coordinator sends the waiting mail at once from the outbox page', async () => {
    await backedOff();
    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get('/outbox').expect(200);
    expect(textOf(page.text, '#send-now-waiting')).toBe('3 meddelanden väntar på ett nytt försök.');
    const res = await agent
      .post('/outbox/send-now')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/outbox');
    const after = await agent.get('/outbox').expect(200);
    expect(textOf(after.text, '.notice-success')).toBe('3 meddelanden skickas nu.');
    await testWorker(env.t).drain();
    expect(env.smtp.messages).toHaveLength(3);
    const audit = await env.t.deps.db('audit_log').where({ action: 'mail.send_now' });
    expect(audit).toHaveLength(1);
  });

  it('"Skicka nu" needs the CSRF token and a coordinator', async () => {
    await backedOff();
    const { agent } = await loggedInAgent(env.t, 'analyst');
    await agent.get('/outbox').expect(403);
    const { agent: coordinator } = await loggedInAgent(env.t, 'coordinator');
    await coordinator.post('/outbox/send-now').type('form').send({}).expect(403);
    expect(await outboxRows(env.t.deps.db, { status: 'sent' })).toHaveLength(0);
  });

  it('`outbox send --now` sends the waiting mail at once; `outbox send` waits for the backoff', async () => {
    await backedOff();
    const lines: string[] = [];
    const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push('ERR ' + s) };
    const keepOpen: Mailer = { ...env.t.deps.mailer, send: (m) => env.t.deps.mailer.send(m), close: () => Promise.resolve() };
    const deps = { ...env.t.deps, mailer: keepOpen };
    expect(await runCli(['outbox', 'send'], deps, out)).toBe(0);
    expect(env.smtp.messages).toHaveLength(0);
    expect(await runCli(['outbox', 'send', '--now'], deps, out)).toBe(0);
    expect(lines.join('\n')).toContain('Skickade: 3');
    expect(env.smtp.messages).toHaveLength(3);
  });
});
