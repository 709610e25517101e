// Import of earlier answers: good files (UTF-8 with BOM and ";", Windows-1252 and ",", codes and
// labels, multiple choice with ";" and "|"), bad files (every problem listed, nothing imported),
// an existing round, and the same through the interface (upload → problems or preview → import).
import iconv from 'iconv-lite';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../server/cli';
import { withCheckDigit } from '../../server/services/organisation-types';
import { type Agent, csrfFrom, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import { createOrganisation, createPanel } from '../helpers/fixtures';
import { page as parse, textOf, textsOf } from '../helpers/html';

let t: TestApp;
let coordinator: Agent;
let tmp: string;
const db = () => t.deps.db;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const ORGS = [
  { name: 'Exempelstads kommun', organisationNumber: withCheckDigit('212000167') },
  { name: 'Norrby kommun', organisationNumber: withCheckDigit('212000168') },
  { name: 'Länsstyrelsen i Exempellän', organisationNumber: withCheckDigit('202100245') },
  { name: 'Sjöviks folkhögskola', organisationNumber: null },
];
let orgIds: number[] = [];

beforeAll(async () => {
  t = await startTestApp();
  coordinator = (await loggedInAgent(t, 'coordinator')).agent;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-import-'));
  orgIds = [];
  for (const o of ORGS) orgIds.push(await createOrganisation(db(), o));
  await createPanel(db(), orgIds, 2023, 'partnerskapet');
  await createPanel(db(), orgIds.slice(0, 3), 2022, 'arshjulspanelen');
});
afterAll(async () => {
  await t.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, t.deps, { log: (s) => out.push(s), error: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function writeFile(name: string, bytes: Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

async function answersOf(roundId: number, organisationId: number): Promise<string[]> {
  const r = await db()('responses').where({ round_id: roundId, organisation_id: organisationId }).first();
  if (!r) return [];
  const rows = await db()('answers').where({ response_id: r.id }).orderBy('id');
  return rows.map((a) => `${a.question_id}${a.item_id ? `.${a.item_id}` : ''}=${a.option_code ?? a.text_value ?? ''}`);
}

/** The round the import made for the survey and year; fails the test when there is none. */
async function importedRound(surveyId: string, year: number) {
  const round = await db()('rounds').where({ survey_id: surveyId, year }).first();
  if (!round) throw new Error(`expected a round of ${surveyId} ${year}`);
  return round;
}

describe('import responses (CLI)', () => {
  it('lists every problem with row, column, value and what is allowed, and imports nothing', async () => {
    const csv = [
      'organisation;rus_planering;rus_statistik;fortroende_rua;kommentar_rus',
      'Exempelstads kommun;I hög utsträckning;hog;Mycket högt förtroende;',
      'Okänd organisation;hog;hog;hogt;',
      'Norrby kommun;jättemycket;hog;hogt;',
      'exempelstads kommun;hog;hog;hogt;',
      'Länsstyrelsen i Exempellän;hog;hog;hogt;' + 'x'.repeat(2001),
      ';hog;hog;hogt;',
    ].join('\r\n');
    const file = writeFile('fel.csv', Buffer.concat([BOM, Buffer.from(csv)]));
    const r = await cli(['import', 'responses', file, '--survey', 'partnerskapsenkat', '--year', '2023', '--panel', 'partnerskapet']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Rad 3, kolumn ”organisation”: ”Okänd organisation” finns inte i registret');
    expect(r.err).toContain(
      'Rad 4, kolumn ”rus_planering”: ”jättemycket” är inget svarsalternativ. Tillåtet (kod eller etikett): mycket_hog (I mycket hög utsträckning), hog (I hög utsträckning)',
    );
    expect(r.err).toContain('Rad 5, kolumn ”organisation”: ”Exempelstads kommun” finns redan på rad 2');
    expect(r.err).toContain('Rad 6, kolumn ”kommentar_rus”: Svaret på fråga 3 är för långt: 2001 tecken, högst 2000.');
    expect(r.err).toContain('Rad 7, kolumn ”organisation”: Organisationen saknas');
    expect(r.err).toContain('Inget importerades.');
    expect(await db()('rounds').where({ survey_id: 'partnerskapsenkat', year: 2023 })).toHaveLength(0);
    expect(await db()('responses')).toHaveLength(0);
  });

  it('refuses unknown columns and a matrix-less survey id, naming the allowed columns', async () => {
    const file = writeFile('kolumner.csv', Buffer.from('organisation;rus_planering;okand_fraga\nNorrby kommun;hog;x\n'));
    const r = await cli(['import', 'responses', file, '--survey', 'partnerskapsenkat', '--year', '2023', '--panel', 'partnerskapet']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'Okänd kolumn ”okand_fraga”. Tillåtna kolumner: organisation, rus_planering, rus_statistik, kommentar_rus, fortroende_rua, kommentar_rua.',
    );
    const noSurvey = await cli(['import', 'responses', file, '--survey', 'finns_inte', '--year', '2023', '--panel', 'partnerskapet']);
    expect(noSurvey.code).toBe(1);
    expect(noSurvey.err).toContain('Enkäten ”finns_inte” finns inte (finns: arshjulet, foretagsframjande, partnerskapsenkat)');
    const noPanel = await cli(['import', 'responses', file, '--survey', 'partnerskapsenkat', '--year', '2023', '--panel', 'nej']);
    expect(noPanel.err).toContain('Panelen ”nej” finns inte');
  });

  it('imports a clean file (names, organisation numbers, codes, labels in any case) into a new closed round', async () => {
    const csv = [
      'organisation;rus_planering;rus_statistik;fortroende_rua;kommentar_rus;kommentar_rua',
      `Exempelstads kommun;I HÖG UTSTRÄCKNING;hog;Mycket högt förtroende;"Rad ett\nrad två";`,
      `${ORGS[1].organisationNumber};mycket_hog;Vet ej;inget;;`,
      `${ORGS[2].organisationNumber!.replace('-', '')};;till viss del;hogt;;Bra`,
    ].join('\r\n');
    const file = writeFile('bra.csv', Buffer.concat([BOM, Buffer.from(csv)]));
    const dry = await cli([
      'import',
      'responses',
      file,
      '--survey',
      'partnerskapsenkat',
      '--year',
      '2023',
      '--panel',
      'partnerskapet',
      '--dry-run',
    ]);
    expect(dry.code).toBe(0);
    expect(await db()('rounds').where({ survey_id: 'partnerskapsenkat', year: 2023 })).toHaveLength(0);
    const r = await cli(['import', 'responses', file, '--survey', 'partnerskapsenkat', '--year', '2023', '--panel', 'partnerskapet']);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain('3 svar importerade');
    const round = await importedRound('partnerskapsenkat', 2023);
    expect(round.state).toBe('stangd');
    expect(Boolean(round.imported)).toBe(true);
    const version = await db()('survey_versions').where({ id: round.survey_version_id }).first();
    expect(version?.survey_id).toBe('partnerskapsenkat');
    expect(await answersOf(round.id, orgIds[0])).toEqual([
      'rus_planering=hog',
      'rus_statistik=hog',
      'kommentar_rus=Rad ett\nrad två',
      'fortroende_rua=mycket_hogt',
    ]);
    expect(await answersOf(round.id, orgIds[1])).toEqual(['rus_planering=mycket_hog', 'rus_statistik=vet_ej', 'fortroende_rua=inget']);
    expect(await answersOf(round.id, orgIds[2])).toEqual(['rus_statistik=viss_del', 'fortroende_rua=hogt', 'kommentar_rua=Bra']);
    const responses = await db()('responses').where({ round_id: round.id });
    expect(responses.every((x) => x.status === 'submitted' && x.source === 'import')).toBe(true);
    expect(
      await db()('response_revisions').whereIn(
        'response_id',
        responses.map((x) => x.id),
      ),
    ).toHaveLength(3);
    // the panel's four organisations are invited: the response rate reads "3 av 4"
    expect(await db()('invitations').where({ round_id: round.id })).toHaveLength(4);
    const list = await coordinator.get('/rounds').expect(200);
    expect(textOf(list.text, `tr[data-round-id="${round.id}"] .response-rate`)).toBe('3 av 4');

    // the same file again: those organisations already have answers in the round
    const again = await cli(['import', 'responses', file, '--survey', 'partnerskapsenkat', '--year', '2023', '--panel', 'partnerskapet']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('Rad 2, kolumn ”organisation”: ”Exempelstads kommun” har redan ett svar i omgången');
    // a row for the fourth organisation goes into the existing round
    const more = writeFile('mer.csv', Buffer.from('organisation;fortroende_rua\nSjöviks folkhögskola;lagt\n'));
    const added = await cli(['import', 'responses', more, '--survey', 'partnerskapsenkat', '--year', '2023', '--panel', 'partnerskapet']);
    expect(added.code).toBe(0);
    expect(await db()('rounds').where({ survey_id: 'partnerskapsenkat', year: 2023 })).toHaveLength(1);
    expect(await answersOf(round.id, orgIds[3])).toEqual(['fortroende_rua=lagt']);
  });

  it('reads Windows-1252 with "," and multiple choice separated by ";" or "|", and refuses an exclusive option combined with others', async () => {
    const bad = 'organisation,arshjul_moten,arshjul_samverkan\r\nNorrby kommun,arbetsmote|inget,ja_delvis\r\n';
    const badFile = writeFile('arshjul-fel.csv', iconv.encode(bad, 'win1252'));
    const refused = await cli(['import', 'responses', badFile, '--survey', 'arshjulet', '--year', '2022', '--panel', 'arshjulspanelen']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Rad 2, kolumn ”arshjul_moten”: ”Inget av mötena” kan inte kombineras med andra alternativ i fråga 1.');

    const csv = [
      'organisation,arshjul_moten,arshjul_samverkan,kommentar_arshjul',
      'Exempelstads kommun,"Arbetsmötet;Årskonferensen","Ja, i hög grad",Möten är bra',
      'Länsstyrelsen i Exempellän,riktningsmote|ARSKONFERENS,vet_ej,',
      'Norrby kommun,Inget av mötena,"Nej, inte alls",',
    ].join('\r\n');
    const file = writeFile('arshjul.csv', iconv.encode(csv, 'win1252'));
    const r = await cli(['import', 'responses', file, '--survey', 'arshjulet', '--year', '2022', '--panel', 'arshjulspanelen']);
    expect([r.code, r.err]).toEqual([0, '']);
    const round = await importedRound('arshjulet', 2022);
    expect(await answersOf(round.id, orgIds[0])).toEqual([
      'arshjul_moten=arbetsmote',
      'arshjul_moten=arskonferens',
      'arshjul_samverkan=ja_hog_grad',
      'kommentar_arshjul=Möten är bra',
    ]);
    expect(await answersOf(round.id, orgIds[2])).toEqual([
      'arshjul_moten=riktningsmote',
      'arshjul_moten=arskonferens',
      'arshjul_samverkan=vet_ej',
    ]);
    expect(await answersOf(round.id, orgIds[1])).toEqual(['arshjul_moten=inget', 'arshjul_samverkan=nej_inte_alls']);
  });
});

describe('import responses (interface)', () => {
  async function upload(bytes: Buffer, fields: Record<string, string>) {
    const page = await coordinator.get('/rounds/import').expect(200);
    let req = coordinator.post('/rounds/import').field('_csrf', csrfFrom(page.text));
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return req.attach('file', bytes, { filename: 'svar.csv', contentType: 'text/csv' });
  }

  it('shows every problem, then a preview of a clean file, and imports on confirmation', async () => {
    const panelId = await createPanel(db(), orgIds, 2021, 'foretag2021');
    const fields = { survey: 'foretagsframjande', year: '2021', panel: String(panelId), confidential: 'ja' };
    const bad = await upload(Buffer.from('organisation;tydlig_roll_rua\nNorrby kommun;kanske\nOkänd;hog\n'), fields);
    expect(bad.status).toBe(400);
    expect(textOf(bad.text, '#import-problems h2')).toContain('har 2 fel – inget har importerats');
    const problems = textsOf(bad.text, '#import-problems li');
    expect(problems).toContainEqual(expect.stringContaining('Rad 2, kolumn ”tydlig_roll_rua”: ”kanske” är inget svarsalternativ.'));
    expect(problems).toContainEqual(expect.stringContaining('Rad 3, kolumn ”organisation”: ”Okänd” finns inte i registret.'));

    const good = await upload(
      Buffer.from('organisation;tydlig_roll_rua;kommentar_roll_rua\nNorrby kommun;hog;<b>fet</b>\nExempelstads kommun;Inte alls;\n'),
      fields,
    );
    expect(good.status).toBe(200);
    expect(textOf(good.text, '#import-preview h2')).toBe('Filen är felfri');
    expect(textOf(good.text, '#import-preview')).toContain('En ny, stängd omgång skapas för svaren.');
    expect(await db()('rounds').where({ survey_id: 'foretagsframjande', year: 2021 })).toHaveLength(0); // nothing yet
    const content = String(parse(good.text)('input[name="content"]').val());
    expect(content).not.toBe('');
    const done = await coordinator
      .post('/rounds/import/bekrafta')
      .type('form')
      .send({ _csrf: csrfFrom(good.text), content, ...fields });
    expect(done.status).toBe(303);
    const round = await importedRound('foretagsframjande', 2021);
    expect(done.headers.location).toBe(`/rounds/${round.id}`);
    expect(Boolean(round.confidential)).toBe(true);
    expect(await answersOf(round.id, orgIds[1])).toEqual(['tydlig_roll_rua=hog', 'kommentar_roll_rua=<b>fet</b>']);
    const page = await coordinator.get(done.headers.location).expect(200);
    expect(textsOf(page.text, 'main > .notice')).toContainEqual(expect.stringContaining('2 svar är importerade'));
    expect(textOf(page.text, '#round-response-rate')).toBe('2 av 4 organisationer har svarat');
    // confirming twice does not import twice
    const twice = await coordinator
      .post('/rounds/import/bekrafta')
      .type('form')
      .send({ _csrf: csrfFrom(good.text), content, ...fields });
    expect(twice.status).toBe(400);
    expect(await db()('responses').where({ round_id: round.id })).toHaveLength(2);
  });

  it('is for coordinators only', async () => {
    const analyst = (await loggedInAgent(t, 'analyst')).agent;
    await analyst.get('/rounds/import').expect(403);
  });
});
