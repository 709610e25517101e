// Sending benchmark: N invitations (default 2000) through the whole outbox — rendering and
// queueing in one transaction, then the worker claiming, sending and marking rows — to an SMTP
// server in this process on 127.0.0.1, compared in the same run with a bare pooled nodemailer
// loop sending N messages of the same size to the same server. Reports messages/s for both and
// the ratio, prints them and writes them to bench/results/mail-<time>.json.
//
//   npx tsx bench/run.ts mail [--n 2000] [--connections 5] [--timeout 300]
//
// Bounded: N ≤ 20 000, a time limit (default 300 s), loopback only, a temporary SQLite database
// (or BENCH_DATABASE_URL=postgres://… for a PostgreSQL database that the benchmark may fill).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../server/config';
import { createDb, migrateLatest, nowIso } from '../server/db';
import { buildDeps } from '../server/deps';
import { CLI } from '../server/services/audit';
import { outboxWorker, sendInvitations } from '../server/services/mailings';
import { pinSurveyVersion } from '../server/services/survey-versions';
import { loadSurveyDir } from '../server/surveys/load';

interface Sink {
  url: string;
  received: () => number;
  waitFor(n: number, deadline: number): Promise<void>;
  close(): Promise<void>;
}

/** A counting SMTP server on 127.0.0.1 that accepts and discards every message. */
async function startSink(): Promise<Sink> {
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 200,
    onData(stream, _session, cb) {
      stream.on('data', () => {});
      stream.on('end', () => {
        count++;
        cb();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => count,
    async waitFor(n, deadline) {
      while (count < n) {
        if (Date.now() > deadline) throw new Error(`time limit: only ${count} of ${n} messages arrived`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function seed(db: ReturnType<typeof createDb>, n: number, year: number): Promise<number> {
  const surveys = await loadSurveyDir(path.resolve(__dirname, '..', 'surveys'));
  const versionId = await pinSurveyVersion(db, surveys[0]);
  const now = nowIso();
  const [panel] = await db('panels')
    .insert({ slug: `bench-${Date.now()}`, name: 'Benchmark', created_at: now })
    .returning('id');
  const panelId = Number(typeof panel === 'object' ? panel.id : panel);
  for (let start = 0; start < n; start += 200) {
    const batch = Array.from({ length: Math.min(200, n - start) }, (_, i) => start + i);
    const orgIds: number[] = [];
    for (const i of batch) {
      const [o] = await db('organisations')
        .insert({
          name: `Benchorganisation ${i + 1}`,
          type: 'kommun',
          municipality: 'Exempelstad',
          active: true,
          created_at: now,
          updated_at: now,
        })
        .returning('id');
      orgIds.push(Number(typeof o === 'object' ? o.id : o));
    }
    await db('contacts').insert(
      orgIds.map((id, k) => ({
        organisation_id: id,
        name: `Kontakt ${batch[k] + 1}`,
        email: `kontakt${batch[k] + 1}@bench.example.se`,
        active: true,
        created_at: now,
        updated_at: now,
      })),
    );
    await db('panel_memberships').insert(orgIds.map((id) => ({ panel_id: panelId, organisation_id: id, year })));
  }
  const [round] = await db('rounds')
    .insert({
      survey_version_id: versionId,
      survey_id: surveys[0].definition.id,
      year,
      panel_id: panelId,
      title: `Benchmarkomgång ${year}`,
      state: 'oppen',
      opens_at: now,
      closes_at: new Date(Date.now() + 14 * 86400_000).toISOString(),
      contact_name: 'Sam Samordnare',
      contact_email: 'samordnare@region.example.se',
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return Number(typeof round === 'object' ? round.id : round);
}

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000 * 10) / 10;

export async function runMailBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { n: { type: 'string' }, connections: { type: 'string' }, timeout: { type: 'string' } },
    strict: true,
  });
  const n = Math.min(20_000, Math.max(1, Number(values.n ?? 2000) || 2000));
  const connections = Math.min(50, Math.max(1, Number(values.connections ?? 5) || 5));
  const deadline = Date.now() + Math.min(1800, Math.max(10, Number(values.timeout ?? 300) || 300)) * 1000;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerpuls-bench-'));
  const sink = await startSink();
  const config = loadConfig({
    NODE_ENV: 'production',
    DATA_DIR: tmp,
    DATABASE_URL: process.env.BENCH_DATABASE_URL || `file:${path.join(tmp, 'bench.sqlite')}`,
    BASE_URL: 'https://partnerpuls.bench.example',
    SMTP_URL: sink.url,
    SMTP_RATE_PER_SECOND: '10000',
    SMTP_MAX_CONNECTIONS: String(connections),
    OUTBOX_WORKER: 'false',
    DEMO: 'false',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0000',
  });
  console.log(
    `Sending benchmark: ${n} messages, ${connections} SMTP connections, ${config.databaseUrl.startsWith('file:') ? 'SQLite' : 'PostgreSQL'}, SMTP on ${sink.url}`,
  );
  try {
    // 1. The outbox: queue (render + invitations + tokens + rows in one transaction), then send.
    const db = createDb(config.databaseUrl);
    await migrateLatest(db);
    const deps = buildDeps(config, { db });
    const roundId = await seed(db, n, 2026);
    const q0 = Date.now();
    const queued = await sendInvitations(deps, CLI, roundId, { organisationIds: null, locale: 'sv' });
    const queueMs = Date.now() - q0;
    const sample = await db('email_outbox').first('text_body', 'html_body', 'subject');
    if (!sample) throw new Error('the outbox is empty: nothing was queued');
    const worker = outboxWorker(deps, { batchSize: 100, schedulerEveryMs: 0 });
    const s0 = Date.now();
    while (sink.received() < queued.messages) {
      if (Date.now() > deadline) throw new Error('time limit reached while the outbox was sending');
      const r = await worker.runOnce();
      if (r.claimed === 0) await new Promise((res) => setTimeout(res, 5));
    }
    const outboxSendMs = Date.now() - s0;
    const sentRows = Number((await db('email_outbox').where({ status: 'sent' }).count<{ c: number }[]>({ c: '*' }))[0].c);
    await deps.mailer.close();
    await db.destroy();

    // 2. The bare loop: the same pooled transport settings, the same message size, no database.
    const before = sink.received();
    const transport = nodemailer.createTransport({
      url: sink.url,
      pool: true,
      maxConnections: connections,
      maxMessages: 500,
      rateLimit: 10000,
      rateDelta: 1000,
    });
    const b0 = Date.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      sends.push(
        transport.sendMail({
          from: config.mailFrom,
          to: `kontakt${i + 1}@bench.example.se`,
          subject: sample.subject,
          text: sample.text_body ?? 'x',
          html: sample.html_body ?? undefined,
        }),
      );
    }
    await Promise.all(sends);
    await sink.waitFor(before + n, deadline);
    const bareMs = Date.now() - b0;
    transport.close();

    const result = {
      at: new Date().toISOString(),
      messages: n,
      connections,
      database: config.databaseUrl.startsWith('file:') ? 'sqlite' : 'postgres',
      node: process.version,
      cpus: os.cpus().length,
      outbox: {
        queueMs,
        sendMs: outboxSendMs,
        queuedPerSecond: rate(queued.messages, queueMs),
        sentPerSecond: rate(queued.messages, outboxSendMs),
        endToEndPerSecond: rate(queued.messages, queueMs + outboxSendMs),
        sentRows,
      },
      bare: { sendMs: bareMs, sentPerSecond: rate(n, bareMs) },
      ratio: {
        outboxSendVsBare: Math.round((rate(queued.messages, outboxSendMs) / rate(n, bareMs)) * 1000) / 1000,
        outboxEndToEndVsBare: Math.round((rate(queued.messages, queueMs + outboxSendMs) / rate(n, bareMs)) * 1000) / 1000,
      },
    };
    console.log('');
    console.log(
      `  Outbox: queued ${queued.messages} in ${queueMs} ms (${result.outbox.queuedPerSecond} msg/s), sent in ${outboxSendMs} ms (${result.outbox.sentPerSecond} msg/s), end to end ${result.outbox.endToEndPerSecond} msg/s`,
    );
    console.log(`  Bare pooled nodemailer loop: ${n} in ${bareMs} ms (${result.bare.sentPerSecond} msg/s)`);
    console.log(`  Ratio outbox/bare: sending ${result.ratio.outboxSendVsBare}, end to end ${result.ratio.outboxEndToEndVsBare}`);
    if (sentRows !== queued.messages) console.log(`  WARNING: ${sentRows} of ${queued.messages} rows are marked sent`);
    const dir = path.resolve(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `mail-${result.at.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\n  Written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await sink.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
