// Backpressure for the streamed downloads (the raw answers, the register): wait until what was
// written has been taken in before reading the next page from the database.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

function isWritable(v: unknown): v is Writable {
  return typeof v === 'object' && v !== null && typeof (v as Writable).write === 'function' && 'writableNeedDrain' in v;
}

/**
 * Waits while `out` — and, given a worksheet of exceljs' streaming WorkbookWriter, the zip entry
 * its rows are piped into — holds more than it wants. exceljs passes committed rows on to the zip
 * without waiting for its compression, so when the database is faster than deflate the rows pile
 * up outside the JavaScript heap; waiting on the entry keeps about a page of rows in flight.
 */
export async function drained(out: Writable, sheet?: unknown): Promise<void> {
  const pipes = (sheet as { stream?: { pipes?: unknown } } | undefined)?.stream?.pipes;
  if (Array.isArray(pipes)) for (const p of pipes) if (isWritable(p) && p.writableNeedDrain) await once(p, 'drain');
  if (out.writableNeedDrain) await once(out, 'drain');
}
