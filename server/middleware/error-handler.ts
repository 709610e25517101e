// The one error handler: a friendly Swedish page (or JSON under /api/) with the right status; the
// stack only in development; unexpected errors logged without personal-link tokens.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Deps } from '../deps';
import { AppError, ValidationError } from '../errors';
import { unreadableCharsetMessage } from './input';

interface Outcome {
  status: number;
  message: string;
}

const GENERIC = 'Något gick fel hos oss. Försök igen om en stund. Om felet finns kvar, kontakta samordnaren.';
const TOKEN_PATHS = /\/(s|setup|avregistrera|incheckning)\/[^/?#]+/g;

/** Errors thrown by body parsers and multer carry a type or a LIMIT_ code. */
interface LibraryError {
  code?: string;
  type?: string;
  message?: string;
  stack?: string;
  /** body-parser (http-errors): the status, and whether the message may be shown */
  status?: number;
  expose?: boolean;
  charset?: string;
  encoding?: string;
}

const UNREADABLE = 'Förfrågan kunde inte läsas. Kontrollera formuläret och försök igen.';

/** The body parsers' own errors (body-parser, via http-errors): a 4xx with a Swedish message. */
function bodyOutcome(e: LibraryError): Outcome | null {
  if (e.type === 'charset.unsupported') return { status: 415, message: unreadableCharsetMessage(e.charset ?? '?') };
  if (e.type === 'encoding.unsupported')
    return { status: 415, message: `Förfrågan är komprimerad på ett sätt (${String(e.encoding ?? '?').slice(0, 40)}) som inte kan läsas.` };
  if (e.expose && typeof e.status === 'number' && e.status >= 400 && e.status < 500) return { status: e.status, message: UNREADABLE };
  return null;
}

function outcomeOf(err: unknown): Outcome | null {
  const e = (err ?? {}) as LibraryError;
  if (e.code === 'EBADCSRFTOKEN' || e.message === 'invalid csrf token')
    return {
      status: 403,
      message: 'Formuläret har gått ut eller skickades från en annan sida. Gå tillbaka, ladda om sidan och försök igen.',
    };
  if (err instanceof ValidationError) return { status: 400, message: err.problems.map((p) => p.message).join(' ') || err.message };
  if (err instanceof AppError) return { status: err.status, message: err.message };
  if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE' || e.code === 'LIMIT_FIELD_VALUE')
    return { status: 413, message: 'Det du skickade är för stort.' };
  if (e.code?.startsWith('LIMIT_') || e.type === 'entity.parse.failed' || e.type === 'parameters.too.many')
    return { status: 400, message: UNREADABLE };
  return bodyOutcome(e);
}

function titleOf(status: number): string {
  if (status === 403) return 'Ingen behörighet';
  if (status === 500) return 'Något gick fel';
  return 'Det gick inte';
}

/** The URL as it may be logged: personal-link tokens never reach the log. */
export function loggableUrl(req: Request): string {
  return req.originalUrl.replace(TOKEN_PATHS, '/$1/***');
}

export function errorHandler(deps: Pick<Deps, 'config' | 'logger'>): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = outcomeOf(err);
    if (!known) deps.logger.error({ err, url: loggableUrl(req) }, 'unhandled error');
    const { status, message } = known ?? { status: 500, message: GENERIC };
    if (res.headersSent) return;
    res.status(status);
    if (req.path.startsWith('/api/')) {
      res.json({ error: { status, message } });
      return;
    }
    const stack = deps.config.env === 'development' && status === 500 ? (err as LibraryError | undefined)?.stack : undefined;
    res.render('pages/error', { title: titleOf(status), status, message, stack });
  };
}

export const notFound: RequestHandler = (_req, res) => {
  res.status(404).render('pages/not-found', { title: 'Sidan finns inte' });
};
