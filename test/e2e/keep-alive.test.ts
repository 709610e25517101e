// A kept-alive connection stays open longer than the clients and proxies in front of the app keep
// theirs. Node's own default (5 s) is shorter than most: a reverse proxy (nginx, a load balancer
// with a 60 s idle timeout) or a client that ignores the Keep-Alive hint (Playwright's request
// context, which failed a CI run with ECONNRESET this way) then sends a request on a connection
// the app is closing at that moment. The app therefore keeps idle connections for
// KEEP_ALIVE_TIMEOUT_SECONDS (65 s unless set), and the tests' servers are made the same way.
import net from 'node:net';
import type { Server } from 'node:http';
import { startTestApp, type TestApp } from '../helpers/app';
import { listen } from '../helpers/browser';

let t: TestApp;
let server: Server;
let port: number;
beforeAll(async () => {
  t = await startTestApp();
  const listening = await listen(t);
  server = listening.server;
  port = Number(new URL(listening.baseUrl).port);
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await t.close();
});

/** Reads one HTTP response (head and a Content-Length body) from the socket. */
function response(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (Buffer.byteLength(text.slice(end + 4), 'latin1') < length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(text);
    };
    const onClose = () => reject(new Error('the server closed the connection'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

const GET = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';

it('answers a second request on a connection that was idle for longer than 5 seconds', async () => {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  try {
    socket.write(GET);
    const first = await response(socket);
    expect(first.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(first).toMatch(/\r\nKeep-Alive: timeout=65\r\n/i);

    let closedAt: number | null = null;
    socket.once('close', () => (closedAt = Date.now()));
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(closedAt).toBeNull();

    socket.write(GET);
    expect((await response(socket)).split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  } finally {
    socket.destroy();
  }
}, 20_000);
