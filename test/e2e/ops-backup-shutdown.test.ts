// Issue 12: a backup taken while answers arrive holds every answer acknowledged before it began,
// and a restore puts it back (refused while the app runs); SIGTERM under load lets the request in
// flight finish, keeps every acknowledged answer and exits 0; the outbox worker stops after the
// message it is sending and no message goes out twice. The app runs as a real child process on a
// SQLite file (also when the rest of the suite runs on PostgreSQL: backup/restore are SQLite's).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Knex } from 'knex';
import { runCli, type CliOutput } from '../../server/cli';
import { loadConfig } from '../../server/config';
import { createDb, migrateLatest } from '../../server/db';
import { buildDeps, type Deps } from '../../server/deps';
import { insertOutboxMessage as enqueue } from '../../server/repositories/outbox';
import { ensureInvitation, issueToken } from '../../server/services/invitations';
import { createPartnership, createRound, TEST_LINK_CAUSE } from '../helpers/fixtures';
import { type Child, exitWithin, freePort, startServer, tmpDir } from '../helpers/process';
import { startSmtpServer } from '../helpers/smtp';

const ANSWERS = { rus_planering: 'hog', rus_statistik: 'viss_del', fortroende_rua: 'hogt', kommentar_rus: 'Bra.', kommentar_rua: '' };

function recorder(): CliOutput & { text: () => string } {
  const lines: string[] = [];
  return { log: (s) => void lines.push(s), error: (s) => void lines.push(s), text: () => lines.join('\n') };
}

function cliDeps(dir: string, url: string, env: Record<string, string> = {}): Deps {
  return buildDeps(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, DATABASE_URL: url, ...env }));
}

async function submittedOrganisations(url: string): Promise<Set<number>> {
  const db = createDb(url);
  try {
    const rows = await db('responses as r')
      .whereNotNull('r.submitted_at')
      .whereExists((q) => {
        void q.select('a.id').from('answers as a').whereRaw('a.response_id = r.id');
      })
      .select('r.organisation_id');
    return new Set(rows.map((r: { organisation_id: number }) => Number(r.organisation_id)));
  } finally {
    await db.destroy();
  }
}

/** The respondent's form: its CSRF cookie, token and version. */
async function openForm(base: string, token: string): Promise<{ cookie: string; body: string }> {
  const res = await fetch(`${base}/s/${token}/svar`);
  const html = await res.text();
  if (res.status !== 200) throw new Error(`form ${res.status}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const version = /name="_version" value="(\d*)"/.exec(html)?.[1] ?? '';
  const body = new URLSearchParams({ _csrf: csrf, _version: version, _action: 'submit', ...ANSWERS }).toString();
  return { cookie, body };
}

/** Submits one organisation's answers; true when the app acknowledged them (303 to the receipt). */
async function submit(base: string, token: string): Promise<boolean> {
  try {
    const form = await openForm(base, token);
    const res = await fetch(`${base}/s/${token}/svar`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
      body: form.body,
    });
    return res.status === 303;
  } catch {
    return false; // refused or cut off: not acknowledged
  }
}

/** Runs `fn` over the items, `lanes` at a time. */
async function pool<T>(items: T[], lanes: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function until(condition: () => boolean, what: string, child: Child): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!condition()) throw new Error(`never happened: ${what}\n${child.stdout()}\n${child.stderr()}`);
}

describe('backup under load, restore, and SIGTERM under load', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'partnerpuls.sqlite');
  const url = `file:${file}`;
  const backupFile = path.join(dir, 'kopia.sqlite');
  let base = '';
  let child: Child;
  const tokens: string[] = [];
  const organisations: number[] = [];
  const acked = new Set<number>();
  let ackedBeforeBackup: number[] = [];

  beforeAll(async () => {
    const db: Knex = createDb(url);
    await migrateLatest(db);
    const p = await createPartnership(db, 90, 2025);
    const roundId = await createRound(db, { year: 2025, panelId: p.panelId });
    for (const [i, orgId] of p.organisationIds.entries()) {
      organisations.push(orgId);
      tokens.push(await issueToken(db, await ensureInvitation(db, roundId, orgId), p.contactIds[i], TEST_LINK_CAUSE));
    }
    await db.destroy();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = startServer({
      DATA_DIR: dir,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      OUTBOX_WORKER: 'false',
      HOUSEKEEPING_AT: 'off',
    });
    await child.waitFor(/kör på/, 'the start banner');
  }, 60_000);

  afterAll(() => {
    child?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a backup taken while answers arrive holds every answer acknowledged before it began', async () => {
    const load = pool([...Array(60).keys()], 4, async (i) => {
      if (await submit(base, tokens[i])) acked.add(organisations[i]);
    });
    await until(() => acked.size >= 20, '20 acknowledged answers', child);
    ackedBeforeBackup = [...acked];
    const deps = cliDeps(dir, url);
    const out = recorder();
    const code = await runCli(['backup', backupFile], deps, out);
    await deps.db.destroy();
    await load;
    expect([code, out.text()]).toEqual([0, expect.stringMatching(/Säkerhetskopian är skriven/)]);
    expect(fs.statSync(backupFile).mode & 0o777).toBe(0o600);
    const inBackup = await submittedOrganisations(`file:${backupFile}`);
    for (const org of ackedBeforeBackup) expect(inBackup.has(org)).toBe(true);
    expect(acked.size).toBe(60);
  }, 120_000);

  it('restore refuses while the app runs on the database', async () => {
    const deps = cliDeps(dir, url);
    const out = recorder();
    const code = await runCli(['restore', backupFile], deps, out);
    await deps.db.destroy();
    expect(code).toBe(1);
    expect(out.text()).toMatch(/Partnerpuls kör mot/);
    expect(out.text()).toMatch(/Stoppa appen/);
  });

  it('SIGTERM under load: the request in flight completes, every acknowledged answer is kept, exit 0', async () => {
    // a submit whose body is only half sent when the signal arrives
    const inFlightOrg = organisations[60];
    const form = await openForm(base, tokens[60]);
    const req = http.request(`${base}/s/${tokens[60]}/svar`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie, 'content-length': Buffer.byteLength(form.body) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    req.write(form.body.slice(0, 20));
    await new Promise((r) => setTimeout(r, 200)); // let the server start reading it

    const load = pool(
      [...Array(29).keys()].map((i) => i + 61),
      3,
      async (i) => {
        if (await submit(base, tokens[i])) acked.add(organisations[i]);
      },
    );
    await until(() => acked.size >= 65, 'a few more acknowledged answers', child);
    child.kill('SIGTERM');
    await child.waitFor(/Stänger av/, 'the shutdown message');
    req.end(form.body.slice(20));
    expect(await answered).toBe(303);
    acked.add(inFlightOrg);
    await load;
    expect(await exitWithin(child, 30_000)).toBe(0);
    const stored = await submittedOrganisations(url);
    for (const org of acked) expect(stored.has(org)).toBe(true);
    expect(fs.existsSync(`${file}.pid`)).toBe(false);
  }, 120_000);

  it('restore puts the backup back once the app is stopped, keeping the replaced database beside it', async () => {
    const deps = cliDeps(dir, url);
    const out = recorder();
    const code = await runCli(['restore', backupFile], deps, out);
    await deps.db.destroy();
    expect([code, out.text()]).toEqual([0, expect.stringMatching(/Databasen är återställd/)]);
    const restored = await submittedOrganisations(url);
    for (const org of ackedBeforeBackup) expect(restored.has(org)).toBe(true);
    const aside = fs.readdirSync(dir).find((f) => f.startsWith('partnerpuls.sqlite.before-restore-') && !/-(wal|shm)$/.test(f));
    expect(aside).toBeDefined();
    const previous = await submittedOrganisations(`file:${path.join(dir, aside!)}`);
    for (const org of acked) expect(previous.has(org)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  }, 60_000);
});

describe('SIGTERM while the outbox worker sends', () => {
  it('stops after the message in flight; the rest stays queued and nothing is sent twice', async () => {
    const smtp = await startSmtpServer();
    const dir = tmpDir();
    const url = `file:${path.join(dir, 'partnerpuls.sqlite')}`;
    const db = createDb(url);
    await migrateLatest(db);
    const total = 30;
    for (let i = 0; i < total; i++)
      await enqueue(db, {
        kind: 'other',
        roundId: null,
        organisationId: null,
        contactId: null,
        to: `mottagare${i}@example.se`,
        subject: `Meddelande ${i}`,
        text: 'Hej',
        html: null,
        headers: {},
        messageId: `<stopp-${i}@partnerpuls.test>`,
      });
    await db.destroy();
    const env = { DATA_DIR: dir, DATABASE_URL: url, SMTP_URL: smtp.url, SMTP_RATE_PER_SECOND: '4', SMTP_MAX_CONNECTIONS: '1' };
    const child = startServer({ ...env, PORT: String(await freePort()), HOST: '127.0.0.1', HOUSEKEEPING_AT: 'off' });
    try {
      await child.waitFor(/kör på/, 'the start banner');
      await smtp.waitFor(3, 30_000);
      child.kill('SIGTERM');
      expect(await exitWithin(child, 30_000)).toBe(0);
      const check = createDb(url);
      const byStatus = await check('email_outbox').select('status').count({ n: '*' }).groupBy('status');
      await check.destroy();
      const counts = Object.fromEntries(byStatus.map((r) => [String(r.status), Number(r.n)]));
      expect(counts.sending ?? 0).toBe(0);
      expect(counts.sent).toBe(smtp.messages.length);

      const deps = cliDeps(dir, url, env);
      const code = await runCli(['outbox', 'send'], deps, recorder());
      await deps.mailer.close();
      await deps.db.destroy();
      expect(code).toBe(0);
      const ids = smtp.messages.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(total);
    } finally {
      child.kill('SIGKILL');
      await smtp.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
