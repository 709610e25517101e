// What the http and indicators benchmarks share: a fresh database for the run (a temporary
// SQLite file, or a new PostgreSQL database made from --database and dropped afterwards), the
// machine and its load (other work on the machine moves the figures, so every result says how
// busy it was), small statistics, and writing the result to bench/results/ (gitignored).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import knexFactory from 'knex';

export interface BenchDatabase {
  url: string;
  kind: 'sqlite' | 'postgres';
  /** Drops the PostgreSQL database made for the run (SQLite: nothing; the folder is removed by the caller). */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one run. With a postgres:// URL a database `pp_bench_<random>` is
 * created on that server (the user needs CREATEDB) and dropped by drop(); the database named in
 * the URL itself is never written to.
 */
export async function benchDatabase(tmpDir: string, postgresUrl: string | undefined): Promise<BenchDatabase> {
  if (!postgresUrl) return { url: `file:${path.join(tmpDir, 'bench.sqlite')}`, kind: 'sqlite', drop: async () => {} };
  if (!/^postgres(ql)?:\/\//.test(postgresUrl))
    throw new Error('--database must be a postgres:// address (without it a temporary SQLite file is used)');
  const name = 'pp_bench_' + crypto.randomBytes(6).toString('hex');
  const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`create database ${name}`);
  } finally {
    await admin.destroy();
  }
  const u = new URL(postgresUrl);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    kind: 'postgres',
    async drop() {
      const a = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } });
      try {
        await a.raw(`drop database if exists ${name} with (force)`);
      } finally {
        await a.destroy();
      }
    },
  };
}

export interface MachineInfo {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  /** os.loadavg() (1, 5, 15 minutes) when the benchmark started. */
  loadAtStart: number[];
}

export const loadavg = (): number[] => os.loadavg().map((l) => Math.round(l * 100) / 100);

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAtStart: loadavg(),
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}; load average ${m.loadAtStart.join(' / ')} (1/5/15 min) at start`;
}

export interface CpuMark {
  wallMs: number;
  /** CPU time of the whole machine (all cores, all processes), from os.cpus(). */
  machineBusyMs: number;
  /** CPU time of this process. */
  ownCpuMs: number;
}

export function cpuMark(): CpuMark {
  let busy = 0;
  for (const c of os.cpus()) busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  const u = process.cpuUsage();
  return { wallMs: performance.now(), machineBusyMs: busy, ownCpuMs: (u.user + u.system) / 1000 };
}

/**
 * How many cores, on average, processes other than the benchmark's kept busy between two marks
 * (machine CPU time minus this process's and `helperCpuMs` — the load generator's). The load
 * average cannot tell this: it counts the benchmark's own processes too. With PostgreSQL the
 * database server is one of the "other" processes.
 */
export function otherCores(from: CpuMark, to: CpuMark, helperCpuMs = 0): number {
  const wall = to.wallMs - from.wallMs;
  if (wall <= 0) return 0;
  const others = to.machineBusyMs - from.machineBusyMs - (to.ownCpuMs - from.ownCpuMs) - helperCpuMs;
  return Math.max(0, Math.round((others / wall) * 100) / 100);
}

/** A note when other processes competed for the CPU during a measurement (null when they did not, to within a quarter core). */
export function busyNote(otherCoresMax: number, cpus: number, postgres: boolean): string | null {
  if (otherCoresMax < 0.25) return null;
  return (
    `  NOTE: the machine was not idle: other processes${postgres ? ' (the PostgreSQL server among them)' : ''} kept up to ${otherCoresMax} of the ${cpus} cores busy during a measurement. ` +
    "Figures measured while they were busy are understated; check each figure's share of other work before comparing runs."
  );
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Writes the result as bench/results/<name>-<time>.json and returns the path relative to the working directory. */
export function writeResult(name: string, result: { at: string }): string {
  const dir = path.resolve(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${result.at.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return path.relative(process.cwd(), file);
}

/** A positive whole number from an option, clamped to [min, max]; the default when absent. */
export function intOption(value: string | undefined, name: string, def: number, min: number, max: number): number {
  if (value === undefined) return def;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number (got "${value}")`);
  return Math.min(max, Math.max(min, Number(value)));
}

// ---------------------------------------------------------------------------------------------
// Synthetic partnership data, the same in every run (a seeded generator), so runs compare.
// ---------------------------------------------------------------------------------------------

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(rand: () => number, weights: Array<[string, number]>): string {
  const total = weights.reduce((a, [, w]) => a + w, 0);
  let x = rand() * total;
  for (const [code, w] of weights) {
    x -= w;
    if (x < 0) return code;
  }
  return weights[weights.length - 1][0];
}

const TYPES = [
  'kommun',
  'kommun',
  'kommun',
  'kommun',
  'lansstyrelse',
  'larosate',
  'foretagsframjande',
  'naringsliv',
  'bransch',
  'folkhogskola',
  'statlig_myndighet',
  'civilsamhalle',
];
const MUNICIPALITIES = [
  'Exempelstad',
  'Norrby',
  'Söderås',
  'Västerdal',
  'Österholm',
  'Bergsjö',
  'Granby',
  'Ekedal',
  'Björkvik',
  'Sjöby',
  'Furulund',
  'Lövsta',
  'Hedby',
  'Kvarnby',
  'Tallvik',
];

export interface SyntheticOrganisation {
  name: string;
  type: string;
  municipality: string;
}

/** n organisations of the kinds a partnership has, with unique names. */
export function syntheticOrganisations(n: number): SyntheticOrganisation[] {
  return Array.from({ length: n }, (_, i) => {
    const type = TYPES[i % TYPES.length];
    const municipality = MUNICIPALITIES[(i * 7) % MUNICIPALITIES.length];
    return { name: `Benchmarkorganisation ${i + 1} (${type}, ${municipality})`, type, municipality };
  });
}

/**
 * One organisation's answers to the three questions of the partnership survey (partnerskapsenkat),
 * leaning a little more positive each year (`drift` 0 → 1) — so shares move between years.
 */
export function syntheticPartnershipAnswers(
  rand: () => number,
  drift: number,
): { rus_planering: string; rus_statistik: string; fortroende_rua: string } {
  const d = Math.max(0, Math.min(1, drift));
  const extent = (): Array<[string, number]> => [
    ['mycket_hog', 8 + 6 * d],
    ['hog', 22 + 6 * d],
    ['viss_del', 30],
    ['liten', 20 - 6 * d],
    ['inte_alls', 10 - 4 * d],
    ['vet_ej', 8],
  ];
  return {
    rus_planering: pick(rand, extent()),
    rus_statistik: pick(rand, extent()),
    fortroende_rua: pick(rand, [
      ['mycket_hogt', 15 + 5 * d],
      ['hogt', 35 + 5 * d],
      ['varken', 28],
      ['lagt', 10 - 4 * d],
      ['inget', 4 - 2 * d],
      ['vet_ej', 6],
    ]),
  };
}
