// The mail transport: one pooled nodemailer SMTP transport built from SMTP_URL, or — when no
// SMTP server is configured (the embedded default) — a transport that writes every message as an
// .eml file into config.outboxDir, so the demo works without a mail server. The outbox worker
// (server/mail/worker.ts) is the only caller of send(); tests pass their own Mailer via
// buildDeps(config, { mailer }) or point SMTP_URL at an in-process SMTP server.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config';

export interface OutgoingMessage {
  /** The outbox row this message comes from (names the .eml file in file mode). */
  outboxId: number;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** "<random@host>" — set as the Message-ID header, so a resend keeps the same id. */
  messageId: string;
  headers: Record<string, string>;
}

export interface SendResult {
  /** The SMTP server's reply, or the name of the written file. */
  response: string;
}

export interface EmlFile {
  name: string;
  size: number;
  modifiedAt: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'file' | 'custom';
  /** Human description for pages and logs, without credentials. */
  readonly description: string;
  /** Sends one message; rejects with nodemailer's error (responseCode, code) on failure. */
  send(message: OutgoingMessage): Promise<SendResult>;
  /** File mode only: the written .eml files, newest first. */
  listFiles?(limit?: number): Promise<EmlFile[]>;
  /** File mode only: the raw text of one written .eml file, or null. */
  readFile?(name: string): Promise<string | null>;
  close(): Promise<void>;
}

/** "<hex.timestamp@host-of-base-url>" — unique, and the same on every attempt of an outbox row. */
export function newMessageId(baseUrl: string): string {
  let host = 'partnerpuls.local';
  try {
    host = new URL(baseUrl).hostname || host;
  } catch {
    /* keep the default */
  }
  return `<${crypto.randomBytes(16).toString('hex')}.${Date.now().toString(36)}@${host}>`;
}

/** SMTP_URL without its password, for pages and logs. */
export function describeSmtpUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? decodeURIComponent(u.username) + '@' : ''}${u.host}`;
  } catch {
    return 'SMTP';
  }
}

export function createMailer(config: Config): Mailer {
  return config.smtpUrl ? createSmtpMailer(config, config.smtpUrl) : createFileMailer(config.outboxDir);
}

/** One pooled transport: a few connections, a rate limit per second, TLS verification on by default. */
export function createSmtpMailer(
  config: Pick<Config, 'smtpMaxConnections' | 'smtpRatePerSecond' | 'smtpTlsRejectUnauthorized'>,
  smtpUrl: string,
): Mailer {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: config.smtpMaxConnections,
    maxMessages: 500,
    rateLimit: config.smtpRatePerSecond,
    rateDelta: 1000,
    // A send must end well before the worker would reclaim the row (see worker.ts), so a
    // hanging server cannot make a message go out twice.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    tls: { rejectUnauthorized: config.smtpTlsRejectUnauthorized },
  });
  return {
    kind: 'smtp',
    description: `SMTP ${describeSmtpUrl(smtpUrl)}`,
    async send(m) {
      const info = await transport.sendMail(mailOptions(m));
      return { response: String((info as { response?: string }).response ?? '') };
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}

/** The same nodemailer options for both transports. */
function mailOptions(m: Parameters<Mailer['send']>[0]) {
  return {
    from: m.from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html ?? undefined,
    messageId: m.messageId,
    headers: m.headers,
  };
}

/** The .eml file name of an outbox row: "<outbox id>-<message id without <> and odd characters>.eml". */
export function emlFileName(outboxId: number, messageId: string): string {
  return `${String(outboxId).padStart(7, '0')}-${messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;
}

const EML_NAME = /^\d{7,}-[A-Za-z0-9._@-]+\.eml$/;

/** Writes each message as an .eml file (nodemailer's streamTransport with buffer output). */
export function createFileMailer(outboxDir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'file',
    description: `.eml-filer i ${outboxDir}`,
    async send(m) {
      const info = await transport.sendMail(mailOptions(m));
      await fs.promises.mkdir(outboxDir, { recursive: true });
      const name = emlFileName(m.outboxId, m.messageId);
      // Written to a temporary name first, so a listed file is always complete.
      const tmp = path.join(outboxDir, `.${name}.tmp`);
      await fs.promises.writeFile(tmp, info.message as Buffer, { mode: 0o600 });
      await fs.promises.rename(tmp, path.join(outboxDir, name));
      return { response: `250 skriven till ${name}` };
    },
    async listFiles(limit = 200) {
      let names: string[];
      try {
        names = await fs.promises.readdir(outboxDir);
      } catch {
        return [];
      }
      const files: EmlFile[] = [];
      for (const name of names.filter((n) => EML_NAME.test(n))) {
        const st = await fs.promises.stat(path.join(outboxDir, name)).catch(() => null);
        if (st) files.push({ name, size: st.size, modifiedAt: st.mtime.toISOString() });
      }
      return files.sort((a, b) => (a.name < b.name ? 1 : -1)).slice(0, limit);
    },
    async readFile(name) {
      if (!EML_NAME.test(name)) return null; // no path traversal: only our own file names
      try {
        return await fs.promises.readFile(path.join(outboxDir, name), 'utf8');
      } catch {
        return null;
      }
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}
