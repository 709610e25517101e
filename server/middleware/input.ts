// What arrives in a request before any route reads it: a body in a character set the app cannot
// read is refused with 415, and every string of a parsed form body or query string loses its
// control characters (a NUL byte from a form would fail on PostgreSQL; the CSV imports drop them
// the same way). The errors of the body parsers get their status in middleware/error-handler.ts.
import querystring from 'node:querystring';
import type { RequestHandler } from 'express';
import { AppError } from '../errors';
import { cleanInput } from '../lib/text';

/** Character sets a body may declare: UTF-8 (and its subset ASCII), and Latin-1 that old form posts declare. */
const READABLE_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii', 'iso-8859-1', 'latin1']);

export function unreadableCharsetMessage(charset: string): string {
  return `Förfrågan använder teckenkodningen ”${charset.slice(0, 40)}”, som inte kan läsas. Skicka den som UTF-8.`;
}

/** The charset parameter of the Content-Type header, lower case, or null for none. */
function declaredCharset(contentType: string | undefined): string | null {
  const m = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  return m ? m[1].toLowerCase() : null;
}

/** 415 for a body that declares a character set other than UTF-8 (e.g. utf-7), before a parser reads it. */
export function readableCharsetOnly(): RequestHandler {
  return (req, _res, next) => {
    const charset = declaredCharset(req.get('content-type'));
    if (charset !== null && !READABLE_CHARSETS.has(charset))
      return next(new AppError(415, 'unsupported_charset', unreadableCharsetMessage(charset)));
    next();
  };
}

/** The parsed body's strings without control characters (after the form, JSON and multipart parsers). */
export function cleanBody(): RequestHandler {
  return (req, _res, next) => {
    if (req.body !== undefined && req.body !== null) req.body = cleanInput(req.body);
    next();
  };
}

/** express's "query parser" setting: node's querystring (as express's 'simple'), strings cleaned. */
export function cleanQueryParser(query: string): unknown {
  return cleanInput(querystring.parse(query));
}
