// Delivery status notifications (RFC 3464): the reports a mail server sends back when a message it
// accepted could not be delivered after all ("bounces" that arrive later than the SMTP reply). A
// report is a multipart/report; report-type=delivery-status holding a human-readable part, a
// message/delivery-status part (per recipient: Final-Recipient, Action, Status, Diagnostic-Code)
// and the original message or its headers (message/rfc822, text/rfc822-headers), whose Message-ID
// names the outbox row.
import { simpleParser } from 'mailparser';

export interface DsnRecipient {
  recipient: string;
  /** failed | delayed | delivered | relayed | expanded */
  action: string;
  /** The enhanced status code, e.g. 5.1.1 */
  status: string;
  diagnostic: string | null;
}

export interface DeliveryReport {
  /** The Message-ID of the message the report is about, with its angle brackets; null when the report does not include it. */
  originalMessageId: string | null;
  recipients: DsnRecipient[];
}

/** Header fields of one block ("Name: value", folded lines joined), names in lower case. */
function fieldsOf(block: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      out.set(last, `${out.get(last)} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1].toLowerCase();
    out.set(last, m[2].trim());
  }
  return out;
}

/** "rfc822; anna@example.se" → "anna@example.se" */
function typedValue(v: string | undefined): string {
  if (!v) return '';
  const i = v.indexOf(';');
  return (i >= 0 ? v.slice(i + 1) : v).trim().replace(/^<|>$/g, '');
}

/** The per-recipient blocks of a message/delivery-status body (the first block is about the message). */
export function parseDeliveryStatus(body: string): DsnRecipient[] {
  const blocks = body.split(/\r?\n[ \t]*\r?\n/).map(fieldsOf);
  return blocks
    .filter((f) => f.has('final-recipient') || f.has('original-recipient'))
    .map((f) => ({
      recipient: typedValue(f.get('final-recipient') ?? f.get('original-recipient')).toLowerCase(),
      action: (f.get('action') ?? '').toLowerCase(),
      status: (f.get('status') ?? '').split(/\s/)[0],
      diagnostic: f.get('diagnostic-code') ? typedValue(f.get('diagnostic-code')) : null,
    }));
}

interface MimePart {
  contentType: string;
  body: string;
}

/**
 * The parts of a multipart body, by its boundary (one level: a report's parts are not nested).
 * mailparser reads the message's own headers; its simple parser folds a message/delivery-status
 * part into the text, so the parts are read here.
 */
function partsOf(raw: string, boundary: string): MimePart[] {
  const delimiter = `--${boundary}`;
  const sections = raw.split(delimiter).slice(1);
  const parts: MimePart[] = [];
  for (const section of sections) {
    if (section.startsWith('--')) break;
    const m = /^\r?\n([\s\S]*?)\r?\n\r?\n([\s\S]*)$/.exec(section);
    if (!m) continue;
    const headers = fieldsOf(m[1]);
    const contentType = (headers.get('content-type') ?? 'text/plain').split(';')[0].trim().toLowerCase();
    const encoding = (headers.get('content-transfer-encoding') ?? '').toLowerCase();
    const body = encoding === 'base64' ? Buffer.from(m[2].replace(/\s+/g, ''), 'base64').toString('utf8') : m[2];
    parts.push({ contentType, body });
  }
  return parts;
}

const STATUS_TYPES = ['message/delivery-status', 'message/global-delivery-status'];
const ORIGINAL_TYPES = ['message/rfc822', 'text/rfc822-headers', 'message/rfc822-headers', 'message/global', 'message/global-headers'];

/** The Message-ID header in the returned original message or its headers. */
function originalMessageIdOf(parts: MimePart[]): string | null {
  for (const p of parts.filter((x) => ORIGINAL_TYPES.includes(x.contentType))) {
    const headerBlock = p.body.split(/\r?\n\r?\n/)[0];
    const m = /^Message-ID:\s*(<[^>\s]+>)/im.exec(headerBlock);
    if (m) return m[1];
  }
  return null;
}

/** The report in a raw message, or null when it is not a delivery status notification. */
export async function parseDeliveryReport(raw: Buffer | string): Promise<DeliveryReport | null> {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const mail = await simpleParser(text, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const type = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (type?.value?.toLowerCase() !== 'multipart/report' || !type.params?.boundary) return null;
  const parts = partsOf(text, type.params.boundary);
  const status = parts.find((p) => STATUS_TYPES.includes(p.contentType));
  if (!status) return null;
  return { originalMessageId: originalMessageIdOf(parts), recipients: parseDeliveryStatus(status.body) };
}
