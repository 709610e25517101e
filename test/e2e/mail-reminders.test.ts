// Reminders by hand and by schedule: only organisations that have not submitted, never a contact
// that opted out or bounced; each scheduled reminder is queued once. Confirmation after submit.
import { nowIso } from '../../server/db';
import {
  prepareQueuedConfirmations,
  queueConfirmation,
  queueConfirmationEmail,
  queueScheduledReminders,
  sendInvitations,
} from '../../server/services/mailings';
import { CLI } from '../../server/services/audit';
import { csrfFrom, loggedInAgent } from '../helpers/app';
import { rowCells, textOf } from '../helpers/html';
import { drainAll, type MailTestEnv, markSubmitted, outboxRows, partnershipWithOpenRound, startMailTestApp } from '../helpers/mail';
import { respondentLinkIn } from '../helpers/smtp';
import { ensureInvitation, resolveToken } from '../../server/services/invitations';
import { json } from '../../server/db';

let env: MailTestEnv;
beforeAll(async () => {
  env = await startMailTestApp();
});
afterAll(async () => env.close());

describe('reminders', () => {
  it('"Påminn de som inte svarat" reaches only non-responders, never opted-out or bounced contacts', async () => {
    const { db } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 5, { contactsEach: 2 });
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    await drainAll(env.t);
    expect(env.smtp.messages).toHaveLength(10);
    env.smtp.messages.length = 0;

    // organisation 1 and 2 have submitted; in organisation 3 one contact opted out, in 4 one bounced
    await markSubmitted(db, p.roundId, p.organisationIds[0]);
    await markSubmitted(db, p.roundId, p.organisationIds[1]);
    await db('contacts').where({ id: p.contactIds[2][0] }).update({ opted_out_at: nowIso() });
    await db('contacts').where({ id: p.contactIds[3][1] }).update({ bounced_at: nowIso(), bounce_reason: '550 5.1.1 unknown' });

    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(`/rounds/${p.roundId}/mail/remind`).expect(200);
    expect(textOf(page.text, '#reminder-count')).toBe('4 påminnelser till 3 organisationer.');
    // the contacts left out, each with the reason
    expect(rowCells(page.text, '#excluded', 'Kontakt 3-1')).toEqual(['Organisation 03', 'Har avregistrerat sig från utskick']);
    expect(rowCells(page.text, '#excluded', 'Kontakt 4-2')[1]).toContain('E-post har studsat');
    expect(await outboxRows(db, { kind: 'reminder' })).toHaveLength(0); // looking sends nothing

    const res = await agent
      .post(`/rounds/${p.roundId}/mail/remind`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    await drainAll(env.t);
    const to = env.smtp.messages.map((m) => m.to[0]).sort();
    expect(to).toEqual([
      'kontakt3-2@org3.example.se',
      'kontakt4-1@org4.example.se',
      'kontakt5-1@org5.example.se',
      'kontakt5-2@org5.example.se',
    ]);
    for (const m of env.smtp.messages) {
      expect(m.subject).toMatch(/^Påminnelse: /);
      // every reminder has a new, working personal link
      const link = respondentLinkIn(m, env.t.config.baseUrl)!;
      expect((await resolveToken(db, link.split('/s/')[1]))?.roundId).toBe(p.roundId);
    }
    const audit = (await db('audit_log').where({ action: 'mail.reminders_queued' }).first())!;
    expect(json(audit.details)).toEqual({ organisations: 3, messages: 4, scheduled: false, sendId: expect.any(Number) as unknown });
    expect(JSON.stringify(audit.details)).not.toContain('@');
  });

  it('scheduled reminders (7 and 2 days before closing) are queued once each, only to non-responders', async () => {
    const { db } = env.t.deps;
    const closesAt = new Date(Date.now() + 10 * 86400_000);
    const p = await partnershipWithOpenRound(db, 3, { closesAt: closesAt.toISOString() });
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'en' });
    await markSubmitted(db, p.roundId, p.organisationIds[0]);
    const reminders = () => outboxRows(db, { round_id: p.roundId, kind: 'reminder' });

    const run = async (at: Date) => {
      const before = (await reminders()).length;
      await queueScheduledReminders(env.t.deps, at);
      return (await reminders()).length - before;
    };
    // 8 days before closing: nothing is due
    expect(await run(new Date(closesAt.getTime() - 8 * 86400_000))).toBe(0);
    // 7 days before: the first reminder, to the two that have not submitted
    const at7 = new Date(closesAt.getTime() - 7 * 86400_000 + 60_000);
    expect(await run(at7)).toBe(2);
    expect(await run(at7)).toBe(0); // once
    expect(await run(new Date(at7.getTime() + 3600_000))).toBe(0);
    const first = await reminders();
    expect(first.map((r) => r.organisation_id).sort()).toEqual([p.organisationIds[1], p.organisationIds[2]].sort());
    expect(first.every((r) => r.subject.startsWith('Reminder: '))).toBe(true); // the locale of the invitation

    // organisation 2 submits; 2 days before closing only organisation 3 is reminded
    await markSubmitted(db, p.roundId, p.organisationIds[1]);
    expect(await run(new Date(closesAt.getTime() - 2 * 86400_000 + 60_000))).toBe(1);
    expect(await run(new Date(closesAt.getTime() - 86400_000))).toBe(0);
    const runs = await db('mail_reminder_runs').where({ round_id: p.roundId }).orderBy('days_before');
    expect(runs.map((r) => [r.days_before, r.outcome, r.messages])).toEqual([
      [2, 'queued', 1],
      [7, 'queued', 2],
    ]);
    // after closing nothing more
    expect(await run(new Date(closesAt.getTime() + 60_000))).toBe(0);
  });

  it('when several scheduled reminders are overdue only the latest is sent; none before the invitation went out', async () => {
    const { db } = env.t.deps;
    const closesAt = new Date(Date.now() + 86400_000); // 1 day left: both 7 and 2 are overdue
    const p = await partnershipWithOpenRound(db, 2, { closesAt: closesAt.toISOString() });
    // not invited yet: both are skipped, nothing queued
    await db('invitations').insert(
      p.organisationIds.map((o) => ({
        round_id: p.roundId,
        organisation_id: o,
        invited_at: new Date(Date.now() - 9 * 86400_000).toISOString(),
        created_at: new Date().toISOString(),
      })),
    );
    const early = await partnershipWithOpenRound(db, 1, { closesAt: closesAt.toISOString() });
    await queueScheduledReminders(env.t.deps, new Date());
    const runs = await db('mail_reminder_runs').where({ round_id: p.roundId }).orderBy('days_before');
    expect(runs.map((r) => [r.days_before, r.outcome])).toEqual([
      [2, 'queued'],
      [7, 'skipped'],
    ]);
    expect(await outboxRows(db, { round_id: p.roundId, kind: 'reminder' })).toHaveLength(2);
    const skipped = await db('mail_reminder_runs').where({ round_id: early.roundId });
    expect(skipped.map((r) => r.outcome)).toEqual(['skipped', 'skipped']);
    expect(await outboxRows(db, { round_id: early.roundId })).toHaveLength(0);
  });

  it('queues a confirmation after submit when the round has send_confirmation, to the contact who submitted', async () => {
    const { db, config } = env.t.deps;
    const p = await partnershipWithOpenRound(db, 1, { contactsEach: 2 });
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    await drainAll(env.t);
    env.smtp.messages.length = 0;
    await markSubmitted(db, p.roundId, p.organisationIds[0]);
    const resp = (await db('responses').where({ round_id: p.roundId }).first())!;
    await db('responses').where({ id: resp.id }).update({ submitted_by_contact_id: p.contactIds[0][1], receipt_code: 'KV-12345' });
    expect(
      await db.transaction((trx) =>
        queueConfirmationEmail(trx, config, resp.id, { contactId: p.contactIds[0][1], receiptCode: 'KV-12345' }),
      ),
    ).toBe(1);
    await drainAll(env.t);
    expect(env.smtp.messages).toHaveLength(1);
    const m = env.smtp.messages[0];
    expect(m.to).toEqual(['kontakt1-2@org1.example.se']);
    expect(m.subject).toMatch(/^Tack för ert svar: /);
    expect(m.text).toContain('Kvittens: KV-12345');
    expect(respondentLinkIn(m, config.baseUrl)).not.toBeNull(); // allow_changes: a link to change the answer

    // no confirmation when the round does not send them
    await db('rounds').where({ id: p.roundId }).update({ send_confirmation: false });
    expect(
      await db.transaction((trx) =>
        queueConfirmationEmail(trx, config, resp.id, { contactId: p.contactIds[0][1], receiptCode: 'KV-12345' }),
      ),
    ).toBe(0);
  });

  it('a queued confirmation that cannot be prepared is taken off the queue and reported; the others are written', async () => {
    const { db, config } = env.t.deps;
    const broken = await partnershipWithOpenRound(db, 1);
    const fine = await partnershipWithOpenRound(db, 1);
    // a template broken in the database (the editor refuses one like it): rendering it throws
    await db('round_templates').insert({
      round_id: broken.roundId,
      kind: 'confirmation',
      locale: 'sv',
      subject: 'Tack {{#if}}',
      body: 'Hej',
      updated_at: nowIso(),
    });
    for (const p of [broken, fine]) {
      await db('rounds').where({ id: p.roundId }).update({ send_confirmation: true, allow_changes: true });
      await ensureInvitation(db, p.roundId, p.organisationIds[0]); // the confirmation carries a new link of it
      await markSubmitted(db, p.roundId, p.organisationIds[0]);
      const response = (await db('responses').where({ round_id: p.roundId }).first('id'))!;
      await db.transaction((trx) =>
        queueConfirmation(trx, { responseId: Number(response.id), contactId: p.contactIds[0][0], receiptCode: 'KV-1' }),
      );
    }
    const brokenResponse = (await db('responses').where({ round_id: broken.roundId }).first('id'))!;
    const result = await prepareQueuedConfirmations({ db, config });
    expect(result.dropped.map((d) => d.responseId)).toEqual([Number(brokenResponse.id)]);
    expect(await outboxRows(db, { round_id: fine.roundId, kind: 'confirmation' })).toHaveLength(1);
    expect(await outboxRows(db, { round_id: broken.roundId })).toHaveLength(0); // nothing half-written
    const linksOf = (roundId: number) =>
      db('invitation_tokens')
        .join('invitations', 'invitations.id', 'invitation_tokens.invitation_id')
        .where('invitations.round_id', roundId);
    expect(await linksOf(fine.roundId)).toHaveLength(1);
    expect(await linksOf(broken.roundId)).toHaveLength(0); // its link was rolled back with it
    expect(await db('confirmation_queue')).toHaveLength(0);
  });
});
