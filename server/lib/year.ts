// Years as the app accepts them in forms, query strings, files and the CLI.
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

/** A year between MIN_YEAR and MAX_YEAR written with digits ("2025", " 2 025 ", 2025), else null. */
export function parseYear(raw: unknown): number | null {
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.replace(/[\s\u00a0]/g, '') : '';
  if (!/^\d{4}$/.test(s)) return null;
  const n = Number(s);
  return n >= MIN_YEAR && n <= MAX_YEAR ? n : null;
}

export function currentYear(): number {
  return new Date().getFullYear();
}
