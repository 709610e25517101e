// Issue 9, item 11: several instances share the rate-limit counters (they live in the database).
// Two app processes (`tsx server/index.ts`, as `npm start` runs it) on one database: wrong
// passwords sent to them in turn add up to one limit. On PostgreSQL when TEST_DATABASE_URL is set,
// else on one shared SQLite file — the test name says which.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { RATE_LIMITS } from '../../server/services/rate-limits';
import { createUser, startTestApp, type TestApp, testDatabaseKind, TEST_PASSWORD } from '../helpers/app';

const ROOT = path.resolve(__dirname, '..', '..');
const SECRET = 'two-instances-secret-two-instances-secret-0123';

let t: TestApp;
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startInstance(): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'server/index.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: t.config.databaseUrl,
      DATA_DIR: t.tmpDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: `http://127.0.0.1:${port}`,
      SESSION_SECRET: SECRET,
      DEMO: 'false',
      OUTBOX_WORKER: 'false',
      LOG_LEVEL: 'silent',
      TWO_FACTOR_ADMINS: 'optional',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`instance exited: ${stderr}`);
    const ok = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return base;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance did not start: ${stderr}`);
}

/** One login attempt at an instance, with its CSRF cookie and token. */
async function attempt(base: string, email: string, password: string): Promise<number> {
  const form = await fetch(`${base}/login`);
  const cookie = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email, password }).toString(),
  });
  return res.status;
}

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.filter((c) => c.exitCode === null).map((c) => new Promise((r) => c.once('exit', r))));
  await t.close();
});

const on = testDatabaseKind() === 'postgres' ? 'on PostgreSQL' : 'on one shared SQLite file (set TEST_DATABASE_URL for PostgreSQL)';

it(`two app processes ${on} count wrong passwords together`, async () => {
  const user = await createUser(t.deps, 'analyst');
  const [a, b] = await Promise.all([startInstance(), startInstance()]);
  const limit = RATE_LIMITS.loginPerAddressAndAccount.limit;
  const statuses: number[] = [];
  for (let i = 0; i < limit; i++) statuses.push(await attempt(i % 2 ? b : a, user.email, `fel lösenord ${i}`));
  expect(statuses.every((s) => s === 401)).toBe(true);
  // each instance has seen only half of them, yet both refuse now
  expect(await attempt(a, user.email, TEST_PASSWORD)).toBe(429);
  expect(await attempt(b, user.email, TEST_PASSWORD)).toBe(429);
});
