// The respondent's journey over HTTP: personal link, first page, save, resume by another contact,
// stale save, submit (validation, forged codes, hostile text), double and concurrent submits,
// changes after submit kept as revisions, closed / not-yet-open rounds, bad tokens, conditions and
// matrices, and the rate limit.
import crypto from 'node:crypto';
import request from 'supertest';
import { hashToken } from '../../server/lib/tokens';
import { ensureInvitation, issueToken } from '../../server/services/invitations';
import { prepareQueuedConfirmations } from '../../server/services/mailings';
import { linksForRound } from '../../server/services/rounds';
import { RATE_LIMITS } from '../../server/services/rate-limits';
import { type Agent, csrfFrom, startTestApp, type TestApp } from '../helpers/app';
import { createContact, createPartnership, createRound, surveyFromYaml } from '../helpers/fixtures';
import { errorSummary, page as parse, textOf, textsOf } from '../helpers/html';
import { TEST_LINK_CAUSE } from '../helpers/fixtures';

let t: TestApp;
const db = () => t.deps.db;
beforeAll(async () => {
  t = await startTestApp({
    REGION_NAME: 'Region Testlän',
    STRATEGY_NAME: 'Teststrategin 2040',
    RETENTION_MONTHS: '24',
    PRIVACY_CONTACT: 'dataskydd@testlan.example.se',
  });
});
afterAll(async () => t.close());

const FULL = { rus_planering: 'hog', rus_statistik: 'viss_del', fortroende_rua: 'hogt', kommentar_rus: 'Bra arbete.', kommentar_rua: '' };

/** A round of the partnership survey with n organisations; one token per contact. */
async function setup(n = 2, round: Parameters<typeof createRound>[1] extends infer R ? Partial<R> : never = {}) {
  const year = 2025;
  const p = await createPartnership(db(), n, year);
  const roundId = await createRound(db(), { year, panelId: p.panelId, ...round });
  const links = new Map<number, string>();
  for (const [i, orgId] of p.organisationIds.entries()) {
    const invitationId = await ensureInvitation(db(), roundId, orgId);
    links.set(p.contactIds[i], await issueToken(db(), invitationId, p.contactIds[i], TEST_LINK_CAUSE));
  }
  return { ...p, roundId, year, tokenOf: (contactId: number) => links.get(contactId)! };
}

async function secondContactToken(roundId: number, organisationId: number, name: string): Promise<{ contactId: number; token: string }> {
  const contactId = await createContact(db(), organisationId, { name });
  const invitationId = await ensureInvitation(db(), roundId, organisationId);
  return { contactId, token: await issueToken(db(), invitationId, contactId, TEST_LINK_CAUSE) };
}

async function openForm(agent: Agent, token: string) {
  const res = await agent.get(`/s/${token}/svar`);
  expect(res.status).toBe(200);
  const version = /name="_version" value="(\d+)"/.exec(res.text)?.[1];
  return { html: res.text, csrf: csrfFrom(res.text), version: version ?? '' };
}

function post(
  agent: Agent,
  token: string,
  form: { csrf: string; version: string },
  action: 'save' | 'submit',
  answers: Record<string, string | string[]>,
) {
  return agent
    .post(`/s/${token}/svar`)
    .type('form')
    .send({ _csrf: form.csrf, _version: form.version, _action: action, ...answers });
}

/** A row the test has just written or read; fails the test when it is not there. */
function present<T>(row: T | undefined): T {
  if (row === undefined) throw new Error('expected a row');
  return row;
}
async function responseOf(roundId: number, organisationId: number) {
  return db()('responses').where({ round_id: roundId, organisation_id: organisationId }).first();
}
const storedResponse = async (roundId: number, organisationId: number) => present(await responseOf(roundId, organisationId));
async function answersOf(responseId: number) {
  return db()('answers').where({ response_id: responseId }).orderBy('id');
}

/** The page without what legitimately differs between two requests (CSRF token, the path). */
/** The option chosen in the form for a question (the checked radio), or undefined. */
const checkedValue = (html: string, ref: string) => parse(html)(`input[name="${ref}"]:checked`).val();
const heading = (html: string) => textOf(html, 'main h1');
const receiptCode = (html: string) => textOf(html, '.receipt-code');

function normalised(html: string, token: string): string {
  return html
    .replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""')
    .split(token)
    .join('TOKEN')
    .replace(/"\/s\/TOKEN[^"]*"/g, '"/s/TOKEN"');
}

describe('the personal link', () => {
  it('opens a first page that says who asks, why, for how long data is kept and whom to contact', async () => {
    const s = await setup(1, { closesAt: '2025-12-05T15:00:00.000Z' });
    // a round that closes in the past is closed, so move the closing time forward but keep a fixed local time
    await db()('rounds').where({ id: s.roundId }).update({ closes_at: '2099-12-05T15:00:00.000Z' });
    const token = s.tokenOf(s.contactIds[0]);
    const res = await request(t.app).get(`/s/${token}`).expect(200);
    expect(heading(res.text)).toContain('Enkät till partnerskapet för regional utveckling');
    expect(textOf(res.text, '.lead')).toContain('Region Testlän'); // who asks ({region} filled in)
    expect(textsOf(res.text, '.intro')).toContainEqual(expect.stringContaining('Teststrategin 2040')); // why: the intro with {strategy}
    expect(textOf(res.text, '#retention')).toContain('högst 24 månader');
    expect(textOf(res.text, '#survey-contact')).toContain('Sam Samordnare'); // the round's contact person
    expect(textOf(res.text, '#privacy-contact')).toBe('dataskydd@testlan.example.se');
    expect(textOf(res.text, '#time-to-answer')).toBe('Ungefär 5 minuter');
    expect(textOf(res.text, '#closes-at')).toBe('5 december 2099 kl. 16.00'); // Swedish date, Stockholm time
    expect(res.headers['cache-control']).toBe('no-store');
    const inv = present(await db()('invitations').where({ round_id: s.roundId }).first());
    expect(inv.first_opened_at).toBeTruthy();
  });

  it('gives unknown, malformed and revoked tokens the same calm 404 page', async () => {
    const s = await setup(1);
    const valid = s.tokenOf(s.contactIds[0]);
    const revoked = await issueToken(db(), await ensureInvitation(db(), s.roundId, s.organisationIds[0]), s.contactIds[0], TEST_LINK_CAUSE);
    await db()('invitation_tokens')
      .where({ token_hash: hashToken(revoked) })
      .update({ revoked_at: new Date().toISOString() });
    const unknown = crypto.randomBytes(32).toString('base64url');
    const pages: string[] = [];
    for (const token of [unknown, 'kort', 'a'.repeat(43) + 'x', revoked, '..%2F..%2Fetc']) {
      const res = await request(t.app).get(`/s/${token}`);
      expect([token, res.status]).toEqual([token, 404]);
      expect(heading(res.text)).toBe('Länken fungerar inte');
      expect(res.text).not.toContain('Organisation ');
      pages.push(normalised(res.text, token));
    }
    for (const p of pages) expect(p).toEqual(pages[0]);
    // the form and receipt behind a bad token are the same page too
    expect(normalised((await request(t.app).get(`/s/${unknown}/svar`).expect(404)).text, unknown)).toEqual(pages[0]);
    await request(t.app).get(`/s/${valid}`).expect(200);
  });

  it('shows a calm page when the round is closed, and stores nothing', async () => {
    const s = await setup(1);
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    const form = await openForm(agent, token);
    await db()('rounds').where({ id: s.roundId }).update({ state: 'stangd' });
    expect(heading((await agent.get(`/s/${token}`).expect(200)).text)).toBe('Enkäten är stängd');
    const res = await post(agent, token, form, 'submit', FULL);
    expect(res.status).toBe(409);
    expect(heading(res.text)).toBe('Enkäten är stängd');
    expect(await responseOf(s.roundId, s.organisationIds[0])).toBeUndefined();
    // an open round whose closing time has passed is closed for respondents too
    await db()('rounds')
      .where({ id: s.roundId })
      .update({ state: 'oppen', closes_at: new Date(Date.now() - 60_000).toISOString() });
    expect(heading((await agent.get(`/s/${token}/svar`).expect(200)).text)).toBe('Enkäten är stängd');
  });

  it('shows the opening date when the round has not opened yet, and refuses answers', async () => {
    const s = await setup(1, { opensAt: '2099-01-10T07:00:00.000Z', closesAt: '2099-02-01T16:00:00.000Z' });
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    const res = await agent.get(`/s/${token}`).expect(200);
    expect(heading(res.text)).toBe('Enkäten har inte öppnat ännu');
    expect(textOf(res.text, '#opens-at')).toContain('10 januari 2099 kl. 08.00');
    const page = await agent.get(`/s/${token}/svar`).expect(200);
    const sent = await agent
      .post(`/s/${token}/svar`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), _version: '0', _action: 'submit', ...FULL });
    expect(sent.status).toBe(409);
    expect(await responseOf(s.roundId, s.organisationIds[0])).toBeUndefined();
  });
});

describe('answering', () => {
  it('renders every question as a fieldset with a legend, real radios, required markers and the survey texts with placeholders filled in', async () => {
    const s = await setup(1);
    const { html } = await openForm(request.agent(t.app), s.tokenOf(s.contactIds[0]));
    expect((html.match(/<fieldset/g) ?? []).length).toBe(3);
    expect(parse(html)('legend')).toHaveLength(3);
    expect(html).toContain('<input type="radio" id="field-rus_planering" name="rus_planering" value="mycket_hog">');
    expect(textOf(html, 'label[for="field-rus_planering"]')).toBe('I mycket hög utsträckning');
    expect(textsOf(html, '.question-text .req')).toContain('(obligatorisk)');
    expect(html).toContain('maxlength="2000"');
    expect(textsOf(html, '.question-text')).toContainEqual(expect.stringContaining('framtagna av Region Testlän'));
    expect(html).not.toContain('{region}');
    expect(textsOf(html, 'button[name="_action"]')).toEqual(['Spara och fortsätt senare', 'Skicka in']);
  });

  it('saves a draft that another contact of the organisation sees, with who saved it last', async () => {
    const s = await setup(1);
    const orgId = s.organisationIds[0];
    await db()('contacts').where({ id: s.contactIds[0] }).update({ name: 'Anna Andersson' });
    const a = request.agent(t.app);
    const tokenA = s.tokenOf(s.contactIds[0]);
    const formA = await openForm(a, tokenA);
    expect(formA.version).toBe('0');
    const saved = await post(a, tokenA, formA, 'save', { rus_planering: 'hog', kommentar_rus: 'Halvfärdigt' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/s/${tokenA}/svar?sparat=1#sparat`);
    const resp = await storedResponse(s.roundId, orgId);
    expect(resp.status).toBe('draft');
    expect(Number(resp.version)).toBe(1);
    expect(resp.started_at).toBeTruthy();
    expect(Number(resp.saved_by_contact_id)).toBe(s.contactIds[0]);
    expect(textOf((await a.get(saved.headers.location).expect(200)).text, '#sparat')).toContain('Svaren är sparade men inte inskickade');

    // another contact of the same organisation, with their own link
    const b = request.agent(t.app);
    const { token: tokenB } = await secondContactToken(s.roundId, orgId, 'Bertil Berg');
    const start = await b.get(`/s/${tokenB}`).expect(200);
    expect(textOf(start.text, '#answer-state')).toContain('Det finns ett sparat utkast');
    expect(textOf(start.text, '#answer-state')).toContain('Anna Andersson');
    const formB = await openForm(b, tokenB);
    expect(formB.version).toBe('1');
    expect(checkedValue(formB.html, 'rus_planering')).toBe('hog');
    expect(textOf(formB.html, '#field-kommentar_rus')).toBe('Halvfärdigt');
    expect(textOf(formB.html, '#last-saved')).toContain('Senast sparat av Anna Andersson');
  });

  it('does not let a stale form overwrite a newer save: it shows a message and the newer draft', async () => {
    const s = await setup(1);
    const orgId = s.organisationIds[0];
    await db()('contacts').where({ id: s.contactIds[0] }).update({ name: 'Anna Andersson' });
    const tokenA = s.tokenOf(s.contactIds[0]);
    const { token: tokenB } = await secondContactToken(s.roundId, orgId, 'Bertil Berg');
    const a = request.agent(t.app);
    const b = request.agent(t.app);
    const formA = await openForm(a, tokenA);
    const formB = await openForm(b, tokenB); // both made from version 0
    await post(a, tokenA, formA, 'save', { rus_planering: 'hog' }).expect(303);
    const stale = await post(b, tokenB, formB, 'save', { rus_planering: 'inte_alls', kommentar_rus: 'Bertils text' });
    expect(stale.status).toBe(409);
    expect(textOf(stale.text, '#konflikt h2')).toBe('Någon annan har sparat svaret under tiden');
    expect(textOf(stale.text, '#konflikt')).toContain('Anna Andersson');
    expect(checkedValue(stale.text, 'rus_planering')).toBe('hog'); // the newer draft in the form
    expect(textOf(stale.text, '#unsaved h2')).toBe('Dina svar som inte sparades');
    expect(textsOf(stale.text, '#unsaved dd')).toContain('Bertils text');
    expect(parse(stale.text)('input[name="_version"]').val()).toBe('1');
    const resp = await storedResponse(s.roundId, orgId);
    expect(Number(resp.version)).toBe(1);
    expect((await answersOf(resp.id)).map((x) => x.option_code)).toEqual(['hog']);
    // a stale submit does not overwrite either
    const staleSubmit = await post(b, tokenB, formB, 'submit', { ...FULL, rus_planering: 'inte_alls' });
    expect(staleSubmit.status).toBe(409);
    expect((await storedResponse(s.roundId, orgId)).status).toBe('draft');
  });

  it('refuses missing required answers with an error summary linking to the fields, and keeps what was entered', async () => {
    const s = await setup(1);
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    const form = await openForm(agent, token);
    const res = await post(agent, token, form, 'submit', { rus_statistik: 'liten', kommentar_rus: 'Min kommentar' });
    expect(res.status).toBe(400);
    expect(parse(res.text)('.error-summary[role="alert"]')).toHaveLength(1);
    expect(textOf(res.text, '.error-summary a[href="#field-rus_planering"]')).toBe('Välj ett svar på fråga 1.');
    expect(textOf(res.text, '.error-summary a[href="#field-fortroende_rua"]')).toBe('Välj ett svar på fråga 4.');
    expect(textOf(res.text, '#error-rus_planering')).toContain('Välj ett svar på fråga 1.'); // at the field too
    expect(textOf(res.text, 'title')).toMatch(/^Fel: /);
    expect(checkedValue(res.text, 'rus_statistik')).toBe('liten');
    expect(textOf(res.text, '#field-kommentar_rus')).toBe('Min kommentar');
    expect(await responseOf(s.roundId, s.organisationIds[0])).toBeUndefined();
  });

  it('refuses forged option codes, several answers to a single-choice question and too long texts', async () => {
    const s = await setup(1);
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    const form = await openForm(agent, token);
    for (const forged of [
      { ...FULL, rus_planering: 'hackad' },
      { ...FULL, fortroende_rua: ['hogt', 'lagt'] },
      { ...FULL, kommentar_rus: 'x'.repeat(2001) },
    ]) {
      const res = await post(agent, token, form, 'submit', forged);
      expect(res.status).toBe(400);
      expect(textOf(res.text, '#error-summary-title')).toBe('Det finns fel som behöver rättas');
    }
    const draft = await post(agent, token, form, 'save', { rus_planering: 'hackad' });
    expect(draft.status).toBe(400);
    expect(errorSummary(draft.text)).toContainEqual(expect.stringContaining('har ett svar som inte finns bland svarsalternativen'));
    expect(await responseOf(s.roundId, s.organisationIds[0])).toBeUndefined();
  });

  it('submits in one go, shows a receipt with a summary and a code, and shows a hostile text back escaped', async () => {
    const s = await setup(1);
    const orgId = s.organisationIds[0];
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    const form = await openForm(agent, token);
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const res = await post(agent, token, form, 'submit', { ...FULL, kommentar_rua: hostile });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/s/${token}/kvitto`);
    const receipt = await agent.get(res.headers.location).expect(200);
    expect(heading(receipt.text)).toBe('Tack för ert svar');
    const code = receiptCode(receipt.text);
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(textsOf(receipt.text, '.answer-text')).toContain('I hög utsträckning');
    expect(textsOf(receipt.text, '.answer-text')).toContain('Högt förtroende');
    expect(receipt.text).not.toContain('<script>alert');
    expect(receipt.text).not.toContain('<img src=x');
    expect(receipt.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const resp = await storedResponse(s.roundId, orgId);
    expect(resp.status).toBe('submitted');
    expect(Number(resp.revision)).toBe(1);
    expect(resp.submitted_at).toBeTruthy();
    expect(resp.receipt_code).toBe(code);
    expect(await db()('response_revisions').where({ response_id: resp.id })).toHaveLength(1);
    const stored = await answersOf(resp.id);
    expect(stored.find((x) => x.question_id === 'kommentar_rua')?.text_value).toBe(hostile);
    expect(stored.some((x) => x.question_id === 'kommentar_rus' && x.text_value === 'Bra arbete.')).toBe(true);
    // the first page now says the answer is in
    expect(textOf((await agent.get(`/s/${token}`).expect(200)).text, '#answer-state')).toContain('Er organisation skickade in sitt svar');
  });

  it('is idempotent: a double click or a resubmitted form gives the same receipt and one response', async () => {
    const s = await setup(1);
    const orgId = s.organisationIds[0];
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    const form = await openForm(agent, token);
    const first = await post(agent, token, form, 'submit', FULL);
    const second = await post(agent, token, form, 'submit', FULL); // same form, same version
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    const code = (await storedResponse(s.roundId, orgId)).receipt_code;
    const again = await post(agent, token, form, 'submit', FULL);
    expect(again.status).toBe(303);
    expect((await storedResponse(s.roundId, orgId)).receipt_code).toBe(code);
    expect(await db()('responses').where({ round_id: s.roundId, organisation_id: orgId })).toHaveLength(1);
    expect(await db()('response_revisions').where({ response_id: (await storedResponse(s.roundId, orgId)).id })).toHaveLength(1);
  });

  it('gives exactly one response when two contacts submit at the same moment', async () => {
    const s = await setup(2);
    // different answers: one wins, the other is told the organisation has already answered
    {
      const orgId = s.organisationIds[0];
      const tokenA = s.tokenOf(s.contactIds[0]);
      const { token: tokenB } = await secondContactToken(s.roundId, orgId, 'Bertil Berg');
      const a = request.agent(t.app);
      const b = request.agent(t.app);
      const [fa, fb] = await Promise.all([openForm(a, tokenA), openForm(b, tokenB)]);
      const [ra, rb] = await Promise.all([
        post(a, tokenA, fa, 'submit', FULL),
        post(b, tokenB, fb, 'submit', { ...FULL, fortroende_rua: 'lagt' }),
      ]);
      expect([ra.status, rb.status].sort()).toEqual([303, 409]);
      const loser = ra.status === 409 ? ra : rb;
      expect(textOf(loser.text, '#konflikt h2')).toBe('Er organisation har redan skickat in ett svar');
      const rows = await db()('responses').where({ round_id: s.roundId, organisation_id: orgId });
      expect(rows).toHaveLength(1);
      expect(await db()('response_revisions').where({ response_id: rows[0].id })).toHaveLength(1);
    }
    // the same answers: both get the same receipt
    {
      const orgId = s.organisationIds[1];
      const tokenA = s.tokenOf(s.contactIds[1]);
      const { token: tokenB } = await secondContactToken(s.roundId, orgId, 'Cecilia Ek');
      const a = request.agent(t.app);
      const b = request.agent(t.app);
      const [fa, fb] = await Promise.all([openForm(a, tokenA), openForm(b, tokenB)]);
      const [ra, rb] = await Promise.all([post(a, tokenA, fa, 'submit', FULL), post(b, tokenB, fb, 'submit', FULL)]);
      expect([ra.status, rb.status]).toEqual([303, 303]);
      const rows = await db()('responses').where({ round_id: s.roundId, organisation_id: orgId });
      expect(rows).toHaveLength(1);
      expect(await db()('response_revisions').where({ response_id: rows[0].id })).toHaveLength(1);
      const codeA = receiptCode((await a.get(ra.headers.location)).text);
      const codeB = receiptCode((await b.get(rb.headers.location)).text);
      expect(codeA).toBeTruthy();
      expect(codeA).toBe(codeB);
    }
  });

  it('lets the organisation change its answer until the round closes, keeping every submitted version', async () => {
    const s = await setup(1);
    const orgId = s.organisationIds[0];
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    await post(agent, token, await openForm(agent, token), 'submit', FULL).expect(303);
    const firstCode = (await storedResponse(s.roundId, orgId)).receipt_code;
    const edit = await openForm(agent, token);
    expect(textsOf(edit.html, 'button[name="_action"]')).toEqual(['Skicka in ändrat svar']);
    expect(edit.html).not.toContain('Spara och fortsätt senare');
    expect(checkedValue(edit.html, 'fortroende_rua')).toBe('hogt');
    const changed = await post(agent, token, edit, 'submit', { ...FULL, fortroende_rua: 'varken' });
    expect(changed.status).toBe(303);
    const resp = await storedResponse(s.roundId, orgId);
    expect(Number(resp.revision)).toBe(2);
    expect(resp.receipt_code).not.toBe(firstCode);
    const revisions = await db()('response_revisions').where({ response_id: resp.id }).orderBy('revision');
    expect(revisions.map((r) => Number(r.revision))).toEqual([1, 2]);
    const answersOfRevision = (r: { answers: unknown }) =>
      (typeof r.answers === 'string' ? JSON.parse(r.answers) : r.answers) as Array<{ questionId: string; optionCode: string }>;
    expect(answersOfRevision(revisions[0]).find((a) => a.questionId === 'fortroende_rua')!.optionCode).toBe('hogt');
    expect(answersOfRevision(revisions[1]).find((a) => a.questionId === 'fortroende_rua')!.optionCode).toBe('varken');
    expect((await answersOf(resp.id)).find((a) => a.question_id === 'fortroende_rua')?.option_code).toBe('varken');
    // the stale edit form (made from the first version) does not overwrite the change
    const stale = await post(agent, token, edit, 'submit', { ...FULL, fortroende_rua: 'inget' });
    expect(stale.status).toBe(409);
    expect(Number((await storedResponse(s.roundId, orgId)).revision)).toBe(2);
  });

  it('does not let a submitted answer change when the round does not allow it', async () => {
    const s = await setup(1, { allowChanges: false });
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    const form = await openForm(agent, token);
    await post(agent, token, form, 'submit', FULL).expect(303);
    const back = await agent.get(`/s/${token}/svar`);
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe(`/s/${token}/kvitto`);
    const receipt = await agent.get(`/s/${token}/kvitto`).expect(200);
    expect(textOf(receipt.text, '#change-policy')).toContain('Svaret kan inte ändras');
    const res = await post(agent, token, { csrf: csrfFrom(receipt.text), version: '1' }, 'submit', { ...FULL, fortroende_rua: 'inget' });
    expect(res.status).toBe(409);
    expect(textOf(res.text, '#konflikt')).toContain('Svaret kan inte ändras i den här enkäten');
    expect(Number((await storedResponse(s.roundId, s.organisationIds[0])).revision)).toBe(1);
  });
});

describe('the confirmation e-mail', () => {
  it('is queued once, in the submit transaction, to the contact who submitted — and not when the round says no', async () => {
    const s = await setup(2);
    await db()('rounds').where({ id: s.roundId }).update({ send_confirmation: true });
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    await post(agent, token, await openForm(agent, token), 'submit', FULL);
    const receiptCode = (await storedResponse(s.roundId, s.organisationIds[0])).receipt_code;
    await post(agent, token, await openForm(agent, token), 'submit', { ...FULL, fortroende_rua: 'lagt' }); // a change: no new confirmation
    // the submit wrote one row for the worker, nothing more: the e-mail is prepared by the outbox worker
    const queuedOfRound = () =>
      db()('confirmation_queue as q')
        .join('responses as r', 'r.id', 'q.response_id')
        .where('r.round_id', s.roundId)
        .select<Array<{ contact_id: number; receipt_code: string | null }>>('q.contact_id', 'q.receipt_code');
    expect((await queuedOfRound()).map((q) => [Number(q.contact_id), q.receipt_code])).toEqual([[s.contactIds[0], receiptCode]]);
    expect(await db()('email_outbox').where({ round_id: s.roundId, kind: 'confirmation' })).toHaveLength(0);
    await prepareQueuedConfirmations(t.deps);
    const mails = await db()('email_outbox').where({ round_id: s.roundId, kind: 'confirmation' });
    expect(mails).toHaveLength(1);
    expect(Number(mails[0].contact_id)).toBe(s.contactIds[0]);
    expect(mails[0].text_body).toContain(`Kvittens: ${receiptCode}`); // the first submit's receipt, as the submit knew it
    expect(await queuedOfRound()).toHaveLength(0);

    await db()('rounds').where({ id: s.roundId }).update({ send_confirmation: false });
    const other = s.tokenOf(s.contactIds[1]);
    const b = request.agent(t.app);
    expect((await post(b, other, await openForm(b, other), 'submit', FULL)).status).toBe(303);
    expect(await queuedOfRound()).toHaveLength(0);
    await prepareQueuedConfirmations(t.deps);
    expect(await db()('email_outbox').where({ round_id: s.roundId, kind: 'confirmation' })).toHaveLength(1);
  });
});

/** The statements knex is asked to run while `work` runs (the first three words, in lower case). */
async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = [];
  const listener = (q: { sql: string }) => statements.push(q.sql.trim().split(/\s+/).slice(0, 3).join(' ').toLowerCase());
  db().on('query', listener);
  try {
    await work();
  } finally {
    db().off('query', listener);
  }
  return statements;
}

describe('what the respondent’s pages ask the database', () => {
  it('a repeat view of the form with a draft: the link and the answers in one read, no write', async () => {
    const s = await setup(1);
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    expect((await post(agent, token, await openForm(agent, token), 'save', { rus_planering: FULL.rus_planering })).status).toBe(303);
    await agent.get(`/s/${token}/svar`).expect(200);
    let page = '';
    const statements = await statementsDuring(async () => {
      page = (await agent.get(`/s/${token}/svar`).expect(200)).text;
    });
    expect(page).toContain(`value="${FULL.rus_planering}" checked`);
    expect(statements.filter((q) => !/rate_limits/.test(q)).filter((q) => !/^select\b/.test(q))).toEqual([]);
    // SQLite reads on the kept read connection, outside knex; PostgreSQL through knex: one statement
    expect(statements.filter((q) => /^select\b/.test(q))).toHaveLength(t.deps.config.databaseUrl.startsWith('file:') ? 0 : 1);
  });

  it('a first submit: one read of the link, then one transaction that reads the round and response once and only writes', async () => {
    const s = await setup(1);
    await db()('rounds').where({ id: s.roundId }).update({ send_confirmation: true });
    const token = s.tokenOf(s.contactIds[0]);
    const agent = request.agent(t.app);
    const form = await openForm(agent, token);
    const statements = await statementsDuring(async () => {
      expect((await post(agent, token, form, 'submit', FULL)).status).toBe(303);
    });
    const writes = statements.filter((q) => /^(insert|update|delete)\b/.test(q));
    expect(writes.map((q) => q.split(' ')[2].replace(/[`"]/g, ''))).toEqual([
      'responses',
      'answers',
      'response_revisions',
      'audit_log',
      'confirmation_queue',
    ]);
    const reads = statements.filter((q) => /^select\b/.test(q));
    // SQLite: the round and the response in one statement (the link is read on the kept read
    // connection, outside knex); PostgreSQL: the link, the round, and the response locked
    expect(reads).toHaveLength(t.deps.config.databaseUrl.startsWith('file:') ? 1 : 3);
  });
});

describe('conditions, multiple choice and matrices', () => {
  const YAML = `
id: villkorstest
title: { sv: Villkorstest, en: Condition test }
intro: { sv: "Test för {region}.", en: "Test for {region}." }
estimatedMinutes: 2
scales:
  grad:
    options:
      - { code: hog, label: { sv: Hög, en: High } }
      - { code: lag, label: { sv: Låg, en: Low } }
      - { code: vet_ej, label: { sv: Vet ej, en: "Don't know" }, dontKnow: true }
questions:
  - id: deltog
    type: yesno
    required: true
    text: { sv: Deltog ni i mötena?, en: Did you take part? }
  - id: vilka
    type: multiple
    required: true
    showIf: { question: deltog, anyOf: [ja] }
    text: { sv: Vilka möten?, en: Which meetings? }
    options:
      - { code: arbetsmote, label: { sv: Arbetsmötet, en: Working meeting } }
      - { code: arskonferens, label: { sv: Årskonferensen, en: Annual conference } }
      - { code: inget, label: { sv: Inget av dem, en: None }, exclusive: true }
  - id: omdome
    type: matrix
    required: true
    scale: grad
    text: { sv: Hur bedömer ni följande?, en: How do you rate the following? }
    statements:
      - { id: nytta, text: { sv: Nyttan, en: Usefulness } }
      - { id: tydlighet, text: { sv: Tydligheten, en: Clarity } }
`;

  async function conditionRound() {
    const p = await createPartnership(db(), 1, 2025);
    const roundId = await createRound(db(), { year: 2025, panelId: p.panelId, survey: surveyFromYaml(YAML, 'villkorstest.yaml') });
    const token = await issueToken(db(), await ensureInvitation(db(), roundId, p.organisationIds[0]), p.contactIds[0], TEST_LINK_CAUSE);
    return { ...p, roundId, token };
  }

  it('explains a condition in words and renders a matrix as one fieldset per statement', async () => {
    const s = await conditionRound();
    const { html } = await openForm(request.agent(t.app), s.token);
    expect(textOf(html, '#cond-vilka')).toBe('Besvara om du svarade ”Ja” på fråga 1.');
    expect(html).toContain('type="checkbox" id="field-vilka" name="vilka" value="arbetsmote"');
    expect(textsOf(html, 'fieldset.statement > legend')).toEqual(['Nyttan', 'Tydligheten']);
    expect(html).toContain('id="field-omdome.nytta" name="omdome.nytta" value="hog"');
    expect(html).toContain('id="field-omdome.tydlighet-lag" name="omdome.tydlighet" value="lag"');
  });

  it('does not require a question whose condition is not met, and drops its answer', async () => {
    const s = await conditionRound();
    const agent = request.agent(t.app);
    const form = await openForm(agent, s.token);
    const res = await post(agent, s.token, form, 'submit', {
      deltog: 'nej',
      vilka: 'arbetsmote',
      'omdome.nytta': 'hog',
      'omdome.tydlighet': 'vet_ej',
    });
    expect(res.status).toBe(303);
    const resp = await storedResponse(s.roundId, s.organisationIds[0]);
    const stored = (await answersOf(resp.id)).map((a) => `${a.question_id}.${a.item_id}=${a.option_code}`);
    expect(stored).toEqual(['deltog.=nej', 'omdome.nytta=hog', 'omdome.tydlighet=vet_ej']);
  });

  it('requires the question when its condition is met, every matrix statement, and exclusive options alone', async () => {
    const s = await conditionRound();
    const agent = request.agent(t.app);
    const form = await openForm(agent, s.token);
    const missing = await post(agent, s.token, form, 'submit', { deltog: 'ja', 'omdome.nytta': 'hog' });
    expect(missing.status).toBe(400);
    expect(textOf(missing.text, '.error-summary a[href="#field-vilka"]')).toBe('Välj minst ett alternativ i fråga 2.');
    expect(textOf(missing.text, '.error-summary a[href="#field-omdome.tydlighet"]')).toBe('Välj ett svar för ”Tydligheten” i fråga 3.');
    const exclusive = await post(agent, s.token, form, 'submit', {
      deltog: 'ja',
      vilka: ['arbetsmote', 'inget'],
      'omdome.nytta': 'hog',
      'omdome.tydlighet': 'lag',
    });
    expect(exclusive.status).toBe(400);
    expect(errorSummary(exclusive.text)).toContain('”Inget av dem” kan inte kombineras med andra alternativ i fråga 2.');
    const ok = await post(agent, s.token, form, 'submit', {
      deltog: 'ja',
      vilka: ['arskonferens', 'arbetsmote'],
      'omdome.nytta': 'hog',
      'omdome.tydlighet': 'lag',
    });
    expect(ok.status).toBe(303);
    const resp = await storedResponse(s.roundId, s.organisationIds[0]);
    expect((await answersOf(resp.id)).filter((a) => a.question_id === 'vilka').map((a) => a.option_code)).toEqual([
      'arbetsmote',
      'arskonferens',
    ]);
  });
});

describe('links made for the mail area', () => {
  it('linksForRound gives one working token per active contact of each invited organisation', async () => {
    const p = await createPartnership(db(), 3, 2025);
    const roundId = await createRound(db(), { year: 2025, panelId: p.panelId });
    const extra = await createContact(db(), p.organisationIds[0]);
    await db()('contacts').where({ id: p.contactIds[2] }).update({ erased_at: new Date().toISOString(), name: null, email: null });
    const links = await linksForRound(db(), roundId);
    expect(links.map((l) => l.contactId).sort((a, b) => a - b)).toEqual([p.contactIds[0], extra, p.contactIds[1]].sort((a, b) => a - b));
    expect(await db()('invitations').where({ round_id: roundId })).toHaveLength(3); // every panel member is invited
    for (const l of links) await request(t.app).get(`/s/${l.token}`).expect(200);
    const only = await linksForRound(db(), roundId, { organisationIds: [p.organisationIds[1]] });
    expect(only).toHaveLength(1);
    expect(only[0].organisationId).toBe(p.organisationIds[1]);
    await db()('rounds').where({ id: roundId }).update({ state: 'stangd' });
    await expect(linksForRound(db(), roundId)).rejects.toThrow('öppen omgång');
  });
});

describe('rate limit on the token pages', () => {
  let limited: TestApp;
  afterEach(async () => limited?.close());

  it('limits failed link lookups per client address, and a forged X-Forwarded-For does not get around it', async () => {
    limited = await startTestApp(); // TRUST_PROXY not set
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMITS.linkGuessesPerAddress.limit + 2; i++) {
      const res = await request(limited.app)
        .get(`/s/${crypto.randomBytes(32).toString('base64url')}`)
        .set('X-Forwarded-For', `203.0.113.${i}`);
      statuses.push(res.status);
    }
    expect(statuses.slice(0, RATE_LIMITS.linkGuessesPerAddress.limit).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(-1)[0]).toBe(429);
  });

  it('behind a trusted proxy, clients are told apart by X-Forwarded-For', async () => {
    limited = await startTestApp({ TRUST_PROXY: '1' });
    for (let i = 0; i < RATE_LIMITS.linkGuessesPerAddress.limit; i++) {
      await request(limited.app)
        .get(`/s/${crypto.randomBytes(32).toString('base64url')}`)
        .set('X-Forwarded-For', '198.51.100.7')
        .expect(404);
    }
    await request(limited.app)
      .get(`/s/${crypto.randomBytes(32).toString('base64url')}`)
      .set('X-Forwarded-For', '198.51.100.7')
      .expect(429);
    await request(limited.app)
      .get(`/s/${crypto.randomBytes(32).toString('base64url')}`)
      .set('X-Forwarded-For', '198.51.100.8')
      .expect(404);
  });
});
