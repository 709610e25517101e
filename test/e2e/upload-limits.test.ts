// Every upload has a limit in bytes and rows, stated in a Swedish message, and a page lists at
// most 100 problems (issue 9, item 15: a 20 MB indicator-values CSV gave a 330 MB page; a 512 kB
// survey file with 60 000 unknown keys took minutes to check). How fast the worst accepted file
// is handled, and what /health meanwhile answers, is measured in bench/uploads.ts, not here.
import { runCli } from '../../server/cli';
import { MAX_LISTED_PROBLEMS, UPLOAD_LIMITS } from '../../server/lib/upload-limits';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { checkSurveyYaml } from '../../server/surveys/load';
import { type Agent, csrfFrom, loggedInAgent, startTestApp, type TestApp } from '../helpers/app';
import { createPanel } from '../helpers/fixtures';
import { errorSummary, textOf, textsOf } from '../helpers/html';

let t: TestApp;
let admin: Agent;
beforeAll(async () => {
  t = await startTestApp();
  admin = (await loggedInAgent(t, 'admin')).agent;
  await syncIndicatorsFromFiles(t.deps);
});
afterAll(async () => t.close());

async function upload(page: string, action: string, bytes: Buffer, fileName: string, fields: Record<string, string> = {}) {
  const form = await admin.get(page).expect(200);
  let req = admin.post(action).field('_csrf', csrfFrom(form.text));
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req.attach('file', bytes, { filename: fileName, contentType: 'application/octet-stream' });
}

const oneByteOver = (limit: number, line: string) => Buffer.from(line.repeat(Math.ceil((limit + 1) / line.length))).subarray(0, limit + 1);
const rows = (header: string, n: number, row: (i: number) => string) =>
  Buffer.from([header, ...Array.from({ length: n }, (_, i) => row(i))].join('\r\n') + '\r\n');

describe('a file over the byte limit is refused as it arrives, with the limit named', () => {
  it.each([
    [
      '/organisations/import',
      '/organisations/import',
      'register',
      'En CSV-fil med organisationer och kontaktpersoner får vara högst 5 MB och 10 000 rader.',
    ],
    ['/rounds/import', '/rounds/import', 'responses', 'En CSV-fil med tidigare svar får vara högst 600 kB och 2 000 rader.'],
    ['/indicators/import', '/indicators/import', 'indicatorValues', 'En CSV-fil med indikatorvärden får vara högst 1 MB och 5 000 rader.'],
    ['/surveys', '/surveys/upload', 'survey', 'En enkätfil får vara högst 64 kB.'],
  ] as const)('%s', async (page, action, kind, sentence) => {
    const res = await upload(page, action, oneByteOver(UPLOAD_LIMITS[kind].maxBytes, 'a;b;c\r\n'), 'stor.csv');
    expect(res.status).toBe(413);
    expect(textOf(res.text, '#error-message')).toBe(`Filen är för stor. ${sentence} Dela upp filen och läs in delarna var för sig.`);
  });
});

describe('a file over the row limit is refused, with the limit named', () => {
  it('register CSV: more than 10 000 rows', async () => {
    const res = await upload(
      '/organisations/import',
      '/organisations/import',
      rows('namn;typ', 10_001, (i) => `Org ${i};kommun`),
      'register.csv',
    );
    expect(res.status).toBe(400);
    expect(textsOf(res.text, '#import-problems tbody td:last-child')).toEqual([
      'Filen har fler än 10 000 rader. En CSV-fil med organisationer och kontaktpersoner får vara högst 5 MB och 10 000 rader. Dela upp filen och läs in delarna var för sig.',
    ]);
  });

  it('indicator values CSV: more than 5 000 rows', async () => {
    const res = await upload(
      '/indicators/import',
      '/indicators/import',
      rows('indicator;year;value;source', 5_001, () => 'x;2020;1;K'),
      'v.csv',
    );
    expect(res.status).toBe(400);
    expect(errorSummary(res.text)).toEqual([
      'Filen har fler än 5 000 rader. En CSV-fil med indikatorvärden får vara högst 1 MB och 5 000 rader. Dela upp filen och läs in delarna var för sig.',
    ]);
  });

  it('earlier answers CSV: more than 2 000 rows', async () => {
    const org = await t.deps
      .db('organisations')
      .insert({ name: 'En', type: 'kommun', active: true, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' })
      .returning('id');
    const panelId = await createPanel(t.deps.db, [Number(typeof org[0] === 'object' ? org[0].id : org[0])], 2023);
    const res = await upload(
      '/rounds/import',
      '/rounds/import',
      rows('organisation;rus_planering', 2_001, (i) => `Org ${i};hog`),
      's.csv',
      {
        survey: 'partnerskapsenkat',
        year: '2023',
        panel: String(panelId),
        confidential: 'nej',
      },
    );
    expect(res.status).toBe(400);
    expect(textsOf(res.text, '#import-problems li')).toEqual([
      'Filen har fler än 2 000 rader. En CSV-fil med tidigare svar får vara högst 600 kB och 2 000 rader. Dela upp filen och läs in delarna var för sig.',
    ]);
  });

  it('the command line says the same for the register', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const file = path.join(t.tmpDir, 'stor.csv');
    fs.writeFileSync(
      file,
      rows('namn;typ', 10_001, (i) => `Org ${i};kommun`),
    );
    const lines: string[] = [];
    const code = await runCli(['import', 'organisations', file], t.deps, { log: (s) => lines.push(s), error: (s) => lines.push(s) });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('Filen har fler än 10 000 rader.');
  });
});

describe('at most 100 problems are listed; the rest are counted', () => {
  it('indicator values: 1 000 wrong rows', async () => {
    const res = await upload(
      '/indicators/import',
      '/indicators/import',
      rows('indicator;year;value;source', 1_000, () => 'finns_inte;2020;1;K'),
      'v.csv',
    );
    expect(res.status).toBe(400);
    const listed = errorSummary(res.text);
    expect(listed).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(listed[0]).toBe('Rad 2: indikatorn ”finns_inte” finns inte.');
    expect(listed[MAX_LISTED_PROBLEMS]).toBe('… och 900 fel till. Bara de första 100 visas; rätta dem och läs in filen igen.');
    expect(res.text.length).toBeLessThan(200_000);
  });

  it('register: 1 000 wrong rows', async () => {
    const res = await upload(
      '/organisations/import',
      '/organisations/import',
      rows('namn;typ;e-post', 1_000, (i) => `Org ${i};ingen-typ;x`),
      'r.csv',
    );
    expect(res.status).toBe(400);
    const listed = textsOf(res.text, '#import-problems tbody td:last-child');
    expect(listed).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(listed[MAX_LISTED_PROBLEMS]).toBe('… och 2 900 fel till. Bara de första 100 visas; rätta dem och läs in filen igen.');
    expect(textOf(res.text, '#import-problems caption')).toBe('Fel i filen (3000 st.)');
  });

  it('a survey file with 5 000 unknown keys: 100 problems and the count of the rest', () => {
    let yaml =
      'id: stor\ntitle: { sv: Stor, en: Big }\nintro: { sv: I, en: I }\nestimatedMinutes: 2\nquestions:\n  - id: f\n    type: yesno\n    text: { sv: F, en: Q }\n';
    for (let i = 0; i < 5_000; i++) yaml += `okand_${i}: 1\n`;
    const problems = checkSurveyYaml(yaml, 'stor.yaml');
    expect(problems).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(problems[0]).toMatchObject({
      line: 9,
      path: 'okand_0',
      message: "okänd nyckel 'okand_0' (tillåtna: id, version, title, intro, estimatedMinutes, scales, sections, questions, indicators)",
    });
    expect(problems[MAX_LISTED_PROBLEMS].message).toBe('… och 4 900 fel till. Bara de första 100 visas; rätta dem och läs in filen igen.');
  });

  it('a survey file nested thousands of levels deep is refused with one clear problem', () => {
    for (const yaml of ['['.repeat(20_000), 'a:\n' + Array.from({ length: 2_000 }, (_, i) => ' '.repeat(i + 1) + 'b:').join('\n')]) {
      const problems = checkSurveyYaml(yaml, 'djup.yaml');
      expect(problems.map((p) => p.message)).toEqual([
        'filen är för djupt nästlad (fler än 64 nivåer): en enkätfil har bara några få nivåer av indrag och klamrar',
      ]);
    }
  });
});
