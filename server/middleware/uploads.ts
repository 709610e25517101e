// Files (CSV imports, survey uploads) arrive as multipart, only from logged-in staff; parsed
// before the CSRF check. An anonymous multipart request is not read (and fails the CSRF check).
// A multipart body that cannot be read (cut off, no boundary, a broken part) is a 400 with a
// Swedish message, never a 500.
import type { RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../errors';

export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

const MALFORMED = 'Förfrågan kunde inte läsas: formulärets data (multipart) är trasig eller ofullständig. Försök igen.';

/** multer's and busboy's errors as the app's own, with a status and a Swedish message. */
function uploadError(err: unknown): Error {
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE' || err.code === 'LIMIT_FIELD_VALUE')
      return new AppError(413, 'upload_too_large', 'Det du skickade är för stort. En fil får vara högst 20 MB.');
    if (err.code === 'LIMIT_UNEXPECTED_FILE')
      return new AppError(400, 'upload_unexpected', 'Formuläret innehöll en fil i ett fält som inte tar emot filer, eller fler än en fil.');
    return new AppError(400, 'upload_limit', 'Förfrågan kunde inte läsas: formuläret har för många fält eller för långa fältnamn.');
  }
  return new AppError(400, 'multipart_malformed', MALFORMED);
}

export function uploads(): RequestHandler {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 50 } }).single('file');
  return (req, res, next) => {
    if (!req.user) return next();
    upload(req, res, (err?: unknown) => next(err === undefined || err === null ? undefined : uploadError(err)));
  };
}
