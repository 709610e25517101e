// Issue 11, section 3: a round made from last year's (the form filled in, dates moved one year,
// everything editable, templates and panel members brought along), invitations sent at a
// scheduled time by the worker once, and each contact's language for e-mails and landing page.
import request from 'supertest';
import { nowIso } from '../../server/db';
import { queueScheduledInvitations } from '../../server/services/mailings';
import { formatStockholmDeadline } from '../../server/services/stockholm-time';
import { type Agent, csrfFrom, loggedInAgent, postForm } from '../helpers/app';
import { errorSummary, page as parse, textOf } from '../helpers/html';
import { drainAll, type MailTestEnv, outboxRows, partnershipWithOpenRound, startMailTestApp } from '../helpers/mail';
import { respondentLinkIn } from '../helpers/smtp';

let env: MailTestEnv;
let coordinator: Agent;
const db = () => env.t.deps.db;
beforeAll(async () => {
  env = await startMailTestApp();
  coordinator = (await loggedInAgent(env.t, 'coordinator')).agent;
});
afterAll(async () => env.close());

/** Every named field of the first form with the given action, as a browser would send it. */
function formFields(html: string, action: string): Record<string, string> {
  const $ = parse(html);
  const out: Record<string, string> = {};
  $(`form[action="${action}"]`)
    .find('input, select, textarea')
    .each((_i, el) => {
      const e = $(el);
      const name = e.attr('name');
      const type = e.attr('type');
      if (!name || e.is('[disabled]')) return;
      if ((type === 'checkbox' || type === 'radio') && !e.is(':checked')) return;
      if (e.is('select')) out[name] = String(e.find('option:selected').attr('value') ?? e.find('option').first().attr('value') ?? '');
      else out[name] = String(e.val() ?? '');
    });
  return out;
}

describe('Skapa omgång från förra året', () => {
  it('fills in the form from last year with the dates moved one year, and saves only what the coordinator sends', async () => {
    const p = await partnershipWithOpenRound(db(), 3, { year: 2025, state: 'stangd' });
    await db()('rounds')
      .where({ id: p.roundId })
      .update({
        opens_at: '2025-10-20T07:00:00.000Z', // 09:00 Stockholm (summer time)
        closes_at: '2025-11-10T16:00:00.000Z', // 17:00 Stockholm
        confidential: true,
        reminder_days: JSON.stringify([5, 1]),
        reply_to: 'enkat@region.example.se',
        contact_name: 'Lena Länsstyrelse',
        contact_email: 'lena@region.example.se',
      });
    const now = nowIso();
    await db()('round_templates').insert({
      round_id: p.roundId,
      kind: 'invitation',
      locale: 'sv',
      subject: 'Egen inbjudan {{omgang}}',
      body: 'Hej {{namn}}!\n\n{{lank}}',
      updated_at: now,
    });

    const list = await coordinator.get('/rounds').expect(200);
    const link = parse(list.text)(`#from-last-year a[href="/rounds/ny?fran=${p.roundId}"]`);
    expect(link.text()).toContain('→ 2026');

    const form = await coordinator.get(`/rounds/ny?fran=${p.roundId}`).expect(200);
    expect(textOf(form.text, 'h1')).toBe('Skapa omgång från förra året');
    const fields = formFields(form.text, '/rounds');
    expect(fields).toMatchObject({
      year: '2026',
      panel: String(p.panelId),
      opens_date: '2026-10-20',
      opens_time: '09:00',
      closes_date: '2026-11-10',
      closes_time: '17:00',
      contact_name: 'Lena Länsstyrelse',
      contact_email: 'lena@region.example.se',
      reply_to: 'enkat@region.example.se',
      confidential: 'ja',
      reminder_days: '5, 1',
      copy_from: String(p.roundId),
      copy_templates: 'ja',
      copy_members: 'ja',
    });
    const before = (await db()('rounds')).length;

    // a broken edit shows the problems and saves nothing; the form still says where it came from
    const bad = await coordinator
      .post('/rounds')
      .type('form')
      .send({ ...fields, _csrf: csrfFrom(form.text), closes_date: '2026-13-40', reply_to: 'inte en adress' });
    expect(bad.status).toBe(400);
    expect(errorSummary(bad.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Stänger: ange datum/), expect.stringMatching(/^Svarsadress: ange en e-postadress/)]),
    );
    expect(textOf(bad.text, 'h1')).toBe('Skapa omgång från förra året');
    expect((await db()('rounds')).length).toBe(before);

    // everything is editable before saving: the coordinator moves the closing day
    const res = await coordinator
      .post('/rounds')
      .type('form')
      .send({ ...fields, _csrf: csrfFrom(form.text), closes_date: '2026-11-17' });
    expect(res.status).toBe(303);
    const id = Number(/\/rounds\/(\d+)$/.exec(res.headers.location)![1]);
    const row = (await db()('rounds').where({ id }).first())!;
    expect(row).toMatchObject({ year: 2026, panel_id: p.panelId, state: 'utkast', reply_to: 'enkat@region.example.se' });
    expect(!!row.confidential).toBe(true);
    expect(new Date(row.closes_at as string).toISOString()).toBe('2026-11-17T16:00:00.000Z');
    expect(new Date(row.opens_at as string).toISOString()).toBe('2026-10-20T07:00:00.000Z');
    // the templates and last year's members came along
    expect(await db()('round_templates').where({ round_id: id }).select('kind', 'locale', 'subject')).toEqual([
      { kind: 'invitation', locale: 'sv', subject: 'Egen inbjudan {{omgang}}' },
    ]);
    const members = await db()('panel_memberships').where({ panel_id: p.panelId, year: 2026 }).select('organisation_id');
    expect(members.map((m) => Number(m.organisation_id)).sort()).toEqual([...p.organisationIds].sort());
    // last year's round is not offered again: it has its next year now
    const after = await coordinator.get('/rounds').expect(200);
    expect(parse(after.text)(`#from-last-year a[href="/rounds/ny?fran=${p.roundId}"]`)).toHaveLength(0);
  });

  it('offers the newest version of the survey, not the one last year used', async () => {
    const p = await partnershipWithOpenRound(db(), 1, { year: 2025, state: 'stangd' });
    const last = (await db()('rounds').where({ id: p.roundId }).first())!;
    const now = nowIso();
    const pinned = (await db()('survey_versions').where({ id: last.survey_version_id }).first())!;
    const [v] = await db()('survey_versions')
      .insert({
        survey_id: pinned.survey_id,
        definition: pinned.definition,
        title: pinned.title,
        source: 'upload',
        content_hash: `newer-${Date.now()}`,
        created_at: now,
      })
      .returning('id');
    const newer = Number(typeof v === 'object' ? v.id : v);
    const form = await coordinator.get(`/rounds/ny?fran=${p.roundId}`).expect(200);
    expect(formFields(form.text, '/rounds').survey).toBe(`version:${newer}`);
    expect(textOf(form.text, '#from-last-year-survey')).toMatch(/^Enkät förra året: .+\. Föreslagen nu: .+\.$/);
  });
});

describe('scheduled invitations and each contact’s language', () => {
  it('the worker sends the invitations once at the chosen Stockholm time, each in the contact’s language, with Reply-To', async () => {
    const p = await partnershipWithOpenRound(db(), 2, { contactsEach: 1 });
    await db()('rounds').where({ id: p.roundId }).update({ reply_to: 'svar@region.example.se' });
    // the second organisation's contact reads English: set on the contact page
    const contactUrl = `/contacts/${p.contactIds[1][0]}`;
    const contactPage = await coordinator.get(contactUrl).expect(200);
    expect(parse(contactPage.text)('#field-language option:selected').attr('value')).toBe('sv'); // Swedish by default
    const saved = await postForm(coordinator, contactUrl, contactUrl, {
      ...formFields(contactPage.text, contactUrl),
      // (the partnerships of this file share their addresses: this contact gets one of its own)
      email: 'english.reader@org2.example.se',
      language: 'en',
    });
    expect([saved.status, errorSummary(saved.text)]).toEqual([303, []]);
    expect((await db()('contacts').where({ id: p.contactIds[1][0] }).first())!.language).toBe('en');

    // a time that has passed is refused with a clear message
    const sendUrl = `/rounds/${p.roundId}/mail/send`;
    const past = await postForm(coordinator, sendUrl, `/rounds/${p.roundId}/mail/schedule`, {
      invitations_date: '2020-01-01',
      invitations_time: '08:00',
    });
    expect(past.status).toBe(400);
    expect(errorSummary(past.text)[0]).toMatch(/tiden har redan passerat/);

    const at = new Date(Date.now() + 2 * 86400_000);
    const date = at.toLocaleDateString('sv-SE', { timeZone: 'Europe/Stockholm' });
    const res = await postForm(coordinator, sendUrl, `/rounds/${p.roundId}/mail/schedule`, {
      invitations_date: date,
      invitations_time: '07:30',
    });
    expect(res.status).toBe(303);
    const scheduled = (await db()('rounds').where({ id: p.roundId }).first())!.invitations_at as string;
    const page = await coordinator.get(sendUrl).expect(200);
    expect(textOf(page.text, '#schedule-status')).toBe(`Inbjudningarna skickas automatiskt ${formatStockholmDeadline(scheduled)}.`);

    // before the time nothing is sent; at the time the invitations go, and only once
    const due = new Date(new Date(scheduled).getTime() + 1000);
    expect(await queueScheduledInvitations(env.t.deps, new Date(new Date(scheduled).getTime() - 60_000))).toBe(0);
    expect(await queueScheduledInvitations(env.t.deps, due)).toBe(2);
    expect(await queueScheduledInvitations(env.t.deps, due)).toBe(0);
    env.smtp.messages.length = 0;
    await drainAll(env.t);
    const got = new Map(env.smtp.messages.map((m) => [m.to[0], m]));
    expect(got.size).toBe(2);
    const sv = got.get('kontakt1-1@org1.example.se')!;
    const en = got.get('english.reader@org2.example.se')!;
    expect(sv.headers['content-language']).toBe('sv');
    expect(en.headers['content-language']).toBe('en');
    for (const m of [sv, en]) expect(m.headers['reply-to']).toBe('svar@region.example.se');
    expect((await outboxRows(db(), { round_id: p.roundId, kind: 'invitation' })).length).toBe(2);
    const after = await coordinator.get(sendUrl).expect(200);
    expect(textOf(after.text, '#schedule-status')).toMatch(/^De schemalagda inbjudningarna skickades /);

    // the landing page is in the contact's language
    const landing = async (m: typeof en) => request(env.t.app).get(new URL(respondentLinkIn(m, env.t.config.baseUrl)!).pathname);
    const enLanding = await landing(en);
    const svLanding = await landing(sv);
    expect(parse(enLanding.text)('html').attr('lang')).toBe('en');
    expect(parse(svLanding.text)('html').attr('lang')).toBe('sv');
  });

  it('a round without a schedule is never sent by the worker; the default language of a contact is Swedish', async () => {
    const p = await partnershipWithOpenRound(db(), 1);
    expect(await queueScheduledInvitations(env.t.deps, new Date(Date.now() + 400 * 86400_000))).toBe(0);
    expect(await outboxRows(db(), { round_id: p.roundId })).toHaveLength(0);
    expect((await db()('contacts').where({ id: p.contactIds[0][0] }).first())!.language).toBe('sv');
  });
});
