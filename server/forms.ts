// Small helpers for reading form bodies safely (every value may be missing or an array).
import type { Response } from 'express';
import type { z } from 'zod';
import { type FieldProblem, ValidationError } from './errors';

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

/**
 * The route-level form handling, in one place: run the action (parse → call a service → redirect);
 * when it throws a ValidationError, answer 400 and re-render the form with every problem (error
 * summary + messages by the fields). Any other error goes on to the error handler.
 */
export async function handleForm(
  res: Response,
  action: () => Promise<unknown>,
  rerender: (problems: FieldProblem[]) => unknown,
): Promise<void> {
  try {
    await action();
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    res.status(400);
    await rerender(e.problems);
  }
}
