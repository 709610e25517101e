// Issue 9, items 1–2: in a confidential round no staff member can read or change an
// organisation's answer through a personal link — not from the outbox viewer (file mode), not by
// adding a contact with an address of their own (or changing a contact's address) and sending it
// an invitation or a reminder, not with a hand-made link. Every issued link is audited with who
// caused it; every save and submit names the link it came through.
import fs from 'node:fs';
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { CLI } from '../../server/services/audit';
import { sendInvitations } from '../../server/services/mailings';
import { type Agent, csrfFrom, loggedInAgent, postForm, startTestApp, type TestApp } from '../helpers/app';
import { page, textOf } from '../helpers/html';
import { drainAll, partnershipWithOpenRound, startMailTestApp, type MailTestEnv } from '../helpers/mail';
import { respondentLinkIn } from '../helpers/smtp';

const ANSWERS = {
  rus_planering: 'inte_alls',
  rus_statistik: 'liten',
  fortroende_rua: 'inget',
  kommentar_rus: 'Hemligt omdöme',
  kommentar_rua: '',
};

const tokenOf = (link: string) => link.split('/s/')[1];
const detailsOf = (row: { details: unknown }) =>
  (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<string, unknown>;

async function answer(app: TestApp['app'], token: string, action: 'save' | 'submit', answers: Record<string, string>) {
  const agent = request.agent(app);
  const form = await agent.get(`/s/${token}/svar`).expect(200);
  const version = /name="_version" value="(\d+)"/.exec(form.text)?.[1] ?? '0';
  return agent
    .post(`/s/${token}/svar`)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), _version: version, _action: action, ...answers });
}

describe('the outbox viewer in file mode (item 1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('never shows a working personal or opt-out link; the file on disk is the message itself', async () => {
    expect(t.deps.mailer.kind).toBe('file');
    const p = await partnershipWithOpenRound(t.deps.db, 2);
    await t.deps.db('rounds').where({ id: p.roundId }).update({ confidential: true });
    await sendInvitations(t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    await drainAll(t);
    const { agent } = await loggedInAgent(t, 'coordinator');
    const list = await agent.get('/outbox').expect(200);
    const names = page(list.text)('#eml-files a')
      .toArray()
      .map((a) => page(list.text)(a).text());
    expect(names.length).toBe(2);
    for (const name of names) {
      const onDisk = await simpleParser(fs.readFileSync(`${t.config.outboxDir}/${name}`));
      const token = /\/s\/([A-Za-z0-9_-]{43})/.exec(onDisk.text ?? '')![1];
      const optOut = /\/avregistrera\/([A-Za-z0-9_-]{43})/.exec(onDisk.text ?? '')![1];
      const shown = await agent.get(`/outbox/files/${name}`).expect(200);
      const text = textOf(shown.text, '#eml-source');
      const unfolded = shown.text.replace(/=\r?\n/g, ''); // quoted-printable soft line breaks, had the raw file been shown
      for (const secret of [token, optOut]) {
        expect(unfolded).not.toContain(secret);
        expect(unfolded).not.toContain(secret.slice(0, 20));
      }
      expect(text).toContain('http://partnerpuls.test/s/[dold länk]');
      expect(text).toContain('Subject: ');
      // the redacted link opens nothing
      await request(t.app).get('/s/%5Bdold%20l%C3%A4nk%5D').expect(404);
    }
  });
});

describe('links issued after the organisation began answering (item 2)', () => {
  let env: MailTestEnv;
  let t: TestApp;
  let coordinator: Agent;
  let coordinatorId: number;
  let p: Awaited<ReturnType<typeof partnershipWithOpenRound>>;
  const linkTo = (address: string) => {
    const m = [...env.smtp.messages].reverse().find((x) => x.to.includes(address));
    if (!m) throw new Error(`no message to ${address}`);
    return respondentLinkIn(m, 'http://partnerpuls.test')!;
  };

  beforeAll(async () => {
    env = await startMailTestApp();
    t = env.t;
    const login = await loggedInAgent(t, 'coordinator');
    coordinator = login.agent;
    coordinatorId = login.user.id;
    p = await partnershipWithOpenRound(t.deps.db, 3);
    await t.deps.db('rounds').where({ id: p.roundId }).update({ confidential: true, allow_changes: true });
    const sent = await postForm(coordinator, `/rounds/${p.roundId}/mail/send`, `/rounds/${p.roundId}/mail/send`, {
      scope: 'not_invited',
      locale: 'sv',
    });
    expect(sent.status).toBe(303);
    await drainAll(t);
  });
  afterAll(async () => env.close());

  async function addContact(organisationId: number, email: string): Promise<number> {
    const res = await postForm(coordinator, `/organisations/${organisationId}/contacts/new`, `/organisations/${organisationId}/contacts`, {
      name: 'Någon Annan',
      email,
      phone: '',
      role: '',
    });
    expect(res.status).toBe(303);
    return Number((await t.deps.db('contacts').where({ email }).first())!.id);
  }

  it('after a submit: a contact the coordinator adds gets a link that says the organisation has answered, and nothing more', async () => {
    // Organisation 1 answers through its own link
    const own = tokenOf(linkTo('kontakt1-1@org1.example.se'));
    expect((await answer(t.app, own, 'submit', ANSWERS)).status).toBe(303);
    const before = await t.deps.db('responses').where({ round_id: p.roundId, organisation_id: p.organisationIds[0] }).first();

    // The coordinator adds a contact with an address of their own and sends it an invitation
    const contactId = await addContact(p.organisationIds[0], 'samordnarens.egen@example.se');
    const sent = await postForm(coordinator, `/rounds/${p.roundId}/mail/send`, `/rounds/${p.roundId}/mail/send`, {
      scope: 'chosen',
      organisationIds: String(p.organisationIds[0]),
      locale: 'sv',
    });
    expect(sent.status).toBe(303);
    await drainAll(t);
    const late = tokenOf(linkTo('samordnarens.egen@example.se'));

    const start = await request(t.app).get(`/s/${late}`).expect(200);
    expect(textOf(start.text, '#status-only')).toContain('har redan skickat in sitt svar');
    expect(page(start.text)(`a[href$="/svar"], a[href$="/kvitto"]`).length).toBe(0);
    for (const path of ['svar', 'kvitto']) {
      const res = await request(t.app).get(`/s/${late}/${path}`).expect(200);
      expect(textOf(res.text, 'h1')).toBe('Organisationen har svarat');
      for (const secret of ['Hemligt omdöme', 'Inget förtroende', 'Inte alls', 'receipt-code', 'name="rus_planering"'])
        expect(res.text).not.toContain(secret);
    }
    // and it changes nothing
    const agent = request.agent(t.app);
    const startPage = await agent.get(`/s/${late}`);
    const change = await agent
      .post(`/s/${late}/svar`)
      .type('form')
      .send({
        _csrf: csrfFrom(startPage.text),
        _version: String(before!.version),
        _action: 'submit',
        ...ANSWERS,
        rus_planering: 'mycket_hog',
      });
    expect(change.status).toBe(403);
    const after = await t.deps.db('responses').where({ id: before!.id }).first();
    expect(after).toMatchObject({ version: before!.version, revision: before!.revision, receipt_code: before!.receipt_code });
    expect(await t.deps.db('answers').where({ response_id: before!.id, question_id: 'rus_planering' }).first()).toMatchObject({
      option_code: 'inte_alls',
    });

    // the audit log: who caused the link (ids only), and which link the submit came through
    const issued = await t.deps.db('audit_log').where({ action: 'link.issued' }).orderBy('id', 'desc').first();
    expect(issued).toMatchObject({ actor: 'user', actor_user_id: coordinatorId, entity_type: 'invitation_token' });
    expect(detailsOf(issued!)).toMatchObject({ via: 'invitation', access: 'status', contactId, organisationId: p.organisationIds[0] });
    expect(JSON.stringify(issued)).not.toContain('samordnarens.egen');
    const submit = await t.deps.db('audit_log').where({ action: 'responses.submit' }).first();
    expect(detailsOf(submit!)).toMatchObject({ contactId: p.contactIds[0][0] });
    expect(detailsOf(submit!).tokenId).toEqual(expect.any(Number));
    // the organisation's own link still shows its answer and may change it
    const receipt = await request(t.app).get(`/s/${own}/kvitto`).expect(200);
    expect(receipt.text).toContain('Hemligt omdöme');
  });

  it('with a draft: the reminder lets the contact who is writing it go on, but not a contact added since or one whose address was changed', async () => {
    const org = p.organisationIds[1];
    const writer = 'kontakt2-1@org2.example.se';
    expect((await answer(t.app, tokenOf(linkTo(writer)), 'save', { rus_planering: 'liten', kommentar_rus: 'Utkastets text' })).status).toBe(
      303,
    );
    await addContact(org, 'samordnarens.andra@example.se');
    const reminded = await postForm(coordinator, `/rounds/${p.roundId}/mail/remind`, `/rounds/${p.roundId}/mail/remind`, {});
    expect(reminded.status).toBe(303);
    await drainAll(t);
    const writersReminder = tokenOf(linkTo(writer));
    const form = await request(t.app).get(`/s/${writersReminder}/svar`).expect(200);
    expect(form.text).toContain('Utkastets text');
    const added = tokenOf(linkTo('samordnarens.andra@example.se'));
    const refused = await request(t.app).get(`/s/${added}/svar`).expect(200);
    expect(textOf(refused.text, 'h1')).toBe('Organisationen har börjat svara');
    expect(refused.text).not.toContain('Utkastets text');
    const reminderLinks = await t.deps.db('audit_log').where({ action: 'link.issued', actor_user_id: coordinatorId });
    expect(reminderLinks.map(detailsOf)).toContainEqual(
      expect.objectContaining({ via: 'reminder', access: 'status', organisationId: org }),
    );
    expect(reminderLinks.map(detailsOf)).toContainEqual(
      expect.objectContaining({ via: 'reminder', access: 'answer', organisationId: org }),
    );

    // the coordinator changes the writer's address to their own: the old links stop, the next one only tells the status
    const res = await postForm(coordinator, `/contacts/${p.contactIds[1][0]}`, `/contacts/${p.contactIds[1][0]}`, {
      name: 'Kontakt 2-1',
      email: 'samordnarens.tredje@example.se',
      phone: '',
      role: '',
    });
    expect(res.status).toBe(303);
    await request(t.app).get(`/s/${writersReminder}`).expect(404);
    await postForm(coordinator, `/rounds/${p.roundId}/mail/remind`, `/rounds/${p.roundId}/mail/remind`, { confirm_recent: 'ja' });
    await drainAll(t);
    const hijacked = tokenOf(linkTo('samordnarens.tredje@example.se'));
    const page3 = await request(t.app).get(`/s/${hijacked}/svar`).expect(200);
    expect(page3.text).not.toContain('Utkastets text');
    expect(textOf(page3.text, 'h1')).toBe('Organisationen har börjat svara');
    expect((await answer(t.app, hijacked, 'save', { rus_planering: 'hog' })).status).toBe(403);
  });

  it('the confirmation after a submit carries no new link in a confidential round (the links the organisation has keep working)', async () => {
    await t.deps.db('rounds').where({ id: p.roundId }).update({ send_confirmation: true });
    const link = tokenOf(linkTo('kontakt3-1@org3.example.se'));
    expect((await answer(t.app, link, 'submit', ANSWERS)).status).toBe(303);
    await drainAll(t);
    const confirmation = [...env.smtp.messages].reverse().find((m) => m.to.includes('kontakt3-1@org3.example.se'))!;
    expect(confirmation.subject).not.toBe('');
    expect(respondentLinkIn(confirmation, 'http://partnerpuls.test')).toBeNull();
  });
});
