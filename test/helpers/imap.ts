// A real IMAP server in-process (hoodiecrow-imap, a scriptable IMAP4rev1 server for client tests)
// on 127.0.0.1 and a random port, with an INBOX holding the given raw messages. It keeps
// everything in memory; user "testuser", password "testpass".
import type { AddressInfo, Server } from 'node:net';

interface HoodiecrowOptions {
  storage: Record<string, { messages: Array<{ raw: string; flags?: string[] }> }>;
}
interface Hoodiecrow {
  listen(port: number, host: string, cb: () => void): void;
  close(cb: () => void): void;
  /** the net.Server underneath */
  server: Server;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- hoodiecrow-imap ships no types nor ES module
const hoodiecrow = require('hoodiecrow-imap') as (options: HoodiecrowOptions) => Hoodiecrow;

export interface TestImap {
  /** imap://testuser:testpass@127.0.0.1:PORT/INBOX */
  url: string;
  close(): Promise<void>;
}

export async function startImapServer(messages: string[]): Promise<TestImap> {
  const server = hoodiecrow({
    storage: { INBOX: { messages: messages.map((raw) => ({ raw: raw.replace(/\r?\n/g, '\r\n'), flags: [] })) } },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `imap://testuser:testpass@127.0.0.1:${port}/INBOX`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
