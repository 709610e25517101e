// Cold start and idle memory: `npm start` exactly as the README's first command runs it (the
// start script of package.json, whatever it does — build, NODE_ENV, …), in a temporary data folder
// on a free loopback port. Measured twice: the first start on an empty folder (migrations, the
// demo partnership) and a restart on the same data (the usual case). For each: the time from
// spawning `npm start` to the first page (`GET /login` answering 200), that page's time, and the
// resident memory of the app's processes right after the first page and after --idle seconds of
// idling (the sum over npm's process tree, and the largest process: the app's node).
//
//   npx tsx bench/run.ts start [--idle 5] [--timeout 180]
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { describeMachine, intOption, loadavg, machineInfo, round1, writeResult } from './support';

const ROOT = path.resolve(__dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resident memory (kB) of `pid` and every process below it, from /proc (Linux). */
function treeRssKb(pid: number): { totalKb: number; largestKb: number; processes: number } {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      rss.set(Number(entry), kb);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while being read
    }
  }
  const tree: number[] = [];
  const walk = (p: number) => {
    tree.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  const sizes = tree.map((p) => rss.get(p) ?? 0);
  return { totalKb: sizes.reduce((a, b) => a + b, 0), largestKb: Math.max(0, ...sizes), processes: tree.length };
}

interface StartFigures {
  msToFirstPage: number;
  firstPageMs: number;
  rssAfterFirstPageMb: number;
  appRssAfterFirstPageMb: number;
  rssIdleMb: number;
  appRssIdleMb: number;
  processes: number;
}

async function startOnce(dataDir: string, idleSeconds: number, timeoutMs: number): Promise<StartFigures> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: `file:${path.join(dataDir, 'partnerpuls.sqlite')}`,
    BASE_URL: `http://127.0.0.1:${port}`,
  };
  delete env.NODE_ENV; // whatever npm start sets
  const t0 = performance.now();
  const child: ChildProcess = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: 'ignore', detached: true });
  try {
    const url = `http://127.0.0.1:${port}/login`;
    for (;;) {
      if (performance.now() - t0 > timeoutMs) throw new Error(`npm start did not answer ${url} within ${timeoutMs / 1000} s`);
      if (child.exitCode !== null) throw new Error(`npm start exited with code ${child.exitCode}`);
      const t = performance.now();
      const ok = await fetch(url)
        .then(async (r) => (await r.text(), r.status === 200))
        .catch(() => false);
      if (ok) {
        const firstPageMs = performance.now() - t;
        const msToFirstPage = performance.now() - t0;
        const after = treeRssKb(child.pid!);
        await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
        const idle = treeRssKb(child.pid!);
        return {
          msToFirstPage: Math.round(msToFirstPage),
          firstPageMs: round1(firstPageMs),
          rssAfterFirstPageMb: round1(after.totalKb / 1024),
          appRssAfterFirstPageMb: round1(after.largestKb / 1024),
          rssIdleMb: round1(idle.totalKb / 1024),
          appRssIdleMb: round1(idle.largestKb / 1024),
          processes: idle.processes,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    try {
      process.kill(-child.pid!, 'SIGTERM'); // npm and the app it started
    } catch {
      // already gone
    }
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

export async function runStartBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { idle: { type: 'string' }, timeout: { type: 'string' } }, strict: true });
  const idle = intOption(values.idle, 'idle', 5, 1, 60);
  const timeoutMs = intOption(values.timeout, 'timeout', 180, 10, 600) * 1000;
  const machine = machineInfo();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  console.log(
    `Start benchmark: \`npm start\` (${pkg.scripts.prestart ? `${pkg.scripts.prestart} && ` : ''}${pkg.scripts.start}) on an empty data folder, then again on its data`,
  );
  console.log(`  Machine: ${describeMachine(machine)}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerpuls-bench-start-'));
  try {
    const first = await startOnce(dataDir, idle, timeoutMs);
    const again = await startOnce(dataDir, idle, timeoutMs);
    const row = (name: string, f: StartFigures) =>
      console.log(
        `  ${name.padEnd(30)} ${String(f.msToFirstPage).padStart(9)} ${f.firstPageMs.toFixed(1).padStart(8)} ${f.rssAfterFirstPageMb.toFixed(1).padStart(9)} ${f.appRssIdleMb.toFixed(1).padStart(9)} ${f.rssIdleMb.toFixed(1).padStart(9)}`,
      );
    console.log('');
    console.log(
      `  ${''.padEnd(30)} ${'to page'.padStart(9)} ${'page ms'.padStart(8)} ${'RSS MB'.padStart(9)} ${'app idle'.padStart(9)} ${'all idle'.padStart(9)}`,
    );
    row('first start (empty folder)', first);
    row('restart (same data)', again);
    console.log(
      `\n  to page = ms from spawning npm start to GET /login answering 200. RSS after the first page (all of npm's processes); after ${idle} s idle: the app's node and all.`,
    );
    const result = {
      at: new Date().toISOString(),
      benchmark: 'start',
      machine,
      loadAtEnd: loadavg(),
      command: pkg.scripts.start,
      idleSeconds: idle,
      first,
      again,
    };
    console.log(`  Load average (1 min) ${machine.loadAtStart[0]} at start, ${result.loadAtEnd[0]} at end, ${machine.cpus} cores.`);
    console.log(`\n  Written to ${writeResult('start', result)}`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
