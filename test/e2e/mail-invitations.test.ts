// Invitations through the outbox to a real (in-process) SMTP server: the send page, one
// transaction, arrival with working personal links, headers, escaping, Host-header safety.
import request from 'supertest';
import { nowIso } from '../../server/db';
import { resolveToken } from '../../server/services/invitations';
import { csrfFrom, loggedInAgent } from '../helpers/app';
import { createContact, createOrganisation } from '../helpers/fixtures';
import { errorSummary, page as parse, rowCells, textOf } from '../helpers/html';
import {
  deliveriesByMessageId,
  drainAll,
  type MailTestEnv,
  outboxRows,
  type Partnership,
  partnershipWithOpenRound,
  startMailTestApp,
} from '../helpers/mail';
import { respondentLinkIn } from '../helpers/smtp';

let env: MailTestEnv;
let p: Partnership;
const BASE = 'http://partnerpuls.test';

beforeAll(async () => {
  env = await startMailTestApp();
  p = await partnershipWithOpenRound(env.t.deps.db, 4, { contactsEach: 1 });
  const db = env.t.deps.db;
  // Contacts that cannot be reached, in organisation 1
  const org1 = p.organisationIds[0];
  const now = nowIso();
  const opted = await createContact(db, org1, { name: 'Avregistrerad Person', email: 'opted@org1.example.se' });
  await db('contacts').where({ id: opted }).update({ opted_out_at: now });
  const noEmail = await createContact(db, org1, { name: 'Utan Adress', email: 'inte-en-adress' });
  void noEmail;
  const bounced = await createContact(db, org1, { name: 'Studsad Person', email: 'bounced@org1.example.se' });
  await db('contacts').where({ id: bounced }).update({ bounced_at: now, bounce_reason: '550 mailbox unavailable' });
});
afterAll(async () => env.close());

function routePaths(): string[] {
  const out: string[] = [];
  const walk = (stack: Array<{ route?: { path: string }; handle: { stack?: unknown[] } }>) => {
    for (const l of stack) {
      if (l.route) out.push(l.route.path);
      else if (l.handle.stack) walk(l.handle.stack as typeof stack);
    }
  };
  walk((env.t.app as unknown as { router: { stack: Parameters<typeof walk>[0] } }).router.stack);
  return out;
}

describe('Skicka inbjudningar', () => {
  it('shows the count of recipients, the contacts that cannot be reached and a preview', async () => {
    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(`/rounds/${p.roundId}/mail/send`).expect(200);
    expect(textOf(page.text, '#not-invited-count')).toBe('Organisationer som inte fått inbjudan ännu: 4 (4 meddelanden)');
    // the contacts that get no invitation, each with the reason
    expect(rowCells(page.text, '#unreachable', 'Avregistrerad Person')).toEqual(['Organisation 01', 'Har avregistrerat sig från utskick']);
    expect(rowCells(page.text, '#unreachable', 'Utan Adress')).toEqual(['Organisation 01', 'Ogiltig e-postadress']);
    expect(rowCells(page.text, '#unreachable', 'Studsad Person')[1]).toContain('E-post har studsat');
    // the preview: rendered for a contact, with example links from BASE_URL
    const preview = textOf(page.text, '#preview-text');
    expect(preview).toContain('Hej Kontakt 1-1');
    expect(preview).toContain(`${BASE}/s/exempellank-skapas-vid-utskicket`);
    expect(preview).toContain('personuppgiftsansvarig');
    // nothing was written by looking
    expect(await outboxRows(env.t.deps.db)).toHaveLength(0);
    const other = await agent.get(`/rounds/${p.roundId}/mail/send?contact=${p.contactIds[2][0]}`).expect(200);
    expect(textOf(other.text, '#preview-text')).toContain('Hej Kontakt 3-1');
  });

  it('an analyst may not send', async () => {
    const { agent } = await loggedInAgent(env.t, 'analyst');
    await agent.get(`/rounds/${p.roundId}/mail/send`).expect(403);
  });

  it('queues one e-mail per reachable contact in one transaction and returns at once; the worker delivers them with working links', async () => {
    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(`/rounds/${p.roundId}/mail/send`);
    // A forged Host header must not leak into the e-mails
    const res = await agent
      .post(`/rounds/${p.roundId}/mail/send`)
      .set('Host', 'evil.example.com')
      .set('X-Forwarded-Host', 'evil.example.com')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), scope: 'not_invited', locale: 'sv' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/rounds/${p.roundId}/mail`);
    const db = env.t.deps.db;
    const rows = await outboxRows(db);
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.status === 'queued')).toBe(true);
    expect(env.smtp.messages).toHaveLength(0); // nothing sent by the request itself
    expect(await db('invitations').where({ round_id: p.roundId }).whereNotNull('invited_at')).toHaveLength(4);
    expect(await db('invitation_tokens')).toHaveLength(4);

    // the follow-up page shows the send in progress
    const progress = await agent.get(`/rounds/${p.roundId}/mail`).expect(200);
    const bar = parse(progress.text)('#send-progress');
    expect([bar.prop('tagName'), bar.attr('max'), bar.attr('value')]).toEqual(['PROGRESS', '4', '0']);
    expect(textOf(progress.text, '#send-pending a')).toBe('Uppdatera');
    expect(progress.text).not.toContain('http-equiv="refresh"');

    await drainAll(env.t);
    expect(env.smtp.messages).toHaveLength(4);
    const recipients = env.smtp.messages.map((m) => m.to[0]).sort();
    expect(recipients).toEqual([
      'kontakt1-1@org1.example.se',
      'kontakt2-1@org2.example.se',
      'kontakt3-1@org3.example.se',
      'kontakt4-1@org4.example.se',
    ]);
    expect(recipients).not.toContain('opted@org1.example.se');
    expect(recipients).not.toContain('bounced@org1.example.se');

    for (const m of env.smtp.messages) {
      expect(m.raw).not.toContain('evil.example.com');
      expect(m.subject).toBe('Inbjudan: ' + (await db('rounds').where({ id: p.roundId }).first())!.title);
      const row = rows.find((r) => r.message_id === m.messageId)!;
      expect(row).toBeDefined();
      expect(m.headers['list-unsubscribe']).toMatch(new RegExp(`^<${BASE}/api/v1/avregistrera/[A-Za-z0-9_-]{43}>$`));
      expect(m.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
      expect(m.html).toContain('<a href="http://partnerpuls.test/s/');
      const link = respondentLinkIn(m, BASE);
      expect(link).not.toBeNull();
      const token = link!.split('/s/')[1];
      const resolved = await resolveToken(db, token);
      expect(resolved).not.toBeNull();
      expect(resolved!.roundId).toBe(p.roundId);
      expect(resolved!.organisationId).toBe(row.organisation_id);
      expect(resolved!.contactId).toBe(row.contact_id);
    }

    // Follow the link from the received e-mail. The respondent pages (GET /s/:token) belong to the
    // rounds area; when they are mounted the link must answer 200 (above, the token is resolved either way).
    if (routePaths().some((path) => path.startsWith('/s/'))) {
      const link = respondentLinkIn(env.smtp.messages[0], BASE)!;
      const r = await request(env.t.app).get(link.slice(BASE.length));
      expect(r.status).toBe(200);
    }

    // sent rows keep subject and address for the follow-up but not the personal link
    const after = await outboxRows(db);
    expect(after.every((r) => r.status === 'sent' && r.text_body === null && r.html_body === null && r.sent_at)).toBe(true);
    expect(after.every((r) => r.to_address && r.subject)).toBe(true);
    expect([...deliveriesByMessageId(env.smtp).values()].every((n) => n === 1)).toBe(true);
  });

  it('sending again to "not yet invited" finds nobody; a chosen organisation gets a new invitation', async () => {
    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(`/rounds/${p.roundId}/mail/send`);
    const again = await agent
      .post(`/rounds/${p.roundId}/mail/send`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), scope: 'not_invited', locale: 'sv' });
    expect(again.status).toBe(400);
    expect(errorSummary(again.text)).toEqual([expect.stringContaining('Det finns ingen organisation kvar att bjuda in')]);
    const none = await agent
      .post(`/rounds/${p.roundId}/mail/send`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), scope: 'chosen', locale: 'sv' });
    expect(none.status).toBe(400);
    expect(errorSummary(none.text)).toEqual([expect.stringContaining('Välj minst en organisation')]);
    const before = (await outboxRows(env.t.deps.db)).length;
    const chosen = await agent
      .post(`/rounds/${p.roundId}/mail/send`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), scope: 'chosen', organisationIds: [String(p.organisationIds[1])], locale: 'en' });
    expect(chosen.status).toBe(303);
    const rows = await outboxRows(env.t.deps.db);
    expect(rows).toHaveLength(before + 1);
    const last = rows[rows.length - 1];
    expect(last.organisation_id).toBe(p.organisationIds[1]);
    expect(last.subject).toMatch(/^Invitation: /);
    await drainAll(env.t);
  });

  it('escapes organisation names in the HTML e-mail', async () => {
    const db = env.t.deps.db;
    const orgId = await createOrganisation(db, { name: '<b>Ond & Co</b>', type: 'annan' });
    await createContact(db, orgId, { name: '<script>x</script>', email: 'ond@ond.example.se' });
    await db('panel_memberships').insert({ panel_id: p.panelId, organisation_id: orgId, year: 2026 });
    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(`/rounds/${p.roundId}/mail/send`);
    await agent
      .post(`/rounds/${p.roundId}/mail/send`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), scope: 'not_invited', locale: 'sv' })
      .expect(303);
    await drainAll(env.t);
    const m = env.smtp.messages.find((x) => x.to[0] === 'ond@ond.example.se')!;
    expect(m.html).toContain('&lt;b&gt;Ond &amp; Co&lt;/b&gt;');
    expect(m.html).not.toContain('<b>Ond');
    expect(m.html).not.toContain('<script>x');
    expect(m.text).toContain('<b>Ond & Co</b>'); // plain text stays as written
  });

  it('refuses to send when the round is not open', async () => {
    const db = env.t.deps.db;
    const closed = await partnershipWithOpenRound(db, 1, { state: 'stangd' });
    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(`/rounds/${closed.roundId}/mail/send`).expect(200);
    expect(textOf(page.text, '#round-not-open')).toContain('Omgången är inte öppen');
    const res = await agent
      .post(`/rounds/${closed.roundId}/mail/send`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), scope: 'not_invited', locale: 'sv' });
    expect(res.status).toBe(409);
    expect(await outboxRows(db, { round_id: closed.roundId })).toHaveLength(0);
  });
});
