// The limits of every file upload, in one place (README "Uploads", docs/): how large a file of
// each kind may be and how many rows it may have, and how many problems a page lists. A real file
// is far below each limit (a partnership has 15–40 organisations; a survey file is under 10 kB);
// the limits keep a wrong or hostile file from taking the server's memory and time. Checked when
// the upload arrives (middleware/uploads.ts: a larger file is not even read to the end) and by the
// parsers (rows), which the command line shares.

export type UploadKind = 'register' | 'responses' | 'indicatorValues' | 'survey';

export interface UploadLimit {
  /** What the file is, in Swedish, as the start of a sentence ("En CSV-fil med …"). */
  what: string;
  maxBytes: number;
  /** Data rows after the header; null for a file without rows (a survey definition). */
  maxRows: number | null;
}

const KB = 1024;
const MB = 1024 * KB;

export const UPLOAD_LIMITS: Record<UploadKind, UploadLimit> = {
  register: { what: 'En CSV-fil med organisationer och kontaktpersoner', maxBytes: 5 * MB, maxRows: 10_000 },
  responses: { what: 'En CSV-fil med tidigare svar', maxBytes: 600 * KB, maxRows: 2_000 },
  indicatorValues: { what: 'En CSV-fil med indikatorvärden', maxBytes: 1 * MB, maxRows: 5_000 },
  survey: { what: 'En enkätfil', maxBytes: 64 * KB, maxRows: null },
};

/** How many problems a page (or the command line) lists at most; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 100;

/** "5 MB", "600 kB". */
export function formatBytes(n: number): string {
  return n >= MB && n % MB === 0 ? `${n / MB} MB` : `${Math.round(n / KB)} kB`;
}

/** "10 000" (a space between thousands, as Swedish writes numbers). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** The limit as a phrase: "högst 5 MB och 10 000 rader". */
function limitText(limit: UploadLimit): string {
  return `högst ${uploadLimitText(limit)}`;
}

/** The limit of a kind of file for a form's hint: "5 MB och 10 000 rader". */
export function uploadLimitText(limit: UploadLimit): string {
  return `${formatBytes(limit.maxBytes)}${limit.maxRows !== null ? ` och ${formatCount(limit.maxRows)} rader` : ''}`;
}

export function tooLargeMessage(kind: UploadKind): string {
  const limit = UPLOAD_LIMITS[kind];
  return `Filen är för stor. ${limit.what} får vara ${limitText(limit)}. Dela upp filen och läs in delarna var för sig.`;
}

export function tooManyRowsMessage(kind: UploadKind): string {
  const limit = UPLOAD_LIMITS[kind];
  return `Filen har fler än ${formatCount(limit.maxRows ?? 0)} rader. ${limit.what} får vara ${limitText(limit)}. Dela upp filen och läs in delarna var för sig.`;
}

/** The note after a list cut at MAX_LISTED_PROBLEMS: "… och 4 213 fel till (de första 100 visas)." */
export function moreProblemsMessage(total: number): string {
  return `… och ${formatCount(total - MAX_LISTED_PROBLEMS)} fel till. Bara de första ${MAX_LISTED_PROBLEMS} visas; rätta dem och läs in filen igen.`;
}

/** The first MAX_LISTED_PROBLEMS problems, and a last one that counts the rest (a page stays small). */
export function listedProblems<P extends { field: string; message: string }>(problems: P[]): Array<P | { field: string; message: string }> {
  if (problems.length <= MAX_LISTED_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_LISTED_PROBLEMS), { field: '', message: moreProblemsMessage(problems.length) }];
}
