// "Skicka inbjudningar" and "Påminn de som inte svarat" pressed twice — a double click, two tabs,
// or two app instances behind a load balancer — queue the batch once (issue 9, item 19). Each
// rendering of the form carries a send-request id; the database decides (a unique key on the send
// and a lock on the round). The second press says that the send was already made, with its progress.
// Two app instances, each with its own connection pool, race for real (on SQLite and PostgreSQL).
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../server/app';
import { createDb } from '../../server/db';
import { buildDeps } from '../../server/deps';
import { createUser, csrfFrom, TEST_PASSWORD, testDatabaseKind } from '../helpers/app';
import { textOf } from '../helpers/html';
import { type MailTestEnv, markSubmitted, outboxRows, type Partnership, partnershipWithOpenRound, startMailTestApp } from '../helpers/mail';

let env: MailTestEnv;
beforeEach(async () => {
  env = await startMailTestApp();
});
afterEach(async () => env.close());

/** The browser's cookies, shared by requests to any instance (sessions live in the database). */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: request.Response): request.Response {
    for (const c of (res.headers['set-cookie'] as unknown as string[] | undefined) ?? []) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  }
  get header(): string[] {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`);
  }
}

async function get(app: Express, jar: Jar, url: string) {
  return jar.take(await request(app).get(url).set('Cookie', jar.header).expect(200));
}

async function post(app: Express, jar: Jar, url: string, fields: Record<string, string | string[]>) {
  return jar.take(await request(app).post(url).set('Cookie', jar.header).type('form').send(fields));
}

/** A form POST that must redirect (303). */
async function posted(app: Express, jar: Jar, url: string, fields: Record<string, string | string[]>) {
  const res = await post(app, jar, url, fields);
  expect(res.status).toBe(303);
  return res;
}

/** A logged-in coordinator. */
async function coordinatorCookies(app: Express): Promise<Jar> {
  const user = await createUser(env.t.deps, 'coordinator');
  const jar = new Jar();
  const login = await get(app, jar, '/login');
  const res = await post(app, jar, '/login', { _csrf: csrfFrom(login.text), email: user.email, password: TEST_PASSWORD });
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
  return jar;
}

/** The form's fields as the browser would send them: every hidden field of the page's send form. */
function hiddenFields(html: string, action: string): Record<string, string> {
  const form = new RegExp(`<form[^>]*action="${action}"[\\s\\S]*?</form>`).exec(html);
  if (!form) throw new Error(`no form for ${action}`);
  const out: Record<string, string> = {};
  for (const m of form[0].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]] = m[2];
  return out;
}

async function sendForm(app: Express, jar: Jar, roundId: number) {
  return hiddenFields((await get(app, jar, `/rounds/${roundId}/mail/send`)).text, `/rounds/${roundId}/mail/send`);
}

/** The reminder form as a browser sends it: its hidden fields and the organisations ticked (all not answered). */
async function remindForm(app: Express, jar: Jar, roundId: number) {
  const html = (await get(app, jar, `/rounds/${roundId}/mail/remind`)).text;
  const ticked = [...html.matchAll(/name="organisationIds" value="(\d+)" checked/g)].map((m) => m[1]);
  return { ...hiddenFields(html, `/rounds/${roundId}/mail/remind`), organisationIds: ticked };
}

/** The flash message shown after a redirect. */
async function flashAfter(app: Express, jar: Jar, location: string): Promise<string> {
  return textOf((await get(app, jar, location)).text, '.notice-success, .notice-info');
}

async function counts(p: Partnership) {
  const { db } = env.t.deps;
  const rows = await outboxRows(db, { round_id: p.roundId });
  const tokens = await db('invitation_tokens')
    .join('invitations', 'invitations.id', 'invitation_tokens.invitation_id')
    .where('invitations.round_id', p.roundId);
  return {
    invitations: rows.filter((r) => r.kind === 'invitation').length,
    reminders: rows.filter((r) => r.kind === 'reminder').length,
    links: tokens.length,
  };
}

describe('one send per press (both databases)', () => {
  it('the same invitation form sent twice (a double click) queues the chosen organisations once and says so', async () => {
    const p = await partnershipWithOpenRound(env.t.deps.db, 5);
    const cookies = await coordinatorCookies(env.t.app);
    const form = await sendForm(env.t.app, cookies, p.roundId);
    expect(form.sendRequestId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    const fields = { ...form, scope: 'chosen', locale: 'sv', organisationIds: p.organisationIds.slice(0, 3).map(String) };
    const url = `/rounds/${p.roundId}/mail/send`;
    const first = await posted(env.t.app, cookies, url, fields);
    expect(await flashAfter(env.t.app, cookies, first.headers.location)).toMatch(/^3 inbjudningar till 3 organisationer ligger i kö/);
    const second = await posted(env.t.app, cookies, url, fields);
    expect(second.headers.location).toBe(`/rounds/${p.roundId}/mail`);
    expect(await flashAfter(env.t.app, cookies, second.headers.location)).toMatch(
      /^Inbjudningarna är redan skickade \(kl\. \d\d\.\d\d\): 3 inbjudningar till 3 organisationer\. Skickade hittills: 0 av 3\.$/,
    );
    expect(await counts(p)).toEqual({ invitations: 3, reminders: 0, links: 3 });
  });

  it('two tabs: the page rendered before the first send does not send again', async () => {
    const p = await partnershipWithOpenRound(env.t.deps.db, 4);
    const cookies = await coordinatorCookies(env.t.app);
    const tab1 = await sendForm(env.t.app, cookies, p.roundId);
    const tab2 = await sendForm(env.t.app, cookies, p.roundId);
    expect(tab1.sendRequestId).not.toBe(tab2.sendRequestId);
    const url = `/rounds/${p.roundId}/mail/send`;
    const chosen = { scope: 'chosen', locale: 'sv', organisationIds: p.organisationIds.map(String) };
    await posted(env.t.app, cookies, url, { ...tab1, ...chosen });
    const second = await posted(env.t.app, cookies, url, { ...tab2, ...chosen });
    expect(await flashAfter(env.t.app, cookies, second.headers.location)).toMatch(/^Inbjudningarna är redan skickade/);
    expect(await counts(p)).toEqual({ invitations: 4, reminders: 0, links: 4 });
    // a page rendered after the send may send again (a deliberate new invitation)
    const tab3 = await sendForm(env.t.app, cookies, p.roundId);
    await posted(env.t.app, cookies, url, { ...tab3, ...chosen, organisationIds: [String(p.organisationIds[0])] });
    expect(await counts(p)).toEqual({ invitations: 5, reminders: 0, links: 5 });
  });

  it('the reminder form sent twice reminds once', async () => {
    const p = await partnershipWithOpenRound(env.t.deps.db, 4);
    const cookies = await coordinatorCookies(env.t.app);
    const invite = await sendForm(env.t.app, cookies, p.roundId);
    await posted(env.t.app, cookies, `/rounds/${p.roundId}/mail/send`, { ...invite, scope: 'not_invited', locale: 'sv' });
    await markSubmitted(env.t.deps.db, p.roundId, p.organisationIds[0]);
    const form = await remindForm(env.t.app, cookies, p.roundId);
    const url = `/rounds/${p.roundId}/mail/remind`;
    await posted(env.t.app, cookies, url, form);
    const second = await posted(env.t.app, cookies, url, form);
    expect(await flashAfter(env.t.app, cookies, second.headers.location)).toMatch(
      /^Påminnelserna är redan skickade \(kl\. \d\d\.\d\d\): 3 påminnelser till 3 organisationer\. Skickade hittills: 0 av 3\.$/,
    );
    expect(await counts(p)).toEqual({ invitations: 4, reminders: 3, links: 7 });
  });

  it('one send never queues two e-mails to the same contact (the database refuses it)', async () => {
    const p = await partnershipWithOpenRound(env.t.deps.db, 1);
    const cookies = await coordinatorCookies(env.t.app);
    const form = await sendForm(env.t.app, cookies, p.roundId);
    await posted(env.t.app, cookies, `/rounds/${p.roundId}/mail/send`, { ...form, scope: 'not_invited', locale: 'sv' });
    const [row] = await outboxRows(env.t.deps.db);
    expect(row.send_id).not.toBeNull();
    const copy = { ...row, id: undefined, message_id: '<copy@partnerpuls.test>' };
    await expect(env.t.deps.db('email_outbox').insert(copy)).rejects.toThrow(/unique|UNIQUE/);
  });
});

/** A second app instance on the same database, with its own connection pool. */
function secondInstance(): { app: Express; close: () => Promise<void> } {
  const { config, secret } = env.t.deps;
  const db = createDb(config.databaseUrl);
  const deps = buildDeps(config, { db, secret, mailer: env.t.deps.mailer });
  return { app: createApp(deps), close: () => db.destroy() };
}

// On SQLite the two instances are two connection pools on the one database file (as two processes
// would be); on PostgreSQL two pools on one server. The race is real on both.
describe(`two app instances ${testDatabaseKind() === 'postgres' ? 'on PostgreSQL' : 'on one SQLite file'} race for real`, () => {
  const N = 150;

  it('two coordinators pressing at the same moment on two instances queue the batch once; the other says it was made', async () => {
    const p = await partnershipWithOpenRound(env.t.deps.db, N);
    const other = secondInstance();
    try {
      // two people (two sessions: two tabs of one session would share, and overwrite, one flash message)
      const cookies = await coordinatorCookies(env.t.app);
      const cookies2 = await coordinatorCookies(other.app);
      const tab1 = await sendForm(env.t.app, cookies, p.roundId);
      const tab2 = await sendForm(other.app, cookies2, p.roundId);
      const url = `/rounds/${p.roundId}/mail/send`;
      const fields = { scope: 'not_invited', locale: 'sv' };
      const [a, b] = await Promise.all([
        post(env.t.app, cookies, url, { ...tab1, ...fields }),
        post(other.app, cookies2, url, { ...tab2, ...fields }),
      ]);
      expect([a.status, b.status]).toEqual([303, 303]);
      expect(await counts(p)).toEqual({ invitations: N, reminders: 0, links: N });
      const flashes = [await flashAfter(env.t.app, cookies, a.headers.location), await flashAfter(other.app, cookies2, b.headers.location)];
      expect(flashes.filter((f) => f.startsWith('Inbjudningarna är redan skickade'))).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('the same form posted to two instances at once (a retried request) queues once', async () => {
    const p = await partnershipWithOpenRound(env.t.deps.db, N);
    const other = secondInstance();
    try {
      const cookies = await coordinatorCookies(env.t.app);
      const form = await sendForm(env.t.app, cookies, p.roundId);
      const url = `/rounds/${p.roundId}/mail/send`;
      const fields = { ...form, scope: 'chosen', locale: 'sv', organisationIds: p.organisationIds.map(String) };
      const [a, b] = await Promise.all([post(env.t.app, cookies, url, fields), post(other.app, cookies, url, fields)]);
      expect([a.status, b.status]).toEqual([303, 303]);
      expect(await counts(p)).toEqual({ invitations: N, reminders: 0, links: N });
    } finally {
      await other.close();
    }
  });

  it('reminders pressed in two tabs on two instances at once remind once', async () => {
    const p = await partnershipWithOpenRound(env.t.deps.db, N);
    const other = secondInstance();
    try {
      const cookies = await coordinatorCookies(env.t.app);
      const invite = await sendForm(env.t.app, cookies, p.roundId);
      await posted(env.t.app, cookies, `/rounds/${p.roundId}/mail/send`, { ...invite, scope: 'not_invited', locale: 'sv' });
      const tab1 = await remindForm(env.t.app, cookies, p.roundId);
      const tab2 = await remindForm(other.app, cookies, p.roundId);
      const url = `/rounds/${p.roundId}/mail/remind`;
      const [a, b] = await Promise.all([post(env.t.app, cookies, url, tab1), post(other.app, cookies, url, tab2)]);
      expect([a.status, b.status]).toEqual([303, 303]);
      expect(await counts(p)).toEqual({ invitations: N, reminders: N, links: 2 * N });
    } finally {
      await other.close();
    }
  });
});
