// The raw-answer export at scale: a round of the partnership survey with 10 000 and with 100 000
// submitted responses (organisations, one response each, three answers and a comment from every
// fifth), exported as XLSX and as CSV by the real export (server/services/answers-export.ts, the
// same code as the download and the CLI), each export in a fresh child process so its peak
// resident memory (process.resourceUsage().maxRSS) is its own. The claim under test: memory does
// not grow with the round — peak RSS for 100 k ≤ 1.5 × the figure for 10 k.
//
// Baselines in the same run: an idle child (the same modules loaded, a database connection, no
// export: the floor every figure stands on), and a naive export that reads every answer of the
// round into memory and builds the whole file there (exceljs' in-memory Workbook, csv-stringify's
// sync API) — what streaming saves. Each file is read back (XLSX with exceljs' streaming reader,
// CSV by counting records) and must have one row per response, or the run fails.
// The register export (server/services/csv-export.ts, the /organisations download) is measured
// the same way on the same organisations (10 000 and 100 000, one row each).
//
// Peak RSS also depends on how far V8 lets the heap grow before collecting: on an idle machine,
// where the database pages come fast, it grows further for the larger round although nothing is
// kept. --heap-mb N caps each export's old space at N MB (--max-old-space-size): an export that
// held the round in memory could not finish under a cap smaller than the round's data.
//
//   npx tsx bench/run.ts answers [--sizes 10000,100000] [--formats xlsx,csv] [--naive] [--heap-mb 64] [--database postgres://…]
//
// Bounded: sizes ≤ 200 000, a time limit per child (--timeout, default 600 s); a temporary SQLite
// database per size, or a new PostgreSQL database per size on the --database server, dropped afterwards.
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { loadConfig } from '../server/config';
import { createDb, migrateLatest, nowIso } from '../server/db';
import { answersExport, type AnswersFormat } from '../server/services/answers-export';
import { writeRegisterCsv, writeRegisterXlsx } from '../server/services/csv-export';
import { pinSurveyVersion } from '../server/services/survey-versions';
import { loadSurveyDir } from '../server/surveys/load';
import {
  benchDatabase,
  busyNote,
  cpuMark,
  describeMachine,
  loadavg,
  machineInfo,
  otherCores,
  round1,
  seededRandom,
  syntheticOrganisations,
  syntheticPartnershipAnswers,
  writeResult,
} from './support';

const CHUNK = 150;
const MAX_SIZE = 200_000;

// ---------------------------------------------------------------------------------------------
// The data
// ---------------------------------------------------------------------------------------------

async function insertChunked(db: Knex, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await db(table).insert(rows.slice(i, i + CHUNK));
}

/** n organisations, each with a submitted response to one closed round; returns the round's id and the answer rows. */
async function seed(db: Knex, n: number): Promise<{ roundId: number; answerRows: number }> {
  const survey = (await loadSurveyDir(path.resolve(__dirname, '..', 'surveys'))).find((s) => s.definition.id === 'partnerskapsenkat')!;
  const versionId = await pinSurveyVersion(db, survey);
  const now = nowIso();
  const rand = seededRandom(100_000);
  const orgs = syntheticOrganisations(n).map((o, i) => ({ id: i + 1, ...o, active: true, created_at: now, updated_at: now }));
  let answerRows = 0;
  await db.transaction(async (trx) => {
    await insertChunked(trx, 'organisations', orgs);
    await trx('panels').insert({ id: 1, slug: 'partnerskapet', name: 'Partnerskapet', created_at: now });
    await trx('rounds').insert({
      id: 1,
      survey_version_id: versionId,
      survey_id: 'partnerskapsenkat',
      year: 2025,
      panel_id: 1,
      title: 'Partnerskapsenkäten 2025',
      state: 'stangd',
      contact_name: 'Sam Samordnare',
      contact_email: 'samordnare@region.example.se',
      reminder_days: '[]',
      created_at: now,
      updated_at: now,
    });
    for (let start = 0; start < n; start += 5000) {
      const ids = orgs.slice(start, start + 5000).map((o) => o.id);
      await insertChunked(
        trx,
        'responses',
        ids.map((id) => ({
          id,
          round_id: 1,
          organisation_id: id,
          status: 'submitted',
          version: 2,
          revision: 1,
          submitted_at: '2025-11-20T10:00:00.000Z',
          source: 'web',
          created_at: now,
          updated_at: now,
        })),
      );
      const answers = ids.flatMap((id) => {
        const a = syntheticPartnershipAnswers(rand, 0.5);
        const rows = Object.entries(a).map(([question_id, option_code]) => ({
          response_id: id,
          question_id,
          item_id: '',
          option_code,
          text_value: null,
        }));
        const comment =
          id % 5 === 0
            ? [
                {
                  response_id: id,
                  question_id: 'kommentar_rus',
                  item_id: '',
                  option_code: null,
                  text_value: `Kommentar ${id}: strategin används i planeringen; uppföljningen kommer sent.`,
                },
              ]
            : [];
        return [...rows, ...comment];
      });
      await insertChunked(trx, 'answers', answers);
      answerRows += answers.length;
    }
  });
  return { roundId: 1, answerRows };
}

// ---------------------------------------------------------------------------------------------
// The child: one export per process, so its peak memory is its own
// ---------------------------------------------------------------------------------------------

type Mode = 'idle' | 'stream' | 'naive' | 'register';

interface Job {
  databaseUrl: string;
  roundId: number;
  format: AnswersFormat;
  mode: Mode;
  file: string;
}

interface ChildFigures {
  maxRssMb: number;
  wallMs: number;
  bytes: number;
}

/** The naive way: every row of the round in memory, then the whole file built in memory. */
async function naiveExport(db: Knex, job: Job): Promise<void> {
  const rows = await db('responses as r')
    .join('organisations as o', 'o.id', 'r.organisation_id')
    .leftJoin('answers as a', 'a.response_id', 'r.id')
    .where('r.round_id', job.roundId)
    .where('r.status', 'submitted')
    .orderBy(['o.name', 'r.id', 'a.id'])
    .select<Array<{ id: number; name: string; question_id: string | null; option_code: string | null; text_value: string | null }>>(
      'r.id',
      'o.name',
      'a.question_id',
      'a.option_code',
      'a.text_value',
    );
  const refs = ['rus_planering', 'rus_statistik', 'kommentar_rus', 'fortroende_rua', 'kommentar_rua'];
  const byResponse = new Map<number, string[]>();
  for (const r of rows) {
    if (!byResponse.has(r.id)) byResponse.set(r.id, [r.name, ...refs.map(() => '')]);
    if (r.question_id) byResponse.get(r.id)![1 + refs.indexOf(r.question_id)] = r.option_code ?? r.text_value ?? '';
  }
  const table = [['organisation', ...refs], ...byResponse.values()];
  if (job.format === 'csv') {
    fs.writeFileSync(job.file, stringify(table, { delimiter: ';', record_delimiter: '\r\n', bom: true }));
    return;
  }
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Svar');
  for (const row of table) ws.addRow(row);
  fs.writeFileSync(job.file, Buffer.from(await wb.xlsx.writeBuffer()));
}

async function runJob(job: Job): Promise<ChildFigures> {
  const db = createDb(job.databaseUrl);
  const config = loadConfig({ DATABASE_URL: job.databaseUrl, DEMO: 'false', NODE_ENV: 'production' });
  const start = performance.now();
  try {
    await db.raw('select 1');
    if (job.mode === 'stream') {
      const file = await answersExport(db, config, job.roundId, job.format, 'labels');
      await file.write(fs.createWriteStream(job.file));
    } else if (job.mode === 'naive') await naiveExport(db, job);
    else if (job.mode === 'register')
      await (job.format === 'csv' ? writeRegisterCsv : writeRegisterXlsx)(db, {}, fs.createWriteStream(job.file));
  } finally {
    await db.destroy();
  }
  const wallMs = performance.now() - start;
  return {
    maxRssMb: round1(process.resourceUsage().maxRSS / 1024),
    wallMs: Math.round(wallMs),
    bytes: job.mode === 'idle' ? 0 : fs.statSync(job.file).size,
  };
}

if (require.main === module && process.send) {
  process.once('message', (job: Job) => {
    runJob(job).then(
      (figures) => process.send!({ ok: true, figures }, () => process.exit(0)),
      (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }, () => process.exit(1)),
    );
  });
}

function inChild(job: Job, timeoutSeconds: number, heapMb: number | null): Promise<ChildFigures> {
  // --heap-mb: the child's V8 old space capped, so an export that held the round could not finish
  const execArgv = heapMb ? [...process.execArgv, `--max-old-space-size=${heapMb}`] : process.execArgv;
  const child: ChildProcess = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => {
      child.kill();
      reject(new Error(`the ${job.mode} ${job.format} export did not finish within ${timeoutSeconds} s`));
    }, timeoutSeconds * 1000);
    child.once('message', (m: { ok: true; figures: ChildFigures } | { ok: false; error: string }) => {
      clearTimeout(limit);
      if (m.ok) resolve(m.figures);
      else reject(new Error(`child: ${m.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(limit);
      if (code !== 0) reject(new Error(`the child exited with code ${code}`));
    });
    child.send(job);
  });
}

// ---------------------------------------------------------------------------------------------
// Reading the files back
// ---------------------------------------------------------------------------------------------

async function dataRows(file: string, format: AnswersFormat): Promise<number> {
  if (format === 'csv') {
    let records = 0;
    let inQuotes = false;
    for await (const chunk of fs.createReadStream(file, { encoding: 'utf8' }) as AsyncIterable<string>) {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] === '"') inQuotes = !inQuotes;
        else if (chunk[i] === '\n' && !inQuotes) records++;
      }
    }
    return records - 1;
  }
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { worksheets: 'emit', sharedStrings: 'cache', styles: 'ignore' });
  for await (const sheet of reader) {
    let rows = 0;
    for await (const _row of sheet) rows++;
    return rows - 1; // the first sheet is the answers; its first row the header
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

interface Measurement extends ChildFigures {
  size: number;
  confidential: boolean;
  format: AnswersFormat | '-';
  mode: Mode;
  rowsReadBack: number | null;
  otherCores: number;
}

async function makeConfidential(url: string): Promise<void> {
  const db = createDb(url);
  try {
    await db('rounds').update({ confidential: true });
  } finally {
    await db.destroy();
  }
}

function parseList(v: string | undefined, def: string[]): string[] {
  return v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : def;
}

export async function runAnswersBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      sizes: { type: 'string' },
      formats: { type: 'string' },
      naive: { type: 'boolean' },
      database: { type: 'string' },
      timeout: { type: 'string' },
      'heap-mb': { type: 'string' },
    },
  });
  const heapMb = values['heap-mb'] === undefined ? null : Math.max(32, Math.min(4096, Number(values['heap-mb'])));
  if (heapMb !== null && !Number.isInteger(heapMb)) throw new Error('--heap-mb must be a whole number of megabytes, e.g. --heap-mb 64');
  const sizes = parseList(values.sizes, ['10000', '100000']).map((s) => Math.min(MAX_SIZE, Math.max(1, Number(s))));
  if (sizes.some((s) => !Number.isInteger(s))) throw new Error('--sizes must be whole numbers, e.g. --sizes 10000,100000');
  const formats = parseList(values.formats, ['xlsx', 'csv']) as AnswersFormat[];
  if (formats.some((f) => f !== 'xlsx' && f !== 'csv')) throw new Error('--formats must be xlsx, csv or both');
  const timeout = Number(values.timeout ?? 600);
  const machine = machineInfo();
  console.log(
    `answers export benchmark on ${describeMachine(machine)}${heapMb ? `; each export's V8 old space capped at ${heapMb} MB` : ''}`,
  );
  const measurements: Measurement[] = [];
  for (const size of sizes) {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-answers-'));
    const database = await benchDatabase(tmpDir, values.database);
    try {
      const db = createDb(database.url);
      await migrateLatest(db);
      const t0 = performance.now();
      const seeded = await seed(db, size);
      if (database.kind === 'postgres') await db.raw('analyze');
      await db.destroy();
      console.log(`  ${size} responses (${seeded.answerRows} answer rows) loaded in ${Math.round(performance.now() - t0)} ms`);
      // the confidential round last: the same responses, shuffled, without the organisations
      const jobs: Array<{ mode: Mode; format: AnswersFormat; confidential: boolean }> = [
        { mode: 'idle', format: 'csv', confidential: false },
        ...formats.map((format) => ({ mode: 'stream' as const, format, confidential: false })),
        // the register export (one row per organisation: the seed's have no contacts), streamed the same way
        ...formats.map((format) => ({ mode: 'register' as const, format, confidential: false })),
        ...(values.naive ? formats.map((format) => ({ mode: 'naive' as const, format, confidential: false })) : []),
        ...formats.map((format) => ({ mode: 'stream' as const, format, confidential: true })),
      ];
      for (const j of jobs) {
        if (j.confidential) await makeConfidential(database.url);
        const file = path.join(tmpDir, `export-${j.mode}.${j.format}`);
        const before = cpuMark();
        const figures = await inChild(
          { databaseUrl: database.url, roundId: seeded.roundId, format: j.format, mode: j.mode, file },
          timeout,
          heapMb,
        );
        const others = otherCores(before, cpuMark());
        const rowsReadBack = j.mode === 'idle' ? null : await dataRows(file, j.format);
        if (rowsReadBack !== null && rowsReadBack !== size)
          throw new Error(`MISMATCH: the ${j.mode} ${j.format} file has ${rowsReadBack} rows, expected ${size}`);
        const m: Measurement = {
          size,
          format: j.mode === 'idle' ? '-' : j.format,
          mode: j.mode,
          confidential: j.confidential,
          ...figures,
          rowsReadBack,
          otherCores: others,
        };
        measurements.push(m);
        console.log(
          `    ${(j.mode + (j.confidential ? ' (confidential)' : '')).padEnd(21)} ${m.format.padEnd(4)} peak RSS ${String(m.maxRssMb).padStart(7)} MB  ${String(m.wallMs).padStart(7)} ms  ${(m.bytes / 1024 / 1024).toFixed(1).padStart(6)} MB file  others ${others}`,
        );
        fs.rmSync(file, { force: true });
      }
    } finally {
      await database.drop();
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
  }
  report(measurements, sizes, formats, machine, database(values.database), heapMb);
}

const database = (url: string | undefined): 'sqlite' | 'postgres' => (url ? 'postgres' : 'sqlite');

function report(
  measurements: Measurement[],
  sizes: number[],
  formats: AnswersFormat[],
  machine: ReturnType<typeof machineInfo>,
  db: string,
  heapMb: number | null,
): void {
  const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
  const peak = (size: number, format: AnswersFormat, mode: Mode, confidential: boolean) =>
    measurements.find((m) => m.size === size && m.format === format && m.mode === mode && m.confidential === confidential)?.maxRssMb;
  const ratios: Record<string, number | null> = {};
  for (const f of formats) {
    for (const [mode, confidential] of [
      ['stream', false],
      ['stream', true],
      ['register', false],
    ] as const) {
      const key = mode === 'register' ? `register ${f}` : confidential ? `${f} (confidential)` : f;
      const a = peak(small, f, mode, confidential);
      const b = peak(large, f, mode, confidential);
      ratios[key] = a && b ? Math.round((b / a) * 100) / 100 : null;
      const exceeded = ratios[key] !== null && ratios[key] > 1.5;
      if (small !== large)
        console.log(`  ${key}: peak RSS ${large} / ${small} = ${ratios[key]} (claim: ≤ 1.5)${exceeded ? '  EXCEEDED' : ''}`);
    }
  }
  const note = busyNote(Math.max(...measurements.map((m) => m.otherCores)), machine.cpus, db === 'postgres');
  if (note) console.log(note);
  const result = { at: new Date().toISOString(), machine, loadAtEnd: loadavg(), database: db, heapMb, measurements, ratios };
  const file = writeResult('answers', result);
  console.log(`  written to ${file}`);
}
