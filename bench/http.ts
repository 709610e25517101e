// HTTP benchmark: the real app as `npm start` runs it (createApp, NODE_ENV=production so views
// are cached) in this process on a temporary SQLite database, seeded with a realistic
// partnership — 40 organisations, 6 years of submitted answers to the partnership survey
// (imported as a region brings them from its earlier tool), the årshjul meetings with attendance,
// earlier years published, and an open round of the partnership survey with invitations and
// personal links (some organisations have already answered or saved a draft). autocannon runs in
// a child process (bench/load.ts) for a fixed time per target, 10 connections:
//   baseline   a bare express app on another port serving the respondent form's HTML as a static
//              string — the floor of express + loopback on this machine
//   template   a bare express app rendering the respondent form with the same precompiled
//              templates (the app's view engine, view cache on) and the same data the app passed
//              to its render (captured from the app's first render of the form) — the floor the
//              form is compared with
//   health     GET /health
//   form       GET /s/<token>/svar, the respondent form (rotating over every organisation's link)
//   table      GET /indicators?year=<last year>, the analyst's indicator table, logged in
//   api        GET /api/v1/indicators?year=<last year> with a bearer API key
// Every target is measured in each of --rounds alternating rounds (so load on the machine hits
// all alike); the median is reported. Besides requests/s and latency, the server's CPU time per
// request (this process's CPU time during the run ÷ responses): on a busy machine requests/s
// drop with the share of the CPU the benchmark gets, CPU per request much less. The form is
// compared with the template baseline (goal ≥ 0.6 ×), the rest with the static baseline.
// Writes bench/results/http-<time>.json.
//
//   npx tsx bench/run.ts http [--duration 5] [--connections 10] [--warmup 1] [--rounds 2]
//                             [--organisations 40] [--years 6] [--database postgres://…]
//
// As behind a TLS-terminating reverse proxy on the same host (TRUST_PROXY=loopback, BASE_URL
// https://…): every request carries X-Forwarded-Proto: https and an X-Forwarded-For address from
// the benchmarking range 198.18.0.0/15, rotating over 2048 addresses — as many respondents would
// arrive — so the per-address rate limits on /s/ stay in the path without tripping. The API's
// limit is per key (120/min), so API requests rotate over enough keys for the run. Any response
// that is not 2xx is counted and reported; a target with non-2xx responses is marked INVALID.
//
// Bounded: duration ≤ 60 s per target, connections ≤ 100, rounds ≤ 9, organisations ≤ 400,
// years ≤ 15, a time limit for the whole run (--timeout, default 600 s); loopback only.
// --database postgres://… runs the app on a new PostgreSQL database made on that server for the
// run and dropped afterwards.
import { parseArgs } from 'node:util';
import express from 'express';
import { API_RATE_LIMIT } from '../server/routes/api';
import { createApiToken } from '../server/services/api-tokens';
import { CLI } from '../server/services/audit';
import { createViewEngine } from '../server/views';
import { type LoadClient, type LoadFigures, type LoadRequest, startLoadClient } from './load';
import {
  ANALYST_EMAIL,
  ANALYST_PASSWORD,
  analyzeStatistics,
  CLIENT_ADDRESSES,
  createAnalyst,
  listen,
  login,
  proxyHeaders,
  seed,
  startBenchApp,
} from './partnership';
import {
  busyNote,
  cpuMark,
  describeMachine,
  intOption,
  loadavg,
  machineInfo,
  median,
  otherCores,
  round1,
  round3,
  writeResult,
} from './support';

interface Target {
  name: string;
  description: string;
  /** Base URL of the server that answers it. */
  baseUrl: string;
  requests: LoadRequest[];
  /** Checks one response before the load (status 200 and the right content). */
  check(status: number, body: string): string | null;
  /** The baseline its CPU time per request is compared with. */
  comparedWith: 'baseline' | 'template' | null;
}

interface Run extends LoadFigures {
  /** CPU time of this process (the server) during the run, per response. */
  cpuMsPerRequest: number;
  loadBefore: number[];
  loadAfter: number[];
  /** Cores kept busy by other processes during the run (see support.ts otherCores). */
  otherCores: number;
}

interface TargetResult {
  name: string;
  description: string;
  bodyBytes: number;
  runs: Run[];
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  cpuMsPerRequest: number;
  /** The least CPU per request of the rounds: other work on the machine only ever adds to it. */
  cpuMsPerRequestMin: number;
  otherCoresMax: number;
  comparedWith: Target['comparedWith'];
  /** requests/s ÷ the static baseline's (medians). */
  ratioToBaseline: number | null;
  /** The compared baseline's CPU ms per request ÷ this target's (medians): the share of the floor's speed. */
  cpuRatio: number | null;
  /** The same from the least CPU per request of the rounds. */
  cpuRatioMin: number | null;
  valid: boolean;
}

type EngineFn = (file: string, options: Record<string, unknown>, done: (err: Error | null, html?: string) => void) => void;

/**
 * Records the data of the app's first render of a view (the options express hands the view
 * engine), so the template baseline renders the same page from the same data.
 */
function captureRender(app: express.Express, view: string): () => Record<string, unknown> | null {
  const engines = (app as unknown as { engines: Record<string, EngineFn> }).engines;
  const engine = engines['.hbs'];
  let captured: Record<string, unknown> | null = null;
  engines['.hbs'] = (file, options, done) => {
    if (!captured && file.replace(/\\/g, '/').endsWith(`${view}.hbs`)) {
      const { settings: _settings, _locals, cache: _cache, ...data } = options;
      captured = { ...(_locals as Record<string, unknown> | undefined), ...data };
    }
    engine(file, options, done);
  };
  return () => captured;
}

/** A bare express app rendering `view` from `data` with the app's view engine and view cache. */
function templateBaseline(viewsDir: string, view: string, data: Record<string, unknown>): express.Express {
  const bare = express();
  const engine = createViewEngine(viewsDir);
  bare.engine('.hbs', (file, options, done) => void engine.renderView(file, options as Parameters<typeof engine.renderView>[1], done));
  bare.set('view engine', '.hbs');
  bare.set('views', viewsDir);
  bare.enable('view cache');
  bare.get('/', (_req, res) => res.render(view, data));
  return bare;
}

async function measureRun(client: LoadClient, t: Target, opts: { connections: number; duration: number; warmup: number }): Promise<Run> {
  if (opts.warmup > 0)
    await client.run({ baseUrl: t.baseUrl, connections: opts.connections, durationSeconds: opts.warmup, requests: t.requests });
  const loadBefore = loadavg();
  const from = cpuMark();
  const cpu0 = process.cpuUsage();
  const figures = await client.run({
    baseUrl: t.baseUrl,
    connections: opts.connections,
    durationSeconds: opts.duration,
    requests: t.requests,
  });
  const cpu = process.cpuUsage(cpu0);
  const to = cpuMark();
  return {
    ...figures,
    cpuMsPerRequest: figures.total > 0 ? (cpu.user + cpu.system) / 1000 / figures.total : 0,
    loadBefore,
    loadAfter: loadavg(),
    otherCores: otherCores(from, to, figures.clientCpuMs),
  };
}

/** The check before the load: one request, the right status and content. */
async function checkTarget(t: Target): Promise<number> {
  const first = t.requests[0];
  const res = await fetch(t.baseUrl + first.path, { headers: first.headers, redirect: 'manual' });
  const body = await res.text();
  const problem = t.check(res.status, body);
  if (problem) throw new Error(`${t.name}: the check before the load failed: ${problem}`);
  return Buffer.byteLength(body);
}

function summarise(t: Target, bodyBytes: number, runs: Run[]): TargetResult {
  return {
    name: t.name,
    description: t.description,
    bodyBytes,
    runs,
    requestsPerSecond: round1(median(runs.map((r) => r.requestsPerSecond))),
    latencyP50: median(runs.map((r) => r.latencyP50)),
    latencyP99: median(runs.map((r) => r.latencyP99)),
    cpuMsPerRequest: round3(median(runs.map((r) => r.cpuMsPerRequest))),
    cpuMsPerRequestMin: round3(Math.min(...runs.map((r) => r.cpuMsPerRequest))),
    otherCoresMax: Math.max(...runs.map((r) => r.otherCores)),
    comparedWith: t.comparedWith,
    ratioToBaseline: null,
    cpuRatio: null,
    cpuRatioMin: null,
    valid: runs.every((r) => r.non2xx === 0 && r.errors === 0),
  };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

function printTable(rows: TargetResult[]): void {
  console.log('');
  console.log(
    `  ${'target'.padEnd(34)} ${pad('req/s', 8)} ${pad('p50', 5)} ${pad('p99', 5)} ${pad('× base', 7)} ${pad('cpu ms', 7)} ${pad('× cpu', 6)} ${pad('min ms', 7)} ${pad('× min', 6)} ${pad('bytes', 6)} ${pad('others', 6)}`,
  );
  for (const r of rows) {
    const ratio = r.ratioToBaseline === null ? '' : r.ratioToBaseline.toFixed(3);
    const mark = r.comparedWith === 'template' ? 'ᵗ' : '';
    const cpuRatio = r.cpuRatio === null ? '' : `${r.cpuRatio.toFixed(2)}${mark}`;
    const cpuRatioMin = r.cpuRatioMin === null ? '' : `${r.cpuRatioMin.toFixed(2)}${mark}`;
    console.log(
      `  ${r.name.padEnd(34)} ${pad(Math.round(r.requestsPerSecond), 8)} ${pad(r.latencyP50, 5)} ${pad(r.latencyP99, 5)} ${pad(ratio, 7)} ${pad(r.cpuMsPerRequest.toFixed(3), 7)} ${pad(cpuRatio, 6)} ${pad(r.cpuMsPerRequestMin.toFixed(3), 7)} ${pad(cpuRatioMin, 6)} ${pad(r.bodyBytes, 6)} ${pad(r.otherCoresMax.toFixed(2), 6)}${r.valid ? '' : '  INVALID'}`,
    );
  }
}

function parseHttpArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      organisations: { type: 'string' },
      years: { type: 'string' },
      database: { type: 'string' },
      timeout: { type: 'string' },
    },
    strict: true,
  });
  return {
    duration: intOption(values.duration, 'duration', 5, 1, 60),
    connections: intOption(values.connections, 'connections', 10, 1, 100),
    warmup: intOption(values.warmup, 'warmup', 1, 0, 10),
    rounds: intOption(values.rounds, 'rounds', 2, 1, 9),
    organisations: intOption(values.organisations, 'organisations', 40, 2, 400),
    years: intOption(values.years, 'years', 6, 2, 15),
    database: values.database,
    deadline: Date.now() + intOption(values.timeout, 'timeout', 600, 30, 3600) * 1000,
  };
}

export async function runHttpBench(argv: string[]): Promise<void> {
  const o = parseHttpArgs(argv);
  const checkTime = (what: string) => {
    if (Date.now() > o.deadline) throw new Error(`time limit reached before ${what}`);
  };
  const machine = machineInfo();
  const bench = await startBenchApp('http', o.database);
  let client: LoadClient | null = null;
  const closers: Array<() => Promise<void>> = [];
  try {
    const { deps, db } = bench;
    console.log(
      `HTTP benchmark: ${o.rounds} alternating rounds of ${o.duration} s per target after ${o.warmup} s warm-up, ${o.connections} connections, ${bench.database.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, NODE_ENV=${bench.config.env}`,
    );
    console.log(`  Machine: ${describeMachine(machine)}`);
    const s0 = Date.now();
    const seeded = await seed(deps, o.organisations, o.years);
    await createAnalyst(db);
    // Enough API keys that none reaches its per-minute limit even at 4 000 requests/s.
    const perRound = (o.warmup + o.duration) * 4000;
    const apiKeyCount = Math.min(4000, Math.max(20, Math.ceil((perRound * o.rounds) / (API_RATE_LIMIT.limit - 10))));
    const apiKeys: string[] = [];
    for (let i = 0; i < apiKeyCount; i++) apiKeys.push(await createApiToken(db, CLI, `Benchmark ${i + 1}`));
    await analyzeStatistics(db);
    const seedMs = Date.now() - s0;
    console.log(
      `  Seeded in ${seedMs} ms: ${seeded.organisations} organisations, ${seeded.contacts} contacts, answers ${seeded.openYear - o.years}–${seeded.reportYear} (${seeded.submittedResponses} responses, ${seeded.answerRows} answer rows), ${seeded.meetings} meetings, published ${seeded.publishedYears[0]}–${seeded.publishedYears[seeded.publishedYears.length - 1]}; open ${seeded.openYear} round: ${seeded.openRound.submitted} submitted, ${seeded.openRound.drafts} drafts, ${seeded.openRound.untouched} not started; ${apiKeyCount} API keys`,
    );

    const captured = captureRender(bench.app, 'pages/respond/form');
    const app = await listen(bench.app);
    closers.push(app.close);
    const sessionCookie = await login(app.baseUrl, ANALYST_EMAIL, ANALYST_PASSWORD);

    const rotate = (pathOf: (i: number) => string, extra: (i: number) => Record<string, string> = () => ({})): LoadRequest[] =>
      Array.from({ length: CLIENT_ADDRESSES }, (_, i) => ({ path: pathOf(i), headers: { ...proxyHeaders(i), ...extra(i) } }));
    const formPath = (i: number) => `/s/${seeded.formTokens[i % seeded.formTokens.length]}/svar`;

    // The static baseline serves the respondent form's HTML (of the first organisation) as a string;
    // the template baseline renders it from the data the app rendered it with.
    const formHtml = await (await fetch(app.baseUrl + formPath(0), { headers: proxyHeaders(0) })).text();
    const formData = captured();
    if (!formData) throw new Error('the respondent form was not rendered through the view engine');
    const bare = express();
    bare.get('/', (_req, res) => {
      res.type('html').send(formHtml);
    });
    const baseline = await listen(bare);
    closers.push(baseline.close);
    const template = await listen(templateBaseline(String(bench.app.get('views')), 'pages/respond/form', formData));
    closers.push(template.close);

    const isHtml200 = (marker: string) => (status: number, body: string) =>
      status !== 200 ? `status ${status}` : body.includes(marker) ? null : `the page does not contain ${marker}`;
    const targets: Target[] = [
      {
        name: 'baseline (bare express)',
        description: 'a bare express app on another port serving the respondent form HTML as a static string',
        baseUrl: baseline.baseUrl,
        requests: rotate(() => '/'),
        check: isHtml200('name="rus_planering"'),
        comparedWith: null,
      },
      {
        name: 'template baseline (bare express)',
        description: 'a bare express app rendering the respondent form with the same precompiled templates and data',
        baseUrl: template.baseUrl,
        requests: rotate(() => '/'),
        check: isHtml200('name="rus_planering"'),
        comparedWith: null,
      },
      {
        name: 'GET /health',
        description: 'health check (one select 1)',
        baseUrl: app.baseUrl,
        requests: rotate(() => '/health'),
        check: (status, body) => (status === 200 && body.includes('"ok"') ? null : `status ${status}: ${body.slice(0, 80)}`),
        comparedWith: 'baseline',
      },
      {
        name: 'GET /s/<token>/svar',
        description: `the respondent form, rotating over the ${seeded.formTokens.length} organisations' personal links of the open round`,
        baseUrl: app.baseUrl,
        requests: rotate(formPath),
        check: isHtml200('name="rus_planering"'),
        comparedWith: 'template',
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
        comparedWith: 'baseline',
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
        comparedWith: 'baseline',
      },
    ];

    const bodyBytes = new Map<string, number>();
    for (const t of targets) bodyBytes.set(t.name, await checkTarget(t));
    client = startLoadClient();
    const runs = new Map<string, Run[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < o.rounds; round++) {
      for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
        checkTime(`${t.name} (round ${round + 1})`);
        runs.get(t.name)!.push(await measureRun(client, t, o));
      }
    }
    const rows = targets.map((t) => summarise(t, bodyBytes.get(t.name)!, runs.get(t.name)!));
    const byName = new Map(rows.map((r) => [r.name, r]));
    const base = byName.get('baseline (bare express)')!;
    const tpl = byName.get('template baseline (bare express)')!;
    for (const r of rows) {
      r.ratioToBaseline = base.requestsPerSecond > 0 ? round3(r.requestsPerSecond / base.requestsPerSecond) : null;
      const floor = r.comparedWith === 'template' ? tpl : r.comparedWith === 'baseline' ? base : null;
      r.cpuRatio = floor && r.cpuMsPerRequest > 0 ? round3(floor.cpuMsPerRequest / r.cpuMsPerRequest) : null;
      r.cpuRatioMin = floor && r.cpuMsPerRequestMin > 0 ? round3(floor.cpuMsPerRequestMin / r.cpuMsPerRequestMin) : null;
    }
    const form = rows.find((r) => r.comparedWith === 'template')!;
    const formReqRatio = tpl.requestsPerSecond > 0 ? round3(form.requestsPerSecond / tpl.requestsPerSecond) : null;

    const result = {
      at: new Date().toISOString(),
      benchmark: 'http',
      database: bench.database.kind,
      env: bench.config.env,
      machine,
      loadAtEnd: loadavg(),
      settings: { ...o, deadline: undefined, clientAddresses: CLIENT_ADDRESSES, apiKeys: apiKeyCount },
      seeded: { ...seeded, formTokens: seeded.formTokens.length, seedMs },
      formVsTemplate: { requestsPerSecond: formReqRatio, cpu: form.cpuRatio, cpuMin: form.cpuRatioMin, goal: 0.6 },
      targets: rows,
    };
    printTable(rows);
    console.log(
      `\n  Medians of ${o.rounds} rounds (min ms: the least of them). × base = requests/s ÷ the static baseline's. cpu ms = this process's CPU time per response. × cpu = the`,
    );
    console.log(
      `  compared baseline's CPU ms per request ÷ the target's (ᵗ = the template baseline). others = cores other processes kept busy (max of the rounds).`,
    );
    console.log(
      `  Respondent form vs the template baseline: ${formReqRatio} × by requests/s, ${form.cpuRatio} × by CPU per request (${form.cpuRatioMin} × by the least of the rounds; goal ≥ 0.6 ×).`,
    );
    console.log(
      `  Load average (1 min, includes the benchmark itself) ${machine.loadAtStart[0]} at start, ${result.loadAtEnd[0]} at end, ${machine.cpus} cores.`,
    );
    const note = busyNote(Math.max(...rows.map((r) => r.otherCoresMax)), machine.cpus, bench.database.kind === 'postgres');
    if (note) console.log(note);
    const invalid = rows.filter((r) => !r.valid);
    if (invalid.length)
      console.log(
        `  WARNING: ${invalid.map((r) => r.name).join('; ')} had non-2xx responses or errors — those figures do not measure the page.`,
      );
    console.log(`\n  Written to ${writeResult('http', result)}`);
    if (invalid.length) throw new Error(`${invalid.length} target(s) had non-2xx responses or errors; see the warning above`);
  } finally {
    client?.close();
    for (const close of closers.reverse()) await close().catch(() => {});
    await bench.close();
  }
}
