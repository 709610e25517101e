// Submit benchmark: "Skicka in" as a browser does it — GET the form (for its CSRF cookie, token
// and version), then POST the answers — on the real app as `npm start` runs it, against a bare
// express app that parses the same form body and inserts the response and its answers in one
// sqlite3 transaction (the driver itself, no knex, the app's SQLite pragmas), in the same run.
//
// The app: a panel of --n organisations (one contact each), an open round of the partnership
// survey with "send confirmation" on (the default, so every first submit queues the confirmation
// e-mail), one personal link per organisation. All the GETs come first and are not timed; then
// every organisation's submit is POSTed once over --connections connections, timed. Each POST
// is a first submit (303 to the receipt); anything else is counted and fails the run. The
// baseline gets the same bodies, one organisation each, on its own database with the same schema.
// Both are run in --rounds alternating rounds (each on new organisations) and the medians are
// reported: POSTs/s, latency, and the CPU time of this process (the servers) per POST — on a busy
// machine the steadier figure. Goal: the app ≥ 0.4 × the baseline. A submit queues its confirmation
// as one row; after each round the outbox worker's preparation of those e-mails is timed on its
// own and reported beside the POST (and the two together).
//
//   npx tsx bench/run.ts submit [--n 600] [--connections 10] [--rounds 2] [--database postgres://…]
//
// Bounded: n ≤ 5000, connections ≤ 50, rounds ≤ 5, a time limit (--timeout, default 600 s).
// With --database the app runs on PostgreSQL; the baseline stays on SQLite (it is the floor of
// express + an embedded database).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import express from 'express';
import type { Knex } from 'knex';
import sqlite3 from 'sqlite3';
import * as dbModule from '../server/db';
import { createDb, migrateLatest, nowIso } from '../server/db';
import { prepareQueuedConfirmations } from '../server/services/mailings';
import { type LoadClient, type SampleFigures, type SampleRequest, startLoadClient } from './load';
import { formTokens, linkPerOrganisation, listen, proxyHeaders, seedOpenRound, startBenchApp } from './partnership';
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
  seededRandom,
  syntheticPartnershipAnswers,
  writeResult,
} from './support';

/** The pragmas the app sets on every SQLite connection (server/db.ts), so the baseline is as durable as the app. */
function appPragmas(): string[] {
  const listed = (dbModule as Record<string, unknown>).SQLITE_PRAGMAS;
  return Array.isArray(listed) ? (listed as string[]) : ['foreign_keys = ON', 'journal_mode = WAL', 'busy_timeout = 5000'];
}

function formBody(rand: () => number, csrf: string, version: string): string {
  const a = syntheticPartnershipAnswers(rand, 1);
  return new URLSearchParams({
    _csrf: csrf,
    _version: version,
    _action: 'submit',
    rus_planering: a.rus_planering,
    rus_statistik: a.rus_statistik,
    kommentar_rus: rand() < 0.3 ? 'Vi använder strategin i verksamhetsplanen.' : '',
    fortroende_rua: a.fortroende_rua,
    kommentar_rua: '',
  }).toString();
}

interface Baseline {
  baseUrl: string;
  organisationIds: number[];
  close(): Promise<void>;
}

/**
 * The floor: express + urlencoded + one sqlite3 connection; per POST one transaction inserting
 * the response and its answer rows (transactions queued on the connection, as one connection must).
 */
async function startBaseline(dir: string, n: number): Promise<Baseline> {
  const file = path.join(dir, 'baseline.sqlite');
  const knexDb: Knex = createDb(`file:${file}`);
  await migrateLatest(knexDb);
  const now = nowIso();
  const [sv] = await knexDb('survey_versions')
    .insert({ survey_id: 'partnerskapsenkat', content_hash: 'x', definition: '{}', title: 'x', source: 'file', created_at: now })
    .returning('id');
  const [panel] = await knexDb('panels').insert({ slug: 'b', name: 'b', created_at: now }).returning('id');
  const idOf = (r: unknown) => Number(typeof r === 'object' && r !== null ? (r as { id: number }).id : r);
  const [round] = await knexDb('rounds')
    .insert({
      survey_version_id: idOf(sv),
      survey_id: 'partnerskapsenkat',
      year: 2026,
      panel_id: idOf(panel),
      title: 'b',
      state: 'oppen',
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  const roundId = idOf(round);
  for (let i = 0; i < n; i += 200)
    await knexDb('organisations').insert(
      Array.from({ length: Math.min(200, n - i) }, (_, k) => ({
        name: `B ${i + k}`,
        type: 'kommun',
        active: true,
        created_at: now,
        updated_at: now,
      })),
    );
  const organisationIds = (await knexDb('organisations').orderBy('id').select('id')).map((r: { id: number }) => Number(r.id));
  await knexDb.destroy();

  const conn = new sqlite3.Database(file);
  const run = (sql: string, params: unknown[] = []) =>
    new Promise<number>((resolve, reject) => {
      conn.run(sql, params, function (this: { lastID: number }, err: Error | null) {
        if (err) reject(err);
        else resolve(this.lastID);
      });
    });
  for (const p of appPragmas()) await run(`PRAGMA ${p}`);
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };
  const app = express();
  app.use(express.urlencoded({ extended: false, limit: '1mb' }));
  app.post('/b/:org/svar', async (req, res) => {
    const body = req.body as Record<string, string>;
    const at = new Date().toISOString();
    const answers: Array<[string, string | null, string | null]> = [];
    for (const q of ['rus_planering', 'rus_statistik', 'fortroende_rua']) if (body[q]) answers.push([q, body[q], null]);
    for (const q of ['kommentar_rus', 'kommentar_rua']) if (body[q]) answers.push([q, null, body[q]]);
    await serialised(async () => {
      await run('BEGIN');
      try {
        const id = await run(
          `INSERT INTO responses (round_id, organisation_id, status, version, revision, saved_at, started_at, submitted_at, receipt_code, source, created_at, updated_at)
           VALUES (?, ?, 'submitted', 1, 1, ?, ?, ?, ?, 'web', ?, ?)`,
          [roundId, Number(req.params.org), at, at, at, 'ABCD-EFGH-JKLM', at, at],
        );
        await run(
          `INSERT INTO answers (response_id, question_id, item_id, option_code, text_value) VALUES ${answers.map(() => "(?, ?, '', ?, ?)").join(', ')}`,
          answers.flatMap(([q, o, t]) => [id, q, o, t]),
        );
        await run('COMMIT');
      } catch (e) {
        await run('ROLLBACK');
        throw e;
      }
    });
    res.redirect(303, `/b/${req.params.org}/kvitto`);
  });
  const server = await listen(app);
  return {
    baseUrl: server.baseUrl,
    organisationIds,
    async close() {
      await server.close();
      await new Promise<void>((resolve) => conn.close(() => resolve()));
    },
  };
}

interface SubmitRun {
  posts: number;
  postsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  cpuMsPerPost: number;
  otherCores: number;
  failed: number;
  firstFailure: string | null;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : 0;
};

async function timedPosts(client: LoadClient, baseUrl: string, requests: SampleRequest[], connections: number): Promise<SubmitRun> {
  const from = cpuMark();
  const cpu0 = process.cpuUsage();
  const f: SampleFigures = await client.samples({ kind: 'samples', baseUrl, connections, mode: 'once', requests });
  const cpu = process.cpuUsage(cpu0);
  const to = cpuMark();
  const bad = f.status.map((s, i) => [s, i] as const).filter(([s]) => s !== 303);
  return {
    posts: f.ms.length,
    postsPerSecond: round1((f.ms.length / f.wallMs) * 1000),
    latencyP50: round1(percentile(f.ms, 50)),
    latencyP99: round1(percentile(f.ms, 99)),
    cpuMsPerPost: round3((cpu.user + cpu.system) / 1000 / Math.max(1, f.ms.length)),
    otherCores: otherCores(from, to, f.clientCpuMs),
    failed: bad.length,
    firstFailure: bad.length ? `status ${bad[0][0]}` : null,
  };
}

interface WorkerRun {
  confirmations: number;
  cpuMsPerConfirmation: number;
}

/** The outbox worker's first step after a round of submits: preparing the confirmations they queued (timed apart). */
async function timedConfirmations(deps: Parameters<typeof prepareQueuedConfirmations>[0]): Promise<WorkerRun> {
  const cpu0 = process.cpuUsage();
  const { emails: confirmations, dropped } = await prepareQueuedConfirmations(deps);
  if (dropped.length) throw new Error(`${dropped.length} confirmations could not be prepared (first: ${dropped[0].error})`);
  const cpu = process.cpuUsage(cpu0);
  return { confirmations, cpuMsPerConfirmation: round3((cpu.user + cpu.system) / 1000 / Math.max(1, confirmations)) };
}

/** GETs every form (not timed) and returns the POST of each, as the browser would send it. */
async function preparePosts(baseUrl: string, tokens: string[], rand: () => number): Promise<SampleRequest[]> {
  const out: SampleRequest[] = [];
  for (let i = 0; i < tokens.length; i += 10) {
    const batch = tokens.slice(i, i + 10);
    out.push(
      ...(await Promise.all(
        batch.map(async (token, k) => {
          const headers = proxyHeaders(i + k);
          const res = await fetch(`${baseUrl}/s/${token}/svar`, { headers });
          const t = formTokens(res, await res.text());
          return {
            method: 'POST' as const,
            path: `/s/${token}/svar`,
            headers: { ...headers, cookie: t.cookie, 'content-type': 'application/x-www-form-urlencoded' },
            body: formBody(rand, t.csrf, t.version),
          };
        }),
      )),
    );
  }
  return out;
}

function parseSubmitArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      database: { type: 'string' },
      timeout: { type: 'string' },
    },
    strict: true,
  });
  return {
    n: intOption(values.n, 'n', 600, 10, 5000),
    connections: intOption(values.connections, 'connections', 10, 1, 50),
    rounds: intOption(values.rounds, 'rounds', 2, 1, 5),
    database: values.database,
    deadline: Date.now() + intOption(values.timeout, 'timeout', 600, 30, 3600) * 1000,
  };
}

const summary = (runs: SubmitRun[]) => ({
  postsPerSecond: round1(median(runs.map((r) => r.postsPerSecond))),
  latencyP50: median(runs.map((r) => r.latencyP50)),
  latencyP99: median(runs.map((r) => r.latencyP99)),
  cpuMsPerPost: round3(median(runs.map((r) => r.cpuMsPerPost))),
  otherCoresMax: Math.max(...runs.map((r) => r.otherCores)),
  failed: runs.reduce((a, r) => a + r.failed, 0),
  runs,
});

export async function runSubmitBench(argv: string[]): Promise<void> {
  const o = parseSubmitArgs(argv);
  const machine = machineInfo();
  const bench = await startBenchApp('submit', o.database);
  let client: LoadClient | null = null;
  const closers: Array<() => Promise<void>> = [];
  try {
    console.log(
      `Submit benchmark: ${o.rounds} alternating rounds of ${o.n} first submits each (GET, then the timed POST), ${o.connections} connections, ${bench.database.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, NODE_ENV=${bench.config.env}`,
    );
    console.log(`  Machine: ${describeMachine(machine)}`);
    const rand = seededRandom(4242);
    const app = await listen(bench.app);
    closers.push(app.close);
    fs.mkdirSync(path.join(bench.tmp, 'baseline'), { recursive: true });
    const baseline = await startBaseline(path.join(bench.tmp, 'baseline'), o.n * o.rounds);
    closers.push(baseline.close);
    console.log(`  Baseline pragmas: ${appPragmas().join(', ')}`);
    client = startLoadClient();
    const appRuns: SubmitRun[] = [];
    const baseRuns: SubmitRun[] = [];
    const workerRuns: WorkerRun[] = [];
    for (let round = 0; round < o.rounds; round++) {
      if (Date.now() > o.deadline) throw new Error(`time limit reached before round ${round + 1}`);
      const seeded = await seedOpenRound(bench.deps, o.n, `r${round + 1}`);
      const tokens = await linkPerOrganisation(bench.db, seeded.roundId);
      const appPosts = await preparePosts(app.baseUrl, tokens, rand);
      const basePosts: SampleRequest[] = baseline.organisationIds.slice(round * o.n, (round + 1) * o.n).map((id, i) => ({
        method: 'POST',
        path: `/b/${id}/svar`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: appPosts[i].body,
      }));
      const order = round % 2 === 0 ? ['app', 'baseline'] : ['baseline', 'app'];
      for (const which of order) {
        if (which === 'app') {
          appRuns.push(await timedPosts(client, app.baseUrl, appPosts, o.connections));
          workerRuns.push(await timedConfirmations(bench.deps));
        } else baseRuns.push(await timedPosts(client, baseline.baseUrl, basePosts, o.connections));
      }
    }
    const appSummary = summary(appRuns);
    const baseSummary = summary(baseRuns);
    const workerMsPerConfirmation = round3(median(workerRuns.map((w) => w.cpuMsPerConfirmation)));
    const confirmationsPerPost = round3(median(workerRuns.map((w) => w.confirmations / o.n)));
    const withWorkerMs = round3(appSummary.cpuMsPerPost + workerMsPerConfirmation * confirmationsPerPost);
    const result = {
      at: new Date().toISOString(),
      benchmark: 'submit',
      database: bench.database.kind,
      env: bench.config.env,
      machine,
      loadAtEnd: loadavg(),
      settings: { ...o, deadline: undefined, baselinePragmas: appPragmas() },
      app: appSummary,
      baseline: baseSummary,
      worker: {
        runs: workerRuns,
        cpuMsPerConfirmation: workerMsPerConfirmation,
        confirmationsPerPost,
        postAndConfirmationCpuMs: withWorkerMs,
      },
      ratio: {
        postsPerSecond: round3(appSummary.postsPerSecond / baseSummary.postsPerSecond),
        cpu: round3(baseSummary.cpuMsPerPost / appSummary.cpuMsPerPost),
        cpuWithConfirmation: round3(baseSummary.cpuMsPerPost / withWorkerMs),
        goal: 0.4,
      },
    };
    const line = (name: string, s: typeof appSummary) =>
      console.log(
        `  ${name.padEnd(44)} ${String(s.postsPerSecond).padStart(8)} ${String(s.latencyP50).padStart(6)} ${String(s.latencyP99).padStart(7)} ${s.cpuMsPerPost.toFixed(3).padStart(8)} ${s.otherCoresMax.toFixed(2).padStart(6)} ${String(s.failed).padStart(6)}`,
      );
    console.log('');
    console.log(
      `  ${''.padEnd(44)} ${'POST/s'.padStart(8)} ${'p50'.padStart(6)} ${'p99'.padStart(7)} ${'cpu ms'.padStart(8)} ${'others'.padStart(6)} ${'failed'.padStart(6)}`,
    );
    line('baseline: express + sqlite3 transaction', baseSummary);
    line('POST /s/<token>/svar (_action=submit)', appSummary);
    console.log(
      `\n  Submit vs the baseline: ${result.ratio.postsPerSecond} × by POSTs/s, ${result.ratio.cpu} × by CPU per POST (goal ≥ 0.4 ×). Medians of ${o.rounds} rounds; latency in ms.`,
    );
    console.log(
      `  The outbox worker then prepared the confirmations the submits queued: ${workerMsPerConfirmation.toFixed(3)} ms of CPU each, ${confirmationsPerPost} per POST (not in the POST's figure: the app's worker does it in the background, on any instance). POST and its confirmation together: ${withWorkerMs.toFixed(3)} ms, ${result.ratio.cpuWithConfirmation} ×.`,
    );
    console.log(`  Load average (1 min) ${machine.loadAtStart[0]} at start, ${result.loadAtEnd[0]} at end, ${machine.cpus} cores.`);
    const note = busyNote(Math.max(appSummary.otherCoresMax, baseSummary.otherCoresMax), machine.cpus, bench.database.kind === 'postgres');
    if (note) console.log(note);
    console.log(`\n  Written to ${writeResult('submit', result)}`);
    const failed = appSummary.failed + baseSummary.failed;
    if (failed)
      throw new Error(`${failed} POSTs did not answer 303 (first: ${appRuns.concat(baseRuns).find((r) => r.firstFailure)?.firstFailure})`);
  } finally {
    client?.close();
    for (const close of closers.reverse()) await close().catch(() => {});
    await bench.close();
  }
}
