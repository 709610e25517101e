// A real SMTP server in-process (the smtp-server package) on 127.0.0.1 and a random port, which
// records every message it accepts. It can be told to answer 421/451 for the next N messages
// (temporary errors), 550 for an address (a permanent bounce), and to recover.
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: string;
  /** Header names in lower case; values unfolded and RFC 2047-decoded. */
  headers: Record<string, string>;
  subject: string;
  messageId: string;
  text: string;
  html: string;
}

export interface TestSmtp {
  port: number;
  url: string;
  messages: ReceivedMessage[];
  /** Messages refused with a temporary error so far. */
  refused: number;
  /** The next `n` messages get `code` (421 or 451) at DATA and are not accepted. */
  failNext(n: number, code?: 421 | 451): void;
  /** RCPT TO for this address gets `code` (550 by default) until recover(). */
  rejectAddress(address: string, code?: number): void;
  /** Every message is accepted again. */
  recover(): void;
  /** Resolves when at least `n` messages have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function smtpError(code: number, text: string): Error {
  const e = new Error(text) as Error & { responseCode: number };
  e.responseCode = code;
  return e;
}

function decodeQuotedPrintable(s: string): Buffer {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i];
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= and =?UTF-8?B?…?=). */
export function decodeHeaderValue(v: string): string {
  return v
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _cs: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')).toString('utf8'),
    );
}

function splitHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = decodeHeaderValue(line.slice(i + 1).trim());
  }
  return out;
}

function splitEntity(raw: string): { headers: Record<string, string>; body: string } {
  const m = /\r?\n\r?\n/.exec(raw);
  if (!m) return { headers: splitHeaders(raw), body: '' };
  return { headers: splitHeaders(raw.slice(0, m.index)), body: raw.slice(m.index + m[0].length) };
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (cte === 'quoted-printable') return decodeQuotedPrintable(body).toString('utf8');
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

/** Parses a message as nodemailer writes it: text, html, or multipart/alternative of both. */
export function parseMessage(raw: string): Pick<ReceivedMessage, 'headers' | 'subject' | 'messageId' | 'text' | 'html'> {
  const { headers, body } = splitEntity(raw);
  let text = '';
  let html = '';
  const ct = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(ct)?.[1];
  const parts = boundary && /^multipart\//i.test(ct) ? body.split(`--${boundary}`).slice(1, -1) : [raw];
  for (const part of parts) {
    const p = boundary ? splitEntity(part.replace(/^\r?\n/, '')) : { headers, body };
    const pct = (p.headers['content-type'] ?? 'text/plain').toLowerCase();
    const decoded = decodeBody(p.headers, p.body);
    if (pct.startsWith('text/html')) html = decoded;
    else if (pct.startsWith('text/plain')) text = decoded;
  }
  return { headers, subject: headers['subject'] ?? '', messageId: headers['message-id'] ?? '', text, html };
}

export async function startSmtpServer(): Promise<TestSmtp> {
  const messages: ReceivedMessage[] = [];
  const rejected = new Map<string, number>();
  let failures = 0;
  let failCode = 451;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const state = { refused: 0 };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    banner: 'partnerpuls test smtp',
    size: 10 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, cb: (err?: Error | null) => void) {
      const code = rejected.get(address.address.toLowerCase());
      if (code) return cb(smtpError(code, `5.1.1 <${address.address}>: mailbox unavailable`));
      cb();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures--;
          state.refused++;
          return cb(
            smtpError(
              failCode,
              failCode === 421 ? '4.3.2 Service shutting down, try again later' : '4.3.0 Temporary local problem, try again later',
            ),
          );
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        messages.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw, ...parseMessage(raw) });
        for (const w of [...waiters]) {
          if (messages.length >= w.n) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        }
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {
    /* a client that hangs up mid-session is not a test failure */
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get refused() {
      return state.refused;
    },
    failNext(n, code = 451) {
      failures = n;
      failCode = code;
    },
    rejectAddress(address, code = 550) {
      rejected.set(address.toLowerCase(), code);
    },
    recover() {
      failures = 0;
      rejected.clear();
    },
    waitFor(n, timeoutMs = 20_000) {
      if (messages.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${messages.length} of ${n} messages arrived`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The personal respondent link (BASE_URL/s/<token>) in a received message's text. */
export function respondentLinkIn(m: ReceivedMessage, baseUrl: string): string | null {
  const re = new RegExp(`${baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/s/([A-Za-z0-9_-]{43})`);
  return re.exec(m.text)?.[0] ?? null;
}

/** The opt-out link (BASE_URL/avregistrera/<token>) in a received message's text. */
export function optOutLinkIn(m: ReceivedMessage, baseUrl: string): string | null {
  const re = new RegExp(`${baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/avregistrera/([A-Za-z0-9_-]{43})`);
  return re.exec(m.text)?.[0] ?? null;
}
