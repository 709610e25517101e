// Saving and submitting when the database is contended (issue 9, items 20 and 21):
//   * a double-clicked "Skicka in" after a draft — two identical submits at the same moment, real
//     concurrent requests — gives the receipt both times (on PostgreSQL the second used to be told
//     "Dina svar har inte sparats" though the first had stored exactly those answers);
//   * SQLite: while another process holds the database's write lock, a save waits for it (the
//     transaction takes the write lock at its start, as BEGIN IMMEDIATE) instead of failing at
//     once; when the lock is held for longer than the database waits, the page says in Swedish
//     that the answers were not saved, and keeps them in the form.
import { type ChildProcess, spawn } from 'node:child_process';
import request from 'supertest';
import { sqliteFileOf } from '../../server/config';
import { ensureInvitation, issueToken } from '../../server/services/invitations';
import { type Agent, csrfFrom, startTestApp, type TestApp, testDatabaseKind } from '../helpers/app';
import { createPartnership, createRound, TEST_LINK_CAUSE } from '../helpers/fixtures';
import { page, textOf } from '../helpers/html';

let t: TestApp;
const db = () => t.deps.db;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const FULL = { rus_planering: 'hog', rus_statistik: 'viss_del', fortroende_rua: 'hogt', kommentar_rus: 'Bra arbete.', kommentar_rua: '' };

async function setup(n: number) {
  const year = 2025;
  const p = await createPartnership(db(), n, year);
  const roundId = await createRound(db(), { year, panelId: p.panelId });
  const tokens: string[] = [];
  for (const [i, orgId] of p.organisationIds.entries())
    tokens.push(await issueToken(db(), await ensureInvitation(db(), roundId, orgId), p.contactIds[i], TEST_LINK_CAUSE));
  return { ...p, roundId, tokens };
}

async function openForm(agent: Agent, token: string) {
  const res = await agent.get(`/s/${token}/svar`).expect(200);
  return { csrf: csrfFrom(res.text), version: /name="_version" value="(\d+)"/.exec(res.text)?.[1] ?? '' };
}

function post(agent: Agent, token: string, form: { csrf: string; version: string }, action: 'save' | 'submit', answers: object) {
  return agent
    .post(`/s/${token}/svar`)
    .type('form')
    .send({ _csrf: form.csrf, _version: form.version, _action: action, ...answers });
}

describe(`a double-clicked "Skicka in" after a draft (${testDatabaseKind()})`, () => {
  it('gives the receipt to both clicks, with one submitted revision, for every organisation', async () => {
    const s = await setup(40);
    const outcomes: Array<{ org: number; statuses: number[]; locations: string[] }> = [];
    const doubleClick = async (token: string, i: number) => {
      const agent = request.agent(t.app);
      await post(agent, token, await openForm(agent, token), 'save', { rus_planering: 'hog' }).expect(303);
      const form = await openForm(agent, token); // the draft, version 1
      const [a, b] = await Promise.all([post(agent, token, form, 'submit', FULL), post(agent, token, form, 'submit', FULL)]);
      outcomes.push({ org: s.organisationIds[i], statuses: [a.status, b.status], locations: [a.headers.location, b.headers.location] });
    };
    // a few organisations at a time (the per-address limit on /s/ counts requests in flight)
    for (let i = 0; i < s.tokens.length; i += 5) await Promise.all(s.tokens.slice(i, i + 5).map((token, k) => doubleClick(token, i + k)));
    const failed = outcomes.filter((o) => o.statuses.some((st) => st !== 303));
    expect(failed.map((o) => `organisation ${o.org}: ${o.statuses.join(', ')}`)).toEqual([]);
    for (const o of outcomes) expect(o.locations.every((l) => l.endsWith('/kvitto'))).toBe(true);
    for (const orgId of s.organisationIds) {
      const rows = await db()('responses').where({ round_id: s.roundId, organisation_id: orgId });
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe('submitted');
      expect(await db()('response_revisions').where({ response_id: rows[0].id, kind: 'submitted' })).toHaveLength(1);
    }
  });
});

/** Another process that takes SQLite's write lock (BEGIN IMMEDIATE), says so, and keeps it for `ms`. */
function holdWriteLock(file: string, ms: number): Promise<{ child: ChildProcess; released: Promise<void> }> {
  const script = `
    const sqlite3 = require(${JSON.stringify(require.resolve('sqlite3'))});
    const db = new sqlite3.Database(process.argv[1]);
    db.exec('PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE;', (err) => {
      if (err) { console.log('error ' + err.message); process.exit(1); }
      console.log('locked');
      setTimeout(() => db.exec('COMMIT', () => db.close(() => process.exit(0))), Number(process.argv[2]));
    });`;
  const child = spawn(process.execPath, ['-e', script, file, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const released = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) resolve({ child, released });
      else reject(new Error(d.toString()));
    });
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before taking the lock`)));
  });
}

// PostgreSQL has no database-wide write lock: these run on SQLite only.
if (testDatabaseKind() === 'sqlite') describeSqliteLocks();

function describeSqliteLocks(): void {
  describe('SQLite: a write lock held by another process', () => {
    const file = () => sqliteFileOf(t.config.databaseUrl)!;

    it('makes a save wait for it (1,5 s), then saves: no error page', async () => {
      const s = await setup(1);
      const agent = request.agent(t.app);
      const form = await openForm(agent, s.tokens[0]);
      const lock = await holdWriteLock(file(), 1500);
      const res = await post(agent, s.tokens[0], form, 'save', { rus_planering: 'liten' });
      await lock.released;
      expect(res.status).toBe(303);
      expect(res.headers.location).toContain('sparat=1');
      const stored = await db()('responses as r')
        .join('answers as a', 'a.response_id', 'r.id')
        .where({ 'r.round_id': s.roundId, 'a.question_id': 'rus_planering' })
        .first<{ status: string; option_code: string } | undefined>('r.status', 'a.option_code');
      expect(stored).toEqual({ status: 'draft', option_code: 'liten' });
    });

    it('held longer than the database waits: the page says the answers were not saved, in Swedish, and keeps them', async () => {
      const s = await setup(1);
      const agent = request.agent(t.app);
      const form = await openForm(agent, s.tokens[0]);
      const lock = await holdWriteLock(file(), 6500); // busy_timeout is 5 s
      const res = await post(agent, s.tokens[0], form, 'submit', { ...FULL, kommentar_rus: 'Texten jag skrev' });
      await lock.released;
      expect(res.status).toBe(503);
      const notice = textOf(res.text, '#not-saved');
      expect(notice).toContain('Era svar har inte skickats in');
      expect(notice).toContain('databasen var upptagen');
      expect(res.text).not.toContain('Något gick fel');
      const $ = page(res.text);
      expect($('input[name="rus_planering"][value="hog"]').attr('checked')).toBeDefined();
      expect($('#field-kommentar_rus').text() || $('#field-kommentar_rus').attr('value')).toBe('Texten jag skrev');
      expect(await db()('responses').where({ round_id: s.roundId })).toHaveLength(0);
      // once the lock is gone, the same form goes through
      const again = await post(agent, s.tokens[0], form, 'submit', FULL);
      expect(again.status).toBe(303);
      expect(again.headers.location).toMatch(/\/kvitto$/);
    });
  });
}
