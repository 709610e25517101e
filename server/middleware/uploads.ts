// Files (CSV imports, survey uploads) arrive as multipart, only from logged-in staff and only on
// the upload routes below; parsed before the CSRF check. Any other multipart request is not read
// (and fails the CSRF check). Each kind of file has its own byte limit (lib/upload-limits.ts):
// a larger file is refused as soon as the limit is passed — it is never read to the end — with
// 413 and a Swedish message naming the limit. A multipart body that cannot be read (cut off, no
// boundary, a broken part) is a 400 with a Swedish message, never a 500.
import type { RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../errors';
import { tooLargeMessage, UPLOAD_LIMITS, type UploadKind } from '../lib/upload-limits';

/** The routes that take a file, and the kind of file each takes. */
export const UPLOAD_ROUTES: Record<string, UploadKind> = {
  '/organisations/import': 'register',
  '/rounds/import': 'responses',
  '/indicators/import': 'indicatorValues',
  '/surveys/upload': 'survey',
};

const MALFORMED = 'Förfrågan kunde inte läsas: formulärets data (multipart) är trasig eller ofullständig. Försök igen.';

/** multer's and busboy's errors as the app's own, with a status and a Swedish message. */
function uploadError(err: unknown, kind: UploadKind): Error {
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') return new AppError(413, 'upload_too_large', tooLargeMessage(kind));
    if (err.code === 'LIMIT_FIELD_VALUE') return new AppError(413, 'upload_too_large', 'Ett fält i formuläret är för långt.');
    if (err.code === 'LIMIT_UNEXPECTED_FILE')
      return new AppError(400, 'upload_unexpected', 'Formuläret innehöll en fil i ett fält som inte tar emot filer, eller fler än en fil.');
    return new AppError(400, 'upload_limit', 'Förfrågan kunde inte läsas: formuläret har för många fält eller för långa fältnamn.');
  }
  return new AppError(400, 'multipart_malformed', MALFORMED);
}

function parserFor(kind: UploadKind): RequestHandler {
  const limits = { fileSize: UPLOAD_LIMITS[kind].maxBytes, files: 1, fields: 50, parts: 60, fieldSize: 64 * 1024 };
  return multer({ storage: multer.memoryStorage(), limits }).single('file');
}

export function uploads(): RequestHandler {
  const parsers = new Map(Object.entries(UPLOAD_ROUTES).map(([path, kind]) => [path, { kind, parse: parserFor(kind) }]));
  return (req, res, next) => {
    const upload = req.method === 'POST' && req.user ? parsers.get(req.path) : undefined;
    if (!upload || !req.is('multipart/form-data')) return next();
    upload.parse(req, res, (err?: unknown) => next(err === undefined || err === null ? undefined : uploadError(err, upload.kind)));
  };
}
