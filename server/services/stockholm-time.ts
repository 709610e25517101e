// Dates and times entered in Europe/Stockholm (what a coordinator types in a form) ↔ the UTC
// ISO strings every timestamp column holds. Daylight saving time is handled by asking Intl for
// the offset at the instant in question, so no table of DST rules is kept here:
//   * a time that does not exist (the hour skipped when summer time starts, e.g. 2025-03-30
//     02:30) is refused with a message — guessing would silently move a deadline;
//   * a time that exists twice (the hour repeated when summer time ends, e.g. 2025-10-26
//     02:30) is read as the first of the two (still summer time, +02:00).
import { dateTimeFormat } from '../lib/intl';

export const STOCKHOLM = 'Europe/Stockholm';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{1,2})[:.](\d{2})$/;

const partsFormatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: STOCKHOLM,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function wallClockAt(ms: number): WallClock & { second: number } {
  const p = Object.fromEntries(partsFormatter.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour) % 24,
    minute: Number(p.minute),
    second: Number(p.second),
  };
}

/** Offset of Stockholm from UTC at the instant `ms`, in milliseconds (+1 h or +2 h). */
function offsetAt(ms: number): number {
  const w = wallClockAt(ms);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

export type StockholmParseResult = { ok: true; iso: string } | { ok: false; reason: 'date' | 'time' | 'nonexistent' };

/** "2025-11-03" + "09:00" in Stockholm → "2025-11-03T08:00:00.000Z". */
export function stockholmToUtc(date: string, time: string): StockholmParseResult {
  const d = DATE_RE.exec(date.trim());
  if (!d) return { ok: false, reason: 'date' };
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day)
    return { ok: false, reason: 'date' };
  const t = TIME_RE.exec(time.trim());
  if (!t) return { ok: false, reason: 'time' };
  const [hour, minute] = [Number(t[1]), Number(t[2])];
  if (hour > 23 || minute > 59) return { ok: false, reason: 'time' };

  const naive = Date.UTC(year, month - 1, day, hour, minute);
  // Both candidate offsets (winter +1, summer +2); keep those that give back the same wall clock.
  const candidates = [...new Set([offsetAt(naive - 3 * 3600_000), offsetAt(naive + 3 * 3600_000), offsetAt(naive)])]
    .map((off) => naive - off)
    .filter((ms) => {
      const w = wallClockAt(ms);
      return w.year === year && w.month === month && w.day === day && w.hour === hour && w.minute === minute;
    })
    .sort((a, b) => a - b);
  if (candidates.length === 0) return { ok: false, reason: 'nonexistent' };
  return { ok: true, iso: new Date(candidates[0]).toISOString() };
}

/** A UTC ISO string → the date and time a Stockholm clock showed ({ date: "2025-11-03", time: "09:00" }). */
export function utcToStockholm(iso: string | null | undefined): { date: string; time: string } | null {
  if (!iso) return null;
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) return null;
  const w = wallClockAt(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return { date: `${w.year}-${pad(w.month)}-${pad(w.day)}`, time: `${pad(w.hour)}:${pad(w.minute)}` };
}

// A round's deadline is written on every respondent page: the text of an instant never changes.
const deadlines = new Map<string, string>();

/** "3 november 2025 kl. 09.00" – the Swedish way of writing a deadline. */
export function formatStockholmDeadline(iso: string | null | undefined, locale: 'sv' | 'en' = 'sv'): string {
  if (!iso) return '–';
  const key = `${locale}${iso}`;
  let text = deadlines.get(key);
  if (text === undefined) {
    text = deadlineText(iso, locale);
    if (deadlines.size >= 1000) deadlines.clear();
    deadlines.set(key, text);
  }
  return text;
}

function deadlineText(iso: string, locale: 'sv' | 'en'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  const date = dateTimeFormat(locale === 'sv' ? 'sv-SE' : 'en-GB', {
    timeZone: STOCKHOLM,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(d);
  const s = utcToStockholm(iso)!;
  return locale === 'sv' ? `${date} kl. ${s.time.replace(':', '.')}` : `${date} at ${s.time}`;
}

/** "1 december 2026" ("1 December 2026") – the Stockholm date of an instant. */
export function formatStockholmDate(iso: string | null | undefined, locale: 'sv' | 'en' = 'sv'): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return new Intl.DateTimeFormat(locale === 'sv' ? 'sv-SE' : 'en-GB', {
    timeZone: STOCKHOLM,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(d);
}
