// Long jobs in a request (reading an uploaded file) hand the event loop back between chunks, so
// other requests — other users' pages, /health — are answered meanwhile (bench/uploads.ts measures
// the longest stall).

/** Resolves after the event loop has run whatever else was waiting (timers, I/O, other requests). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
