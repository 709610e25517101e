// Issue 11, section 4: bounces that arrive after the SMTP server accepted a message. Delivery
// reports (RFC 3464; fixtures in test/fixtures/dsn shaped as Postfix and Exchange send them) mark
// the message and its contact as bounced — from files with the CLI and from a real IMAP mailbox
// (hoodiecrow-imap) that the worker reads; a delay report changes nothing, a report is handled once.
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../server/cli';
import { parseDeliveryReport } from '../../server/mail/dsn';
import { CLI } from '../../server/services/audit';
import { readBounceMailbox } from '../../server/services/bounces';
import { sendInvitations } from '../../server/services/mailings';
import { loggedInAgent } from '../helpers/app';
import { rowCells } from '../helpers/html';
import { startImapServer } from '../helpers/imap';
import { drainAll, type MailTestEnv, outboxRows, partnershipWithOpenRound, startMailTestApp } from '../helpers/mail';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'dsn');
const fixture = (name: string, messageId: string, recipient: string) =>
  fs.readFileSync(path.join(FIXTURES, name), 'utf8').replaceAll('{{MESSAGE_ID}}', messageId).replaceAll('{{RECIPIENT}}', recipient);

let env: MailTestEnv;
const db = () => env.t.deps.db;
beforeAll(async () => {
  env = await startMailTestApp();
});
afterAll(async () => env.close());

function capture() {
  const lines: string[] = [];
  return { lines, out: { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) } };
}

/** A round whose invitations have gone out through the SMTP server: the sent rows, first contact first. */
async function sentInvitations(n: number) {
  const p = await partnershipWithOpenRound(db(), n);
  await sendInvitations(env.t.deps, CLI, p.roundId, { organisationIds: null, locale: 'sv' });
  await drainAll(env.t);
  const rows = await outboxRows(db(), { round_id: p.roundId, kind: 'invitation' });
  expect(rows.map((r) => r.status)).toEqual(Array(n).fill('sent'));
  return { p, rows };
}

describe('delivery reports (RFC 3464)', () => {
  it('reads the failed recipient, its status and the original Message-ID (Postfix, Exchange); a delay is not a failure', async () => {
    const postfix = await parseDeliveryReport(fixture('postfix-user-unknown.eml', '<abc.1@partnerpuls.test>', 'anna@org.example.se'));
    expect(postfix).toEqual({
      originalMessageId: '<abc.1@partnerpuls.test>',
      recipients: [
        {
          recipient: 'anna@org.example.se',
          action: 'failed',
          status: '5.1.1',
          diagnostic: '550 5.1.1 <anna@org.example.se>: Recipient address rejected: User unknown in virtual mailbox table',
        },
      ],
    });
    const exchange = await parseDeliveryReport(fixture('exchange-mailbox-full.eml', '<def.2@partnerpuls.test>', 'Bo@Org.example.se'));
    expect(exchange?.originalMessageId).toBe('<def.2@partnerpuls.test>');
    expect(exchange?.recipients[0]).toMatchObject({ recipient: 'bo@org.example.se', action: 'failed', status: '5.2.2' });
    const delayed = await parseDeliveryReport(fixture('delayed.eml', '<g.3@partnerpuls.test>', 'c@org.example.se'));
    expect(delayed?.recipients[0]).toMatchObject({ action: 'delayed', status: '4.4.1' });
    // an ordinary message is no report
    expect(await parseDeliveryReport('From: a@b.se\r\nSubject: Hej\r\n\r\nHej!\r\n')).toBeNull();
  });

  it('`mail bounces FILE` marks the message and the contact bounced, once; the contact is left out of reminders', async () => {
    const { p, rows } = await sentInvitations(3);
    const dir = fs.mkdtempSync(path.join(env.t.tmpDir, 'dsn-'));
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const bounce = write('1.eml', fixture('postfix-user-unknown.eml', rows[0].message_id, rows[0].to_address!));
    const delay = write('2.eml', fixture('delayed.eml', rows[1].message_id, rows[1].to_address!));
    const c = capture();
    expect(await runCli(['mail', 'bounces', bounce, delay], env.t.deps, c.out)).toBe(0);
    expect(c.lines).toEqual([
      `${bounce}: markerad som studsad (5.1.1).`,
      `${delay}: ingen misslyckad leverans (t.ex. en försening): ingenting ändrat (4.4.1).`,
    ]);
    const after = await outboxRows(db(), { round_id: p.roundId, kind: 'invitation' });
    expect(after.map((r) => r.status)).toEqual(['bounced', 'sent', 'sent']);
    expect(after[0].last_error).toMatch(/^Studsade efter leverans: 5\.1\.1 550 5\.1\.1/);
    const contacts = await db()('contacts').whereIn('id', p.contactIds.flat()).orderBy('id');
    expect(contacts.map((x) => x.bounced_at !== null)).toEqual([true, false, false]);
    // the same report again changes nothing
    const again = capture();
    expect(await runCli(['mail', 'bounces', bounce], env.t.deps, again.out)).toBe(0);
    expect(again.lines[0]).toMatch(/inget skickat meddelande med det Message-ID:t/);
    // the reminder page leaves the contact out, with the reason
    const { agent } = await loggedInAgent(env.t, 'coordinator');
    const page = await agent.get(`/rounds/${p.roundId}/mail/remind`).expect(200);
    expect(rowCells(page.text, '#excluded', 'Kontakt 1-1')[1]).toContain('E-post har studsat');
  });

  it('the worker reads the bounce mailbox over IMAP and marks each report once', async () => {
    const { p, rows } = await sentInvitations(2);
    const imap = await startImapServer([
      fixture('exchange-mailbox-full.eml', rows[1].message_id, rows[1].to_address!),
      'From: someone@org.example.se\nTo: noreply@partnerpuls.example.se\nSubject: Tack!\n\nTack för påminnelsen.\n',
    ]);
    try {
      const config = { bounceImapUrl: imap.url };
      expect(await readBounceMailbox(db(), config)).toBe(1);
      expect((await outboxRows(db(), { round_id: p.roundId, kind: 'invitation' })).map((r) => r.status)).toEqual(['sent', 'bounced']);
      const contact = (await db()('contacts').where({ id: p.contactIds[1][0] }).first())!;
      expect(contact.bounce_reason).toMatch(/^Studsade efter leverans: 5\.2\.2/);
      // read messages are not read again
      expect(await readBounceMailbox(db(), config)).toBe(0);
    } finally {
      await imap.close();
    }
  });
});
