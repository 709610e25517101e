// The outbox worker: claims due rows from email_outbox, sends them through the Mailer, and
// records the outcome. Started from server/background.ts when OUTBOX_WORKER is true (default).
//
// - Claiming: PostgreSQL uses SELECT … FOR UPDATE SKIP LOCKED, so several app instances can run a
//   worker each and a row is never sent by two of them; SQLite runs one worker (conditional update).
// - Outcome: sent → bodies cleared; 4xx reply or connection error → back to the queue with
//   exponential backoff; after MAIL_MAX_ATTEMPTS tries → failed (visible, can be retried by hand);
//   5xx reply to RCPT TO/DATA → bounced, and the contact gets bounced_at + bounce_reason.
// - A row left in 'sending' by a crashed worker is reclaimed after staleAfterMs (5 minutes; a send
//   times out long before that, see transport.ts), so at most the message that was on the wire at
//   a hard crash can go out twice.
// - The loop also runs the reminder scheduler once a minute (services/mailings.ts).
// - stop() lets the batch in flight finish before it resolves.
import crypto from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Heartbeats } from '../lib/heartbeats';
import { bool, nowIso } from '../db';
import { audit, SYSTEM } from '../services/audit';
import { queueScheduledReminders } from '../services/mailings';
import { releaseClaimed } from '../repositories/outbox-claims';
import { claimDue, markBounced, markRetryOrFailed, markSent, type OutboxRow } from './outbox';
import type { Mailer } from './transport';

export interface WorkerDeps {
  db: Knex;
  config: Config;
  logger: Logger;
  mailer: Mailer;
  heartbeats?: Heartbeats;
}

export interface WorkerOptions {
  workerId?: string;
  /** Rows claimed per batch. */
  batchSize?: number;
  /** Messages sent at the same time within a batch (the SMTP pool limits connections itself). */
  concurrency?: number;
  /** Wait between polls when nothing is due. */
  pollMs?: number;
  /** A row in 'sending' longer than this is taken to be from a crashed worker and reclaimed. */
  staleAfterMs?: number;
  /** First retry delay; doubled for every further attempt, up to backoffMaxMs. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How often the reminder scheduler runs; 0 turns it off. */
  schedulerEveryMs?: number;
}

type ContactFlags = { opted_out_at: string | null; bounced_at: string | null; erased_at: string | null; active: unknown };

export interface BatchResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  bounced: number;
}

export type SendOutcome = { kind: 'sent' } | { kind: 'temporary'; error: string } | { kind: 'permanent'; error: string };

/** Permanent only for a 5xx reply to the recipient or the message (RCPT TO, DATA); 503 and login/sender problems are ours, not the contact's. */
export function classifySendError(err: unknown): SendOutcome {
  const e = err as { responseCode?: number; command?: string; code?: string; response?: string; message?: string };
  const text = String(e?.response || e?.message || err)
    .replace(/\s+/g, ' ')
    .trim();
  const code = typeof e?.responseCode === 'number' ? e.responseCode : null;
  if (code !== null && code >= 500 && code < 600 && code !== 503 && (e.command === 'RCPT TO' || e.command === 'DATA')) {
    return { kind: 'permanent', error: text };
  }
  if (e?.code === 'EENVELOPE' && e.command === 'API' && /recipient/i.test(String(e.message))) {
    return { kind: 'permanent', error: text };
  }
  return { kind: 'temporary', error: (e?.code ? `${e.code}: ` : '') + text };
}

/** Delay before the next try after `attempts` tries: base · 2^(attempts−1), at most max, ±20 % jitter. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(d * (0.8 + Math.random() * 0.4));
}

/** The reply text with the recipient's address taken out (bounce_reason and last_error hold no e-mail addresses). */
function withoutAddress(text: string, address: string | null): string {
  let s = text;
  if (address) s = s.split(address).join('[adressen]');
  return s.replace(/[^\s<>@"]+@[^\s<>@"]+/g, '[adress]');
}

export class OutboxWorker {
  readonly workerId: string;
  private readonly opts: Required<Omit<WorkerOptions, 'workerId'>>;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastSchedulerRun = 0;

  constructor(
    private readonly deps: WorkerDeps,
    options: WorkerOptions = {},
  ) {
    this.workerId = (options.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`).slice(0, 100);
    this.opts = {
      batchSize: options.batchSize ?? 50,
      concurrency: options.concurrency ?? Math.max(4, deps.config.smtpMaxConnections * 4),
      pollMs: options.pollMs ?? 2000,
      staleAfterMs: options.staleAfterMs ?? 5 * 60_000,
      backoffBaseMs: options.backoffBaseMs ?? 60_000,
      backoffMaxMs: options.backoffMaxMs ?? 60 * 60_000,
      schedulerEveryMs: options.schedulerEveryMs ?? 60_000,
    };
  }

  /** Claims one batch of due rows and sends it. */
  async runOnce(): Promise<BatchResult> {
    const { db } = this.deps;
    const now = Date.now();
    const rows = await claimDue(
      db,
      this.workerId,
      this.opts.batchSize,
      new Date(now).toISOString(),
      new Date(now - this.opts.staleAfterMs).toISOString(),
    );
    const result: BatchResult = { claimed: rows.length, sent: 0, retried: 0, failed: 0, bounced: 0 };
    // Whether each recipient may still be e-mailed (opted out, bounced or erased since queueing), in one query.
    const contactIds = [...new Set(rows.map((r) => r.contactId).filter((id): id is number => id !== null))];
    const contacts = new Map<number, ContactFlags>();
    if (contactIds.length) {
      for (const c of await db('contacts').whereIn('id', contactIds).select('id', 'opted_out_at', 'bounced_at', 'erased_at', 'active'))
        contacts.set(Number(c.id), c);
    }
    let next = 0;
    const lane = async () => {
      // when stopping, each lane finishes the message it is sending and takes no new one
      while (next < rows.length && !this.stopping) {
        const row = rows[next++];
        const outcome = await this.sendRow(row, contacts);
        result[outcome]++;
        this.deps.heartbeats?.beat('outbox');
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, rows.length) }, lane));
    if (next < rows.length)
      await releaseClaimed(
        db,
        rows.slice(next).map((r) => r.id),
        this.workerId,
      ); // back to the queue, not sent
    if (rows.length) this.deps.logger.info({ worker: this.workerId, ...result }, 'outbox batch');
    return result;
  }

  /** Runs batches until nothing is due (for the CLI, tests and the benchmark). */
  async drain(maxBatches = 10_000): Promise<BatchResult> {
    const total: BatchResult = { claimed: 0, sent: 0, retried: 0, failed: 0, bounced: 0 };
    for (let i = 0; i < maxBatches && !this.stopping; i++) {
      const r = await this.runOnce();
      for (const k of Object.keys(total) as Array<keyof BatchResult>) total[k] += r[k];
      if (r.claimed === 0) break;
    }
    return total;
  }

  private async sendRow(row: OutboxRow, contacts: Map<number, ContactFlags>): Promise<'sent' | 'retried' | 'failed' | 'bounced'> {
    const { db, config, mailer, logger } = this.deps;
    if (!row.toAddress || row.textBody === null) {
      // erased contact, or the body was cleared: nothing can be sent
      await markRetryOrFailed(
        db,
        { ...row, attempts: Number.MAX_SAFE_INTEGER },
        this.workerId,
        'Mottagaren eller meddelandet finns inte längre (raderad kontakt).',
        config.mailMaxAttempts,
        nowIso(),
      );
      return 'failed';
    }
    if (row.contactId) {
      const c = contacts.get(row.contactId);
      const why =
        !c || c.erased_at
          ? 'Kontakten är raderad'
          : !bool(c.active)
            ? 'Kontakten är inaktiverad'
            : c.opted_out_at
              ? 'Mottagaren har avregistrerat sig'
              : c.bounced_at
                ? 'Adressen har studsat tidigare'
                : null;
      if (why) {
        await markRetryOrFailed(
          db,
          { ...row, attempts: Number.MAX_SAFE_INTEGER },
          this.workerId,
          `${why}; skickades inte.`,
          config.mailMaxAttempts,
          nowIso(),
        );
        return 'failed';
      }
    }
    let outcome: SendOutcome;
    try {
      await mailer.send({
        outboxId: row.id,
        from: config.mailFrom,
        to: row.toAddress,
        subject: row.subject,
        text: row.textBody,
        html: row.htmlBody,
        messageId: row.messageId,
        headers: row.headers,
      });
      outcome = { kind: 'sent' };
    } catch (err) {
      outcome = classifySendError(err);
    }
    if (outcome.kind === 'sent') {
      const ok = await markSent(db, row.id, this.workerId);
      if (!ok) logger.warn({ outbox: row.id, worker: this.workerId }, 'outbox row was reclaimed while it was being sent');
      return 'sent';
    }
    const error = withoutAddress(outcome.error, row.toAddress);
    if (outcome.kind === 'permanent') {
      await markBounced(db, row, this.workerId, error);
      if (row.contactId)
        await audit(db, SYSTEM, 'mail.bounced', { type: 'contact', id: row.contactId }, { outboxId: row.id, roundId: row.roundId });
      return 'bounced';
    }
    const r = await markRetryOrFailed(
      db,
      row,
      this.workerId,
      error,
      config.mailMaxAttempts,
      new Date(Date.now() + backoffMs(row.attempts, this.opts.backoffBaseMs, this.opts.backoffMaxMs)).toISOString(),
    );
    if (r === 'failed') {
      logger.warn({ outbox: row.id, attempts: row.attempts }, 'outbox message failed after the last attempt');
      await audit(db, SYSTEM, 'mail.failed', { type: 'email_outbox', id: row.id }, { attempts: row.attempts, roundId: row.roundId });
      return 'failed';
    }
    return 'retried';
  }

  private async schedulerTick(): Promise<void> {
    if (!this.opts.schedulerEveryMs || Date.now() - this.lastSchedulerRun < this.opts.schedulerEveryMs) return;
    this.lastSchedulerRun = Date.now();
    try {
      const queued = await queueScheduledReminders(this.deps, new Date());
      if (queued) this.deps.logger.info({ queued }, 'scheduled reminders queued');
    } catch (err) {
      this.deps.logger.error({ err }, 'reminder scheduler failed');
    }
  }

  /** Starts the loop in the background. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        this.deps.heartbeats?.beat('outbox');
        let claimed = 0;
        try {
          await this.schedulerTick();
          claimed = (await this.runOnce()).claimed;
        } catch (err) {
          this.deps.logger.error({ err }, 'outbox worker error');
        }
        if (claimed === 0 && !this.stopping) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.opts.pollMs);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = null;
        }
      }
    })();
  }

  /** Stops after the batch in flight has finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }
}

/** For server/background.ts: starts a worker when config.outboxWorker is true; returns its stop. */
export function startOutboxWorker(deps: WorkerDeps): () => Promise<void> {
  if (!deps.config.outboxWorker) return async () => {};
  const worker = new OutboxWorker(deps);
  worker.start();
  deps.heartbeats?.started('outbox');
  deps.logger.info({ worker: worker.workerId, mailer: deps.mailer.description }, 'outbox worker started');
  return async () => {
    await worker.stop();
    deps.heartbeats?.stopped('outbox');
  };
}
