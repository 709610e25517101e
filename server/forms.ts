// Small helpers for reading form bodies safely (every value may be missing or an array).
import { z } from 'zod';
import { FieldProblem, ValidationError } from './errors';

export function str(body: unknown, key: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
}

export function strList(body: unknown, key: string): string[] {
  const v = (body as Record<string, unknown> | undefined)?.[key];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function intParam(v: unknown): number | null {
  return typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : null;
}

/** Parse with a zod schema; on failure throw a ValidationError naming each field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const problems: FieldProblem[] = r.error.issues.map((i) => ({ field: String(i.path[0] ?? ''), message: i.message }));
  throw new ValidationError(problems);
}
