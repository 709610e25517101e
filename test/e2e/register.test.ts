// The partnership register through HTTP: organisations, contacts, panels, roles, export, erasure
// and the retention purge.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { runCli } from '../../server/cli';
import { neutraliseFormula } from '../../server/services/csv-export';
import { nowIso } from '../../server/db';
import { ensureInvitation, issueToken } from '../../server/services/invitations';
import { csrfFrom, loggedInAgent, postForm, startTestApp, type TestApp, type Agent } from '../helpers/app';
import { createPanel, createRound } from '../helpers/fixtures';
import { errorSummary, page as parsePage, rowCells, textOf, textsOf } from '../helpers/html';
import { TEST_LINK_CAUSE } from '../helpers/fixtures';

let t: TestApp;
let coordinator: Agent;
beforeAll(async () => {
  t = await startTestApp({ RETENTION_MONTHS: '24' });
  coordinator = (await loggedInAgent(t, 'coordinator')).agent;
});
afterAll(async () => t.close());

const db = () => t.deps.db;

async function createOrganisation(fields: Record<string, string>): Promise<number> {
  const res = await postForm(coordinator, '/organisations/new', '/organisations', {
    organisationNumber: '',
    municipality: '',
    type: 'kommun',
    ...fields,
  });
  expect(res.status).toBe(303);
  return Number(/\/organisations\/(\d+)$/.exec(res.headers.location)![1]);
}

async function createContact(orgId: number, fields: Record<string, string>): Promise<number> {
  const res = await postForm(coordinator, `/organisations/${orgId}/contacts/new`, `/organisations/${orgId}/contacts`, {
    phone: '',
    role: '',
    ...fields,
  });
  expect(res.status).toBe(303);
  const row = await db()('contacts').where({ email: fields.email.toLowerCase() }).first();
  return Number(row!.id);
}

/** The names in the list of organisations. */
const listedNames = (html: string) => textsOf(html, '#organisations tbody th');

function capture() {
  const lines: string[] = [];
  return { lines, out: { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) } };
}

let roundYear = 2040;
/** An open round for the organisation, and a personal link for each of the given contacts. */
async function personalLinks(orgId: number, contactIds: number[]): Promise<string[]> {
  const year = roundYear++;
  const roundId = await createRound(db(), { year, panelId: await createPanel(db(), [orgId], year) });
  const invitationId = await ensureInvitation(db(), roundId, orgId);
  const links: string[] = [];
  for (const id of contactIds) links.push(`/s/${await issueToken(db(), invitationId, id, TEST_LINK_CAUSE)}`);
  return links;
}

async function expectLinkWorks(link: string) {
  const page = await request(t.app).get(link);
  expect(page.status).toBe(200);
  expect(page.text).not.toContain('Länken fungerar inte');
}

async function expectLinkInvalid(link: string) {
  const page = await request(t.app).get(link);
  expect(page.status).toBe(404);
  expect(page.text).toContain('Länken fungerar inte');
}

/** A pending register import (preview) whose file holds these e-mail addresses. */
async function pendingImport(emails: string[], expiresAt = new Date(Date.now() + 3600_000).toISOString()): Promise<string> {
  const id = crypto.randomBytes(20).toString('hex');
  const rows = emails.map((e, i) => ({ line: i + 2, cells: { name: 'Org', contact_name: 'Någon', contact_email: e } }));
  await db()('register_imports').insert({
    id,
    user_id: null,
    file_name: 'register.csv',
    row_count: rows.length,
    content: JSON.stringify({ rows, columns: {}, options: {} }),
    created_at: nowIso(),
    expires_at: expiresAt,
  });
  return id;
}

describe('organisations', () => {
  it('creates an organisation, normalises the number, and shows it', async () => {
    const id = await createOrganisation({ name: 'Norrby kommun', organisationNumber: '2120001686', municipality: 'Norrby' });
    const row = await db()('organisations').where({ id }).first();
    expect(row?.organisation_number).toBe('212000-1686');
    const page = await coordinator.get(`/organisations/${id}`).expect(200);
    expect(textOf(page.text, 'h1')).toBe('Norrby kommun');
    expect(textOf(page.text, '#organisation-number')).toBe('212000-1686');
    const audit = await db()('audit_log')
      .where({ action: 'organisation.created', entity_id: String(id) })
      .first();
    expect(audit).toBeDefined();
  });

  it('refuses bad input with Swedish messages naming the field, and writes nothing', async () => {
    const before = await db()('organisations').count({ n: '*' });
    const res = await postForm(coordinator, '/organisations/new', '/organisations', {
      name: '',
      organisationNumber: '123456-7890',
      type: 'okand',
      municipality: '',
    });
    expect(res.status).toBe(400);
    const errors = errorSummary(res.text);
    expect(errors).toContain('Ange organisationens namn.');
    expect(errors).toContainEqual(expect.stringContaining('Organisationsnumret är inte giltigt'));
    expect(errors).toContain('Välj vilken typ av organisation det är.');
    expect(parsePage(res.text)('.error-summary a[href="#field-organisationNumber"]').length).toBe(1);
    expect(await db()('organisations').count({ n: '*' })).toEqual(before);
  });

  it('refuses a duplicate organisation number with a clear message', async () => {
    const res = await postForm(coordinator, '/organisations/new', '/organisations', {
      name: 'Norrby AB',
      organisationNumber: '212000-1686',
      type: 'annan',
      municipality: '',
    });
    expect(res.status).toBe(400);
    expect(errorSummary(res.text)).toEqual(['Organisationsnumret 212000-1686 finns redan i registret, för ”Norrby kommun”.']);
  });

  it('edits, deactivates and reactivates', async () => {
    const id = await createOrganisation({ name: 'Söderås kommun', municipality: 'Söderås' });
    const edit = await postForm(coordinator, `/organisations/${id}/edit`, `/organisations/${id}`, {
      name: 'Söderås kommun',
      organisationNumber: '212000-1876',
      type: 'kommun',
      municipality: 'Söderås',
    });
    expect(edit.status).toBe(303);
    expect((await db()('organisations').where({ id }).first())?.organisation_number).toBe('212000-1876');
    const audit = await db()('audit_log')
      .where({ action: 'organisation.updated', entity_id: String(id) })
      .first();
    expect(JSON.parse(typeof audit?.details === 'string' ? audit.details : JSON.stringify(audit?.details))).toEqual({
      fields: ['organisationNumber'],
    });

    await postForm(coordinator, `/organisations/${id}`, `/organisations/${id}/active`, { active: 'false' }).then((r) =>
      expect(r.status).toBe(303),
    );
    expect((await db()('organisations').where({ id }).first())?.active).toBeFalsy();
    const active = await coordinator.get('/organisations').expect(200);
    expect(active.text).not.toContain('Söderås kommun');
    const inactive = await coordinator.get('/organisations?status=inaktiva').expect(200);
    expect(listedNames(inactive.text)).toContain('Söderås kommun');
    await postForm(coordinator, `/organisations/${id}`, `/organisations/${id}/active`, { active: 'true' });
    expect((await db()('organisations').where({ id }).first())?.active).toBeTruthy();
  });

  it('searches by name (å ä ö without regard to case), number and municipality, and filters by type', async () => {
    await createOrganisation({ name: 'Länsstyrelsen i Exempellän', type: 'lansstyrelse', municipality: 'Exempelstad' });
    await createOrganisation({ name: 'Östra folkhögskolan', type: 'folkhogskola', municipality: 'Bergsjö' });
    const byName = await coordinator.get('/organisations?q=' + encodeURIComponent('ÖSTRA')).expect(200);
    expect(listedNames(byName.text)).toContain('Östra folkhögskolan');
    expect(byName.text).not.toContain('Norrby kommun');
    const byNumber = await coordinator.get('/organisations?q=2120001686').expect(200);
    expect(listedNames(byNumber.text)).toContain('Norrby kommun');
    expect(byNumber.text).not.toContain('Östra folkhögskolan');
    const byMunicipality = await coordinator.get('/organisations?q=bergsj').expect(200);
    expect(listedNames(byMunicipality.text)).toContain('Östra folkhögskolan');
    const byType = await coordinator.get('/organisations?type=lansstyrelse').expect(200);
    expect(listedNames(byType.text)).toContain('Länsstyrelsen i Exempellän');
    expect(byType.text).not.toContain('Norrby kommun');
  });

  it('escapes names on every page', async () => {
    const id = await createOrganisation({ name: '<img src=x onerror=alert(1)>' });
    const page = await coordinator.get(`/organisations/${id}`).expect(200);
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
  });
});

describe('roles', () => {
  it('an analyst gets 403 on the register, an admin may use it, anonymous visitors go to login', async () => {
    const analyst = (await loggedInAgent(t, 'analyst')).agent;
    for (const url of [
      '/organisations',
      '/organisations/new',
      '/organisations/import',
      '/organisations/export.csv',
      '/panels',
      '/organisations/1',
      '/contacts/1',
    ]) {
      await analyst.get(url).expect(403);
    }
    const page = await analyst.get('/');
    const post = await analyst
      .post('/organisations')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), name: 'X', type: 'kommun' });
    expect(post.status).toBe(403);
    expect(await db()('organisations').where({ name: 'X' }).first()).toBeUndefined();

    const admin = (await loggedInAgent(t, 'admin')).agent;
    await admin.get('/organisations').expect(200);
    await admin.get('/panels').expect(200);
  });
});

describe('contacts', () => {
  let orgId: number;
  beforeAll(async () => {
    orgId = await createOrganisation({ name: 'Bergsjö kommun', municipality: 'Bergsjö' });
  });

  it('creates, edits and deactivates a contact; the audit log holds no personal data', async () => {
    const id = await createContact(orgId, {
      name: 'Lars Lindberg',
      email: 'Lars.Lindberg@Bergsjo.example.se',
      phone: '010-123 45',
      role: 'Näringslivschef',
    });
    const row = await db()('contacts').where({ id }).first();
    expect(row?.email).toBe('lars.lindberg@bergsjo.example.se');
    const page = await coordinator.get(`/organisations/${orgId}`).expect(200);
    // name | e-mail, phone, role, status
    expect(rowCells(page.text, '#contacts', 'Lars Lindberg')[2]).toBe('Näringslivschef');

    const edit = await postForm(coordinator, `/contacts/${id}`, `/contacts/${id}`, {
      name: 'Lars Lindberg',
      email: 'lars@bergsjo.example.se',
      phone: '',
      role: 'Chef',
    });
    expect(edit.status).toBe(303);
    expect((await db()('contacts').where({ id }).first())?.email).toBe('lars@bergsjo.example.se');

    await postForm(coordinator, `/contacts/${id}`, `/contacts/${id}/active`, { active: 'false' });
    expect((await db()('contacts').where({ id }).first())?.active).toBeFalsy();
    const contactPage = await coordinator.get(`/contacts/${id}`).expect(200);
    expect(textOf(contactPage.text, '#contact-status')).toBe('Inaktiv');
    expect(textOf(contactPage.text, '#retention')).toContain('sparas i 24 månader');

    const audit = await db()('audit_log').where({ entity_type: 'contact', entity_id: String(id) });
    const text = JSON.stringify(audit);
    expect(audit.length).toBe(3);
    expect(text).not.toContain('Lars');
    expect(text).not.toContain('bergsjo');
  });

  it("deactivating a contact revokes its personal links; another contact's link of the same organisation still works", async () => {
    const leaving = await createContact(orgId, { name: 'Vera Slutar', email: 'vera@bergsjo.example.se' });
    const staying = await createContact(orgId, { name: 'Stig Stannar', email: 'stig@bergsjo.example.se' });
    const [leavingLink, stayingLink] = await personalLinks(orgId, [leaving, staying]);
    await expectLinkWorks(leavingLink);
    expect((await postForm(coordinator, `/contacts/${leaving}`, `/contacts/${leaving}/active`, { active: 'false' })).status).toBe(303);
    await expectLinkInvalid(leavingLink);
    await expectLinkWorks(stayingLink);
    expect(await db()('invitation_tokens').where({ contact_id: leaving }).whereNull('revoked_at').first()).toBeUndefined();
    expect(await db()('invitation_tokens').where({ contact_id: staying }).whereNull('revoked_at').first()).toBeDefined();
    // reactivating does not bring the old link back (the next e-mail brings a new one)
    await postForm(coordinator, `/contacts/${leaving}`, `/contacts/${leaving}/active`, { active: 'true' });
    await expectLinkInvalid(leavingLink);
  });

  it('validates the e-mail address and refuses one already used by another contact', async () => {
    await createContact(orgId, { name: 'Anna A', email: 'anna@bergsjo.example.se' });
    const bad = await postForm(coordinator, `/organisations/${orgId}/contacts/new`, `/organisations/${orgId}/contacts`, {
      name: 'B',
      email: 'inte-en-adress',
      phone: '',
      role: '',
    });
    expect(bad.status).toBe(400);
    expect(errorSummary(bad.text)).toEqual(['Ange en giltig e-postadress, t.ex. namn@kommun.se.']);
    const dup = await postForm(coordinator, `/organisations/${orgId}/contacts/new`, `/organisations/${orgId}/contacts`, {
      name: 'C',
      email: 'ANNA@bergsjo.example.se',
      phone: '',
      role: '',
    });
    expect(dup.status).toBe(400);
    expect(errorSummary(dup.text)).toEqual([
      'E-postadressen finns redan hos en annan kontaktperson (på Bergsjö kommun). Varje kontaktperson ska ha en egen e-postadress.',
    ]);
    expect(await db()('contacts').where({ name: 'C' }).first()).toBeUndefined();
  });

  it('shows opted-out and bounced state', async () => {
    const id = await createContact(orgId, { name: 'Bo Studs', email: 'bo@bergsjo.example.se' });
    await db()('contacts').where({ id }).update({
      opted_out_at: '2025-03-01T10:00:00.000Z',
      bounced_at: '2025-03-02T10:00:00.000Z',
      bounce_reason: '550 mailbox unavailable',
    });
    const page = await coordinator.get(`/organisations/${orgId}`).expect(200);
    const status = rowCells(page.text, '#contacts', 'Bo Studs')[3];
    expect(status).toContain('Har avregistrerat sig från utskick');
    expect(status).toContain('E-post studsar');
  });
});

describe('panels', () => {
  it('creates a panel, sets its members for a year and copies them to the next year', async () => {
    const a = await createOrganisation({ name: 'Panel A kommun' });
    const b = await createOrganisation({ name: 'Panel B kommun' });
    const c = await createOrganisation({ name: 'Panel C kommun' });
    const bad = await postForm(coordinator, '/panels', '/panels', { slug: 'Fel Slug', name: '', description: '' });
    expect(bad.status).toBe(400);
    const errors = errorSummary(bad.text);
    expect(errors).toContainEqual(expect.stringContaining('Kortnamnet får bara innehålla'));
    expect(errors).toContain('Ange panelens namn.');

    const res = await postForm(coordinator, '/panels', '/panels', {
      slug: 'partnerskapet',
      name: 'Partnerskapet för regional utveckling',
      description: '',
    });
    expect(res.status).toBe(303);
    const panelId = Number(/\/panels\/(\d+)$/.exec(res.headers.location)![1]);
    const dup = await postForm(coordinator, '/panels', '/panels', { slug: 'partnerskapet', name: 'Igen', description: '' });
    expect(dup.status).toBe(400);

    const page = await coordinator.get(`/panels/${panelId}?year=2024`).expect(200);
    expect(textOf(page.text, 'legend')).toBe('Organisationer som är med i panelen 2024');
    const set = await coordinator
      .post(`/panels/${panelId}/members`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrfFrom(page.text))}&year=2024&organisation=${a}&organisation=${b}&organisation=${c}`);
    expect(set.status).toBe(303);
    const members = async (year: number) =>
      (await db()('panel_memberships').where({ panel_id: panelId, year }).select('organisation_id'))
        .map((r: { organisation_id: number }) => Number(r.organisation_id))
        .sort((x, y) => x - y);
    expect(await members(2024)).toEqual([a, b, c]);

    // unchecking removes
    const page2 = await coordinator.get(`/panels/${panelId}?year=2024`);
    expect(parsePage(page2.text)(`#org-${a}`).prop('checked')).toBe(true);
    await coordinator
      .post(`/panels/${panelId}/members`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrfFrom(page2.text))}&year=2024&organisation=${a}&organisation=${b}`);
    expect(await members(2024)).toEqual([a, b]);

    // an inactive organisation is not copied
    await postForm(coordinator, `/organisations/${b}`, `/organisations/${b}/active`, { active: 'false' });
    const copy = await postForm(coordinator, `/panels/${panelId}?year=2025`, `/panels/${panelId}/copy`, {
      from: '2024',
      to: '2025',
      year: '2025',
    });
    expect(copy.status).toBe(303);
    expect(await members(2025)).toEqual([a]);
    const nothing = await postForm(coordinator, `/panels/${panelId}?year=2025`, `/panels/${panelId}/copy`, {
      from: '2019',
      to: '2025',
      year: '2025',
    });
    expect(nothing.status).toBe(400);
    expect(errorSummary(nothing.text)).toEqual(['Panelen har inga aktiva medlemmar 2019 att kopiera.']);

    const list = await coordinator.get('/panels').expect(200);
    expect(textsOf(list.text, '#panels tbody th')).toContain('Partnerskapet för regional utveckling');
    const orgPage = await coordinator.get(`/organisations/${a}`).expect(200);
    expect(textsOf(orgPage.text, '#organisation-panels li')).toEqual(['Partnerskapet för regional utveckling: 2025, 2024']);
  });
});

describe('export', () => {
  it('exports the register as UTF-8 with BOM and semicolons, with formulas neutralised', async () => {
    const orgId = await createOrganisation({ name: '=HYPERLINK("http://evil.example")', municipality: 'Åre' });
    await createContact(orgId, { name: '@Eva', email: 'eva@evil.example.se', phone: '+46 70 123 45 67', role: '-chef' });
    const res = await coordinator
      .get('/organisations/export.csv')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="partnerpuls-register-\d{4}-\d{2}-\d{2}\.csv"/);
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = body.subarray(3).toString('utf8');
    expect(text.split('\r\n')[0]).toBe(
      'name;organisation_number;type;municipality;contact_name;contact_email;contact_phone;contact_role;contact_language',
    );
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"")";;kommun;Åre;'@Eva;eva@evil.example.se;'+46 70 123 45 67;'-chef`);
    expect(text).toContain('Norrby kommun;212000-1686;kommun;Norrby;;;;');
  });

  it('streams a register of several pages: every organisation once, in name order, in CSV and XLSX alike', async () => {
    // 450 more organisations (the export reads 200 at a time), many sharing a name across a page boundary
    const now = nowIso();
    const rows = Array.from({ length: 450 }, (_, i) => ({
      name: `Strömförening ${String(Math.floor(i / 3)).padStart(3, '0')}`,
      type: 'forening',
      active: true,
      created_at: now,
      updated_at: now,
    }));
    for (let i = 0; i < rows.length; i += 150) await db()('organisations').insert(rows.slice(i, i + 150));
    const inDb = await db()('organisations').where('active', true).orderBy('name').orderBy('id').select('id', 'name');
    const contactCounts = new Map<number, number>();
    for (const c of await db()('contacts').whereNull('erased_at').where('active', true).select('organisation_id'))
      contactCounts.set(Number(c.organisation_id), (contactCounts.get(Number(c.organisation_id)) ?? 0) + 1);
    const expected = inDb.flatMap((o) => Array.from({ length: Math.max(1, contactCounts.get(Number(o.id)) ?? 0) }, () => o.name));
    expect(expected.length).toBeGreaterThanOrEqual(450);

    const binary = (r: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
      const chunks: Buffer[] = [];
      const stream = r as unknown as NodeJS.ReadableStream;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => cb(null, Buffer.concat(chunks)));
    };
    const csv = await coordinator.get('/organisations/export.csv').buffer(true).parse(binary).expect(200);
    const records: string[][] = parse((csv.body as Buffer).subarray(3).toString('utf8'), { delimiter: ';' });
    expect(records.slice(1).map((r) => r[0])).toEqual(expected.map(neutraliseFormula));

    const xlsx = await coordinator.get('/organisations/export.xlsx').buffer(true).parse(binary).expect(200);
    const wb = new ExcelJS.Workbook();
    const bytes = xlsx.body as Buffer;
    await wb.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const names: string[] = [];
    wb.getWorksheet('Registret')!.eachRow((row, n) => {
      if (n > 1) names.push(row.getCell(1).text);
    });
    expect(names).toEqual(expected);
  });

  it('exports from the CLI to a file', async () => {
    const file = `${t.tmpDir}/export.csv`;
    const { lines, out } = capture();
    expect(await runCli(['export', 'organisations', file], t.deps, out)).toBe(0);
    expect(lines.join('\n')).toContain('exporterat');
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(3).toString('utf8')).toContain('Norrby kommun;212000-1686');
  });
});

describe('GDPR', () => {
  async function responseWithAnswer(orgId: number): Promise<{ responseId: number; contactId: number }> {
    const now = nowIso();
    const contactId = await createContact(orgId, { name: 'Greta Gdpr', email: 'greta@gdpr.example.se', phone: '070-1', role: 'Chef' });
    const [sv] = await db()('survey_versions')
      .insert({ survey_id: 'gdpr-test', content_hash: 'x'.repeat(64), definition: '{}', title: 'Test', created_at: now })
      .returning('id');
    let panel: { id: number } | undefined = await db()('panels').where({ slug: 'gdpr' }).first();
    if (!panel) {
      const [p] = await db()('panels').insert({ slug: 'gdpr', name: 'GDPR', created_at: now }).returning('id');
      panel = { id: typeof p === 'object' ? p.id : p };
    }
    const [round] = await db()('rounds')
      .insert({
        survey_version_id: typeof sv === 'object' ? sv.id : sv,
        survey_id: 'gdpr-test',
        year: 2025,
        panel_id: panel.id,
        title: 'Test',
        created_at: now,
        updated_at: now,
      })
      .returning('id');
    const roundId = Number(typeof round === 'object' ? round.id : round);
    const [resp] = await db()('responses')
      .insert({
        round_id: roundId,
        organisation_id: orgId,
        status: 'submitted',
        submitted_by_contact_id: contactId,
        created_at: now,
        updated_at: now,
      })
      .returning('id');
    const responseId = Number(typeof resp === 'object' ? resp.id : resp);
    await db()('answers').insert({ response_id: responseId, question_id: 'q1', option_code: 'hog' });
    await db()('email_outbox').insert({
      kind: 'invitation',
      round_id: roundId,
      organisation_id: orgId,
      contact_id: contactId,
      to_address: 'greta@gdpr.example.se',
      subject: 'Enkät',
      text_body: 'Hej Greta, här är din länk',
      html_body: '<p>Hej Greta</p>',
      message_id: `<${contactId}@test>`,
      status: 'sent',
      next_attempt_at: now,
      created_at: now,
    });
    return { responseId, contactId };
  }

  it('erases a contact after a confirmation; the organisation, its response and answers stay', async () => {
    const orgId = await createOrganisation({ name: 'Gdpr kommun' });
    const { responseId, contactId } = await responseWithAnswer(orgId);
    const confirm = await coordinator.get(`/contacts/${contactId}/erase`).expect(200);
    expect(textOf(confirm.text, '#erase-who')).toContain('Greta Gdpr');
    // without the confirmation box nothing happens
    const unconfirmed = await coordinator
      .post(`/contacts/${contactId}/erase`)
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text) });
    expect(unconfirmed.status).toBe(400);
    expect((await db()('contacts').where({ id: contactId }).first())?.email).toBe('greta@gdpr.example.se');

    const res = await coordinator
      .post(`/contacts/${contactId}/erase`)
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text), confirm: 'ja' });
    expect(res.status).toBe(303);
    const c = await db()('contacts').where({ id: contactId }).first();
    expect(c).toMatchObject({ name: null, email: null, phone: null, role: null });
    expect(c?.erased_at).toBeTruthy();
    const mail = await db()('email_outbox').where({ contact_id: contactId }).first();
    expect(mail).toMatchObject({ to_address: null, text_body: null, html_body: null });
    expect(await db()('organisations').where({ id: orgId }).first()).toBeDefined();
    expect(await db()('responses').where({ id: responseId }).first()).toMatchObject({ organisation_id: orgId });
    expect(await db()('answers').where({ response_id: responseId }).count({ n: '*' })).toEqual([{ n: 1 }]);
    const entry = await db()('audit_log').where({ action: 'contact.erased' }).first();
    expect(entry).toMatchObject({ entity_type: 'contact', entity_id: String(contactId), details: null });
    const everything = JSON.stringify(await db()('audit_log').select('*'));
    expect(everything).not.toContain('Greta');
    expect(everything).not.toContain('greta@');
    const page = await coordinator.get(`/organisations/${orgId}`).expect(200);
    expect(textsOf(page.text, '#contacts tbody th')).toEqual(['Raderad kontaktperson']);
    expect(page.text).not.toContain('Greta');
    // the e-mail address is free again
    await createContact(orgId, { name: 'Greta Ny', email: 'greta@gdpr.example.se' });
  });

  it("erasing revokes the contact's links, clears the subject of its e-mails and deletes pending imports holding its address", async () => {
    const orgId = await createOrganisation({ name: 'Länkby kommun' });
    const erased = await createContact(orgId, { name: 'Elin Raderas', email: 'elin@lankby.example.se' });
    const other = await createContact(orgId, { name: 'Olle Kvar', email: 'olle@lankby.example.se' });
    const [erasedLink, otherLink] = await personalLinks(orgId, [erased, other]);
    const now = nowIso();
    for (const [contactId, msg] of [
      [erased, 'elin'],
      [other, 'olle'],
    ] as const)
      await db()('email_outbox').insert({
        kind: 'invitation',
        organisation_id: orgId,
        contact_id: contactId,
        to_address: `${msg}@lankby.example.se`,
        subject: `Hej ${msg}, enkäten väntar`,
        text_body: 'länk',
        html_body: null,
        message_id: `<subject-${msg}@test>`,
        status: 'sent',
        next_attempt_at: now,
        created_at: now,
      });
    const withAddress = await pendingImport(['annan@lankby.example.se', 'ELIN@Lankby.example.se']);
    const without = await pendingImport(['annan@lankby.example.se']);
    await expectLinkWorks(erasedLink);

    const res = await postForm(coordinator, `/contacts/${erased}/erase`, `/contacts/${erased}/erase`, { confirm: 'ja' });
    expect(res.status).toBe(303);
    await expectLinkInvalid(erasedLink);
    await expectLinkWorks(otherLink);
    expect((await db()('email_outbox').where({ message_id: '<subject-elin@test>' }).first())?.subject).toBe('(raderad)');
    expect((await db()('email_outbox').where({ message_id: '<subject-olle@test>' }).first())?.subject).toBe('Hej olle, enkäten väntar');
    expect(await db()('register_imports').where({ id: withAddress }).first()).toBeUndefined();
    expect(await db()('register_imports').where({ id: without }).first()).toBeDefined();
    await db()('register_imports').where({ id: without }).delete();
  });

  it('purges old data: a dry run changes nothing, a real run erases, clears and deletes', async () => {
    const orgId = await createOrganisation({ name: 'Gallring kommun' });
    const old = '2020-01-01T00:00:00.000Z';
    const oldInactive = await createContact(orgId, { name: 'Gammal Inaktiv', email: 'gammal@gallring.example.se' });
    const oldActive = await createContact(orgId, { name: 'Gammal Aktiv', email: 'aktiv@gallring.example.se' });
    const newInactive = await createContact(orgId, { name: 'Ny Inaktiv', email: 'ny@gallring.example.se' });
    await db()('contacts').where({ id: oldInactive }).update({ active: false, updated_at: old });
    await db()('contacts').where({ id: oldActive }).update({ updated_at: old });
    await db()('contacts').where({ id: newInactive }).update({ active: false });
    // an inactive organisation, long unchanged: its contact goes too
    const closedOrg = await createOrganisation({ name: 'Nedlagd förening', type: 'civilsamhalle' });
    const closedContact = await createContact(closedOrg, { name: 'Förening Person', email: 'p@nedlagd.example.se' });
    await db()('organisations').where({ id: closedOrg }).update({ active: false, updated_at: old });
    await db()('contacts').where({ id: closedContact }).update({ updated_at: old });
    await db()('email_outbox').insert({
      kind: 'other',
      to_address: 'x@old.example.se',
      subject: 'Gammalt',
      text_body: 'gammalt',
      html_body: null,
      message_id: '<old@test>',
      status: 'sent',
      next_attempt_at: old,
      created_at: old,
    });
    await db()('audit_log').insert({ at: old, actor: 'system', action: 'old.entry' });
    const expiredImport = await pendingImport(['someone@else.example.se'], '2020-01-01T01:00:00.000Z');
    const liveImport = await pendingImport(['someone@else.example.se']);

    const dry = capture();
    expect(await runCli(['purge', '--dry-run'], t.deps, dry.out)).toBe(0);
    expect(dry.lines.join('\n')).toContain('Provkörning');
    expect(dry.lines.join('\n')).toMatch(/Kontaktpersoner skulle raderas: 2/);
    expect(dry.lines.join('\n')).toMatch(/E-postmeddelanden skulle rensas på adress och innehåll: 1/);
    expect(dry.lines.join('\n')).toMatch(/Händelser i loggen skulle tas bort: 1/);
    expect(dry.lines.join('\n')).toMatch(/Utgångna förhandsgranskningar av inläsningar skulle tas bort: 1/);
    expect(await db()('register_imports').where({ id: expiredImport }).first()).toBeDefined();
    expect((await db()('contacts').where({ id: oldInactive }).first())?.email).toBe('gammal@gallring.example.se');
    expect(await db()('audit_log').where({ action: 'old.entry' }).first()).toBeDefined();

    const real = capture();
    expect(await runCli(['purge'], t.deps, real.out)).toBe(0);
    expect(real.lines.join('\n')).toMatch(/Kontaktpersoner raderade: 2/);
    expect((await db()('contacts').where({ id: oldInactive }).first())?.email).toBeNull();
    expect((await db()('contacts').where({ id: closedContact }).first())?.email).toBeNull();
    expect((await db()('contacts').where({ id: oldActive }).first())?.email).toBe('aktiv@gallring.example.se');
    expect((await db()('contacts').where({ id: newInactive }).first())?.email).toBe('ny@gallring.example.se');
    expect(await db()('email_outbox').where({ message_id: '<old@test>' }).first()).toMatchObject({
      to_address: null,
      text_body: null,
      subject: '(raderad)',
    });
    expect(await db()('register_imports').where({ id: expiredImport }).first()).toBeUndefined();
    expect(await db()('register_imports').where({ id: liveImport }).first()).toBeDefined();
    expect(await db()('audit_log').where({ action: 'old.entry' }).first()).toBeUndefined();
    expect(await db()('audit_log').where({ action: 'gdpr.purged' }).first()).toBeDefined();

    const again = capture();
    await runCli(['purge'], t.deps, again.out);
    expect(again.lines.join('\n')).toMatch(/Kontaktpersoner raderade: 0/);
  });
});
