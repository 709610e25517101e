// The survey editor over HTTP, the way a browser without JavaScript uses it: the whole form is
// posted (test/helpers/forms.ts reads it off the page), a field or two changed.
//   * a new version from last year's version; a changed text and option label; saving; every
//     problem of a broken edit at once, tied to its field, with nothing saved; move up/down;
//     the guard of ids, codes and options an indicator counts; a stale form; marking ready;
//   * the indicators edited by an analyst in the same draft, with the same validation;
//   * the diff against the version before, the YAML export (web and CLI) read back by
//     `surveys check` with the same content hash; the preview (both languages);
//   * a survey in Swedish only, whose respondent gets no language switch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'cheerio';
import request from 'supertest';
import { runCli } from '../../server/cli';
import { nowIso } from '../../server/db';
import { ensureInvitation, issueToken } from '../../server/services/invitations';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { parseSurveyYaml } from '../../server/surveys/load';
import { type Agent, csrfFrom, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import {
  createPartnership,
  createRound,
  insertSubmittedResponse,
  shippedSurvey,
  surveyFromYaml,
  TEST_LINK_CAUSE,
} from '../helpers/fixtures';
import { type FormFields, formFields } from '../helpers/forms';
import { errorSummary, textOf, textsOf } from '../helpers/html';

let t: TestApp;
let coordinator: Agent;
let coordinatorId: number;
let analyst: Agent;
let lastYearVersionId: number;
let panelId: number;

const db = () => t.deps.db;

function capture() {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: { log: (s: string) => lines.push(s), error: (s: string) => errors.push(s) } };
}

/** Starts a draft from last year's version through the versions page's button; returns the editor's URL. */
async function newDraftFromLastYear(agent: Agent = coordinator): Promise<string> {
  const page = await agent.get('/surveys/partnerskapsenkat/versioner').expect(200);
  const $ = load(page.text);
  const button = $(`form[action="/surveys/versioner/${lastYearVersionId}/nytt-utkast"] button`);
  expect(button.text()).toContain(`Ny version från ${YEAR - 1}`);
  const res = await agent
    .post(`/surveys/versioner/${lastYearVersionId}/nytt-utkast`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) });
  expect(res.status).toBe(303);
  return res.headers.location;
}

/** Posts the form of `url` as it is on the page, with `changes` applied (null removes a field). */
async function postEditor(agent: Agent, url: string, changes: Record<string, string | string[] | null>, action = 'save') {
  const page = await agent.get(url).expect(200);
  const fields: FormFields = formFields(page.text, 'form.editor');
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete fields[k];
    else fields[k] = v;
  }
  return agent
    .post(url)
    .type('form')
    .send({ ...fields, _action: action });
}

/** The rows of the changes table, each as its cells: where, what, before, after. */
const changeRows = (html: string) => {
  const $ = load(html);
  return $('#changes tbody tr')
    .toArray()
    .map((tr) =>
      $(tr)
        .children('th,td')
        .toArray()
        .map((c) => $(c).text().replace(/\s+/g, ' ').trim()),
    );
};

const draftIdOf = (url: string) => Number(/\/surveys\/utkast\/(\d+)/.exec(url)![1]);
const draftRow = async (url: string) =>
  db()('survey_drafts')
    .where({ id: draftIdOf(url) })
    .first();

const YEAR = 2025;

beforeAll(async () => {
  t = await startTestApp();
  await syncIndicatorsFromFiles(t.deps);
  const c = await loggedInAgent(t, 'coordinator');
  coordinator = c.agent;
  coordinatorId = c.user.id;
  analyst = (await loggedInAgent(t, 'analyst')).agent;
  // Last year's round, closed, with answers: its version is what "Ny version från 2024" starts from.
  const p = await createPartnership(db(), 4, YEAR - 1);
  panelId = p.panelId;
  const round = await createRound(db(), { surveyId: 'partnerskapsenkat', year: YEAR - 1, panelId, state: 'stangd' });
  for (const [i, org] of p.organisationIds.entries())
    await insertSubmittedResponse(db(), round, org, {
      rus_planering: i % 2 ? 'hog' : 'liten',
      rus_statistik: 'viss_del',
      fortroende_rua: i % 2 ? 'hogt' : 'varken',
      kommentar_rus: 'text:Bra underlag',
    });
  lastYearVersionId = Number((await db()('rounds').where({ id: round }).first())!.survey_version_id);
  await db()('panel_memberships').insert(p.organisationIds.map((id) => ({ panel_id: panelId, organisation_id: id, year: YEAR })));
});
afterAll(async () => t.close());

describe('a new version from last year', () => {
  let editor: string;

  it("opens last year's version in the editor, every text and option as a field, ids shown but not editable", async () => {
    editor = await newDraftFromLastYear();
    // a copy: saved unchanged, it changes nothing
    expect((await postEditor(coordinator, editor, {})).status).toBe(303);
    expect(textOf((await coordinator.get(`${editor}/andringar`)).text, '#no-changes')).toBe('Inga ändringar.');
    const page = await coordinator.get(editor).expect(200);
    expect(textOf(page.text, '#draft-info')).toContain(`gjord från version ${lastYearVersionId}`);
    const fields = formFields(page.text, 'form.editor');
    expect(fields['questions.0.id']).toBe('rus_planering');
    expect(fields['questions.0.text.sv']).toMatch(/^Har er organisation använt den regionala utvecklingsstrategin/);
    expect(fields['scales.1.options.1.label.sv']).toBe('Högt förtroende');
    expect(fields['scales.1.dontKnowOption']).toBe('5');
    // the question's id is shown, not a text field
    expect(load(page.text)('input[type="text"][name="questions.0.id"]')).toHaveLength(0);
    expect(textOf(page.text, '#field-questions-0-id code')).toBe('rus_planering');
  });

  it('a changed text and a changed option label that an indicator counts: the editor names the indicator and the years, and saves only with the explicit choice', async () => {
    const before = await draftRow(editor);
    const changes = {
      'questions.0.text.sv': 'Har er organisation använt strategin som underlag för verksamhetsplaneringen?',
      'scales.1.options.1.label.sv': 'Ganska högt förtroende',
    };
    const refused = await postEditor(coordinator, editor, changes);
    expect(refused.status).toBe(400);
    const problems = errorSummary(refused.text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('”Högt förtroende” (hogt) i frågan fortroende_rua har fått en ny etikett');
    expect(problems[0]).toContain(`indikatorn fortroende_rua`);
    expect(problems[0]).toContain(`som har värden för ${YEAR - 1}`);
    // the message sits at the label's field, and the choice beside it
    expect(textOf(refused.text, '#error-scales-1-options-1-label-sv')).toContain('fortroende_rua');
    expect(load(refused.text)('.error-summary a').attr('href')).toBe('#field-scales-1-options-1-label-sv');
    const confirm = load(refused.text)('#scales-1-options-1 input[name="_confirm"]');
    expect(confirm).toHaveLength(1);
    // nothing saved
    expect((await draftRow(editor))!.document).toBe(before!.document);

    // what was typed is still there; tick the choice and save
    const again = formFields(refused.text, 'form.editor');
    expect(again['scales.1.options.1.label.sv']).toBe('Ganska högt förtroende');
    const saved = await coordinator
      .post(editor)
      .type('form')
      .send({ ...again, _confirm: confirm.attr('value'), _action: 'save' });
    expect(saved.status).toBe(303);
    const reopened = formFields((await coordinator.get(editor)).text, 'form.editor');
    expect(reopened['questions.0.text.sv']).toBe(changes['questions.0.text.sv']);
    expect(reopened['scales.1.options.1.label.sv']).toBe('Ganska högt förtroende');
    expect((await draftRow(editor))!.updated_by).toBe(coordinatorId);
  });

  it('a broken edit shows every problem at once, each tied to its field, and saves nothing', async () => {
    const before = await draftRow(editor);
    const res = await postEditor(coordinator, editor, {
      'questions.1.text.sv': '',
      'scales.0.options.2.label.en': '',
      estimatedMinutes: 'fem',
      'questions.3.showIf.question': 'rus_planering',
      'questions.3.showIf.anyOf': 'finns_inte',
      'questions.4.id': 'Kommentar RUA',
    });
    expect(res.status).toBe(400);
    const problems = errorSummary(res.text);
    expect(problems).toEqual([
      'Tid att svara: skriv ett tal, t.ex. 5.',
      'Skalan ”utstrackning”, svarsalternativ 3, etikett på engelska: skriv texten på engelska (enkäten finns också på engelska, så alla texter behöver en engelsk version).',
      'Fråga 2 (rus_statistik), text på svenska: skriv texten på svenska.',
      "Fråga 5, id: 'Kommentar RUA' är inget giltigt id: använd små bokstäver a–z, siffror och _, och börja med en bokstav (inga å, ä, ö, bindestreck eller mellanslag).",
      "Fråga 4 (fortroende_rua), villkor, svar 1: okänd svarskod 'finns_inte' i villkoret för frågan 'fortroende_rua' (finns: mycket_hog, hog, viss_del, liten, inte_alls, vet_ej).",
    ]);
    // every link of the summary lands on a field of the page, and every field names its problem
    const $ = load(res.text);
    for (const a of $('.error-summary a').toArray()) {
      const id = $(a).attr('href')!.slice(1);
      expect([id, $(`[id="${id}"]`).length]).toEqual([id, 1]);
    }
    expect(textOf(res.text, '#error-questions-1-text-sv')).toBe('Fel: Fråga 2 (rus_statistik), text på svenska: skriv texten på svenska.');
    expect($('#field-questions-1-text-sv').attr('aria-describedby')).toContain('error-questions-1-text-sv');
    const after = await draftRow(editor);
    expect([after!.revision, after!.document]).toEqual([before!.revision, before!.document]);
  });

  it('moves a question up without JavaScript, keeps what was typed, and saves only on "Spara utkastet"', async () => {
    const before = await draftRow(editor);
    const moved = await postEditor(
      coordinator,
      editor,
      { 'questions.1.help.sv': 'Räkna med alla rapporter.', 'questions.1.help.en': 'Count every report.' },
      'up:questions:1',
    );
    expect(moved.status).toBe(200);
    expect(textOf(moved.text, '#unsaved')).toContain('inte sparad');
    const fields = formFields(moved.text, 'form.editor');
    expect([fields['questions.0.id'], fields['questions.1.id']]).toEqual(['rus_statistik', 'rus_planering']);
    expect(fields['questions.0.help.sv']).toBe('Räkna med alla rapporter.');
    expect((await draftRow(editor))!.document).toBe(before!.document);
    // the move button brings the page back to the moved question
    const up = load(moved.text)('#questions-1 button[value="up:questions:1"]');
    expect(up.attr('formaction')).toBe(`${editor}#questions-0`);
    const saved = await coordinator
      .post(editor)
      .type('form')
      .send({ ...fields, _action: 'save' });
    expect(saved.status).toBe(303);
    const order = formFields((await coordinator.get(editor)).text, 'form.editor');
    expect([order['questions.0.id'], order['questions.1.id']]).toEqual(['rus_statistik', 'rus_planering']);
    // and back again
    const back = await postEditor(coordinator, editor, {}, 'down:questions:0');
    expect(back.status).toBe(200);
    expect(
      (
        await coordinator
          .post(editor)
          .type('form')
          .send({ ...formFields(back.text, 'form.editor'), _action: 'save' })
      ).status,
    ).toBe(303);
  });

  it('a question with answers from earlier years is removed only with an explicit choice', async () => {
    const page = await coordinator.get(editor);
    const removed = await coordinator
      .post(editor)
      .type('form')
      .send({ ...formFields(page.text, 'form.editor'), _action: 'remove:questions:2' });
    expect(removed.status).toBe(200);
    const fields = formFields(removed.text, 'form.editor');
    expect(Object.values(fields)).not.toContain('kommentar_rus');
    const refused = await coordinator
      .post(editor)
      .type('form')
      .send({ ...fields, _action: 'save' });
    expect(refused.status).toBe(400);
    expect(errorSummary(refused.text)).toEqual([expect.stringContaining(`(kommentar_rus) är borttagen. Den har svar från ${YEAR - 1}`)]);
    const $ = load(refused.text);
    const box = $('#borttaget ~ .field input[name="_confirm"]');
    expect(box.attr('value')).toBe('remove:question:kommentar_rus');
    expect($('.error-summary a').attr('href')).toBe(`#${box.attr('id')}`);
    // keep the question after all: the draft is as before
    expect((await draftRow(editor))!.document).toContain('kommentar_rus');
  });

  it('a form made before someone else saved is not saved over their draft; it comes back as typed', async () => {
    const mine = formFields((await coordinator.get(editor)).text, 'form.editor');
    const other = await loggedInAgent(t, 'coordinator');
    expect((await postEditor(other.agent, editor, { 'questions.4.text.sv': 'Kollegans text (frivilligt)' })).status).toBe(303);
    mine['questions.4.text.sv'] = 'Min text (frivilligt)';
    const stale = await coordinator
      .post(editor)
      .type('form')
      .send({ ...mine, _action: 'save' });
    expect(stale.status).toBe(409);
    expect(textOf(stale.text, '#conflict h2')).toBe('Någon annan har sparat utkastet under tiden');
    const kept = formFields(stale.text, 'form.editor');
    expect(kept['questions.4.text.sv']).toBe('Min text (frivilligt)');
    expect(formFields((await coordinator.get(editor)).text, 'form.editor')['questions.4.text.sv']).toBe('Kollegans text (frivilligt)');
    // saving again from the page that says so replaces the other save, on purpose
    const again = await coordinator
      .post(editor)
      .type('form')
      .send({ ...kept, _action: 'save' });
    expect(again.status).toBe(303);
    expect(formFields((await coordinator.get(editor)).text, 'form.editor')['questions.4.text.sv']).toBe('Min text (frivilligt)');
  });

  it('an analyst (or an admin) edits the indicators of the same draft, with the same validation; the roles keep to their own part', async () => {
    const indicators = `${editor}/indikatorer`;
    await analyst.get(editor).expect(403);
    await coordinator.get(indicators).expect(403);
    const page = await analyst.get(indicators).expect(200);
    const fields = formFields(page.text, 'form.editor');
    const k = Object.entries(fields)
      .find(([name, v]) => /^indicators\.\d+\.id$/.test(name) && v === 'fortroende_rua')![0]
      .split('.')[1];
    const bad = await postEditor(analyst, indicators, { [`indicators.${k}.target`]: '140', [`indicators.${k}.tolerance`]: 'mycket' });
    expect(bad.status).toBe(400);
    expect(errorSummary(bad.text)).toEqual([
      'Indikatorn fortroende_rua, tolerans: skriv ett tal, t.ex. 5.',
      'Indikatorn fortroende_rua, målvärde: målvärdet (target) ska vara mellan 0 och 100 procent (fick talet 140).',
    ]);
    // counting another option changes the rule for every year that is not published: an explicit choice
    const rule = await postEditor(analyst, indicators, {
      [`indicators.${k}.target`]: '65',
      [`indicators.${k}.tolerance`]: '4,9',
      [`indicators.${k}.numerator`]: ['mycket_hogt', 'hogt', 'varken'],
    });
    expect(rule.status).toBe(400);
    expect(errorSummary(rule.text)).toEqual([expect.stringContaining('Regeln för indikatorn fortroende_rua')]);
    const confirm = load(rule.text)(`#indicators-${k} input[name="_confirm"]`).attr('value');
    expect(confirm).toBe('indicator:fortroende_rua');
    const ok = await postEditor(analyst, indicators, {
      [`indicators.${k}.target`]: '65',
      [`indicators.${k}.tolerance`]: '4,9',
      _confirm: confirm!,
    });
    expect(ok.status).toBe(303);
    const doc = JSON.parse((await draftRow(editor))!.document) as { indicators: Array<{ id: string; target: number; tolerance: number }> };
    expect(doc.indicators.find((i) => i.id === 'fortroende_rua')).toMatchObject({ target: 65, tolerance: 4.9 });
    // the coordinator's confirmation of the changed label is still there
    expect(JSON.parse((await draftRow(editor))!.confirmed)).toContain('option:scales.1.options.1.label.sv:hogt');
    // an admin may do both parts, with the same check
    const admin = (await loggedInAgent(t, 'admin')).agent;
    await admin.get(editor).expect(200);
    const byAdmin = await postEditor(admin, indicators, { [`indicators.${k}.target`]: '140' });
    expect(byAdmin.status).toBe(400);
    expect(errorSummary(byAdmin.text)).toEqual([
      'Indikatorn fortroende_rua, målvärde: målvärdet (target) ska vara mellan 0 och 100 procent (fick talet 140).',
    ]);
  });

  it("the changes page lists what changed against last year's version, and nothing else", async () => {
    const page = await coordinator.get(`${editor}/andringar`).expect(200);
    expect(changeRows(page.text)).toEqual([
      [
        'Fråga 1 (rus_planering)',
        'Text på svenska',
        'Har er organisation använt den regionala utvecklingsstrategin eller resultatet från den årliga RUS-uppföljningen som underlag för verksamhetsplanering?',
        'Har er organisation använt strategin som underlag för verksamhetsplaneringen?',
      ],
      ['Fråga 2 (rus_statistik)', 'Hjälptext på svenska', '–', 'Räkna med alla rapporter.'],
      ['Fråga 2 (rus_statistik)', 'Hjälptext på engelska', '–', 'Count every report.'],
      ['Fråga 4 (fortroende_rua)', 'Svarsalternativ hogt: etikett på svenska', 'Högt förtroende', 'Ganska högt förtroende'],
      [
        'Fråga 5 (kommentar_rua)',
        'Text på svenska',
        'Kommentar om {region} som regionalt utvecklingsansvarig aktör (frivilligt)',
        'Min text (frivilligt)',
      ],
      ['Indikatorn fortroende_rua', 'Målvärde', '61', '65'],
      ['Indikatorn fortroende_rua', 'Tolerans', '5', '4,9'],
    ]);
  });

  it('marking it ready makes a version (who, when, from which) a round can use; the draft is gone and the indicators follow it', async () => {
    const page = await coordinator.get(`${editor}/andringar`);
    const res = await coordinator
      .post(`${editor}/klar`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), note: 'Ny formulering av fråga 1 och ett svarsalternativ' });
    expect(res.status).toBe(303);
    const versionId = Number(/\/surveys\/versioner\/(\d+)$/.exec(res.headers.location)![1]);
    const row = (await db()('survey_versions').where({ id: versionId }).first())!;
    expect([row.source, row.created_by, row.parent_version_id, row.note]).toEqual([
      'editor',
      coordinatorId,
      lastYearVersionId,
      'Ny formulering av fråga 1 och ett svarsalternativ',
    ]);
    await coordinator.get(editor).expect(404);
    const version = await coordinator.get(`/surveys/versioner/${versionId}`).expect(200);
    expect(textOf(version.text, '#changes caption')).toBe(`Ändringar jämfört med version ${lastYearVersionId}`);
    expect(changeRows(version.text)).toContainEqual([
      'Fråga 4 (fortroende_rua)',
      'Svarsalternativ hogt: etikett på svenska',
      'Högt förtroende',
      'Ganska högt förtroende',
    ]);
    const form = await coordinator.get('/rounds/ny').expect(200);
    expect(load(form.text)(`#field-survey option[value="version:${versionId}"]`).text()).toContain(`version ${versionId}`);
    // the survey's current definition is now this version: its indicators are synced
    const indicator = (await db()('indicators').where({ id: 'fortroende_rua' }).first())!;
    const definition = (typeof indicator.definition === 'string' ? JSON.parse(indicator.definition) : indicator.definition) as {
      target: number;
    };
    expect(definition.target).toBe(65);
    const versions = await coordinator.get('/surveys/partnerskapsenkat/versioner');
    expect(textOf(versions.text, `#versions tr:has(a[href="/surveys/versioner/${versionId}"]) th`)).toContain('gäller');
  });
});

describe('the YAML file of a version', () => {
  it('is exported (page and CLI) as a file that `surveys check` reads back with the same content hash', async () => {
    const editor = await newDraftFromLastYear();
    expect(
      (await postEditor(coordinator, editor, { 'questions.2.text.sv': 'Kommentar om strategin (frivilligt)', version: '2026' })).status,
    ).toBe(303);
    const ready = await coordinator
      .post(`${editor}/klar`)
      .type('form')
      .send({ _csrf: csrfFrom((await coordinator.get(`${editor}/andringar`)).text) });
    const versionId = Number(/(\d+)$/.exec(ready.headers.location)![1]);
    const stored = (await db()('survey_versions').where({ id: versionId }).first())!;

    const web = await coordinator.get(`/surveys/versioner/${versionId}/export.yaml`).expect(200);
    expect(web.headers['content-type']).toMatch(/^application\/yaml/);
    expect(web.headers['content-disposition']).toBe('attachment; filename="partnerskapsenkat.yaml"');
    const cli = capture();
    expect(await runCli(['surveys', 'export', 'partnerskapsenkat', '--version', String(versionId)], t.deps, cli.out)).toBe(0);
    expect(cli.lines.join('\n')).toBe(web.text.replace(/\n$/, ''));

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-export-'));
    try {
      fs.writeFileSync(path.join(dir, 'partnerskapsenkat.yaml'), web.text);
      const check = capture();
      expect(await runCli(['surveys', 'check', dir], t.deps, check.out)).toBe(0);
      expect(check.lines.join('\n')).toContain(`partnerskapsenkat  partnerskapsenkat.yaml  ${stored.content_hash}`);
      expect(parseSurveyYaml(web.text, 'x.yaml').definition.questions[2].text.sv).toBe('Kommentar om strategin (frivilligt)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    const missing = capture();
    expect(await runCli(['surveys', 'export', 'arshjulet', '--version', String(versionId)], t.deps, missing.out)).toBe(1);
    expect(missing.errors.join('\n')).toContain('är en version av enkäten partnerskapsenkat');
  });

  it('every shipped survey survives the trip to YAML and back unchanged', async () => {
    for (const id of ['partnerskapsenkat', 'arshjulet', 'foretagsframjande']) {
      const s = await shippedSurvey(id);
      const out = capture();
      const versionId = Number((await db()('survey_versions').where({ survey_id: id, content_hash: s.hash }).first())!.id);
      expect(await runCli(['surveys', 'export', id, '--version', String(versionId)], t.deps, out.out)).toBe(0);
      expect(parseSurveyYaml(out.lines.join('\n'), `${id}.yaml`).hash).toBe(s.hash);
    }
  });
});

describe('the preview', () => {
  it("shows a version exactly as the respondent's form, in either language, and checks answers without storing them", async () => {
    const sv = await coordinator.get(`/surveys/versioner/${lastYearVersionId}/forhandsvisning`).expect(200);
    expect(load(sv.text)('html').attr('lang')).toBe('sv');
    expect(textOf(sv.text, '#preview-banner strong')).toBe(`Förhandsvisning av version ${lastYearVersionId}`);
    expect(textsOf(sv.text, 'legend.question-text')[0]).toMatch(/^Fråga 1\. Har er organisation använt/);
    expect(load(sv.text)('nav.main-nav')).toHaveLength(0); // no staff menu: as the respondent sees it
    const en = await coordinator.get(`/surveys/versioner/${lastYearVersionId}/forhandsvisning?sprak=en`).expect(200);
    expect(load(en.text)('html').attr('lang')).toBe('en');
    expect(textsOf(en.text, 'legend.question-text')[0]).toMatch(/^Question 1\. Has your organisation used/);
    const before = Number((await db()('responses').count({ n: '*' }).first())!.n);
    const checked = await coordinator
      .post(`/surveys/versioner/${lastYearVersionId}/forhandsvisning?sprak=sv`)
      .type('form')
      .send({ _csrf: csrfFrom(sv.text), _action: 'submit', rus_planering: 'hog' });
    expect(checked.status).toBe(400);
    expect(errorSummary(checked.text)).toEqual(['Välj ett svar på fråga 2.', 'Välj ett svar på fråga 4.']);
    expect(Number((await db()('responses').count({ n: '*' }).first())!.n)).toBe(before);
    const phone = await coordinator.get(`/surveys/versioner/${lastYearVersionId}/forhandsvisning?mobil=1`).expect(200);
    expect(load(phone.text)('#preview.phone-frame')).toHaveLength(1);
  });
});

const SWEDISH_ONLY = `
id: bara_svenska
title: { sv: Enkät om näringslivsarbetet }
intro: { sv: "{region} vill veta hur samarbetet fungerar." }
estimatedMinutes: 2
questions:
  - id: samarbete
    type: yesno
    required: true
    text: { sv: Fungerar samarbetet? }
`;

describe('a survey in Swedish only', () => {
  it("is a valid survey; its respondent gets no language switch, a bilingual survey's respondent does", async () => {
    const swedish = surveyFromYaml(SWEDISH_ONLY, 'bara-svenska.yaml');
    const round = await createRound(db(), { survey: swedish, year: YEAR, panelId });
    const org = (await db()('panel_memberships').where({ panel_id: panelId, year: YEAR }).first())!.organisation_id;
    const token = await issueToken(db(), await ensureInvitation(db(), round, Number(org)), null, TEST_LINK_CAUSE);
    const agent = request.agent(t.app);
    const start = await agent.get(`/s/${token}/svar`).expect(200);
    expect(load(start.text)('form.lang-switch')).toHaveLength(0);
    // a visitor who chose English still reads the Swedish-only survey in Swedish
    await agent
      .post('/sprak')
      .type('form')
      .send({ _csrf: csrfFrom(start.text), lang: 'en', returnTo: `/s/${token}/svar` });
    const after = await agent.get(`/s/${token}/svar`).expect(200);
    expect(load(after.text)('html').attr('lang')).toBe('sv');
    expect(textsOf(after.text, 'legend.question-text')[0]).toBe('Fråga 1. Fungerar samarbetet? (obligatorisk)');

    const bilingual = await createRound(db(), { surveyId: 'arshjulet', year: YEAR, panelId });
    const token2 = await issueToken(db(), await ensureInvitation(db(), bilingual, Number(org)), null, TEST_LINK_CAUSE);
    const page = await request(t.app).get(`/s/${token2}/svar`).expect(200);
    expect(load(page.text)('form.lang-switch button').text()).toBe('In English');
  });

  it('is started from scratch in the editor, with every problem of the first form shown at once', async () => {
    const form = await coordinator.get('/surveys/ny').expect(200);
    const bad = await coordinator
      .post('/surveys/ny')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        id: 'partnerskapsenkat',
        title: '',
        intro: 'Om samarbetet.',
        estimatedMinutes: '3',
        questionType: 'yesno',
        questionId: 'Fråga 1',
        questionText: '',
      });
    expect(bad.status).toBe(400);
    expect(errorSummary(bad.text)).toEqual([
      'Enkätens titel på svenska: skriv texten på svenska.',
      "Fråga 1, id: 'Fråga 1' är inget giltigt id: använd små bokstäver a–z, siffror och _, och börja med en bokstav (inga å, ä, ö, bindestreck eller mellanslag).",
      'Fråga 1, text på svenska: skriv texten på svenska.',
    ]);
    const taken = await coordinator
      .post('/surveys/ny')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        id: 'partnerskapsenkat',
        title: 'Ny',
        intro: 'Om.',
        estimatedMinutes: '3',
        questionType: 'yesno',
        questionId: 'fraga',
        questionText: 'Fråga?',
      });
    expect(errorSummary(taken.text)).toEqual(['Enkätens id: det finns redan en enkät med id:t partnerskapsenkat. Välj ett annat id.']);
    const ok = await coordinator
      .post('/surveys/ny')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        id: 'naringsliv',
        title: 'Näringslivsenkäten',
        intro: 'Om samarbetet.',
        estimatedMinutes: '3',
        questionType: 'yesno',
        questionId: 'samarbete',
        questionText: 'Fungerar samarbetet?',
      });
    expect(ok.status).toBe(303);
    const editor = ok.headers.location;
    const fields = formFields((await coordinator.get(editor)).text, 'form.editor');
    expect(fields.english).toBeUndefined(); // Swedish only
    expect(fields['title.en']).toBeUndefined();
    // English is added by ticking the box: then every text needs English, all said at once
    const english = await postEditor(coordinator, editor, { english: 'true' }, 'refresh');
    const withEnglish = formFields(english.text, 'form.editor');
    expect(withEnglish['title.en']).toBe('');
    const refused = await coordinator
      .post(editor)
      .type('form')
      .send({ ...withEnglish, 'title.en': 'Business survey', _action: 'save' });
    expect(errorSummary(refused.text)).toEqual([
      'Enkätens inledning på engelska: skriv texten på engelska (enkäten finns också på engelska, så alla texter behöver en engelsk version).',
      'Fråga 1 (samarbete), text på engelska: skriv texten på engelska (enkäten finns också på engelska, så alla texter behöver en engelsk version).',
    ]);
    expect(
      (await db()('survey_drafts')
        .where({ id: draftIdOf(editor) })
        .first())!.document,
    ).not.toContain('Business survey');
    void nowIso;
  });
});
