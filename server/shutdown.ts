// A clean stop on SIGTERM/SIGINT: stop accepting connections, let the requests in flight finish,
// stop the background work (the outbox worker finishes the message it is sending), close the
// database and exit 0 — or exit 1 when that takes longer than SHUTDOWN_TIMEOUT_SECONDS.
import type http from 'node:http';
import type { Logger } from 'pino';

export interface ShutdownParts {
  server: http.Server;
  logger: Logger;
  timeoutMs: number;
  /** Stops the workers (resolves when the message in flight is done). */
  stopBackground: () => Promise<void>;
  /** Closes the database and removes the run marker. */
  close: () => Promise<void>;
  /** A line for the person at the terminal. */
  say: (line: string) => void;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // keep-alive connections become idle once their request is answered: close them then
    server.closeIdleConnections();
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    server.once('close', () => clearInterval(idle));
  });
}

export function onShutdownSignals(parts: ShutdownParts): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    parts.say(`Stänger av (${signal}) …`);
    parts.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      parts.logger.error({ timeoutMs: parts.timeoutMs }, 'shutdown took too long; exiting anyway');
      parts.server.closeAllConnections();
      process.exit(1);
    }, parts.timeoutMs);
    force.unref();
    Promise.all([closeServer(parts.server), parts.stopBackground()])
      .then(() => parts.close())
      .then(() => {
        parts.logger.info('stopped');
        parts.logger.flush?.();
        process.exit(0);
      })
      .catch((err: unknown) => {
        parts.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
