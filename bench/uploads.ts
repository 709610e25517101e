// Upload benchmark: the worst case of every file upload, through the real app over loopback.
// For each upload kind the largest file the app accepts (at its byte and row limits,
// server/lib/upload-limits.ts) — once with every row good and once with every row wrong (the most
// problems) — and the two files of issue 9 (a 20 MB indicator-values CSV; a 512 kB survey file
// with 60 000 unknown keys). Each case runs in a fresh child process (so its peak memory is its
// own): the real app (createApp, production mode) on a temporary SQLite database, a logged-in
// admin, the upload as a browser sends it (multipart, with the form's CSRF token), and meanwhile:
//   - /health requested every 20 ms — its slowest answer is what any other user waited;
//   - the longest event-loop stall (perf_hooks.monitorEventLoopDelay, 10 ms resolution);
//   - the process's peak memory (resident set, the kernel's high-water mark).
// Baseline in the same run: /health latency of the idle app in the same process, before the upload.
// Prints a table and writes bench/results/uploads-<time>.json.
//
//   npx tsx bench/run.ts uploads [--case NAME] [--timeout 120]
//
// Bounded: one upload per case, each case stopped after --timeout seconds (reported as such);
// loopback only; the temporary folder is removed after each case.
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { createDb, migrateLatest, nowIso } from '../server/db';
import { buildDeps, type Deps } from '../server/deps';
import { UPLOAD_LIMITS } from '../server/lib/upload-limits';
import { insertUser } from '../server/repositories/users';
import { hashPassword } from '../server/services/accounts';
import { syncIndicatorsFromFiles } from '../server/services/indicator-sync';
import { describeMachine, intOption, loadavg, machineInfo, median, round1, writeResult } from './support';

const ADMIN = { email: 'admin@region.example.se', password: 'ett riktigt bra lösenord för benchmark' };
const RESPONSE_PANEL = 'partnerskapet';
const RESPONSE_YEAR = 2023;

interface UploadFile {
  /** The page with the upload form (for the CSRF token) and where the form posts. */
  page: string;
  action: string;
  fields: Record<string, string>;
  fileName: string;
  bytes: Buffer;
  rows: number | null;
}

interface UploadCase {
  name: string;
  description: string;
  /** Organisations the register must hold before the upload (the response import matches them). */
  organisations?: number;
  build(): UploadFile;
}

// ---------------------------------------------------------------------------------------------
// The files
// ---------------------------------------------------------------------------------------------

const pad = (s: string, n: number) => (s.length >= n ? s.slice(0, n) : s + ' ' + 'x'.repeat(Math.max(0, n - s.length - 1)));

/** Rows from `row(i)` after the header, as many as fit in `maxBytes` and `maxRows` (CRLF). */
function csv(header: string, maxBytes: number, maxRows: number, row: (i: number, room: number) => string): { bytes: Buffer; rows: number } {
  const lines = [header];
  let size = Buffer.byteLength(header) + 2;
  const room = Math.floor((maxBytes - size) / maxRows) - 2;
  for (let i = 0; i < maxRows; i++) {
    const line = row(i, room);
    const n = Buffer.byteLength(line) + 2;
    if (size + n > maxBytes) break;
    lines.push(line);
    size += n;
  }
  return { bytes: Buffer.from(lines.join('\r\n') + '\r\n', 'utf8'), rows: lines.length - 1 };
}

const REGISTER_HEADER = 'namn;organisationsnummer;typ;kommun;kontaktperson;e-post;telefon;roll';

function registerFile(good: boolean): UploadFile {
  const { maxBytes, maxRows } = UPLOAD_LIMITS.register;
  const { bytes, rows } = csv(REGISTER_HEADER, maxBytes, maxRows!, (i, room) => {
    const name = pad(`Organisation ${i + 1}`, Math.min(290, Math.floor(room * 0.45)));
    const person = pad(`Kontakt ${i + 1}`, Math.min(190, Math.floor(room * 0.25)));
    const role = pad('Roll', Math.max(4, Math.min(190, room - name.length - person.length - 70)));
    return good
      ? `${name};;kommun;Kommun ${i % 290};${person};kontakt${i + 1}@org${i + 1}.example.se;010-${100000 + i};${role}`
      : `${name};123;ingen-typ;Kommun;${person};inte-en-adress;010;${role}`;
  });
  return {
    page: '/organisations/import',
    action: '/organisations/import',
    fields: { panel: '', year: '2025' },
    fileName: 'register.csv',
    bytes,
    rows,
  };
}

const RESPONSE_HEADER = 'organisation;rus_planering;rus_statistik;fortroende_rua;kommentar_rus';

function responsesFile(good: boolean): UploadFile {
  const { maxBytes, maxRows } = UPLOAD_LIMITS.responses;
  const { bytes, rows } = csv(RESPONSE_HEADER, maxBytes, maxRows!, (i, room) =>
    good
      ? `Organisation ${i + 1};hog;viss_del;hogt;"${pad('Kommentar', Math.max(10, room - 60))}"`
      : `Okänd organisation ${i + 1};inget-svar;;nej;"${pad('Kommentar', Math.max(10, room - 60))}"`,
  );
  return {
    page: '/rounds/import',
    action: '/rounds/import',
    fields: { survey: 'partnerskapsenkat', year: String(RESPONSE_YEAR), panel: '1', confidential: 'nej' },
    fileName: 'svar.csv',
    bytes,
    rows,
  };
}

const INDICATORS = ['rus_i_verksamhetsplan', 'rus_statistik_anvandning', 'fortroende_rua'];

function indicatorValuesFile(good: boolean, maxBytes = UPLOAD_LIMITS.indicatorValues.maxBytes, maxRows = 5_000): UploadFile {
  // good: every (indicator, year) once — 3 × 101 years is as many rows as can be right
  const goodRows = INDICATORS.length * 101;
  const rowsWanted = good ? goodRows : maxRows;
  const { bytes, rows } = csv('indicator;year;value;source;comment', maxBytes, rowsWanted, (i, room) => {
    const comment = pad('Kommentar', Math.max(10, Math.min(3900, room - 60)));
    return good
      ? `${INDICATORS[i % INDICATORS.length]};${2000 + Math.floor(i / INDICATORS.length)};${(i % 100) + 0.5};Källa;"${comment}"`
      : `finns_inte;tjugohundra;mycket;;"${comment}"`;
  });
  return { page: '/indicators/import', action: '/indicators/import', fields: {}, fileName: 'varden.csv', bytes, rows };
}

/** A survey file of `maxBytes`: a valid head and then as many unknown top-level keys as fit. */
function unknownKeysSurvey(maxBytes: number): UploadFile {
  let s = 'id: stor\ntitle: { sv: Stor, en: Big }\nintro: { sv: Intro, en: Intro }\nestimatedMinutes: 2\n';
  s += 'questions:\n  - id: fraga\n    type: yesno\n    text: { sv: Fråga, en: Question }\n';
  let size = Buffer.byteLength(s);
  for (let i = 0; ; i++) {
    const line = `u${i}: 1\n`;
    size += Buffer.byteLength(line);
    if (size > maxBytes) break;
    s += line;
  }
  return { page: '/surveys', action: '/surveys/upload', fields: {}, fileName: 'stor.yaml', bytes: Buffer.from(s), rows: null };
}

/** A survey file of `maxBytes` with as many questions as fit: valid, or each with two mistakes. */
function manyQuestionsSurvey(good: boolean): UploadFile {
  const maxBytes = UPLOAD_LIMITS.survey.maxBytes;
  let s = 'id: manga\ntitle: { sv: Många, en: Many }\nintro: { sv: Intro, en: Intro }\nestimatedMinutes: 2\nquestions:\n';
  let size = Buffer.byteLength(s);
  for (let i = 0; ; i++) {
    const q = good
      ? `  - id: fraga_${i}\n    type: yesno\n    text: { sv: Fråga ${i}, en: Question ${i} }\n`
      : `  - id: Fråga-${i}\n    type: yesno\n    okand: ${i}\n    text: { sv: Fråga ${i} }\n`;
    size += Buffer.byteLength(q);
    if (size > maxBytes) break;
    s += q;
  }
  return { page: '/surveys', action: '/surveys/upload', fields: {}, fileName: 'manga.yaml', bytes: Buffer.from(s, 'utf8'), rows: null };
}

const CASES: UploadCase[] = [
  { name: 'register-good', description: 'register CSV at the limits, every row good (preview)', build: () => registerFile(true) },
  { name: 'register-bad', description: 'register CSV at the limits, every row wrong', build: () => registerFile(false) },
  {
    name: 'responses-good',
    description: 'earlier answers CSV at the limits, every row good (preview)',
    organisations: UPLOAD_LIMITS.responses.maxRows!,
    build: () => responsesFile(true),
  },
  {
    name: 'responses-bad',
    description: 'earlier answers CSV at the limits, every row wrong',
    organisations: 40,
    build: () => responsesFile(false),
  },
  {
    name: 'values-good',
    description: 'indicator values CSV at the byte limit, every row good (imported)',
    build: () => indicatorValuesFile(true),
  },
  { name: 'values-bad', description: 'indicator values CSV at the limits, every row wrong', build: () => indicatorValuesFile(false) },
  {
    name: 'survey-keys',
    description: 'survey file at the limit, unknown keys',
    build: () => unknownKeysSurvey(UPLOAD_LIMITS.survey.maxBytes),
  },
  {
    name: 'survey-good',
    description: 'survey file at the limit, as many questions as fit (stored)',
    build: () => manyQuestionsSurvey(true),
  },
  { name: 'survey-bad', description: 'survey file at the limit, every question wrong', build: () => manyQuestionsSurvey(false) },
  {
    name: 'issue-values-20mb',
    description: 'issue 9: a 20 MB indicator values CSV (every row wrong)',
    build: () => indicatorValuesFile(false, 20 * 1024 * 1024, 1_000_000),
  },
  {
    name: 'issue-survey-512kb',
    description: 'issue 9: a 512 kB survey file, 60 000 unknown keys',
    build: () => unknownKeysSurvey(512 * 1024),
  },
];

// ---------------------------------------------------------------------------------------------
// One case, in a child process
// ---------------------------------------------------------------------------------------------

export interface CaseFigures {
  name: string;
  fileBytes: number;
  rows: number | null;
  status: number;
  ms: number;
  responseBytes: number;
  maxStallMs: number;
  healthIdleP50Ms: number;
  healthMaxMs: number;
  healthP50Ms: number;
  healthAnswered: number;
  peakRssMb: number;
  rssBeforeMb: number;
}

/** Cookies of one browser. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  }
  get header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function login(base: string, jar: Jar): Promise<void> {
  const page = await fetch(`${base}/login`);
  jar.take(page);
  const body = new URLSearchParams({ _csrf: csrfOf(await page.text()), email: ADMIN.email, password: ADMIN.password });
  const res = await fetch(`${base}/login`, { method: 'POST', body, headers: { cookie: jar.header }, redirect: 'manual' });
  jar.take(res);
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
}

/** The register and panel the response import needs: n organisations, members of the panel for the year. */
async function seed(deps: Deps, organisations: number): Promise<void> {
  const { db } = deps;
  const now = nowIso();
  await insertUser(db, { email: ADMIN.email, name: 'Admin', role: 'admin', passwordHash: await hashPassword(ADMIN.password) });
  await syncIndicatorsFromFiles(deps);
  const [panel] = await db('panels').insert({ slug: RESPONSE_PANEL, name: 'Partnerskapet', created_at: now }).returning('id');
  const panelId = Number(typeof panel === 'object' ? panel.id : panel);
  for (let i = 0; i < organisations; i += 200) {
    const rows = Array.from({ length: Math.min(200, organisations - i) }, (_, k) => ({
      name: `Organisation ${i + k + 1}`,
      type: 'kommun',
      municipality: 'Exempelstad',
      active: true,
      created_at: now,
      updated_at: now,
    }));
    const ids = await db('organisations').insert(rows).returning('id');
    await db('panel_memberships').insert(
      ids.map((r) => ({ panel_id: panelId, organisation_id: Number(typeof r === 'object' ? r.id : r), year: RESPONSE_YEAR })),
    );
  }
}

/** /health requested every 20 ms until stopped: the latency of each answer. */
function healthProbe(base: string): { stop: () => Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      await (await fetch(`${base}/health`)).arrayBuffer();
      latencies.push(performance.now() - t0);
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return latencies;
    },
  };
}

async function upload(base: string, jar: Jar, file: UploadFile): Promise<{ status: number; ms: number; responseBytes: number }> {
  const page = await fetch(base + file.page, { headers: { cookie: jar.header } });
  jar.take(page);
  const form = new FormData();
  form.append('_csrf', csrfOf(await page.text()));
  for (const [k, v] of Object.entries(file.fields)) form.append(k, v);
  form.append('file', new Blob([file.bytes]), file.fileName);
  const t0 = performance.now();
  const res = await fetch(base + file.action, { method: 'POST', body: form, headers: { cookie: jar.header }, redirect: 'manual' });
  const body = await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0, responseBytes: body.byteLength };
}

async function runCase(c: UploadCase): Promise<CaseFigures> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-uploads-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    DATA_DIR: tmp,
    DATABASE_URL: `file:${path.join(tmp, 'db.sqlite')}`,
    DEMO: 'false',
    OUTBOX_WORKER: 'false',
    LOG_LEVEL: 'warn',
    TWO_FACTOR_ADMINS: 'optional', // the bench's admin signs in with a password only
  });
  const db = createDb(config.databaseUrl);
  await migrateLatest(db);
  const deps = buildDeps(config, { db });
  await seed(deps, c.organisations ?? 0);
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const jar = new Jar();
    await login(base, jar);
    const file = c.build();
    const idle = healthProbe(base);
    await sleep(500);
    const idleLatencies = await idle.stop();
    const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
    const stall = monitorEventLoopDelay({ resolution: 10 });
    stall.enable();
    const probe = healthProbe(base);
    const result = await upload(base, jar, file);
    const latencies = await probe.stop();
    stall.disable();
    return {
      name: c.name,
      fileBytes: file.bytes.length,
      rows: file.rows,
      ...result,
      maxStallMs: stall.max / 1e6,
      healthIdleP50Ms: median(idleLatencies),
      healthMaxMs: Math.max(...latencies),
      healthP50Ms: median(latencies),
      healthAnswered: latencies.length,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      rssBeforeMb,
    };
  } finally {
    server.close();
    await db.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The run: each case in its own child process
// ---------------------------------------------------------------------------------------------

function inChild(name: string, timeoutMs: number): Promise<CaseFigures | { name: string; timedOut: true }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ name, timedOut: true });
    }, timeoutMs);
    child.once('message', (m: { figures?: CaseFigures; error?: string }) => {
      clearTimeout(timer);
      child.kill();
      if (m.figures) resolve(m.figures);
      else reject(new Error(`${name}: ${m.error}`));
    });
    child.send({ name });
  });
}

const mb = (b: number) => `${round1(b / 2 ** 20)} MB`;

function printRow(c: UploadCase, f: CaseFigures | { name: string; timedOut: true }, timeoutS: number): void {
  if ('timedOut' in f) {
    console.log(`${c.name.padEnd(19)} did not finish within ${timeoutS} s — ${c.description}`);
    return;
  }
  console.log(
    `${f.name.padEnd(19)} ${mb(f.fileBytes).padStart(8)} ${String(f.rows ?? '–').padStart(7)}  ${String(f.status)}  ` +
      `${round1(f.ms).toFixed(1).padStart(8)} ms  ${mb(f.responseBytes).padStart(8)}  stall ${round1(f.maxStallMs).toFixed(1).padStart(6)} ms  ` +
      `/health max ${round1(f.healthMaxMs).toFixed(1).padStart(6)} ms (idle p50 ${round1(f.healthIdleP50Ms).toFixed(1)} ms, ${f.healthAnswered} answered)  ` +
      `peak RSS ${Math.round(f.peakRssMb)} MB (before ${Math.round(f.rssBeforeMb)} MB)`,
  );
}

export async function runUploadsBench(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { case: { type: 'string' }, timeout: { type: 'string' } } });
  const timeoutS = intOption(values.timeout, 'timeout', 120, 5, 900);
  const chosen = values.case ? CASES.filter((c) => c.name === values.case) : CASES;
  if (!chosen.length) throw new Error(`no case "${values.case}"; cases: ${CASES.map((c) => c.name).join(', ')}`);
  const machine = machineInfo();
  console.log(`uploads: ${describeMachine(machine)}`);
  console.log(
    'case                    file    rows  status   time         response   event loop    other users (GET /health)            memory',
  );
  const results: Array<CaseFigures | { name: string; timedOut: true }> = [];
  for (const c of chosen) {
    const f = await inChild(c.name, timeoutS * 1000);
    printRow(c, f, timeoutS);
    results.push(f);
  }
  const result = { at: new Date().toISOString(), machine, loadAtEnd: loadavg(), limits: UPLOAD_LIMITS, timeoutS, results };
  const file = writeResult('uploads', result);
  console.log(`\nwritten to ${file}`);
}

if (require.main === module && process.send) {
  process.once('message', (m: { name: string }) => {
    const c = CASES.find((x) => x.name === m.name)!;
    runCase(c).then(
      (figures) => process.send!({ figures }),
      (e: unknown) => process.send!({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  });
}
