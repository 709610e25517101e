// Bounces that arrive after the SMTP server accepted a message: delivery status notifications
// (RFC 3464, parsed by mail/dsn.ts) mark the message they are about — found by its Message-ID —
// as bounced, and its contact as bounced (the contact is then left out of reminders, and the start
// page and the contact page say so). A report of a delay ("delayed", 4.x.x) changes nothing.
// Reports come from files (the CLI: `mail bounces FILE…`) or from an optional mailbox
// (BOUNCE_IMAP_URL) that the outbox worker reads once a minute: each unread message is read,
// handled and marked as read, so it is handled once.
import { ImapFlow } from 'imapflow';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { nowIso } from '../db';
import { parseDeliveryReport } from '../mail/dsn';
import { markContactBounced } from '../repositories/mailings';
import { markSentAsBounced } from '../repositories/outbox';
import { inTransaction } from '../repositories/transaction';
import { type Actor, audit, SYSTEM } from './audit';

export type BounceOutcome = 'bounced' | 'unknown-message' | 'not-failed' | 'not-a-report';

export interface BounceResult {
  outcome: BounceOutcome;
  messageId: string | null;
  /** The enhanced status code of the failed recipient (5.1.1), when there is one. */
  status: string | null;
}

/** Handles one delivery report (a raw message): marks the message and its contact as bounced. */
export async function applyDeliveryReport(db: Knex, raw: Buffer | string, actor: Actor = SYSTEM): Promise<BounceResult> {
  const report = await parseDeliveryReport(raw);
  if (!report) return { outcome: 'not-a-report', messageId: null, status: null };
  const messageId = report.originalMessageId;
  const failed = report.recipients.find((r) => r.action === 'failed' || r.status.startsWith('5'));
  if (!failed) return { outcome: 'not-failed', messageId, status: report.recipients[0]?.status ?? null };
  if (!messageId) return { outcome: 'unknown-message', messageId, status: failed.status };
  const reason = `Studsade efter leverans: ${failed.status}${failed.diagnostic ? ` ${failed.diagnostic}` : ''}`;
  const marked = await inTransaction(db, async (trx) => {
    const row = await markSentAsBounced(trx, messageId, reason);
    if (!row) return false;
    const sameAddress = !row.toAddress || !failed.recipient || row.toAddress.toLowerCase() === failed.recipient;
    if (row.contactId !== null && sameAddress) await markContactBounced(trx, row.contactId, reason, nowIso());
    await audit(trx, actor, 'mail.bounce_report', { type: 'email_outbox', id: row.id }, { status: failed.status });
    return true;
  });
  return { outcome: marked ? 'bounced' : 'unknown-message', messageId, status: failed.status };
}

/**
 * Reads the unread messages of the bounce mailbox (BOUNCE_IMAP_URL, its path the folder, INBOX by
 * default), handles each delivery report and marks every message read. Returns how many
 * messages were marked bounced.
 */
export async function readBounceMailbox(db: Knex, config: Pick<Config, 'bounceImapUrl'>, logger?: Logger): Promise<number> {
  if (!config.bounceImapUrl) return 0;
  const u = new URL(config.bounceImapUrl);
  const client = new ImapFlow({
    host: u.hostname,
    port: Number(u.port) || (u.protocol === 'imaps:' ? 993 : 143),
    secure: u.protocol === 'imaps:',
    auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) },
    logger: false,
  });
  await client.connect();
  let bounced = 0;
  try {
    const lock = await client.getMailboxLock(decodeURIComponent(u.pathname.replace(/^\//, '')) || 'INBOX');
    try {
      const unseen = (await client.search({ seen: false }, { uid: true })) || [];
      for (const uid of unseen) {
        const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
        if (msg && msg.source) {
          const r = await applyDeliveryReport(db, msg.source);
          if (r.outcome === 'bounced') bounced++;
          else logger?.info({ outcome: r.outcome, status: r.status }, 'bounce mailbox: message not marked');
        }
        await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
  return bounced;
}
