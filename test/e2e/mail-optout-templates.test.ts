// Opt-out (GET changes nothing, POST opts out, one-click List-Unsubscribe-Post), template editing
// (unknown placeholders and broken syntax refused with a Swedish message, preview, reset), the
// follow-up page and the non-responder CSV, and absolute URLs that never come from the Host header.
import { RATE_LIMITS } from '../../server/services/rate-limits';
import request from 'supertest';
import { CLI } from '../../server/services/audit';
import { sendInvitations } from '../../server/services/mailings';
import { csrfFrom, loggedInAgent } from '../helpers/app';
import { createContact, createOrganisation } from '../helpers/fixtures';
import { errorSummary, page as parse, rowCells, textOf, textsOf } from '../helpers/html';
import {
  drainAll,
  type MailTestEnv,
  markSubmitted,
  outboxRows,
  type Partnership,
  partnershipWithOpenRound,
  startMailTestApp,
} from '../helpers/mail';
import { optOutLinkIn } from '../helpers/smtp';

let env: MailTestEnv;
let p: Partnership;
const BASE = 'http://partnerpuls.test';

beforeAll(async () => {
  env = await startMailTestApp();
  p = await partnershipWithOpenRound(env.t.deps.db, 3);
  await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
  await drainAll(env.t);
});
afterAll(async () => env.close());

describe('opt-out', () => {
  it('GET shows a confirmation page and changes nothing; POST from that page opts the contact out', async () => {
    const { db } = env.t.deps;
    const m = env.smtp.messages.find((x) => x.to[0] === 'kontakt1-1@org1.example.se')!;
    const link = optOutLinkIn(m, BASE)!;
    expect(link).toBeTruthy();
    const path = link.slice(BASE.length);
    const agent = request.agent(env.t.app);
    // a mail scanner follows the link twice: nothing happens
    await agent.get(path).expect(200);
    const page = await agent.get(path).expect(200);
    expect(textOf(page.text, '#optout-form button')).toBe('Ja, avregistrera mig');
    expect((await db('contacts').where({ id: p.contactIds[0][0] }).first())!.opted_out_at).toBeNull();
    expect(await db('audit_log').where({ action: 'mail.opted_out' })).toHaveLength(0);
    // the header URL, fetched with GET, only leads to the same page
    const header = m.headers['list-unsubscribe'].slice(1, -1);
    const viaHeader = await request(env.t.app).get(header.slice(BASE.length));
    expect(viaHeader.status).toBe(303);
    expect(viaHeader.headers.location).toBe(path);
    expect((await db('contacts').where({ id: p.contactIds[0][0] }).first())!.opted_out_at).toBeNull();

    // a POST without the page's CSRF token is refused
    await request(env.t.app).post(path).type('form').send({}).expect(403);
    expect((await db('contacts').where({ id: p.contactIds[0][0] }).first())!.opted_out_at).toBeNull();

    const done = await agent
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(done.status).toBe(200);
    expect(textOf(done.text, 'h1')).toBe('Du är avregistrerad');
    expect((await db('contacts').where({ id: p.contactIds[0][0] }).first())!.opted_out_at).toBeTruthy();
    const audit = (await db('audit_log').where({ action: 'mail.opted_out' }).first())!;
    expect(audit.entity_type).toBe('contact');
    expect(audit.entity_id).toBe(String(p.contactIds[0][0]));
    expect(JSON.stringify(audit.details)).not.toMatch(/@|Kontakt/);
    // again: already opted out
    expect(textOf((await agent.get(path)).text, '#already-opted-out')).toContain('Du är redan avregistrerad');

    // the coordinator sees it
    const { agent: coordinator } = await loggedInAgent(env.t, 'coordinator');
    const followUp = await coordinator.get(`/rounds/${p.roundId}/mail`).expect(200);
    expect(textOf(followUp.text, '#opted-out caption')).toBe('Har avregistrerat sig från utskick');
    expect(rowCells(followUp.text, '#opted-out', 'Kontakt 1-1')[0]).toBe('Organisation 01');
  });

  it('one-click List-Unsubscribe-Post opts out; a bad token shows a clear page', async () => {
    const { db } = env.t.deps;
    const m = env.smtp.messages.find((x) => x.to[0] === 'kontakt2-1@org2.example.se')!;
    const header = m.headers['list-unsubscribe'].slice(1, -1).slice(BASE.length);
    await request(env.t.app).post(header).type('form').send('foo=bar').expect(400);
    expect((await db('contacts').where({ id: p.contactIds[1][0] }).first())!.opted_out_at).toBeNull();
    await request(env.t.app).post(header).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect((await db('contacts').where({ id: p.contactIds[1][0] }).first())!.opted_out_at).toBeTruthy();
    const bad = await request(env.t.app).get('/avregistrera/' + 'x'.repeat(43));
    expect(bad.status).toBe(404);
    expect(textOf(bad.text, 'h1')).toBe('Länken fungerar inte');
  });

  it('an opted-out contact gets no more e-mail, even one already queued', async () => {
    const { db } = env.t.deps;
    const orgId = await createOrganisation(db, { name: 'Sena AB' });
    const contactId = await createContact(db, orgId, { name: 'Sen Kontakt', email: 'sen@sena.example.se' });
    await db('panel_memberships').insert({ panel_id: p.panelId, organisation_id: orgId, year: 2026 });
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: [orgId], locale: 'sv' });
    const [row] = await outboxRows(db, { contact_id: contactId });
    expect(row.status).toBe('queued');
    const token = /avregistrera\/([A-Za-z0-9_-]{43})/.exec(row.text_body!)![1];
    await request(env.t.app).post(`/api/v1/avregistrera/${token}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    await drainAll(env.t);
    const after = (await outboxRows(db, { contact_id: contactId }))[0];
    expect(after.status).toBe('failed');
    expect(after.text_body).toBeNull();
    expect(env.smtp.messages.some((m) => m.to[0] === 'sen@sena.example.se')).toBe(false);
  });
});

describe('templates per round', () => {
  const url = () => `/rounds/${p.roundId}/mail/templates/invitation/sv`;

  it('refuses an unknown placeholder with a Swedish message naming it, and broken syntax', async () => {
    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(url()).expect(200);
    expect(textsOf(page.text, '#placeholders th[scope=row]')).toContain('{{organisation}}');
    const bad = await agent
      .post(url())
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        action: 'save',
        subject: 'Inbjudan {{surveyTitle}}',
        body: 'Hej {{kontaktperson}}, svara här: {{link}}',
      });
    expect(bad.status).toBe(400);
    expect(errorSummary(bad.text)).toEqual([expect.stringContaining('okänd platshållare {{kontaktperson}}')]);
    expect(parse(bad.text)('.error-summary a').attr('href')).toBe('#field-body');
    const broken = await agent
      .post(url())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), action: 'save', subject: 'Inbjudan {{surveyTitle', body: 'Hej {{#if link}}x' });
    expect(broken.status).toBe(400);
    expect(errorSummary(broken.text)).toEqual([
      expect.stringMatching(/^Ämnesraden: mallen kunde inte läsas på rad 1/),
      expect.stringMatching(/^Meddelandets text: mallen kunde inte läsas/),
    ]);
    const helper = await agent
      .post(url())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), action: 'save', subject: 'X', body: '{{> evil}} {{lookup link}} {{{link}}}' });
    expect(helper.status).toBe(400);
    expect(errorSummary(helper.text).some((m) => m.includes('delmallar'))).toBe(true);
    expect(await env.t.deps.db('round_templates')).toHaveLength(0);
  });

  it('previews without saving, saves, uses the saved text, and resets', async () => {
    const { db } = env.t.deps;
    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(url()).expect(200);
    const body = 'Hej {{contactName}} på {{organisation}}!\n\nLänk: {{link}}\n\nSista dag: {{closingDate}}.\n{{coordinatorSignature}}';
    const preview = await agent
      .post(url())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), action: 'preview', subject: 'Egen rubrik {{year}}', body, contact: String(p.contactIds[2][0]) });
    expect(preview.status).toBe(200);
    expect(textOf(preview.text, '#preview-text')).toContain('Hej Kontakt 3-1 på Organisation 03!');
    expect(textOf(preview.text, '#preview-subject')).toBe('Egen rubrik 2026');
    expect(await db('round_templates')).toHaveLength(0);
    const saved = await agent
      .post(url())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), action: 'save', subject: 'Egen rubrik {{year}}', body });
    expect(saved.status).toBe(303);
    const stored = (await db('round_templates').first())!;
    expect([stored.kind, stored.locale, stored.subject]).toEqual(['invitation', 'sv', 'Egen rubrik {{year}}']);
    expect(JSON.stringify((await db('audit_log').where({ action: 'mail.template_saved' }).first())!.details)).toContain('invitation');

    const orgId = await createOrganisation(db, { name: 'Mallen AB' });
    await createContact(db, orgId, { name: 'Mall Kontakt', email: 'mall@mallen.example.se' });
    await db('panel_memberships').insert({ panel_id: p.panelId, organisation_id: orgId, year: 2026 });
    await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: [orgId], locale: 'sv' });
    await drainAll(env.t);
    const m = env.smtp.messages.find((x) => x.to[0] === 'mall@mallen.example.se')!;
    expect(m.subject).toBe('Egen rubrik 2026');
    expect(m.text).toContain('Hej Mall Kontakt på Mallen AB!');
    expect(m.text).toContain('personuppgiftsansvarig'); // the layout always adds the privacy text
    expect(m.text).toMatch(/Sista dag: \d{1,2} [a-zåäö]+ 2026 kl\. \d\d\.\d\d\./);

    const edit = await agent.get(url());
    await agent
      .post(url())
      .type('form')
      .send({ _csrf: csrfFrom(edit.text), action: 'reset' })
      .expect(303);
    expect(await db('round_templates')).toHaveLength(0);
  });
});

describe('follow-up and export', () => {
  it('shows the response rate in total and per organisation type, and exports non-responders as safe CSV', async () => {
    const { db } = env.t.deps;
    const orgId = await createOrganisation(db, { name: '=HYPERLINK("http://x")', type: 'kommun' });
    await createContact(db, orgId, { name: '+46 Formel', email: 'formel@example.se', phone: '-1' });
    await db('panel_memberships').insert({ panel_id: p.panelId, organisation_id: orgId, year: 2026 });
    await markSubmitted(db, p.roundId, p.organisationIds[1]);
    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(`/rounds/${p.roundId}/mail`).expect(200);
    const orgs = Number((await db('panel_memberships').where({ panel_id: p.panelId }).count<{ n: number }[]>({ n: '*' }))[0].n);
    expect(textOf(page.text, '#response-rate')).toMatch(new RegExp(`^1 av ${orgs} \\(`));
    expect(textOf(page.text, '#by-type caption')).toBe('Per organisationstyp');
    expect(textOf(page.text, '#by-organisation caption')).toBe('Per organisation');

    const csv = await agent.get(`/rounds/${p.roundId}/mail/non-responders.csv`).expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const text = csv.text;
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('Organisation;Typ;Kontaktperson;E-post;Telefon;E-poststatus;Inbjuden;Öppnat länken;Påbörjat');
    expect(lines.some((l) => l.startsWith('Organisation 02;'))).toBe(false); // submitted
    expect(lines.some((l) => l.startsWith('Organisation 01;'))).toBe(true);
    const formula = lines.find((l) => l.includes('HYPERLINK'))!;
    expect(formula.startsWith(`"'=HYPERLINK(""http://x"")"`)).toBe(true);
    expect(formula).toContain(";'+46 Formel;");
    expect(formula).toContain(";'-1;");
    const audit = (await db('audit_log').where({ action: 'mail.nonresponders_exported' }).first())!;
    expect(JSON.stringify(audit.details)).not.toContain('@');
  });

  it('analysts cannot see the follow-up or export', async () => {
    const { agent } = await loggedInAgent(env.t, 'analyst');
    await agent.get(`/rounds/${p.roundId}/mail`).expect(403);
    await agent.get(`/rounds/${p.roundId}/mail/non-responders.csv`).expect(403);
    await agent.get('/outbox').expect(403);
  });
});

describe('opt-out rate limit', () => {
  it('opt-out links that never existed are limited per address (services/rate-limits.ts)', async () => {
    const fresh = await startMailTestApp();
    try {
      const statuses: number[] = [];
      const limit = RATE_LIMITS.linkGuessesPerAddress.limit;
      for (let i = 0; i < limit + 2; i++) statuses.push((await request(fresh.t.app).get('/avregistrera/' + 'y'.repeat(43))).status);
      expect(statuses.slice(0, limit).every((s) => s === 404)).toBe(true);
      expect(statuses.slice(limit)).toEqual([429, 429]);
    } finally {
      await fresh.close();
    }
  });
});
