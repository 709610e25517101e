// Runs the real server (or the CLI) as a child process, for the tests where signals, ports, exit
// codes and what a person sees in the terminal are the point. TypeScript runs through tsx's loader
// inside the one node process (`node --import tsx`), so a signal reaches the app itself.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Child {
  proc: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the text once the pattern appears on stdout or stderr; rejects when the process exits first. */
  waitFor(pattern: RegExp, what?: string): Promise<string>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

export function tmpDir(prefix = 'partnerpuls-proc-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Environment for a child: nothing from the test runner's own NODE_ENV/DATABASE_URL leaks in. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', TZ: process.env.TZ };
  return { ...base, NODE_ENV: 'test', LOG_LEVEL: 'warn', DEMO: 'false', BASE_URL: 'http://partnerpuls.test', ...env };
}

export function spawnNode(args: string[], env: Record<string, string>, cwd = ROOT): Child {
  const proc = spawn(process.execPath, args, { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  const notify = () => waiters.splice(0).forEach((w) => w());
  proc.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    notify();
  });
  proc.stderr.on('data', (b: Buffer) => {
    err += b.toString();
    notify();
  });
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let done = false;
  void exited.then(() => {
    done = true;
    notify();
  });
  const waitFor = (pattern: RegExp, what = String(pattern)) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const text = out + err;
        if (pattern.test(text)) return resolve(text);
        if (done) return reject(new Error(`the process exited before ${what}:\n${text}`));
        waiters.push(check);
      };
      check();
    });
  return { proc, stdout: () => out, stderr: () => err, waitFor, exited, kill: (s = 'SIGTERM') => void proc.kill(s) };
}

/** The server from the TypeScript sources. */
export function startServer(env: Record<string, string>): Child {
  return spawnNode(['--import', 'tsx', 'server/index.ts'], env);
}

/** A CLI command from the TypeScript sources. */
export function runCliProcess(args: string[], env: Record<string, string>): Child {
  return spawnNode(['--import', 'tsx', 'server/cli.ts', ...args], env);
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The exit code, or a failure naming what was printed when the process is still running after `ms`. */
export async function exitWithin(child: Child, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), ms);
  });
  const r = await Promise.race([child.exited, timeout]);
  clearTimeout(timer);
  if (r === 'still running') {
    child.kill('SIGKILL');
    throw new Error(`still running after ${ms} ms:\n${child.stdout()}\n${child.stderr()}`);
  }
  return r;
}

/** npm's own script (npm-cli.js) from the npm on PATH, to run `npm run …` under this node. */
export function npmCli(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const bin = path.join(dir, 'npm');
    if (fs.existsSync(bin)) return path.join(path.dirname(fs.realpathSync(bin)), 'npm-cli.js');
  }
  throw new Error('npm is not on PATH');
}
