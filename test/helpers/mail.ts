// Shared set-up for the e-mail tests: an app wired to an in-process SMTP server, a partnership
// with an open round, a worker to drain the outbox, and small look-ups.
import type { Knex } from 'knex';
import type { OutboxWorker, WorkerOptions } from '../../server/mail/worker';
import { outboxWorker } from '../../server/services/mailings';
import { nowIso } from '../../server/db';
import { createContact, createOrganisation, createPanel, createRound } from './fixtures';
import { startTestApp, type TestApp } from './app';
import { startSmtpServer, type TestSmtp } from './smtp';

export interface MailTestEnv {
  t: TestApp;
  smtp: TestSmtp;
  close(): Promise<void>;
}

export async function startMailTestApp(env: Record<string, string> = {}): Promise<MailTestEnv> {
  const smtp = await startSmtpServer();
  const t = await startTestApp({
    SMTP_URL: smtp.url,
    SMTP_RATE_PER_SECOND: '10000',
    SMTP_MAX_CONNECTIONS: '3',
    MAIL_MAX_ATTEMPTS: '5',
    ...env,
  });
  return {
    t,
    smtp,
    async close() {
      await t.deps.mailer.close();
      await t.close();
      await smtp.close();
    },
  };
}

/** A worker with quick retries and no scheduler, for tests. */
export function testWorker(t: TestApp, opts: WorkerOptions = {}): OutboxWorker {
  return outboxWorker(t.deps, { backoffBaseMs: 1, backoffMaxMs: 5, pollMs: 10, schedulerEveryMs: 0, batchSize: 10, ...opts });
}

/** Drains the outbox, waiting out short backoffs, until nothing is queued or sending. */
export async function drainAll(t: TestApp, worker = testWorker(t), maxRounds = 200): Promise<void> {
  for (let i = 0; i < maxRounds; i++) {
    await worker.drain();
    const left = await t.deps.db('email_outbox').whereIn('status', ['queued', 'sending']).count<{ n: number }[]>({ n: '*' });
    if (Number(left[0].n) === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the outbox did not drain');
}

export interface Partnership {
  panelId: number;
  roundId: number;
  organisationIds: number[];
  /** contactIds[i] are the contacts of organisationIds[i] */
  contactIds: number[][];
}

/** n organisations with `contactsEach` contacts each, in a panel for `year`, and an open round. */
export async function partnershipWithOpenRound(
  db: Knex,
  n: number,
  opts: { contactsEach?: number; year?: number; closesAt?: string; state?: string } = {},
): Promise<Partnership> {
  const year = opts.year ?? 2026;
  const organisationIds: number[] = [];
  const contactIds: number[][] = [];
  const types = ['kommun', 'foretagsframjande', 'larosate'];
  for (let i = 0; i < n; i++) {
    const id = await createOrganisation(db, { name: `Organisation ${String(i + 1).padStart(2, '0')}`, type: types[i % 3] });
    organisationIds.push(id);
    const cs: number[] = [];
    for (let k = 0; k < (opts.contactsEach ?? 1); k++)
      cs.push(
        await createContact(db, id, {
          name: `Kontakt ${i + 1}-${k + 1}`,
          email: `kontakt${i + 1}-${k + 1}@org${i + 1}.example.se`,
          phone: `010-${100 + i}`,
        }),
      );
    contactIds.push(cs);
  }
  const panelId = await createPanel(db, organisationIds, year);
  const roundId = await createRound(db, { year, panelId, state: opts.state ?? 'oppen', closesAt: opts.closesAt });
  return { panelId, roundId, organisationIds, contactIds };
}

export async function outboxRows(db: Knex, where: Record<string, unknown> = {}) {
  return db('email_outbox').where(where).orderBy('id');
}

export async function markSubmitted(db: Knex, roundId: number, organisationId: number): Promise<void> {
  const now = nowIso();
  await db('responses').insert({
    round_id: roundId,
    organisation_id: organisationId,
    status: 'submitted',
    version: 1,
    revision: 1,
    submitted_at: now,
    saved_at: now,
    started_at: now,
    source: 'web',
    created_at: now,
    updated_at: now,
  });
}

/** Counts how many times each Message-ID arrived. */
export function deliveriesByMessageId(smtp: TestSmtp): Map<string, number> {
  const m = new Map<string, number>();
  for (const msg of smtp.messages) m.set(msg.messageId, (m.get(msg.messageId) ?? 0) + 1);
  return m;
}
