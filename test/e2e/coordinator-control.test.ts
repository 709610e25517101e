// Issue 11, section 4: the coordinator's control of sending and closing — the start page
// (Översikt), the reminder page (last reminder, confirmation within a day, picking whom to remind),
// closing with a confirmation that names who has not answered and who has a draft (and an early
// close told as such to respondents), the reply address, the outbox page in Swedish, and the
// one-time link of a new staff account by e-mail. A real SMTP server receives every message.
import request from 'supertest';
import { nowIso } from '../../server/db';
import { sendInvitations } from '../../server/services/mailings';
import { CLI } from '../../server/services/audit';
import { formatStockholmDate, formatStockholmDeadline } from '../../server/services/stockholm-time';
import { type Agent, csrfFrom, loggedInAgent, postForm, startTestApp } from '../helpers/app';
import { errorSummary, page as parse, rowCells, textOf, textsOf } from '../helpers/html';
import { drainAll, type MailTestEnv, markSubmitted, partnershipWithOpenRound, startMailTestApp } from '../helpers/mail';
import { respondentLinkIn } from '../helpers/smtp';

let env: MailTestEnv;
let coordinator: Agent;
const db = () => env.t.deps.db;
beforeAll(async () => {
  env = await startMailTestApp();
  coordinator = (await loggedInAgent(env.t, 'coordinator')).agent;
});
afterAll(async () => env.close());

async function markDraft(roundId: number, organisationId: number): Promise<void> {
  const now = nowIso();
  await db()('responses').insert({
    round_id: roundId,
    organisation_id: organisationId,
    status: 'draft',
    version: 1,
    revision: 1,
    saved_at: now,
    started_at: now,
    source: 'web',
    created_at: now,
    updated_at: now,
  });
}

/** Sends the round's invitations and delivers them; returns the messages that arrived, by address. */
async function invite(roundId: number) {
  env.smtp.messages.length = 0;
  await sendInvitations(env.t.deps, CLI, roundId, { organisationIds: null, locale: 'sv' });
  await drainAll(env.t);
  return new Map(env.smtp.messages.map((m) => [m.to[0], m]));
}

describe('the reminder page', () => {
  it('shows the last reminder, asks before another within a day, and reminds only the organisations picked', async () => {
    const p = await partnershipWithOpenRound(db(), 3);
    await invite(p.roundId);
    const url = `/rounds/${p.roundId}/mail/remind`;
    let page = await coordinator.get(url).expect(200);
    expect(textOf(page.text, '#last-reminder')).toBe('Ingen påminnelse har skickats ännu.');
    // every non-responder is ticked; the coordinator leaves out organisation 2
    expect(parse(page.text)('input[name="organisationIds"]:checked')).toHaveLength(3);
    env.smtp.messages.length = 0;
    let res = await coordinator
      .post(url)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), scope: 'chosen', organisationIds: [String(p.organisationIds[0]), String(p.organisationIds[2])] });
    expect(res.status).toBe(303);
    await drainAll(env.t);
    expect(env.smtp.messages.map((m) => m.to[0]).sort()).toEqual(['kontakt1-1@org1.example.se', 'kontakt3-1@org3.example.se']);

    // none picked: a clear message, nothing sent
    page = await coordinator.get(url).expect(200);
    expect(textOf(page.text, '#last-reminder')).toMatch(/ till 2 organisationer \(2 meddelanden\), av Test coordinator$/);
    res = await coordinator
      .post(url)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), scope: 'chosen' });
    expect(res.status).toBe(400);
    expect(errorSummary(res.text)).toEqual(['Välj minst en organisation att påminna.']);

    // another reminder less than a day later needs the box ticked
    expect(textOf(page.text, '#hint-confirm_recent')).toMatch(/^Den senaste påminnelsen skickades för mindre än ett dygn sedan/);
    env.smtp.messages.length = 0;
    res = await coordinator
      .post(url)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), scope: 'chosen', organisationIds: String(p.organisationIds[1]) });
    expect(res.status).toBe(400);
    expect(errorSummary(res.text)[0]).toMatch(/^Den senaste påminnelsen skickades för mindre än en timme sedan .* till 2 organisationer\./);
    await drainAll(env.t);
    expect(env.smtp.messages).toHaveLength(0);
    res = await coordinator
      .post(url)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), scope: 'chosen', organisationIds: String(p.organisationIds[1]), confirm_recent: 'ja' });
    expect(res.status).toBe(303);
    await drainAll(env.t);
    expect(env.smtp.messages.map((m) => m.to[0])).toEqual(['kontakt2-1@org2.example.se']);
  });

  it('a second press of the same form (a double click) reminds once and says so, not that it is too soon', async () => {
    const p = await partnershipWithOpenRound(db(), 2);
    await invite(p.roundId);
    const url = `/rounds/${p.roundId}/mail/remind`;
    const page = await coordinator.get(url).expect(200);
    const $ = parse(page.text);
    const fields = {
      _csrf: csrfFrom(page.text),
      scope: 'chosen',
      organisationIds: p.organisationIds.map(String),
      sendRequestId: String($('input[name="sendRequestId"]').val()),
      afterSendId: String($('input[name="afterSendId"]').val()),
    };
    env.smtp.messages.length = 0;
    expect((await coordinator.post(url).type('form').send(fields)).status).toBe(303);
    const second = await coordinator.post(url).type('form').send(fields);
    expect(second.status).toBe(303);
    const after = await coordinator.get(second.headers.location).expect(200);
    expect(textOf(after.text, '.notice-info')).toMatch(
      /^Påminnelserna är redan skickade \(kl\. \d\d\.\d\d\): 2 påminnelser till 2 organisationer\./,
    );
    await drainAll(env.t);
    expect(env.smtp.messages).toHaveLength(2);
  });
});

describe('closing a round', () => {
  it('asks first, naming who has not answered and who has a draft; drafts can be reminded; an early close is told as such', async () => {
    const p = await partnershipWithOpenRound(db(), 4);
    const links = await invite(p.roundId);
    await markSubmitted(db(), p.roundId, p.organisationIds[0]);
    await markDraft(p.roundId, p.organisationIds[1]);

    const page = await coordinator.get(`/rounds/${p.roundId}/stang`).expect(200);
    expect(textOf(page.text, '#close-not-answered')).toBe('3 av 4 organisationer har inte svarat.');
    expect(textOf(page.text, '#close-drafts')).toMatch(/^1 av dem har ett sparat utkast som inte är inskickat\./);
    expect(textsOf(page.text, '#draft-organisations tbody th')).toEqual(['Organisation 02']);

    // a POST without the confirmation changes nothing
    let res = await coordinator
      .post(`/rounds/${p.roundId}/stang`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/rounds/${p.roundId}/stang`);
    expect((await db()('rounds').where({ id: p.roundId }).first())!.state).toBe('oppen');

    // the organisations with a draft are e-mailed from the closing page, which comes back
    env.smtp.messages.length = 0;
    const $ = parse(page.text);
    const remindForm = $(`form[action="/rounds/${p.roundId}/mail/remind"]`);
    res = await coordinator
      .post(`/rounds/${p.roundId}/mail/remind`)
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        scope: String(remindForm.find('input[name="scope"]').val()),
        tillbaka: String(remindForm.find('input[name="tillbaka"]').val()),
        organisationIds: remindForm
          .find('input[name="organisationIds"]')
          .map((_i, e) => String($(e).val()))
          .get(),
      });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/rounds/${p.roundId}/stang`);
    await drainAll(env.t);
    expect(env.smtp.messages.map((m) => m.to[0])).toEqual(['kontakt2-1@org2.example.se']);

    // confirmed: closed, and the time it really closed is kept
    const before = Date.now();
    res = await coordinator
      .post(`/rounds/${p.roundId}/stang`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), bekrafta: 'ja' });
    expect(res.status).toBe(303);
    const row = (await db()('rounds').where({ id: p.roundId }).first())!;
    expect(row.state).toBe('stangd');
    const closedAt = new Date(row.closed_at as string).getTime();
    expect(closedAt).toBeGreaterThanOrEqual(before - 1000);

    // respondents see the day it closed, never the deadline still ahead
    const landing = await request(env.t.app).get(
      new URL(respondentLinkIn(links.get('kontakt3-1@org3.example.se')!, env.t.config.baseUrl)!).pathname,
    );
    expect(textOf(landing.text, '#closed-text')).toBe(
      `Enkäten stängdes den ${formatStockholmDate(new Date(closedAt).toISOString())}. Det går inte längre att svara eller ändra svar via länken.`,
    );
    expect(landing.text).not.toContain(formatStockholmDeadline(row.closes_at as string));
  });

  it('a round closed after its deadline names the deadline', async () => {
    const closesAt = new Date(Date.now() + 3 * 86400_000).toISOString();
    const p = await partnershipWithOpenRound(db(), 1, { closesAt });
    const links = await invite(p.roundId);
    await db()('rounds')
      .where({ id: p.roundId })
      .update({ state: 'stangd', closes_at: new Date(Date.now() - 86400_000).toISOString(), closed_at: nowIso() });
    const row = (await db()('rounds').where({ id: p.roundId }).first())!;
    const landing = await request(env.t.app).get(new URL(respondentLinkIn([...links.values()][0], env.t.config.baseUrl)!).pathname);
    expect(textOf(landing.text, '#closed-text')).toBe(
      `Sista dag att svara var ${formatStockholmDeadline(row.closes_at as string)}. Det går inte längre att svara eller ändra svar via länken.`,
    );
  });
});

describe('the reply address', () => {
  it('is the contact person’s address by default, and the round’s own when set, on every e-mail of the round', async () => {
    const p = await partnershipWithOpenRound(db(), 2);
    const first = await invite(p.roundId);
    for (const m of first.values()) expect(m.headers['reply-to']).toBe('samordnare@region.example.se');
    await db()('rounds').where({ id: p.roundId }).update({ reply_to: 'enkat@region.example.se' });
    env.smtp.messages.length = 0;
    const page = await coordinator.get(`/rounds/${p.roundId}/mail/remind`);
    await coordinator
      .post(`/rounds/${p.roundId}/mail/remind`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    await drainAll(env.t);
    expect(env.smtp.messages).toHaveLength(2);
    for (const m of env.smtp.messages) expect(m.headers['reply-to']).toBe('enkat@region.example.se');
  });
});

describe('Översikt', () => {
  it('shows open rounds with their response rate and reminders, and e-mail that did not arrive', async () => {
    const p = await partnershipWithOpenRound(db(), 3);
    await invite(p.roundId);
    await markSubmitted(db(), p.roundId, p.organisationIds[0]);
    await db()('contacts').where({ id: p.contactIds[2][0] }).update({ bounced_at: nowIso(), bounce_reason: '550 5.1.1' });
    const home = await coordinator.get('/').expect(200);
    const $ = parse(home.text);
    const row = $(`#open-rounds tr[data-round-id="${p.roundId}"]`);
    expect(row.find('.response-rate').text().trim()).toBe('1 av 3');
    const cells = row
      .find('td')
      .map((_i, e) => $(e).text().trim())
      .get();
    const round = (await db()('rounds').where({ id: p.roundId }).first())!;
    expect(cells[1]).toBe('Ingen ännu');
    expect(cells[3]).toBe(formatStockholmDeadline(round.closes_at as string));
    expect(rowCells(home.text, '#bounced-contacts', 'Kontakt 3-1')[0]).toBe('Organisation 03');
    // an analyst sees the rounds, not the e-mail problems
    const analyst = (await loggedInAgent(env.t, 'analyst')).agent;
    const a = await analyst.get('/').expect(200);
    expect(parse(a.text)(`#open-rounds tr[data-round-id="${p.roundId}"] .response-rate`).text().trim()).toBe('1 av 3');
    expect(parse(a.text)('#mail-problems')).toHaveLength(0);
  });
});

describe('the outbox page', () => {
  it('is in Swedish: no status codes, no file paths of the server', async () => {
    const page = await coordinator.get('/outbox').expect(200);
    const options = textsOf(page.text, 'select[name="status"] option');
    for (const code of ['queued', 'sending', 'sent', 'failed', 'bounced']) expect(options).not.toContain(code);
    expect(page.text).not.toContain(env.t.tmpDir);
  });
});

describe('new staff accounts', () => {
  it('get their one-time link by e-mail, not on screen; the role has no default', async () => {
    const admin = (await loggedInAgent(env.t, 'admin')).agent;
    const page = await admin.get('/admin/users').expect(200);
    expect(parse(page.text)('#field-role option:selected').attr('value')).toBe('');
    const none = await postForm(admin, '/admin/users', '/admin/users', { name: 'Utan Roll', email: 'utan@region.example.se' });
    expect(none.status).toBe(400);
    expect(errorSummary(none.text).length).toBe(1);
    env.smtp.messages.length = 0;
    const res = await postForm(admin, '/admin/users', '/admin/users', {
      name: 'Nya Nilsson',
      email: 'nya@region.example.se',
      role: 'analyst',
    });
    expect(res.status).toBe(200);
    expect(textOf(res.text, '#account-link')).toMatch(/har skickats med e-post till nya@region\.example\.se/);
    expect(res.text).not.toContain('/setup/');
    await drainAll(env.t);
    expect(env.smtp.messages.map((m) => m.to[0])).toEqual(['nya@region.example.se']);
    expect(env.smtp.messages[0].text).toMatch(new RegExp(`${env.t.config.baseUrl}/setup/[A-Za-z0-9_-]+`));
  });

  it('see the link on screen only when no e-mail can be sent', async () => {
    const t = await startTestApp();
    try {
      const admin = (await loggedInAgent(t, 'admin')).agent;
      const res = await postForm(admin, '/admin/users', '/admin/users', {
        name: 'Fil Filsson',
        email: 'fil@region.example.se',
        role: 'coordinator',
      });
      expect(res.status).toBe(200);
      expect(textOf(res.text, '#account-link code')).toMatch(/^http:\/\/partnerpuls\.test\/setup\/[A-Za-z0-9_-]+$/);
      expect(await t.deps.db('email_outbox').where({ kind: 'account' })).toHaveLength(0);
      // the outbox page in file mode names no path on the server
      const coordinatorWithoutSmtp = (await loggedInAgent(t, 'coordinator')).agent;
      const outbox = await coordinatorWithoutSmtp.get('/outbox').expect(200);
      expect(textOf(outbox.text, '#mailer')).toMatch(/som \.eml-filer på servern/);
      expect(outbox.text).not.toContain(t.config.outboxDir);
      expect(outbox.text).not.toContain(t.tmpDir);
    } finally {
      await t.close();
    }
  });
});
