// Big-send benchmark: does writing a big send stall the app? An open round of --n organisations
// (2 000, one contact each); while the app answers a steady background load — `GET /health` and a
// respondent's form `GET /s/<token>/svar`, alternately, over --connections connections (the load
// generator in its own process records every response) — "Skicka inbjudningar" for the whole
// round is run in the app's process (the same service the coordinator's form calls: invitations,
// personal links, opt-out tokens and the rendered e-mails written in one transaction). Reported:
// how long the send took, and p50/p99/max latency of /health and of the form before the send and
// while it was written. Nothing is sent by SMTP (the outbox worker is off): this measures writing.
//
//   npx tsx bench/run.ts send [--n 2000] [--connections 4] [--database postgres://…]
//
// Bounded: n ≤ 20 000, connections ≤ 50, the load runs at most --max-seconds (default 120).
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CLI } from '../server/services/audit';
import { sendInvitations } from '../server/services/mailings';
import { type SampleFigures, type SampleRequest, startLoadClient } from './load';
import { linkPerOrganisation, listen, proxyHeaders, seedOpenRound, startBenchApp } from './partnership';
import { busyNote, cpuMark, describeMachine, intOption, loadavg, machineInfo, otherCores, round1, writeResult } from './support';

const BEFORE_MS = 3000;
const AFTER_MS = 1000;

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : 0;
};

interface Window {
  responses: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
}

function windowOf(f: SampleFigures, kind: number, from: number, to: number): Window {
  const ms: number[] = [];
  let failed = 0;
  for (let i = 0; i < f.at.length; i++) {
    // a request counts for a window it overlaps (one held up by the send ends after it)
    const end = f.at[i] + f.ms[i];
    if (f.request[i] % 2 !== kind || end < from || f.at[i] > to) continue;
    ms.push(f.ms[i]);
    if (f.status[i] !== 200) failed++;
  }
  return {
    responses: ms.length,
    p50: round1(percentile(ms, 50)),
    p99: round1(percentile(ms, 99)),
    max: round1(Math.max(0, ...ms)),
    failed,
  };
}

export async function runSendBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { n: { type: 'string' }, connections: { type: 'string' }, database: { type: 'string' }, 'max-seconds': { type: 'string' } },
    strict: true,
  });
  const n = intOption(values.n, 'n', 2000, 10, 20_000);
  const connections = intOption(values.connections, 'connections', 4, 1, 50);
  const maxSeconds = intOption(values['max-seconds'], 'max-seconds', 120, 10, 600);
  const machine = machineInfo();
  const bench = await startBenchApp('send', values.database);
  const client = startLoadClient();
  const closers: Array<() => Promise<void>> = [];
  try {
    console.log(
      `Big-send benchmark: invitations to ${n} organisations written while /health and a respondent's form are loaded over ${connections} connections, ${bench.database.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
    );
    console.log(`  Machine: ${describeMachine(machine)}`);
    const seeded = await seedOpenRound(bench.deps, n, 'send');
    const [token] = await linkPerOrganisation(bench.db, seeded.roundId, [seeded.organisationIds[n - 1]]);
    const app = await listen(bench.app);
    closers.push(app.close);
    const requests: SampleRequest[] = Array.from({ length: 512 }, (_, i) => ({
      method: 'GET',
      path: i % 2 === 0 ? '/health' : `/s/${token}/svar`,
      headers: proxyHeaders(i),
    }));
    const from = cpuMark();
    const load = client.samples({
      kind: 'samples',
      baseUrl: app.baseUrl,
      connections,
      mode: 'loop',
      durationSeconds: maxSeconds,
      requests,
    });
    const loadStart = performance.timeOrigin + performance.now();
    await new Promise((resolve) => setTimeout(resolve, BEFORE_MS));
    const sendStart = performance.timeOrigin + performance.now();
    const sent = await sendInvitations(bench.deps, CLI, seeded.roundId, { organisationIds: null, locale: 'sv' });
    const sendEnd = performance.timeOrigin + performance.now();
    await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
    client.stop();
    const figures = await load;
    if (figures.at.length === 0 || sendEnd > figures.at[figures.at.length - 1])
      console.log(`  NOTE: the send (${round1((sendEnd - sendStart) / 1000)} s) outlasted the load (--max-seconds ${maxSeconds}).`);
    const others = otherCores(from, cpuMark(), figures.clientCpuMs);
    const idleEnd = sendStart - 50; // requests that overlap the start of the send count as during
    const before = { health: windowOf(figures, 0, loadStart + 500, idleEnd), form: windowOf(figures, 1, loadStart + 500, idleEnd) };
    const during = { health: windowOf(figures, 0, sendStart, sendEnd), form: windowOf(figures, 1, sendStart, sendEnd) };
    const result = {
      at: new Date().toISOString(),
      benchmark: 'send',
      database: bench.database.kind,
      machine,
      loadAtEnd: loadavg(),
      settings: { n, connections },
      send: { organisations: sent.organisations, messages: sent.messages, ms: round1(sendEnd - sendStart) },
      before,
      during,
      otherCores: others,
    };
    const row = (name: string, w: Window) =>
      console.log(
        `  ${name.padEnd(34)} ${String(w.responses).padStart(9)} ${w.p50.toFixed(1).padStart(7)} ${w.p99.toFixed(1).padStart(8)} ${w.max.toFixed(1).padStart(8)} ${String(w.failed).padStart(6)}`,
      );
    console.log(`\n  The send: ${sent.messages} e-mails to ${sent.organisations} organisations written in ${result.send.ms} ms.\n`);
    console.log(
      `  ${''.padEnd(34)} ${'responses'.padStart(9)} ${'p50'.padStart(7)} ${'p99'.padStart(8)} ${'max'.padStart(8)} ${'failed'.padStart(6)}`,
    );
    row('GET /health, before the send', before.health);
    row('GET /health, during the send', during.health);
    row('GET /s/<token>/svar, before', before.form);
    row('GET /s/<token>/svar, during', during.form);
    console.log(
      `\n  Latency in ms. Load average (1 min) ${machine.loadAtStart[0]} at start, ${result.loadAtEnd[0]} at end; others ${others} cores.`,
    );
    const note = busyNote(others, machine.cpus, bench.database.kind === 'postgres');
    if (note) console.log(note);
    console.log(`\n  Written to ${writeResult('send', result)}`);
  } finally {
    client.close();
    for (const close of closers.reverse()) await close().catch(() => {});
    await bench.close();
  }
}
