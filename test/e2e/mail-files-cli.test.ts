// Without SMTP_URL (the embedded default) every message is written as an .eml file into the
// outbox folder and listed at /outbox; the CLI commands outbox status|send|retry and reminders run.
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../server/cli';
import { CLI } from '../../server/services/audit';
import { sendInvitations } from '../../server/services/mailings';
import { loggedInAgent, startTestApp, TestApp } from '../helpers/app';
import { outboxRows, partnershipWithOpenRound } from '../helpers/mail';
import { parseMessage } from '../helpers/smtp';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

function capture() {
  const lines: string[] = [];
  return { out: { log: (s: string) => lines.push(s), error: (s: string) => lines.push('ERR ' + s) }, text: () => lines.join('\n') };
}

describe('the .eml outbox and the CLI', () => {
  it('writes each message as an .eml file named by outbox id and Message-ID, listed and viewable at /outbox', async () => {
    expect(t.deps.mailer.kind).toBe('file');
    const p = await partnershipWithOpenRound(t.deps.db, 3);
    await sendInvitations(t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
    const status = capture();
    expect(await runCli(['outbox', 'status'], t.deps, status.out)).toBe(0);
    expect(status.text()).toMatch(/I kö\s+3/);
    const send = capture();
    expect(await runCli(['outbox', 'send'], t.deps, send.out)).toBe(0);
    expect(send.text()).toContain('Skickade: 3');

    const files = fs.readdirSync(t.config.outboxDir).filter((f) => f.endsWith('.eml')).sort();
    expect(files).toHaveLength(3);
    const rows = await outboxRows(t.deps.db);
    for (const [i, row] of rows.entries()) {
      expect(files[i]).toBe(`${String(row.id).padStart(7, '0')}-${row.message_id.replace(/[<>]/g, '')}.eml`);
      const parsed = parseMessage(fs.readFileSync(path.join(t.config.outboxDir, files[i]), 'utf8'));
      expect(parsed.messageId).toBe(row.message_id);
      expect(parsed.text).toContain('http://partnerpuls.test/s/');
    }

    const { agent } = await loggedInAgent(t, 'coordinator');
    const list = await agent.get('/outbox').expect(200);
    expect(list.text).toContain('Skrivna .eml-filer');
    expect(list.text).toContain(files[0]);
    const one = await agent.get(`/outbox/files/${files[0]}`).expect(200);
    expect(one.text).toContain('Message-ID: ' + rows[0].message_id.replace('<', '&lt;').replace('>', '&gt;'));
    await agent.get('/outbox/files/..%2F..%2Fetc%2Fpasswd').expect(404);
    await agent.get('/outbox/files/test.sqlite').expect(404);
  });

  it('outbox retry puts failed messages back in the queue', async () => {
    const [row] = await outboxRows(t.deps.db);
    await t.deps.db('email_outbox').where({ id: row.id }).update({ status: 'failed', text_body: 'x', attempts: 8 });
    const bad = capture();
    expect(await runCli(['outbox', 'retry'], t.deps, bad.out)).toBe(2);
    const one = capture();
    expect(await runCli(['outbox', 'retry', '--id', String(row.id)], t.deps, one.out)).toBe(0);
    expect((await t.deps.db('email_outbox').where({ id: row.id }).first()).status).toBe('queued');
    await t.deps.db('email_outbox').where({ id: row.id }).update({ status: 'failed' });
    const all = capture();
    expect(await runCli(['outbox', 'retry', '--failed'], t.deps, all.out)).toBe(0);
    expect(all.text()).toContain('1 misslyckade meddelanden ligger i kö igen.');
    const rem = capture();
    expect(await runCli(['reminders', 'run'], t.deps, rem.out)).toBe(0);
  });
});
