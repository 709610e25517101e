// /health and /health/ready, and the request log (issue 12).
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../server/app';
import { migrateLatest } from '../../server/db';
import { insertOutboxMessage as enqueue } from '../../server/repositories/outbox';
import { startOutboxWorker } from '../../server/mail/worker';
import { outboxWorkerDeps } from '../../server/services/mailings';
import { migrationSource } from '../../migrations';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

function copyViews(): string {
  const dir = path.join(t.tmpDir, `views-${Date.now()}`);
  fs.cpSync(t.config.viewsDir, dir, { recursive: true });
  return dir;
}

interface ReadyBody {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string; due?: number; behindSeconds?: number }>;
}

describe('/health and /health/ready', () => {
  it('/health answers while the process is alive; /health/ready checks database, migrations, views and outbox', async () => {
    await request(t.app).get('/health').expect(200, { status: 'ok' });
    const res = await request(t.app).get('/health/ready').expect(200);
    const body = res.body as ReadyBody;
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks)).toEqual(expect.arrayContaining(['database', 'migrations', 'views', 'outbox']));
    expect(body.checks.outbox).toMatchObject({ ok: true, due: 0, behindSeconds: 0 });
  });

  it('goes red when the views are missing — when every page would fail', async () => {
    const app = createApp({ ...t.deps, config: { ...t.config, viewsDir: path.join(t.tmpDir, 'no-views-here') } });
    await request(app).get('/login').expect(500);
    const res = await request(app).get('/health/ready').expect(503);
    const body = res.body as ReadyBody;
    expect(body.status).toBe('fail');
    expect(body.checks.views.ok).toBe(false);
    expect(body.checks.views.detail).toMatch(/no-views-here/);
    await request(app).get('/health').expect(200);
  });

  it('goes red when the views disappear after the start (the view cache would hide it until the next restart)', async () => {
    const viewsDir = copyViews();
    const app = createApp({ ...t.deps, config: { ...t.config, viewsDir, viewCache: true } });
    await request(app).get('/login').expect(200);
    await request(app).get('/health/ready').expect(200);
    fs.rmSync(path.join(viewsDir, 'pages'), { recursive: true });
    const res = await request(app).get('/health/ready').expect(503);
    expect((res.body as ReadyBody).checks.views.ok).toBe(false);
  });

  it('goes red with a pending migration, naming it', async () => {
    await t.deps.db.migrate.rollback({ migrationSource }, false);
    try {
      const res = await request(t.app).get('/health/ready').expect(503);
      expect((res.body as ReadyBody).checks.migrations.detail).toMatch(/\d{14}_/);
    } finally {
      await migrateLatest(t.deps.db);
    }
    await request(t.app).get('/health/ready').expect(200);
  });

  it('says how far the outbox is behind, and goes red while this instance should run a worker and does not', async () => {
    const id = await enqueue(t.deps.db, {
      kind: 'other',
      roundId: null,
      organisationId: null,
      contactId: null,
      to: 'mottagare@example.se',
      subject: 'Hej',
      text: 'Hej',
      html: null,
      headers: {},
      messageId: '<health@test>',
    });
    await t.deps
      .db('email_outbox')
      .where({ id })
      .update({ next_attempt_at: new Date(Date.now() - 3600_000).toISOString() });
    const withWorker = { ...t.deps, config: { ...t.config, outboxWorker: true } };
    const app = createApp(withWorker);
    const red = (await request(app).get('/health/ready').expect(503)).body as ReadyBody;
    expect(red.checks.outbox).toMatchObject({ ok: false, due: 1 });
    expect(red.checks.outbox.behindSeconds).toBeGreaterThanOrEqual(3500);

    const sent: string[] = [];
    const stop = startOutboxWorker({
      ...outboxWorkerDeps(withWorker),
      heartbeats: withWorker.heartbeats,
      mailer: {
        kind: 'custom',
        description: 'test',
        send: (m) => {
          sent.push(m.to);
          return Promise.resolve({ response: '250 ok' });
        },
        close: () => Promise.resolve(),
      },
    });
    try {
      await request(app).get('/health/ready').expect(200);
    } finally {
      await stop();
    }
    await request(app).get('/health/ready').expect(503);
  });
});

describe('the request log', () => {
  it('one JSON line per request: method, route, status, time — no tokens, query strings, addresses or cookies', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const logger = pino({ level: 'info', base: undefined }, sink);
    const app = createApp({ ...t.deps, logger });
    const token = 'hemligtoken1234567890abcdefghijklmnop';
    await request(app).get(`/s/${token}?email=anna@example.se`).set('Cookie', 'pp.sid=secretcookie');
    await request(app).get('/login');
    const log = lines.join('\n');
    expect(log).not.toContain(token);
    expect(log).not.toContain('anna@example.se');
    expect(log).not.toContain('secretcookie');
    expect(log).not.toMatch(/127\.0\.0\.1|remoteAddress|user-agent/i);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const login = entries.find((e) => (e.req as { url?: string } | undefined)?.url === '/login');
    expect(login).toMatchObject({ route: '/login', res: { statusCode: 200 }, req: { method: 'GET', url: '/login' } });
    expect(typeof login?.responseTime).toBe('number');
    const respond = entries.find((e) => String((e.req as { url?: string } | undefined)?.url).startsWith('/s/'));
    expect((respond?.req as { url: string }).url).toBe('/s/***');
  });
});
