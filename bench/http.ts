// HTTP benchmark: the real app (createApp, NODE_ENV=production so views are cached) in this
// process on a temporary SQLite database, seeded with a realistic partnership — 40 organisations,
// 6 years of submitted answers to the partnership survey (imported as a region brings them from
// its earlier tool), the årshjul meetings with attendance, earlier years published, and an open
// round of the partnership survey with invitations and personal links (some organisations have
// already answered or saved a draft). autocannon runs in a child process (bench/load.ts) for a
// fixed time per target, 10 connections:
//   baseline   a bare express app on another port serving the respondent form's HTML as a static
//              string — the floor of express + loopback on this machine (measured first and last)
//   health     GET /health
//   form       GET /s/<token>/svar, the respondent form (rotating over every organisation's link)
//   table      GET /indicators?year=<last year>, the analyst's indicator table, logged in
//   api        GET /api/v1/indicators?year=<last year> with a bearer API key
// Reports requests/s, p50/p99 latency and the ratio to the baseline, prints them and writes
// bench/results/http-<time>.json.
//
//   npx tsx bench/run.ts http [--duration 5] [--connections 10] [--warmup 1]
//                             [--organisations 40] [--years 6] [--database postgres://…]
//
// As behind a TLS-terminating reverse proxy on the same host (TRUST_PROXY=loopback, BASE_URL
// https://…): every request carries X-Forwarded-Proto: https and an X-Forwarded-For address from
// the benchmarking range 198.18.0.0/15, rotating over 2048 addresses — as many respondents would
// arrive — so the per-address rate limits on /s/ stay in the path without tripping. The API's
// limit is per key (120/min), so API requests rotate over enough keys for the run. Any response
// that is not 2xx is counted and reported; a target with non-2xx responses is marked INVALID.
//
// Bounded: duration ≤ 60 s per target, connections ≤ 100, organisations ≤ 400, years ≤ 15, a time
// limit for the whole run (--timeout, default 300 s); loopback only. --database postgres://… runs
// the app on a new PostgreSQL database made on that server for the run and dropped afterwards.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import express from 'express';
import type { Knex } from 'knex';
import { createApp } from '../server/app';
import { startBackground } from '../server/background';
import { type Config, loadConfig } from '../server/config';
import { createDb, isPostgres, migrateLatest, nowIso } from '../server/db';
import { buildDeps, type Deps } from '../server/deps';
import { insertUser } from '../server/repositories/users';
import { API_RATE_LIMIT } from '../server/routes/api';
import { hashPassword } from '../server/services/accounts';
import type { RawAnswers } from '../server/services/answers';
import { createApiToken } from '../server/services/api-tokens';
import { CLI } from '../server/services/audit';
import { publishYear } from '../server/services/indicator-admin';
import { placeholderValues } from '../server/services/surveys';
import { runResponseImport } from '../server/services/response-import';
import { respondentContext, saveDraft, submitResponse } from '../server/services/responses';
import { createRound, defaultRoundForm, linksForRound, openRound } from '../server/services/rounds';
import { type LoadClient, type LoadFigures, type LoadRequest, startLoadClient } from './load';
import {
  benchDatabase,
  busyNote,
  cpuMark,
  describeMachine,
  intOption,
  loadavg,
  machineInfo,
  otherCores,
  round1,
  round3,
  seededRandom,
  syntheticOrganisations,
  syntheticPartnershipAnswers,
  writeResult,
} from './support';

const ANALYST_EMAIL = 'analytiker@region.example.se';
const ANALYST_PASSWORD = 'ett riktigt bra lösenord för benchmark';
const CLIENT_ADDRESSES = 2048;

/** The i-th client address in 198.18.0.0/15 (RFC 2544: reserved for benchmarking). */
function clientAddress(i: number): string {
  const n = i % (2 * 65536);
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

function proxyHeaders(i: number): Record<string, string> {
  return { 'x-forwarded-for': clientAddress(i), 'x-forwarded-proto': 'https' };
}

interface Seeded {
  reportYear: number;
  openYear: number;
  organisations: number;
  contacts: number;
  submittedResponses: number;
  answerRows: number;
  meetings: number;
  publishedYears: number[];
  /** One personal link token per organisation of the open round. */
  formTokens: string[];
  openRound: { submitted: number; drafts: number; untouched: number };
}

/** A realistic partnership: the register, history, meetings, publications and an open round. */
async function seed(deps: Deps, organisations: number, years: number): Promise<Seeded> {
  const { db, config } = deps;
  const rand = seededRandom(20261201);
  const openYear = new Date().getFullYear();
  const firstYear = openYear - years;
  const now = nowIso();

  // Register: organisations with one or two contacts, in the partnership and årshjul panels every year.
  const orgs = syntheticOrganisations(organisations);
  const panelIds: Record<string, number> = {};
  let contacts = 0;
  await db.transaction(async (trx) => {
    for (const [slug, name] of [
      ['partnerskapet', 'Partnerskapet för regional utveckling'],
      ['arshjulet', 'Årshjulets aktörer'],
    ] as const) {
      const [row] = await trx('panels').insert({ slug, name, created_at: now }).returning('id');
      panelIds[slug] = Number(typeof row === 'object' ? row.id : row);
    }
    for (let i = 0; i < orgs.length; i++) {
      const [row] = await trx('organisations')
        .insert({ ...orgs[i], active: true, created_at: now, updated_at: now })
        .returning('id');
      const orgId = Number(typeof row === 'object' ? row.id : row);
      const people = i % 3 === 0 ? 2 : 1;
      for (let k = 0; k < people; k++) {
        await trx('contacts').insert({
          organisation_id: orgId,
          name: `Kontakt ${i + 1}-${k + 1}`,
          email: `kontakt${i + 1}.${k + 1}@org${i + 1}.example.se`,
          role: 'Kontaktperson för partnerskapet',
          active: true,
          created_at: now,
          updated_at: now,
        });
        contacts++;
      }
      for (let y = firstYear; y <= openYear; y++) {
        await trx('panel_memberships').insert([
          { panel_id: panelIds.partnerskapet, organisation_id: orgId, year: y },
          { panel_id: panelIds.arshjulet, organisation_id: orgId, year: y },
        ]);
      }
    }
  });

  // History: each earlier year ~85 % of the organisations answered (imported, as from an earlier tool).
  let submittedResponses = 0;
  for (let y = firstYear; y < openYear; y++) {
    const lines = ['organisation;rus_planering;rus_statistik;kommentar_rus;fortroende_rua;kommentar_rua'];
    for (let i = 0; i < orgs.length; i++) {
      if (rand() > 0.85) continue;
      const a = syntheticPartnershipAnswers(rand, (y - firstYear) / Math.max(1, years - 1));
      const comment = rand() < 0.25 ? 'Strategin används i vår planering men uppföljningen kommer sent på året' : '';
      lines.push([orgs[i].name, a.rus_planering, a.rus_statistik, comment, a.fortroende_rua, ''].join(';'));
    }
    await runResponseImport(db, config, CLI, {
      surveyId: 'partnerskapsenkat',
      year: y,
      panelSlug: 'partnerskapet',
      bytes: Buffer.from(lines.join('\n'), 'utf8'),
    });
    submittedResponses += lines.length - 1;
  }

  // Årshjul: three meetings a year, each attended by most of the panel.
  const members = (
    await db('panel_memberships')
      .where({ panel_id: panelIds.arshjulet, year: firstYear })
      .orderBy('organisation_id')
      .select('organisation_id')
  ).map((r: { organisation_id: number }) => Number(r.organisation_id));
  let meetings = 0;
  await db.transaction(async (trx) => {
    for (let y = firstYear; y < openYear; y++) {
      for (const [type, day] of [
        ['arbetsmote', '03-14'],
        ['riktningsmote', '06-05'],
        ['arskonferens', '10-22'],
      ] as const) {
        const [row] = await trx('meetings')
          .insert({
            panel_id: panelIds.arshjulet,
            year: y,
            type,
            held_on: `${y}-${day}`,
            place: 'Regionens hus, Exempelstad',
            created_at: now,
          })
          .returning('id');
        const meetingId = Number(typeof row === 'object' ? row.id : row);
        const attended = members.filter(() => rand() < 0.8);
        if (attended.length)
          await trx('attendance').insert(
            attended.map((orgId) => ({ meeting_id: meetingId, organisation_id: orgId, source: 'checklist', created_at: now })),
          );
        meetings++;
      }
    }
  });

  // Earlier years are published (frozen); the year before the open one is the year being reported.
  const reportYear = openYear - 1;
  const publishedYears: number[] = [];
  for (let y = firstYear; y < reportYear; y++) {
    await publishYear(db, CLI, String(y), placeholderValues(deps.config), null);
    publishedYears.push(y);
  }

  // This year's round: open, with invitations and a personal link per contact.
  const today = new Date();
  const day = (offset: number) => new Date(today.getTime() + offset * 86400_000).toISOString().slice(0, 10);
  const roundId = await createRound(db, config, CLI, {
    ...defaultRoundForm(today),
    survey: 'file:partnerskapsenkat',
    year: String(openYear),
    panel: String(panelIds.partnerskapet),
    opens_date: day(-7),
    closes_date: day(21),
    contact_name: 'Sam Samordnare',
    contact_email: 'samordnare@region.example.se',
  });
  await openRound(db, config, CLI, roundId);
  const links = await linksForRound(db, roundId);
  const firstLinkOf = new Map<number, string>();
  for (const l of links) if (!firstLinkOf.has(l.organisationId)) firstLinkOf.set(l.organisationId, l.token);
  const formTokens = [...firstLinkOf.values()];
  // A third have answered already, a sixth have saved a draft: the form shows all three states.
  let submitted = 0;
  let drafts = 0;
  for (let i = 0; i < formTokens.length; i++) {
    const kind = i % 6 < 2 ? 'submit' : i % 6 === 2 ? 'draft' : null;
    if (!kind) continue;
    const ctx = await respondentContext(db, formTokens[i]);
    if (!ctx) throw new Error('seeding: a personal link of the open round did not resolve');
    const a = syntheticPartnershipAnswers(rand, 1);
    const raw: RawAnswers =
      kind === 'submit'
        ? { rus_planering: [a.rus_planering], rus_statistik: [a.rus_statistik], fortroende_rua: [a.fortroende_rua] }
        : { rus_planering: [a.rus_planering] };
    if (kind === 'submit') {
      await submitResponse(db, config, ctx, raw, 0);
      submitted++;
    } else {
      await saveDraft(db, config, ctx, raw, 0);
      drafts++;
    }
  }

  const answerRows = Number((await db('answers').count<{ n: number }[]>({ n: '*' }))[0].n);
  return {
    reportYear,
    openYear,
    organisations: orgs.length,
    contacts,
    submittedResponses,
    answerRows,
    meetings,
    publishedYears,
    formTokens,
    openRound: { submitted, drafts, untouched: formTokens.length - submitted - drafts },
  };
}

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]);
}

/** Logs in through the real form (GET /login for the CSRF token, POST /login); returns the session cookie. */
async function login(baseUrl: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${baseUrl}/login`, { headers: proxyHeaders(0) });
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#x3D;/g, '=');
  if (page.status !== 200 || !csrf) throw new Error(`GET /login: status ${page.status}, no CSRF token`);
  const res = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...proxyHeaders(0), 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(page).join('; ') },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
  const sid = cookiesOf(res).find((c) => c.startsWith('pp.sid='));
  if (res.status !== 303 || !sid) throw new Error(`POST /login: status ${res.status}${sid ? '' : ', no session cookie'}`);
  return sid;
}

interface Target {
  name: string;
  description: string;
  /** Base URL of the server that answers it. */
  baseUrl: string;
  requests: LoadRequest[];
  /** Checks one response before the load (status 200 and the right content). */
  check(status: number, body: string): string | null;
}

interface TargetResult extends LoadFigures {
  name: string;
  description: string;
  bodyBytes: number;
  /** requests/s ÷ the baseline's (mean of its first and last run). */
  ratioToBaseline: number | null;
  loadBefore: number[];
  loadAfter: number[];
  /** Cores kept busy by other processes during the measurement (see support.ts otherCores). */
  otherCores: number;
  valid: boolean;
}

async function listen(app: express.Express): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function measureTarget(
  client: LoadClient,
  t: Target,
  opts: { connections: number; duration: number; warmup: number },
): Promise<Omit<TargetResult, 'ratioToBaseline'>> {
  const first = t.requests[0];
  const res = await fetch(t.baseUrl + first.path, { headers: first.headers, redirect: 'manual' });
  const body = await res.text();
  const problem = t.check(res.status, body);
  if (problem) throw new Error(`${t.name}: the check before the load failed: ${problem}`);
  if (opts.warmup > 0)
    await client.run({ baseUrl: t.baseUrl, connections: opts.connections, durationSeconds: opts.warmup, requests: t.requests });
  const loadBefore = loadavg();
  const from = cpuMark();
  const figures = await client.run({
    baseUrl: t.baseUrl,
    connections: opts.connections,
    durationSeconds: opts.duration,
    requests: t.requests,
  });
  const to = cpuMark();
  return {
    name: t.name,
    description: t.description,
    bodyBytes: Buffer.byteLength(body),
    ...figures,
    loadBefore,
    loadAfter: loadavg(),
    otherCores: otherCores(from, to, figures.clientCpuMs),
    valid: figures.non2xx === 0 && figures.errors === 0,
  };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

function printTable(rows: TargetResult[]): void {
  console.log('');
  console.log(
    `  ${'target'.padEnd(34)} ${pad('req/s', 9)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('× base', 7)} ${pad('bytes', 7)} ${pad('failed', 7)} ${pad('others', 6)}  load 1 min`,
  );
  for (const r of rows) {
    const ratio = r.ratioToBaseline === null ? '' : r.ratioToBaseline.toFixed(3);
    console.log(
      `  ${r.name.padEnd(34)} ${pad(Math.round(r.requestsPerSecond), 9)} ${pad(r.latencyP50, 7)} ${pad(r.latencyP99, 7)} ${pad(ratio, 7)} ${pad(r.bodyBytes, 7)} ${pad(r.non2xx + r.errors, 7)} ${pad(r.otherCores.toFixed(2), 6)}  ${r.loadBefore[0]} → ${r.loadAfter[0]}${r.valid ? '' : '  INVALID'}`,
    );
  }
}

export async function runHttpBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      organisations: { type: 'string' },
      years: { type: 'string' },
      database: { type: 'string' },
      timeout: { type: 'string' },
    },
    strict: true,
  });
  const duration = intOption(values.duration, 'duration', 5, 1, 60);
  const connections = intOption(values.connections, 'connections', 10, 1, 100);
  const warmup = intOption(values.warmup, 'warmup', 1, 0, 10);
  const organisations = intOption(values.organisations, 'organisations', 40, 2, 400);
  const years = intOption(values.years, 'years', 6, 2, 15);
  const deadline = Date.now() + intOption(values.timeout, 'timeout', 300, 30, 1800) * 1000;
  const checkTime = (what: string) => {
    if (Date.now() > deadline) throw new Error(`time limit reached before ${what}`);
  };
  const machine = machineInfo();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerpuls-bench-http-'));
  const database = await benchDatabase(tmp, values.database);
  let client: LoadClient | null = null;
  const closers: Array<() => Promise<void>> = [];
  try {
    const config: Config = loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: tmp,
      DATABASE_URL: database.url,
      SURVEYS_DIR: path.resolve(__dirname, '..', 'surveys'),
      BASE_URL: 'https://partnerpuls.bench.example',
      TRUST_PROXY: 'loopback',
      OUTBOX_WORKER: 'false',
      DEMO: 'false',
      LOG_LEVEL: 'silent',
      SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0000',
    });
    console.log(
      `HTTP benchmark: ${duration} s per target after ${warmup} s warm-up, ${connections} connections, ${database.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
    );
    console.log(`  Machine: ${describeMachine(machine)}`);

    // The app, started as server/index.ts starts it (without the background workers).
    const db: Knex = createDb(config.databaseUrl);
    closers.push(() => db.destroy());
    await migrateLatest(db);
    const deps = buildDeps(config, { db });
    closers.push(() => deps.mailer.close());
    await startBackground.beforeListen(deps);
    const s0 = Date.now();
    const seeded = await seed(deps, organisations, years);
    await insertUser(db, {
      email: ANALYST_EMAIL,
      name: 'Bench Analytiker',
      role: 'analyst',
      passwordHash: await hashPassword(ANALYST_PASSWORD),
    });
    // Enough API keys that none reaches its per-minute limit even at 4 000 requests/s.
    const apiKeyCount = Math.min(2000, Math.max(20, Math.ceil(((warmup + duration) * 4000) / (API_RATE_LIMIT.limit - 10))));
    const apiKeys: string[] = [];
    for (let i = 0; i < apiKeyCount; i++) apiKeys.push(await createApiToken(db, CLI, `Benchmark ${i + 1}`));
    // PostgreSQL plans by statistics that autovacuum refreshes shortly after a bulk load; refresh
    // them now, as a database in use has them (SQLite keeps no statistics unless asked).
    if (isPostgres(db)) await db.raw('analyze');
    const seedMs = Date.now() - s0;
    console.log(
      `  Seeded in ${seedMs} ms: ${seeded.organisations} organisations, ${seeded.contacts} contacts, answers ${seeded.openYear - years}–${seeded.reportYear} (${seeded.submittedResponses} responses, ${seeded.answerRows} answer rows), ${seeded.meetings} meetings, published ${seeded.publishedYears[0]}–${seeded.publishedYears[seeded.publishedYears.length - 1]}; open ${seeded.openYear} round: ${seeded.openRound.submitted} submitted, ${seeded.openRound.drafts} drafts, ${seeded.openRound.untouched} not started; ${apiKeyCount} API keys`,
    );

    const app = await listen(createApp(deps));
    closers.push(app.close);
    const sessionCookie = await login(app.baseUrl, ANALYST_EMAIL, ANALYST_PASSWORD);

    const rotate = (pathOf: (i: number) => string, extra: (i: number) => Record<string, string> = () => ({})): LoadRequest[] =>
      Array.from({ length: CLIENT_ADDRESSES }, (_, i) => ({ path: pathOf(i), headers: { ...proxyHeaders(i), ...extra(i) } }));
    const formPath = (i: number) => `/s/${seeded.formTokens[i % seeded.formTokens.length]}/svar`;

    // The baseline serves the respondent form's HTML (for the first organisation) as a static string.
    const formHtml = await (await fetch(app.baseUrl + formPath(0), { headers: proxyHeaders(0) })).text();
    const bare = express();
    bare.get('/', (_req, res) => {
      res.type('html').send(formHtml);
    });
    const baseline = await listen(bare);
    closers.push(baseline.close);

    const isHtml200 = (marker: string) => (status: number, body: string) =>
      status !== 200 ? `status ${status}` : body.includes(marker) ? null : `the page does not contain ${marker}`;
    const baselineTarget: Target = {
      name: 'baseline (bare express)',
      description: 'a bare express app on another port serving the respondent form HTML as a static string',
      baseUrl: baseline.baseUrl,
      requests: rotate(() => '/'),
      check: isHtml200('name="rus_planering"'),
    };
    const targets: Target[] = [
      {
        name: 'GET /health',
        description: 'health check (one select 1)',
        baseUrl: app.baseUrl,
        requests: rotate(() => '/health'),
        check: (status, body) => (status === 200 && body.includes('"ok"') ? null : `status ${status}: ${body.slice(0, 80)}`),
      },
      {
        name: 'GET /s/<token>/svar',
        description: `the respondent form, rotating over the ${seeded.formTokens.length} organisations' personal links of the open round`,
        baseUrl: app.baseUrl,
        requests: rotate(formPath),
        check: isHtml200('name="rus_planering"'),
      },
      {
        name: `GET /indicators?year=${seeded.reportYear}`,
        description: `the analyst's indicator table for ${seeded.reportYear} (live; ${seeded.reportYear - 1} published), logged in`,
        baseUrl: app.baseUrl,
        requests: rotate(
          () => `/indicators?year=${seeded.reportYear}`,
          () => ({ cookie: sessionCookie }),
        ),
        check: isHtml200('Andel organisationer'),
      },
      {
        name: `GET /api/v1/indicators?year=${seeded.reportYear}`,
        description: `the indicator JSON API for ${seeded.reportYear} with a bearer key, rotating over ${apiKeyCount} keys`,
        baseUrl: app.baseUrl,
        requests: rotate(
          () => `/api/v1/indicators?year=${seeded.reportYear}`,
          (i) => ({ authorization: `Bearer ${apiKeys[i % apiKeys.length]}` }),
        ),
        check: (status, body) => {
          if (status !== 200) return `status ${status}: ${body.slice(0, 120)}`;
          const rows = JSON.parse(body) as Array<{ numerator: number | null }>;
          return Array.isArray(rows) && rows.some((r) => r.numerator !== null) ? null : 'no indicator with a computed value';
        },
      },
    ];

    client = startLoadClient();
    const opts = { connections, duration, warmup };
    checkTime('the baseline');
    const first = await measureTarget(client, baselineTarget, opts);
    const measured: Array<Omit<TargetResult, 'ratioToBaseline'>> = [];
    for (const t of targets) {
      checkTime(t.name);
      measured.push(await measureTarget(client, t, opts));
    }
    checkTime('the second baseline');
    const last = await measureTarget(client, { ...baselineTarget, name: 'baseline again (drift)' }, opts);
    const baseRate = (first.requestsPerSecond + last.requestsPerSecond) / 2;
    const ratio = (r: Omit<TargetResult, 'ratioToBaseline'>) => (baseRate > 0 ? round3(r.requestsPerSecond / baseRate) : null);
    const rows: TargetResult[] = [first, ...measured, last].map((r) => ({
      ...r,
      requestsPerSecond: round1(r.requestsPerSecond),
      ratioToBaseline: ratio(r),
    }));

    const result = {
      at: new Date().toISOString(),
      benchmark: 'http',
      database: database.kind,
      machine,
      loadAtEnd: loadavg(),
      settings: { durationSeconds: duration, warmupSeconds: warmup, connections, clientAddresses: CLIENT_ADDRESSES, apiKeys: apiKeyCount },
      seeded: { ...seeded, formTokens: seeded.formTokens.length, seedMs },
      baselineRequestsPerSecond: round1(baseRate),
      targets: rows,
    };
    printTable(rows);
    console.log(
      `\n  × base = requests/s ÷ the mean of the two baseline runs (${round1(baseRate)} req/s). Latency in ms. others = cores kept busy by other processes`,
    );
    console.log(
      `  during the measurement. Load average (1 min, includes the benchmark itself) ${machine.loadAtStart[0]} at start, ${result.loadAtEnd[0]} at end, ${machine.cpus} cores.`,
    );
    const note = busyNote(Math.max(...rows.map((r) => r.otherCores)), machine.cpus, database.kind === 'postgres');
    if (note) console.log(note);
    const invalid = rows.filter((r) => !r.valid);
    if (invalid.length)
      console.log(
        `  WARNING: ${invalid.map((r) => `${r.name} had ${r.non2xx} non-2xx responses and ${r.errors} errors`).join('; ')} — those figures do not measure the page.`,
      );
    console.log(`\n  Written to ${writeResult('http', result)}`);
    if (invalid.length) throw new Error(`${invalid.length} target(s) had non-2xx responses or errors; see the warning above`);
  } finally {
    client?.close();
    for (const close of closers.reverse()) await close().catch(() => {});
    await database.drop().catch((e: unknown) => console.error('could not drop the benchmark database:', e));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
