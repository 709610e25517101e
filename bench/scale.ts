// Scale benchmark: the indicator pages at 1 000, 10 000 and 100 000 submitted responses. For each
// size a fresh database gets the partnership survey's history (bench/indicators.ts seed: ~82 % of
// the organisations submit each of 8 years, a few drafts, comments), and the real app (as
// `npm start` runs it) answers, logged in as an analyst or with an API key:
//   table   GET /indicators?year=<last year>
//   api     GET /api/v1/indicators?year=<last year>
//   page    GET /indicators/<indicator>?year=<last year> (figure, series since 2019, breakdowns)
// Server time is measured in the app's process, from the request's arrival to the last byte
// written (an outer express app around the real one), median of --runs requests:
//   warm  the same request again (figures kept since the last change, where they are kept)
//   cold  right after a change the figures depend on (a målvärde set for the year), so nothing
//         computed before may be used
// Goals (issue 10): at 100 k, server time ≤ 3 × the 10 k figure, and the table well under 100 ms.
//
//   npx tsx bench/run.ts scale [--sizes 1000,10000,100000] [--runs 5] [--database postgres://…]
//
// Bounded: sizes ≤ 200 000, runs ≤ 21, a time limit (--timeout, default 1200 s).
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import express from 'express';
import { createApiToken } from '../server/services/api-tokens';
import { CLI } from '../server/services/audit';
import { setTarget } from '../server/services/indicator-admin';
import { loadSurveyDir } from '../server/surveys/load';
import { seed } from './indicators';
import {
  analyzeStatistics,
  ANALYST_EMAIL,
  ANALYST_PASSWORD,
  createAnalyst,
  listen,
  login,
  proxyHeaders,
  startBenchApp,
} from './partnership';
import { busyNote, cpuMark, describeMachine, intOption, loadavg, machineInfo, median, otherCores, round1, writeResult } from './support';

const YEARS = 8;
const SHARE_SUBMITTED = 0.82;
const PAGE_INDICATOR = 'fortroende_rua';

interface Figures {
  warmMs: number;
  coldMs: number;
  warmRunsMs: number[];
  coldRunsMs: number[];
  bytes: number;
}

interface SizeResult {
  submittedTarget: number;
  organisations: number;
  submitted: number;
  answerRows: number;
  seedMs: number;
  otherCores: number;
  table: Figures;
  api: Figures;
  page: Figures;
}

/** The real app inside an outer one that records each request's server time. */
function timed(app: express.Express): { outer: express.Express; last: () => number } {
  let lastMs = 0;
  const outer = express();
  outer.set('trust proxy', app.get('trust proxy'));
  outer.use((_req, res, next) => {
    const t = performance.now();
    res.on('finish', () => (lastMs = performance.now() - t));
    next();
  });
  outer.use(app);
  return { outer, last: () => lastMs };
}

async function measureSize(size: number, o: ReturnType<typeof parseScaleArgs>): Promise<SizeResult> {
  const bench = await startBenchApp('scale', o.database);
  const closers: Array<() => Promise<void>> = [];
  try {
    const { db, config } = bench;
    const survey = (await loadSurveyDir(config.surveysDir)).find((s) => s.definition.id === 'partnerskapsenkat');
    if (!survey) throw new Error('surveys/ has no partnerskapsenkat');
    const lastYear = new Date().getFullYear() - 1;
    const years = Array.from({ length: YEARS }, (_, i) => lastYear - YEARS + 1 + i);
    const organisations = Math.max(10, Math.ceil(size / (YEARS * SHARE_SUBMITTED)));
    const s0 = performance.now();
    const seeded = await seed(db, survey, organisations, years);
    await createAnalyst(db);
    const apiKey = await createApiToken(db, CLI, 'Benchmark');
    await analyzeStatistics(db);
    const seedMs = Math.round(performance.now() - s0);
    console.log(
      `  ${size}: ${organisations} organisations × ${YEARS} years, ${seeded.submitted} submitted responses, ${seeded.answerRows} answer rows, seeded in ${seedMs} ms`,
    );
    const { outer, last } = timed(bench.app);
    const server = await listen(outer);
    closers.push(server.close);
    const cookie = await login(server.baseUrl, ANALYST_EMAIL, ANALYST_PASSWORD);
    let target = 60;
    const change = async () => {
      target = target === 60 ? 61 : 60;
      await setTarget(db, CLI, PAGE_INDICATOR, String(lastYear), String(target));
    };
    const get = async (path: string, headers: Record<string, string>, marker: string): Promise<{ ms: number; bytes: number }> => {
      const res = await fetch(server.baseUrl + path, { headers: { ...proxyHeaders(1), ...headers } });
      const body = await res.text();
      if (res.status !== 200 || !body.includes(marker)) throw new Error(`${path}: status ${res.status}, ${body.slice(0, 200)}`);
      return { ms: last(), bytes: Buffer.byteLength(body) };
    };
    const figures = async (path: string, headers: Record<string, string>, marker: string): Promise<Figures> => {
      const cold: number[] = [];
      const warm: number[] = [];
      let bytes = 0;
      for (let i = 0; i < o.runs; i++) {
        if (Date.now() > o.deadline) throw new Error(`time limit reached at ${size} (${path})`);
        await change();
        cold.push((await get(path, headers, marker)).ms);
        const w = await get(path, headers, marker);
        warm.push(w.ms);
        bytes = w.bytes;
      }
      return {
        warmMs: round1(median(warm)),
        coldMs: round1(median(cold)),
        warmRunsMs: warm.map(round1),
        coldRunsMs: cold.map(round1),
        bytes,
      };
    };
    const from = cpuMark();
    const table = await figures(`/indicators?year=${lastYear}`, { cookie }, 'Andel organisationer');
    const api = await figures(`/api/v1/indicators?year=${lastYear}`, { authorization: `Bearer ${apiKey}` }, '"numerator"');
    const page = await figures(`/indicators/${PAGE_INDICATOR}?year=${lastYear}`, { cookie }, 'Per organisationstyp');
    const others = otherCores(from, cpuMark(), 0);
    return {
      submittedTarget: size,
      organisations,
      submitted: seeded.submitted,
      answerRows: seeded.answerRows,
      seedMs,
      otherCores: others,
      table,
      api,
      page,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await bench.close();
  }
}

function parseScaleArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: { sizes: { type: 'string' }, runs: { type: 'string' }, database: { type: 'string' }, timeout: { type: 'string' } },
    strict: true,
  });
  const sizes = (values.sizes ?? '1000,10000,100000').split(',').map((s) => intOption(s.trim(), 'sizes', 1000, 100, 200_000));
  return {
    sizes,
    runs: intOption(values.runs, 'runs', 5, 1, 21),
    database: values.database,
    deadline: Date.now() + intOption(values.timeout, 'timeout', 1200, 60, 7200) * 1000,
  };
}

export async function runScaleBench(argv: string[]): Promise<void> {
  const o = parseScaleArgs(argv);
  const machine = machineInfo();
  console.log(
    `Scale benchmark: the indicator table, API and one indicator's page at ${o.sizes.join(', ')} submitted responses, ${o.runs} runs each (warm and right after a change), ${o.database ? 'PostgreSQL' : 'SQLite'}`,
  );
  console.log(`  Machine: ${describeMachine(machine)}`);
  const results: SizeResult[] = [];
  for (const size of o.sizes) results.push(await measureSize(size, o));
  console.log('');
  console.log(
    `  ${'responses'.padStart(9)} ${'table warm'.padStart(11)} ${'cold'.padStart(8)} ${'api warm'.padStart(9)} ${'cold'.padStart(8)} ${'page warm'.padStart(10)} ${'cold'.padStart(8)} ${'others'.padStart(7)}`,
  );
  for (const r of results)
    console.log(
      `  ${String(r.submitted).padStart(9)} ${r.table.warmMs.toFixed(1).padStart(11)} ${r.table.coldMs.toFixed(1).padStart(8)} ${r.api.warmMs.toFixed(1).padStart(9)} ${r.api.coldMs.toFixed(1).padStart(8)} ${r.page.warmMs.toFixed(1).padStart(10)} ${r.page.coldMs.toFixed(1).padStart(8)} ${r.otherCores.toFixed(2).padStart(7)}`,
    );
  const bySize = (n: number) => results.find((r) => r.submittedTarget === n);
  const big = bySize(100_000);
  const mid = bySize(10_000);
  const growth =
    big && mid
      ? {
          table: round1(big.table.warmMs / mid.table.warmMs),
          api: round1(big.api.warmMs / mid.api.warmMs),
          page: round1(big.page.warmMs / mid.page.warmMs),
          tableCold: round1(big.table.coldMs / mid.table.coldMs),
          apiCold: round1(big.api.coldMs / mid.api.coldMs),
          pageCold: round1(big.page.coldMs / mid.page.coldMs),
        }
      : null;
  console.log('\n  Server time in ms (median), warm = the same request again, cold = right after a change the figures depend on.');
  if (growth)
    console.log(
      `  100 k ÷ 10 k: table ${growth.table} ×, API ${growth.api} ×, page ${growth.page} × warm; ${growth.tableCold} ×, ${growth.apiCold} ×, ${growth.pageCold} × cold (goal ≤ 3 ×; the table at 100 k well under 100 ms).`,
    );
  const result = {
    at: new Date().toISOString(),
    benchmark: 'scale',
    database: o.database ? 'postgres' : 'sqlite',
    machine,
    loadAtEnd: loadavg(),
    settings: { sizes: o.sizes, runs: o.runs, years: YEARS },
    sizes: results,
    growth100kOver10k: growth,
  };
  console.log(`  Load average (1 min) ${machine.loadAtStart[0]} at start, ${result.loadAtEnd[0]} at end, ${machine.cpus} cores.`);
  const note = busyNote(Math.max(...results.map((r) => r.otherCores)), machine.cpus, Boolean(o.database));
  if (note) console.log(note);
  console.log(`\n  Written to ${writeResult('scale', result)}`);
}
