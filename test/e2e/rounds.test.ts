// Survey rounds over HTTP: create (Stockholm time → UTC, DST), edit while utkast, the allowed and
// refused transitions, reopening with a reason, invitations and the pinned survey version,
// follow-up statuses, confidential rounds, manual links; the survey pages (list, upload) and
// the survey-file checks (CLI and start-up).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { runCli } from '../../server/cli';
import { json } from '../../server/db';
import { ensureInvitation, issueToken } from '../../server/services/invitations';
import { refuseToStartOnInvalidSurveys } from '../../server/services/surveys';
import { type Agent, csrfFrom, loggedInAgent, postForm, startTestApp, type TestApp } from '../helpers/app';
import { createPartnership, createRound, insertSubmittedResponse, SURVEYS_DIR } from '../helpers/fixtures';
import { errorSummary, page as parse, rowCells, textOf, textsOf } from '../helpers/html';
import { TEST_LINK_CAUSE } from '../helpers/fixtures';

let t: TestApp;
let coordinator: Agent;
let analyst: Agent;
let admin: Agent;
let surveysDir: string;
const db = () => t.deps.db;

beforeAll(async () => {
  // A copy of the shipped survey files that this test may edit.
  surveysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-surveys-'));
  for (const f of fs.readdirSync(SURVEYS_DIR)) fs.copyFileSync(path.join(SURVEYS_DIR, f), path.join(surveysDir, f));
  t = await startTestApp({ SURVEYS_DIR: surveysDir, REGION_NAME: 'Region Testlän' });
  coordinator = (await loggedInAgent(t, 'coordinator')).agent;
  analyst = (await loggedInAgent(t, 'analyst')).agent;
  admin = (await loggedInAgent(t, 'admin')).agent;
});
afterAll(async () => {
  await t.close();
  fs.rmSync(surveysDir, { recursive: true, force: true });
});

const roundForm = (panelId: number, over: Record<string, string> = {}) => ({
  survey: 'file:partnerskapsenkat',
  year: '2025',
  panel: String(panelId),
  opens_date: '2025-10-20',
  opens_time: '08:00',
  closes_date: '2099-11-10',
  closes_time: '17:00',
  contact_name: 'Sam Samordnare',
  contact_email: 'sam@region.example.se',
  confidential: 'nej',
  allow_changes: 'ja',
  send_confirmation: 'ja',
  reminder_days: '7, 2',
  ...over,
});

async function createViaHttp(fields: Record<string, string>) {
  const res = await postForm(coordinator, '/rounds/ny', '/rounds', fields);
  expect(res.status).toBe(303);
  return Number(/\/rounds\/(\d+)$/.exec(res.headers.location)![1]);
}

async function action(agent: Agent, roundId: number, what: string, fields: Record<string, string> = {}) {
  // closing is confirmed on its own page (GET /rounds/:id/stang); the tests of closing confirm
  const confirmed = what === 'stang' ? { bekrafta: 'ja', ...fields } : fields;
  return postForm(agent, `/rounds/${roundId}`, `/rounds/${roundId}/${what}`, confirmed);
}

/** A row the test has just written or read; fails the test when it is not there. */
function present<T>(row: T | undefined): T {
  if (row === undefined) throw new Error('expected a row');
  return row;
}
const roundRow = async (id: number) => present(await db()('rounds').where({ id }).first());
const stateOf = async (id: number) => (await roundRow(id)).state;
/** The message of the error page (its first paragraph). */
const errorPageMessage = (html: string) => textOf(html, 'main h1 + p');

describe('creating and editing a round', () => {
  it('creates a draft, storing Stockholm times as UTC (summer and winter time)', async () => {
    const p = await createPartnership(db(), 3, 2025);
    const id = await createViaHttp(roundForm(p.panelId, { closes_date: '2099-11-10' }));
    const row = await roundRow(id);
    expect(row.state).toBe('utkast');
    expect(row.opens_at).toBe('2025-10-20T06:00:00.000Z'); // CEST, +02:00
    expect(row.closes_at).toBe('2099-11-10T16:00:00.000Z'); // CET, +01:00
    expect(row.title).toBe('Enkät till partnerskapet för regional utveckling 2025');
    expect(json(row.reminder_days)).toEqual([7, 2]);
    const page = await coordinator.get(`/rounds/${id}`).expect(200);
    expect(textOf(page.text, '#round-opens')).toBe('20 oktober 2025 kl. 08.00');
    expect(textOf(page.text, '#round-response-rate')).toBe('0 av 3 organisationer har svarat'); // of the panel's organisations
    const audit = present(
      await db()('audit_log')
        .where({ action: 'rounds.create', entity_id: String(id) })
        .first(),
    );
    expect(JSON.stringify(json(audit.details))).not.toContain('sam@region.example.se');
  });

  it('lists every problem of a bad form, including a time that does not exist in Stockholm', async () => {
    const p = await createPartnership(db(), 1, 2025);
    const res = await postForm(
      coordinator,
      '/rounds/ny',
      '/rounds',
      roundForm(p.panelId, {
        survey: '',
        opens_date: '2026-03-29',
        opens_time: '02:30',
        contact_email: 'inte-en-adress',
        confidential: '',
      }),
    );
    expect(res.status).toBe(400);
    const problems = errorSummary(res.text);
    expect(problems).toContain('Välj vilken enkät omgången ska använda.');
    expect(problems).toContainEqual(expect.stringContaining('klockan 02:30 finns inte den 2026-03-29'));
    expect(problems).toContain('Välj ja eller nej: konfidentiell enkät.');
    const $ = parse(res.text);
    expect($('.error-summary a[href="#field-contact_email"]')).toHaveLength(1);
    expect($('#field-contact_name').val()).toBe('Sam Samordnare'); // what was entered is kept
    const closesBefore = await postForm(coordinator, '/rounds/ny', '/rounds', roundForm(p.panelId, { closes_date: '2025-10-01' }));
    expect(closesBefore.status).toBe(400);
    expect(errorSummary(closesBefore.text)).toContainEqual(expect.stringContaining('måste vara efter att omgången öppnar'));
  });

  it('refuses a second round of the same survey, year and panel', async () => {
    const p = await createPartnership(db(), 1, 2025);
    await createViaHttp(roundForm(p.panelId));
    const res = await postForm(coordinator, '/rounds/ny', '/rounds', roundForm(p.panelId));
    expect(res.status).toBe(400);
    expect(errorSummary(res.text)).toContainEqual(expect.stringContaining('Det finns redan en omgång av den här enkäten för 2025'));
  });

  it('edits a draft, and refuses to edit an open round', async () => {
    const p = await createPartnership(db(), 1, 2025);
    const id = await createViaHttp(roundForm(p.panelId));
    const form = await coordinator.get(`/rounds/${id}/redigera`).expect(200);
    expect(parse(form.text)('#field-opens_date').val()).toBe('2025-10-20');
    const res = await coordinator
      .post(`/rounds/${id}/redigera`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), ...roundForm(p.panelId, { confidential: 'ja', closes_time: '12:00' }) });
    expect(res.status).toBe(303);
    const row = await roundRow(id);
    expect(Boolean(row.confidential)).toBe(true);
    expect(row.closes_at).toBe('2099-11-10T11:00:00.000Z');
    expect((await action(coordinator, id, 'oppna')).status).toBe(303);
    const refused = await coordinator
      .post(`/rounds/${id}/redigera`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), ...roundForm(p.panelId) });
    expect(refused.status).toBe(409);
    expect(Boolean((await roundRow(id)).confidential)).toBe(true);
  });

  it('lets analysts look but not create', async () => {
    await analyst.get('/rounds').expect(200);
    await analyst.get('/rounds/ny').expect(403);
    const page = await analyst.get('/rounds');
    expect(parse(page.text)('a[href="/rounds/ny"]')).toHaveLength(0);
  });
});

describe('states', () => {
  it('opens (pinning the survey and inviting the panel), closes, reopens with a reason, publishes — and refuses the rest', async () => {
    const p = await createPartnership(db(), 4, 2025);
    const id = await createViaHttp(roundForm(p.panelId));
    // not allowed from utkast
    for (const what of ['stang', 'publicera']) {
      const res = await action(coordinator, id, what);
      expect([what, res.status]).toEqual([what, 409]);
    }
    expect(await stateOf(id)).toBe('utkast');

    const opened = await action(coordinator, id, 'oppna');
    expect(opened.status).toBe(303);
    expect(await stateOf(id)).toBe('oppen');
    expect(await db()('invitations').where({ round_id: id })).toHaveLength(4);
    const round = await roundRow(id);
    const version = present(await db()('survey_versions').where({ id: round.survey_version_id }).first());
    expect(version.survey_id).toBe('partnerskapsenkat');
    expect(version.source).toBe('file');

    const refusedOpen = await action(coordinator, id, 'oppna');
    expect(refusedOpen.status).toBe(409);
    expect(errorPageMessage(refusedOpen.text)).toContain('kan inte öppnas');
    const refusedPublish = await action(coordinator, id, 'publicera');
    expect(refusedPublish.status).toBe(409);
    expect(errorPageMessage(refusedPublish.text)).toContain('kan inte publiceras');

    expect((await action(coordinator, id, 'stang')).status).toBe(303);
    expect(await stateOf(id)).toBe('stangd');

    const noReason = await postForm(coordinator, `/rounds/${id}/ateroppna`, `/rounds/${id}/ateroppna`, {
      reason: '',
      closes_date: '2099-12-01',
      closes_time: '17:00',
    });
    expect(noReason.status).toBe(400);
    expect(errorSummary(noReason.text)).toContain('Skriv varför omgången öppnas igen.');
    const pastClose = await postForm(coordinator, `/rounds/${id}/ateroppna`, `/rounds/${id}/ateroppna`, {
      reason: 'Fler behövde tid',
      closes_date: '2020-01-01',
      closes_time: '17:00',
    });
    expect(pastClose.status).toBe(400);
    expect(await stateOf(id)).toBe('stangd');
    const reopened = await postForm(coordinator, `/rounds/${id}/ateroppna`, `/rounds/${id}/ateroppna`, {
      reason: 'Två kommuner bad om mer tid',
      closes_date: '2099-12-01',
      closes_time: '17:00',
    });
    expect(reopened.status).toBe(303);
    expect(await stateOf(id)).toBe('oppen');
    expect((await roundRow(id)).closes_at).toBe('2099-12-01T16:00:00.000Z');
    const audit = present(
      await db()('audit_log')
        .where({ action: 'rounds.reopen', entity_id: String(id) })
        .first(),
    );
    expect(json<{ reason: string }>(audit.details).reason).toBe('Två kommuner bad om mer tid');

    expect((await action(coordinator, id, 'stang')).status).toBe(303);
    expect((await action(coordinator, id, 'publicera')).status).toBe(303);
    expect(await stateOf(id)).toBe('publicerad');
    for (const what of ['oppna', 'stang', 'publicera']) expect((await action(coordinator, id, what)).status).toBe(409);
    expect(
      (await postForm(coordinator, `/rounds/${id}`, `/rounds/${id}/ateroppna`, { reason: 'x', closes_date: '2099-12-01' })).status,
    ).toBe(409);
    expect(await stateOf(id)).toBe('publicerad');
    // analysts cannot change states
    expect((await action(analyst, id, 'stang')).status).toBe(403);
  });

  it('refuses to open a round whose panel has no organisations that year', async () => {
    const p = await createPartnership(db(), 1, 2024); // members for 2024 only
    const id = await createViaHttp(roundForm(p.panelId, { year: '2025' }));
    const res = await action(coordinator, id, 'oppna');
    expect(res.status).toBe(400);
    expect(errorSummary(res.text)).toContainEqual(expect.stringContaining('Panelen har inga aktiva organisationer för 2025'));
    expect(await stateOf(id)).toBe('utkast');
  });
});

describe('pinning the survey version', () => {
  it('keeps an open round on the definition it opened with when the file is edited; a new round gets the new text', async () => {
    const file = path.join(surveysDir, 'foretagsframjande.yaml');
    const original = fs.readFileSync(file, 'utf8');
    try {
      const p = await createPartnership(db(), 1, 2025);
      const id = await createViaHttp(roundForm(p.panelId, { survey: 'file:foretagsframjande' }));
      // a draft follows the file: edit before opening → the opened round has the edited text
      fs.writeFileSync(
        file,
        original.replace(
          'I vilken utsträckning har {region} varit tydlig',
          'Version ett – i vilken utsträckning har {region} varit tydlig',
        ),
      );
      expect((await action(coordinator, id, 'oppna')).status).toBe(303);
      const token = await issueToken(db(), await ensureInvitation(db(), id, p.organisationIds[0]), p.contactIds[0], TEST_LINK_CAUSE);
      const questions = (html: string) => textsOf(html, '.question-text');
      expect(questions((await request(t.app).get(`/s/${token}/svar`).expect(200)).text)).toContainEqual(
        expect.stringContaining('Version ett – i vilken utsträckning har Region Testlän'),
      );

      // edit the file again: the open round is unchanged
      fs.writeFileSync(
        file,
        original.replace(
          'I vilken utsträckning har {region} varit tydlig',
          'Version två – i vilken utsträckning har {region} varit tydlig',
        ),
      );
      const again = await request(t.app).get(`/s/${token}/svar`).expect(200);
      expect(questions(again.text)).toContainEqual(expect.stringContaining('Version ett –'));
      expect(again.text).not.toContain('Version två –');

      // a new round uses the new version
      const id2 = await createViaHttp(roundForm(p.panelId, { survey: 'file:foretagsframjande', year: '2026' }));
      await db()('panel_memberships').insert({ panel_id: p.panelId, organisation_id: p.organisationIds[0], year: 2026 });
      expect((await action(coordinator, id2, 'oppna')).status).toBe(303);
      const token2 = await issueToken(db(), await ensureInvitation(db(), id2, p.organisationIds[0]), p.contactIds[0], TEST_LINK_CAUSE);
      expect(questions((await request(t.app).get(`/s/${token2}/svar`).expect(200)).text)).toContainEqual(
        expect.stringContaining('Version två –'),
      );
      const [r1, r2] = await Promise.all([roundRow(id), roundRow(id2)]);
      expect(r1.survey_version_id).not.toBe(r2.survey_version_id);
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it('refuses to open a file-based round while its survey file is broken, naming the problem', async () => {
    const file = path.join(surveysDir, 'arshjulet.yaml');
    const original = fs.readFileSync(file, 'utf8');
    try {
      const p = await createPartnership(db(), 1, 2025);
      const id = await createViaHttp(roundForm(p.panelId, { survey: 'file:arshjulet' }));
      fs.writeFileSync(file, original.replace('estimatedMinutes: 3', 'estimatedMinutes: tre'));
      const res = await action(coordinator, id, 'oppna');
      expect(res.status).toBe(400);
      expect(errorSummary(res.text)).toContainEqual(expect.stringMatching(/arshjulet\.yaml:\d+:\d+ estimatedMinutes/));
      expect(await stateOf(id)).toBe('utkast');
      await coordinator.get('/rounds/ny').expect(200); // the form still works
    } finally {
      fs.writeFileSync(file, original);
    }
  });
});

describe('following up', () => {
  async function roundWithStatuses(opts: { confidential: boolean }) {
    const p = await createPartnership(db(), 4, 2025);
    const names = ['Alfa kommun', 'Beta högskola', 'Gamma förening', 'Delta AB'];
    for (const [i, id] of p.organisationIds.entries()) await db()('organisations').where({ id }).update({ name: names[i] });
    const roundId = await createRound(db(), { year: 2025, panelId: p.panelId, confidential: opts.confidential });
    const inv = [];
    for (const orgId of p.organisationIds) inv.push(await ensureInvitation(db(), roundId, orgId));
    await db()('invitations').where({ id: inv[1] }).update({ first_opened_at: new Date().toISOString() });
    await db()('invitations').where({ id: inv[2] }).update({ first_opened_at: new Date().toISOString() });
    const now = new Date().toISOString();
    await db()('responses').insert({
      round_id: roundId,
      organisation_id: p.organisationIds[2],
      status: 'draft',
      version: 1,
      revision: 0,
      started_at: now,
      saved_at: now,
      created_at: now,
      updated_at: now,
    });
    await insertSubmittedResponse(db(), roundId, p.organisationIds[3], {
      rus_planering: 'hog',
      rus_statistik: 'hog',
      fortroende_rua: 'inget',
    });
    return { ...p, roundId };
  }

  it('shows the response rate and each organisation as not opened / opened / started / submitted', async () => {
    const s = await roundWithStatuses({ confidential: false });
    const page = await coordinator.get(`/rounds/${s.roundId}`).expect(200);
    expect(textOf(page.text, '#round-response-rate')).toBe('1 av 4 organisationer har svarat');
    const status = (name: string) => rowCells(page.text, '#organisation-statuses', name)[0];
    expect(status('Alfa kommun')).toBe('Inte öppnad');
    expect(status('Beta högskola')).toBe('Öppnad');
    expect(status('Gamma förening')).toBe('Påbörjad');
    expect(status('Delta AB')).toBe('Inskickad');
    const list = await coordinator.get('/rounds').expect(200);
    expect(textOf(list.text, `tr[data-round-id="${s.roundId}"] .response-rate`)).toBe('1 av 4');
    // an analyst may open a submitted answer of a round that is not confidential
    const answers = await analyst.get(`/rounds/${s.roundId}/svar/${s.organisationIds[3]}`).expect(200);
    expect(textsOf(answers.text, '#answer-summary dd p')).toContain('Inget förtroende');
  });

  it('in a confidential round: analysts never see which organisation answered what; coordinators see who, not what', async () => {
    const s = await roundWithStatuses({ confidential: true });
    const asAnalyst = await analyst.get(`/rounds/${s.roundId}`).expect(200);
    for (const name of ['Alfa kommun', 'Beta högskola', 'Gamma förening', 'Delta AB']) expect(asAnalyst.text).not.toContain(name);
    expect(textOf(asAnalyst.text, '#round-response-rate')).toBe('1 av 4 organisationer har svarat');
    expect(textOf(asAnalyst.text, '#organisations-hidden')).toContain('analytiker ser bara antal');
    const asCoordinator = await coordinator.get(`/rounds/${s.roundId}`).expect(200);
    expect(rowCells(asCoordinator.text, '#organisation-statuses', 'Delta AB')[0]).toBe('Inskickad');
    expect(asCoordinator.text).not.toContain(`/rounds/${s.roundId}/svar/`);
    for (const agent of [analyst, coordinator, admin]) {
      const res = await agent.get(`/rounds/${s.roundId}/svar/${s.organisationIds[3]}`);
      expect(res.status).toBe(403);
      expect(res.text).not.toContain('Inget förtroende');
    }
  });

  it('makes a personal link for one organisation by hand, shown once', async () => {
    const s = await roundWithStatuses({ confidential: false });
    const res = await postForm(coordinator, `/rounds/${s.roundId}`, `/rounds/${s.roundId}/lank`, {
      organisation_id: String(s.organisationIds[0]),
    });
    expect(res.status).toBe(200);
    const link = textOf(res.text, '#manual-link code.copyable');
    expect(link).toMatch(/^http:\/\/partnerpuls\.test\/s\/[A-Za-z0-9_-]{43}$/);
    const token = link.split('/s/')[1];
    const page = await request(t.app).get(`/s/${token}`).expect(200);
    expect(textOf(page.text, '#answering-for')).toBe('Alfa kommun');
    const row = present(await db()('invitation_tokens').orderBy('id', 'desc').first());
    expect(row.contact_id).toBeNull();
    expect(row.token_hash).not.toContain(token);
    expect((await coordinator.get(`/rounds/${s.roundId}`)).text).not.toContain(token); // not shown again
  });

  it('in a confidential round refuses every hand-made link (a link a staff member has seen could open the answers, also later)', async () => {
    const s = await roundWithStatuses({ confidential: true });
    const tokens = async () => Number((await db()('invitation_tokens').count({ n: '*' }))[0].n);
    const before = await tokens();
    // organisationIds[0] has not begun, [2] has a draft, [3] has submitted
    for (const orgId of [s.organisationIds[0], s.organisationIds[2], s.organisationIds[3]]) {
      const res = await postForm(coordinator, `/rounds/${s.roundId}`, `/rounds/${s.roundId}/lank`, { organisation_id: String(orgId) });
      expect(res.status).toBe(409);
      expect(errorSummary(res.text)).toContainEqual(expect.stringContaining('Omgången är konfidentiell. En personlig länk som visas här'));
      expect(res.text).not.toMatch(/<code class="copyable">/);
    }
    expect(await tokens()).toBe(before);
    expect(
      await db()('audit_log')
        .where({ action: 'rounds.manual_link', entity_id: String(s.roundId) })
        .first(),
    ).toBeUndefined();
    // the round page offers none and says why
    const page = await coordinator.get(`/rounds/${s.roundId}`).expect(200);
    expect(parse(page.text)(`form[action="/rounds/${s.roundId}/lank"]`).length).toBe(0);
    expect(textOf(page.text, '#no-manual-links')).toContain('Skicka en påminnelse i stället');
    // in an ordinary round a link for an organisation that has submitted is still allowed, and audited with who made it
    const open = await roundWithStatuses({ confidential: false });
    expect(
      (
        await postForm(coordinator, `/rounds/${open.roundId}`, `/rounds/${open.roundId}/lank`, {
          organisation_id: String(open.organisationIds[3]),
        })
      ).status,
    ).toBe(200);
    const issued = await db()('audit_log').where({ action: 'link.issued' }).orderBy('id', 'desc').first();
    expect(issued).toMatchObject({ actor: 'user', entity_type: 'invitation_token' });
    expect(issued?.actor_user_id).not.toBeNull();
    expect(typeof issued?.details === 'string' ? JSON.parse(issued.details) : issued?.details).toMatchObject({
      via: 'manual',
      access: 'answer',
      organisationId: open.organisationIds[3],
    });
  });

  it('shows why a link cannot be made on the round page (a closed round)', async () => {
    const s = await roundWithStatuses({ confidential: false });
    const page = await coordinator.get(`/rounds/${s.roundId}`);
    await db()('rounds').where({ id: s.roundId }).update({ state: 'stangd' });
    const res = await coordinator
      .post(`/rounds/${s.roundId}/lank`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), organisation_id: String(s.organisationIds[0]) });
    expect(res.status).toBe(409);
    expect(errorSummary(res.text)).toContain('En personlig länk kan bara skapas när omgången är öppen.');
    expect(parse(res.text)(`form[action^="/rounds/${s.roundId}/"]`).length).toBeGreaterThan(0); // the round's page, not an error page
  });
});

describe('closing a round', () => {
  it("clears the bodies (personal links) of the round's failed and bounced e-mails; another round's are untouched", async () => {
    const p = await createPartnership(db(), 2, 2031);
    const s = { roundId: await createRound(db(), { year: 2031, panelId: p.panelId }) };
    const other = { roundId: await createRound(db(), { year: 2032, panelId: p.panelId }) };
    const now = new Date().toISOString();
    const insert = async (roundId: number, status: string) => {
      const [row] = await db()('email_outbox')
        .insert({
          kind: 'invitation',
          round_id: roundId,
          to_address: 'x@org.example.se',
          subject: 'Enkät',
          text_body: 'Din länk: http://partnerpuls.test/s/abc',
          html_body: '<p>länk</p>',
          message_id: `<${status}-${roundId}-${Math.random()}@test>`,
          status,
          next_attempt_at: now,
          created_at: now,
        })
        .returning('id');
      return Number(typeof row === 'object' ? row.id : row);
    };
    const failed = await insert(s.roundId, 'failed');
    const bounced = await insert(s.roundId, 'bounced');
    const otherFailed = await insert(other.roundId, 'failed');
    expect((await action(coordinator, s.roundId, 'stang')).status).toBe(303);
    for (const id of [failed, bounced])
      expect(await db()('email_outbox').where({ id }).first()).toMatchObject({
        text_body: null,
        html_body: null,
        to_address: 'x@org.example.se',
      });
    expect(present(await db()('email_outbox').where({ id: otherFailed }).first()).text_body).toContain('/s/abc');
  });
});

describe('survey files and uploads', () => {
  const BROKEN = `id: trasig
title: { sv: Trasig, en: Broken }
intro: { sv: Intro, en: Intro }
estimatedMinutes: 2
questions:
  - id: fraga
    type: single
    text: { sv: Fråga, en: Question }
    options:
      - { code: a, label: { sv: A, en: A } }
      - { code: a, label: { sv: B, en: B } }
`;

  it('surveys check: 0 and the list of surveys with hashes for a good folder; 1 and every problem for a broken one', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { log: (s: string) => out.push(s), error: (s: string) => err.push(s) };
    expect(await runCli(['surveys', 'check'], t.deps, io)).toBe(0);
    expect(out.join('\n')).toContain('alla enkätfiler är giltiga');
    expect(out.join('\n')).toMatch(/partnerskapsenkat\s+partnerskapsenkat\.yaml\s+[0-9a-f]{64}/);

    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-broken-'));
    try {
      fs.writeFileSync(path.join(broken, 'trasig.yaml'), BROKEN);
      fs.writeFileSync(path.join(broken, 'syntax.yaml'), 'id: x\ntitle: [\n');
      out.length = 0;
      err.length = 0;
      expect(await runCli(['surveys', 'check', broken], t.deps, io)).toBe(1);
      const text = err.join('\n');
      expect(text).toMatch(/trasig\.yaml:11:\d+ questions\.fraga\.options\[1\]\.code: svarskoden 'a' förekommer två gånger/);
      expect(text).toContain('syntax.yaml:');

      // the same folder stops the start, printing the same messages
      const printed: string[] = [];
      const spy = jest.spyOn(console, 'error').mockImplementation((s: unknown) => void printed.push(String(s)));
      try {
        await expect(
          refuseToStartOnInvalidSurveys({ surveysDir: broken }, (code: number) => {
            throw new Error(`exit ${code}`);
          }),
        ).rejects.toThrow('exit 1');
      } finally {
        spy.mockRestore();
      }
      expect(printed.join('\n')).toMatch(/trasig\.yaml:11:\d+ questions\.fraga\.options\[1\]\.code/);
      await refuseToStartOnInvalidSurveys({ surveysDir: SURVEYS_DIR }, () => {
        throw new Error('must not exit');
      });
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
  });

  it('lists the current surveys with hash and questions', async () => {
    const page = await coordinator.get('/surveys').expect(200);
    expect(textsOf(page.text, '.survey-file')).toContain('partnerskapsenkat.yaml');
    expect(textsOf(page.text, 'code.copyable')).toContainEqual(expect.stringMatching(/^[0-9a-f]{64}$/));
    expect(textsOf(page.text, '.survey-indicators code')).toContain('fortroende_rua');
    expect(parse(page.text)('form[action="/surveys/upload"]')).toHaveLength(0); // only admins upload
  });

  it('lets an admin upload a definition that passes the same validation; it becomes a choice for a new round and changes nothing else', async () => {
    const upload = async (agent: Agent, text: string, name = 'ny.yaml') => {
      const page = await agent.get('/surveys');
      return agent
        .post('/surveys/upload')
        .field('_csrf', csrfFrom(page.text))
        .attach('file', Buffer.from(text), { filename: name, contentType: 'application/yaml' });
    };
    const bad = await upload(admin, BROKEN);
    expect(bad.status).toBe(400);
    expect(errorSummary(bad.text)).toContainEqual(
      expect.stringMatching(/ny\.yaml:11:\d+ questions\.fraga\.options\[1\]\.code: svarskoden 'a' förekommer två gånger/),
    );
    expect(await db()('survey_versions').where({ survey_id: 'trasig' })).toHaveLength(0);

    expect((await upload(coordinator, BROKEN)).status).toBe(403);

    const good = BROKEN.replace('- { code: a, label: { sv: B, en: B } }', '- { code: b, label: { sv: B, en: B } }');
    const ok = await upload(admin, good);
    expect(ok.status).toBe(200);
    expect(textOf(ok.text, '#upload-result')).toContain('sparad som en uppladdad version av trasig');
    const v = present(await db()('survey_versions').where({ survey_id: 'trasig' }).first());
    expect(v.source).toBe('upload');
    expect(fs.readdirSync(surveysDir)).not.toContain('ny.yaml');
    const form = await coordinator.get('/rounds/ny').expect(200);
    expect(parse(form.text)(`#field-survey option[value="version:${v.id}"]`)).toHaveLength(1);

    const p = await createPartnership(db(), 1, 2025);
    const id = await createViaHttp(roundForm(p.panelId, { survey: `version:${v.id}` }));
    expect((await action(coordinator, id, 'oppna')).status).toBe(303);
    expect(Number((await roundRow(id)).survey_version_id)).toBe(Number(v.id));
  });
});
