// Text from outside (forms, query strings, imported files) cleaned of characters that have no
// place in it. PostgreSQL refuses a NUL byte in a text value, and no text field means one.

/** Control characters that never appear in text typed or imported (tab, CR and LF do). */
// eslint-disable-next-line no-control-regex -- finding control characters is what this pattern is for
export const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** The text without control characters other than tab, CR and LF. */
export function withoutControlChars(s: string): string {
  return s.replace(CONTROL_CHARS, '');
}

/**
 * Every string in a parsed form body or query string (objects and arrays, as the parsers build
 * them) without control characters; other values as they are. Deeper than `maxDepth` is dropped.
 */
export function cleanInput(value: unknown, maxDepth = 8): unknown {
  if (typeof value === 'string') return withoutControlChars(value);
  if (value === null || typeof value !== 'object') return value;
  if (maxDepth <= 0) return undefined;
  if (Array.isArray(value)) return value.map((v) => cleanInput(v, maxDepth - 1));
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) out[withoutControlChars(k)] = cleanInput(v, maxDepth - 1);
  return out;
}

/** How many control characters (as above) the text has, counting no further than `stopAt`. */
export function countControlChars(s: string, stopAt: number): number {
  const re = new RegExp(CONTROL_CHARS.source, 'g');
  let n = 0;
  while (n < stopAt && re.exec(s) !== null) n++;
  return n;
}
