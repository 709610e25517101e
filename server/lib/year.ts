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

/** Several years: "2025", "2023,2025" or "2023-2025" (at most 30), newest first; null when any part is not a year. */
export function parseYears(raw: unknown): number[] | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const out = new Set<number>();
  for (const part of String(raw).split(',')) {
    const range = /^\s*(\d{4})\s*[-–]\s*(\d{4})\s*$/.exec(part);
    const [from, to] = range ? [parseYear(range[1]), parseYear(range[2])] : [parseYear(part), parseYear(part)];
    if (from === null || to === null || to < from || to - from > 30) return null;
    for (let y = from; y <= to; y++) out.add(y);
  }
  return out.size > 0 && out.size <= 30 ? [...out].sort((a, b) => b - a) : null;
}
