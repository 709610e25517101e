// Absolute links in e-mails and on staff pages: always built from BASE_URL, never from a request's Host.
function base(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** The respondent's personal link: BASE_URL/s/<token>. */
export function respondentUrl(baseUrl: string, token: string): string {
  return `${base(baseUrl)}/s/${token}`;
}

/** A round's test link (answers are kept apart and never counted): BASE_URL/s/test/<token>. */
export function testLinkUrl(baseUrl: string, token: string): string {
  return `${base(baseUrl)}/s/test/${token}`;
}

/** The page where a recipient opts out of e-mail: BASE_URL/avregistrera/<token>. */
export function optOutUrl(baseUrl: string, token: string): string {
  return `${base(baseUrl)}/avregistrera/${token}`;
}

/** The one-click unsubscribe endpoint (RFC 8058) for mail clients. */
export function oneClickUnsubscribeUrl(baseUrl: string, token: string): string {
  return `${base(baseUrl)}/api/v1/avregistrera/${token}`;
}

/** Shown in place of a link's secret part wherever staff see an e-mail (the outbox's .eml viewer). */
export const REDACTED_TOKEN = '[dold länk]';

/**
 * The text with every secret token of a link taken out: the respondent's link (/s/…), opt-out
 * links and check-in links, and any other 43-character token (256 bits, base64url) — so a page
 * that shows an e-mail never shows a link that works.
 */
export function redactLinkTokens(text: string): string {
  return text.replace(/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, REDACTED_TOKEN);
}
