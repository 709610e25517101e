// The outbox worker: claims due rows from email_outbox, sends them through the Mailer, and
// records the outcome. Started from server/background.ts when OUTBOX_WORKER is true (default).
//
// - Claiming: PostgreSQL uses SELECT … FOR UPDATE SKIP LOCKED, so several app instances can run a
//   worker each and a row is never sent by two of them; SQLite runs one worker (conditional update).
// - Outcome: sent → bodies cleared; 4xx reply or connection error → back to the queue with
//   exponential backoff; after MAIL_MAX_ATTEMPTS tries → failed (visible, can be retried by hand);
//   5xx reply to RCPT TO/DATA → bounced, and the contact gets bounced_at + bounce_reason.
// - Claims are short and kept alive: while a batch is being sent, a heartbeat renews claimed_at of
//   its rows every heartbeatMs (20 s); a claim not renewed for staleAfterMs (60 s) is taken to be
//   from a crashed worker and the row is due again. Before each message the worker makes sure it
//   still holds the row (renewed within the last two heartbeats, else renewed there and then): a
//   worker that stalled so long that another one took the row over leaves it alone ("released").
//   So a living sender's messages are never sent by another worker, and after a hard crash at most
//   the messages that were on the wire at that moment can go out twice (with the same Message-ID).
// - The loop also runs the scheduled jobs once a minute (runScheduler): the scheduled invitations,
//   the scheduled reminders, and the bounce mailbox when one is configured.
// - stop() lets the batch in flight finish before it resolves.
//
// The worker sits below the services: what it needs from them (the audit log, the reminder
// scheduler) it is handed as functions in WorkerDeps — see outboxWorkerDeps in services/mailings.ts.
import crypto from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Heartbeats } from '../lib/heartbeats';
import { nowIso } from '../db';
import { contactsByIds, markContactBounced, type MailContactRow } from '../repositories/mailings';
import {
  claimDue,
  markBounced,
  markFailed,
  markForRetry,
  markSent,
  type OutboxMessage,
  releaseClaimed,
  renewClaims,
} from '../repositories/outbox';
import { inTransaction } from '../repositories/transaction';
import type { Mailer } from './transport';

/** What the worker writes to the audit log: a bounced contact, a message failed after its last attempt. */
export type WorkerAudit = (
  action: 'mail.bounced' | 'mail.failed',
  entity: { type: 'contact' | 'email_outbox'; id: number },
  details: Record<string, unknown>,
) => Promise<void>;

export interface WorkerDeps {
  db: Knex;
  config: Config;
  logger: Logger;
  mailer: Mailer;
  /** Writes an audit entry as the system. */
  audit: WorkerAudit;
  /** Prepares the confirmation e-mails the submits queued and writes them to the outbox; how many, and those it could not prepare. */
  prepareConfirmations?: () => Promise<{ emails: number; dropped: Array<{ responseId: number; error: string }> }>;
  /** Queues the scheduled reminders due at `now`; returns how many messages were queued. */
  queueScheduledReminders: (now: Date) => Promise<number>;
  /** Queues the scheduled invitations due at `now` (each round's once, across instances); returns how many messages were queued. */
  queueScheduledInvitations: (now: Date) => Promise<number>;
  /** Reads the bounce mailbox (BOUNCE_IMAP_URL) when it is due; returns how many messages were marked bounced. Absent: no mailbox. */
  readBounceMailbox?: (now: Date) => Promise<number>;
  /** Signs of life for /health/ready (the app's worker; the CLI's need none). */
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
  /** A claim not renewed for this long is taken to be from a crashed worker and the row is reclaimed (60 s). */
  staleAfterMs?: number;
  /** How often the claims of the batch in flight are renewed (a third of staleAfterMs). */
  heartbeatMs?: number;
  /** First retry delay; doubled for every further attempt, up to backoffMaxMs. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How often the reminder scheduler runs; 0 turns it off. */
  schedulerEveryMs?: number;
}

export interface BatchResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  bounced: number;
  /** Claimed rows left alone because another worker had taken them over (this one stalled). */
  released: number;
}

type RowOutcome = Exclude<keyof BatchResult, 'claimed'>;

export type SendOutcome = { kind: 'sent' } | { kind: 'temporary'; error: string } | { kind: 'permanent'; error: string };

type SmtpError = { responseCode?: number; command?: string; code?: string; response?: string; message?: string } | undefined;

/** A 5xx reply to the recipient or the message (RCPT TO, DATA), or a recipient the transport refused; 503 is a sequence error, ours. */
function isPermanent(e: SmtpError): boolean {
  const code = typeof e?.responseCode === 'number' ? e.responseCode : null;
  if (code !== null && code >= 500 && code < 600 && code !== 503 && (e?.command === 'RCPT TO' || e?.command === 'DATA')) return true;
  return e?.code === 'EENVELOPE' && e.command === 'API' && /recipient/i.test(String(e.message));
}

/** Permanent only for a 5xx reply to the recipient or the message (RCPT TO, DATA); 503 and login/sender problems are ours, not the contact's. */
export function classifySendError(err: unknown): SendOutcome {
  const e = err as SmtpError;
  const text = String(e?.response || e?.message || err)
    .replace(/\s+/g, ' ')
    .trim();
  if (isPermanent(e)) return { kind: 'permanent', error: text };
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

/** A row whose recipient and text are still there. */
type SendableMessage = OutboxMessage & { toAddress: string; textBody: string };

function hasContent(row: OutboxMessage): row is SendableMessage {
  return !!row.toAddress && row.textBody !== null;
}

/** Why the contact may no longer be e-mailed (opted out, bounced, deactivated or erased since the message was queued), or null. */
function contactRefusal(c: MailContactRow | undefined): string | null {
  if (!c || c.erasedAt) return 'Kontakten är raderad';
  if (!c.active) return 'Kontakten är inaktiverad';
  if (c.optedOutAt) return 'Mottagaren har avregistrerat sig';
  if (c.bouncedAt) return 'Adressen har studsat tidigare';
  return null;
}

/** The stored headers plus List-Unsubscribe (RFC 2369) and one-click List-Unsubscribe-Post (RFC 8058) from the row's own column. */
function withUnsubscribe(row: OutboxMessage): Record<string, string> {
  if (!row.listUnsubscribe) return row.headers;
  return { ...row.headers, 'List-Unsubscribe': row.listUnsubscribe, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/**
 * The claims of one batch: the rows not yet done with are renewed every heartbeat; a row is sent
 * only while its claim is still this worker's and recent (see claimTiming).
 */
class BatchClaims {
  private readonly open: Set<number>;
  private held: Set<number>;
  private renewedAt: number;
  private renewing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly worker: OutboxWorker,
    rows: OutboxMessage[],
    claimedAt: number,
  ) {
    this.open = new Set(rows.map((r) => r.id));
    this.held = new Set(this.open);
    this.renewedAt = claimedAt;
    this.timer = setInterval(() => void this.renew(), worker.claimTiming.heartbeatMs);
    this.timer.unref();
  }

  /** Whether the row may be sent now: renews first when the last renewal is not recent. */
  async stillHeld(id: number): Promise<boolean> {
    const { renewAfterMs, validMs } = this.worker.claimTiming;
    if (Date.now() - this.renewedAt > renewAfterMs) await this.renew();
    return this.held.has(id) && Date.now() - this.renewedAt <= validMs;
  }

  done(id: number): void {
    this.open.delete(id);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One renewal at a time; a failed one is logged and leaves renewedAt as it was. */
  private renew(): Promise<void> {
    this.renewing ??= (async () => {
      const started = Date.now();
      try {
        this.held = new Set(await this.worker.renewClaims([...this.open]));
        this.renewedAt = started;
      } catch (err) {
        this.worker.logRenewalError(err);
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }
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
      staleAfterMs: options.staleAfterMs ?? 60_000,
      heartbeatMs: options.heartbeatMs ?? Math.round((options.staleAfterMs ?? 60_000) / 3),
      backoffBaseMs: options.backoffBaseMs ?? 60_000,
      backoffMaxMs: options.backoffMaxMs ?? 60 * 60_000,
      schedulerEveryMs: options.schedulerEveryMs ?? 60_000,
    };
  }

  /** The confirmations queued by submits, written to the outbox first (a failure is logged; sending goes on). */
  private async prepareConfirmations(): Promise<void> {
    if (!this.deps.prepareConfirmations) return;
    try {
      const { emails, dropped } = await this.deps.prepareConfirmations();
      if (emails) this.deps.logger.info({ worker: this.workerId, n: emails }, 'confirmation e-mails prepared');
      for (const d of dropped)
        this.deps.logger.error(
          { worker: this.workerId, responseId: d.responseId, error: d.error },
          'a confirmation e-mail could not be prepared',
        );
    } catch (err) {
      this.deps.logger.error({ err, worker: this.workerId }, 'confirmation e-mails could not be prepared');
    }
  }

  /** Prepares the queued confirmations, then claims one batch of due rows and sends it, renewing the claims while it works. */
  async runOnce(): Promise<BatchResult> {
    const { db } = this.deps;
    await this.prepareConfirmations();
    const now = Date.now();
    const rows = await claimDue(
      db,
      this.workerId,
      this.opts.batchSize,
      new Date(now).toISOString(),
      new Date(now - this.opts.staleAfterMs).toISOString(),
    );
    const result: BatchResult = { claimed: rows.length, sent: 0, retried: 0, failed: 0, bounced: 0, released: 0 };
    if (!rows.length) return result;
    const claims = new BatchClaims(this, rows, now);
    let next = 0;
    try {
      // Whether each recipient may still be e-mailed (opted out, bounced or erased since queueing), in one query.
      const contacts = await contactsByIds(db, [...new Set(rows.map((r) => r.contactId).filter((id): id is number => id !== null))]);
      const lane = async () => {
        // when stopping, each lane finishes the message it is sending and takes no new one
        while (next < rows.length && !this.stopping) {
          const row = rows[next++];
          result[await this.sendClaimedRow(row, contacts, claims)]++;
          this.deps.heartbeats?.beat('outbox');
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, rows.length) }, lane));
      // back to the queue, not sent
      if (next < rows.length)
        await releaseClaimed(
          db,
          rows.slice(next).map((r) => r.id),
          this.workerId,
        );
    } finally {
      claims.stop();
    }
    this.deps.logger.info({ worker: this.workerId, ...result }, 'outbox batch');
    return result;
  }

  /** Renews this worker's claims on the rows (the heartbeat); returns the ids it still holds. */
  renewClaims(ids: number[]): Promise<number[]> {
    return renewClaims(this.deps.db, this.workerId, ids, nowIso());
  }

  /**
   * The claim settings: how often to renew; how old the last renewal may be before a message is
   * sent without renewing first; and how old it may be at all (half the time-out: room for clocks
   * that differ between instances).
   */
  get claimTiming(): { heartbeatMs: number; renewAfterMs: number; validMs: number } {
    const validMs = this.opts.staleAfterMs / 2;
    return { heartbeatMs: this.opts.heartbeatMs, renewAfterMs: Math.min(2 * this.opts.heartbeatMs, validMs), validMs };
  }

  /** Logs a failed renewal (the rows are then left alone once their last renewal is too old). */
  logRenewalError(err: unknown): void {
    this.deps.logger.error({ err, worker: this.workerId }, 'outbox claims could not be renewed');
  }

  /** Runs batches until nothing is due (for the CLI, tests and the benchmark). */
  async drain(maxBatches = 10_000): Promise<BatchResult> {
    const total: BatchResult = { claimed: 0, sent: 0, retried: 0, failed: 0, bounced: 0, released: 0 };
    for (let i = 0; i < maxBatches && !this.stopping; i++) {
      const r = await this.runOnce();
      for (const k of Object.keys(total) as Array<keyof BatchResult>) total[k] += r[k];
      if (r.claimed === 0) break;
    }
    return total;
  }

  /** One claimed row: sent only while this worker still holds it; done with either way. */
  private async sendClaimedRow(row: OutboxMessage, contacts: Map<number, MailContactRow>, claims: BatchClaims): Promise<RowOutcome> {
    try {
      if (!(await claims.stillHeld(row.id))) {
        this.deps.logger.warn({ outbox: row.id, worker: this.workerId }, 'outbox row was taken over by another worker; not sent here');
        return 'released';
      }
      return await this.sendRow(row, contacts);
    } finally {
      claims.done(row.id);
    }
  }

  private async sendRow(row: OutboxMessage, contacts: Map<number, MailContactRow>): Promise<RowOutcome> {
    // erased contact, or the body was cleared: nothing can be sent
    if (!hasContent(row)) return this.refuse(row, 'Mottagaren eller meddelandet finns inte längre (raderad kontakt).');
    const why = row.contactId ? contactRefusal(contacts.get(row.contactId)) : null;
    if (why) return this.refuse(row, `${why}; skickades inte.`);
    const outcome = await this.deliver(row);
    if (outcome.kind === 'sent') return this.recordSent(row);
    const error = withoutAddress(outcome.error, row.toAddress);
    if (outcome.kind === 'permanent') return this.recordBounce(row, error);
    return this.recordTemporaryError(row, error);
  }

  /** The message may not or cannot be sent: failed at once, without using up attempts on it. */
  private async refuse(row: OutboxMessage, reason: string): Promise<RowOutcome> {
    await markFailed(this.deps.db, row.id, this.workerId, reason);
    return 'failed';
  }

  private async deliver(row: SendableMessage): Promise<SendOutcome> {
    const { config, mailer } = this.deps;
    try {
      await mailer.send({
        outboxId: row.id,
        from: config.mailFrom,
        to: row.toAddress,
        subject: row.subject,
        text: row.textBody,
        html: row.htmlBody,
        messageId: row.messageId,
        headers: withUnsubscribe(row),
      });
      return { kind: 'sent' };
    } catch (err) {
      return classifySendError(err);
    }
  }

  private async recordSent(row: OutboxMessage): Promise<RowOutcome> {
    const ok = await markSent(this.deps.db, row.id, this.workerId);
    if (!ok) this.deps.logger.warn({ outbox: row.id, worker: this.workerId }, 'outbox row was reclaimed while it was being sent');
    return 'sent';
  }

  /** A permanent reply: the row is bounced and its contact marked bounced, together. */
  private async recordBounce(row: OutboxMessage, reason: string): Promise<RowOutcome> {
    await inTransaction(this.deps.db, async (trx) => {
      const bounced = await markBounced(trx, row.id, this.workerId, reason);
      if (bounced && row.contactId) await markContactBounced(trx, row.contactId, reason, nowIso());
    });
    if (row.contactId)
      await this.deps.audit('mail.bounced', { type: 'contact', id: row.contactId }, { outboxId: row.id, roundId: row.roundId });
    return 'bounced';
  }

  /** A temporary error: back to the queue with a backoff, or failed after the last attempt. */
  private async recordTemporaryError(row: OutboxMessage, error: string): Promise<RowOutcome> {
    const { db, config, logger } = this.deps;
    if (row.attempts < config.mailMaxAttempts) {
      const delay = backoffMs(row.attempts, this.opts.backoffBaseMs, this.opts.backoffMaxMs);
      await markForRetry(db, row.id, this.workerId, error, new Date(Date.now() + delay).toISOString());
      return 'retried';
    }
    await markFailed(db, row.id, this.workerId, error);
    logger.warn({ outbox: row.id, attempts: row.attempts }, 'outbox message failed after the last attempt');
    await this.deps.audit('mail.failed', { type: 'email_outbox', id: row.id }, { attempts: row.attempts, roundId: row.roundId });
    return 'failed';
  }

  private async schedulerTick(): Promise<void> {
    if (!this.opts.schedulerEveryMs || Date.now() - this.lastSchedulerRun < this.opts.schedulerEveryMs) return;
    this.lastSchedulerRun = Date.now();
    await this.runScheduler(new Date());
  }

  /**
   * The scheduled jobs as of `now` (the loop runs them once a minute; tests and the CLI may pass
   * another time): invitations, reminders, and the bounce mailbox. One failing does not stop the others.
   */
  async runScheduler(now: Date): Promise<void> {
    const jobs: Array<[string, ((at: Date) => Promise<number>) | undefined]> = [
      ['scheduled invitations', this.deps.queueScheduledInvitations],
      ['scheduled reminders', this.deps.queueScheduledReminders],
      ['bounce mailbox', this.deps.readBounceMailbox],
    ];
    for (const [name, job] of jobs) {
      if (!job) continue;
      try {
        const n = await job(now);
        if (n) this.deps.logger.info({ job: name, n }, `${name}: done`);
      } catch (err) {
        this.deps.logger.error({ err, job: name }, `${name} failed`);
      }
    }
  }

  /** One turn of the loop: the scheduler, then a batch; returns how many rows were claimed. */
  private async turn(): Promise<number> {
    try {
      await this.schedulerTick();
      return (await this.runOnce()).claimed;
    } catch (err) {
      this.deps.logger.error({ err }, 'outbox worker error');
      return 0;
    }
  }

  /** Waits pollMs, or until stop() wakes the loop. */
  private pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.opts.pollMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.wake = null;
    });
  }

  /** Starts the loop in the background. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        this.deps.heartbeats?.beat('outbox');
        const claimed = await this.turn();
        if (claimed === 0 && !this.stopping) await this.pause();
      }
    })();
  }

  /** Stops after the messages in flight have been sent; claimed rows not yet started go back to the queue. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }
}

/** For server/background.ts: starts a worker when config.outboxWorker is true; returns its stop. */
export function startOutboxWorker(deps: WorkerDeps): () => Promise<void> {
  if (!deps.config.outboxWorker) return () => Promise.resolve();
  const worker = new OutboxWorker(deps);
  worker.start();
  deps.heartbeats?.started('outbox');
  deps.logger.info({ worker: worker.workerId, mailer: deps.mailer.description }, 'outbox worker started');
  return async () => {
    await worker.stop();
    deps.heartbeats?.stopped('outbox');
  };
}
