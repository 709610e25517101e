// Without SMTP_URL (the embedded default) every message is written as an .eml file into the
// outbox folder and listed at /outbox; the CLI commands outbox status|send|retry and reminders run.
// Erasing a contact deletes its .eml files; the purge deletes leftovers and old files.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { runCli } from '../../server/cli';
import { CLI } from '../../server/services/audit';
import { sendInvitations } from '../../server/services/mailings';
import { loggedInAgent, postForm, startTestApp, type TestApp } from '../helpers/app';
import { createContact, createOrganisation, createPanel, createRound } from '../helpers/fixtures';
import { textOf, textsOf } from '../helpers/html';
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

    const files = fs
      .readdirSync(t.config.outboxDir)
      .filter((f) => f.endsWith('.eml'))
      .sort();
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
    expect(textOf(list.text, '#eml-files-title')).toBe('Skrivna .eml-filer');
    expect(textsOf(list.text, '#eml-files a')).toContain(files[0]);
    const one = await agent.get(`/outbox/files/${files[0]}`).expect(200);
    expect(textOf(one.text, '#eml-source')).toContain('Message-ID: ' + rows[0].message_id);
    // the source is shown as text: escaped in the HTML
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
    expect((await t.deps.db('email_outbox').where({ id: row.id }).first())!.status).toBe('queued');
    await t.deps.db('email_outbox').where({ id: row.id }).update({ status: 'failed' });
    const all = capture();
    expect(await runCli(['outbox', 'retry', '--failed'], t.deps, all.out)).toBe(0);
    expect(all.text()).toContain('1 misslyckade meddelanden ligger i kö igen.');
    const rem = capture();
    expect(await runCli(['reminders', 'run'], t.deps, rem.out)).toBe(0);
  });
});

describe('the .eml files hold personal data', () => {
  it('erasing a contact deletes the .eml files of its e-mails (others stay); the purge deletes a leftover and files older than the retention time', async () => {
    const db = t.deps.db;
    const dir = t.config.outboxDir;
    const orgId = await createOrganisation(db, { name: 'Raderingsby kommun' });
    const erased = await createContact(db, orgId, { name: 'Rut Raderad', email: 'rut@raderingsby.example.se' });
    const kept = await createContact(db, orgId, { name: 'Kalle Kvar', email: 'kalle@raderingsby.example.se' });
    const roundId = await createRound(db, { year: 2027, panelId: await createPanel(db, [orgId], 2027) });
    await sendInvitations(t.deps, CLI, roundId, { organisationIds: [orgId], locale: 'sv' });
    expect(await runCli(['outbox', 'send'], t.deps, capture().out)).toBe(0);

    const rows = await outboxRows(db, { round_id: roundId });
    const fileOf = (outboxId: number) =>
      fs.readdirSync(dir).find((f) => f.startsWith(`${String(outboxId).padStart(7, '0')}-`) && f.endsWith('.eml'));
    const erasedRow = rows.find((r) => Number(r.contact_id) === erased)!;
    const keptRow = rows.find((r) => Number(r.contact_id) === kept)!;
    const erasedFile = fileOf(erasedRow.id)!;
    const keptFile = fileOf(keptRow.id)!;
    const erasedRaw = fs.readFileSync(path.join(dir, erasedFile), 'utf8');
    expect(erasedRaw).toContain('rut@raderingsby.example.se');
    const linkOf = (raw: string) => '/s/' + /\/s\/([A-Za-z0-9_-]{43})/.exec(parseMessage(raw).text)![1];
    const erasedLink = linkOf(erasedRaw);
    const keptLink = linkOf(fs.readFileSync(path.join(dir, keptFile), 'utf8'));
    await request(t.app).get(erasedLink).expect(200);

    const { agent } = await loggedInAgent(t, 'coordinator');
    await agent.get(`/outbox/files/${erasedFile}`).expect(200);
    const res = await postForm(agent, `/contacts/${erased}/erase`, `/contacts/${erased}/erase`, { confirm: 'ja' });
    expect(res.status).toBe(303);
    expect(fs.existsSync(path.join(dir, erasedFile))).toBe(false);
    expect(fs.existsSync(path.join(dir, keptFile))).toBe(true);
    await agent.get(`/outbox/files/${erasedFile}`).expect(404);
    expect((await agent.get('/outbox').expect(200)).text).not.toContain(erasedFile);
    for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, f), 'utf8')).not.toContain('rut@raderingsby');
    // the erased contact's link no longer works; the other contact's link does
    expect(textOf((await request(t.app).get(erasedLink).expect(404)).text, 'h1')).toBe('Länken fungerar inte');
    await request(t.app).get(keptLink).expect(200);

    // A file written for the erased contact after the erase (the worker was sending at that very
    // moment), and a file older than the retention time whose row is gone: the purge deletes both.
    fs.writeFileSync(path.join(dir, erasedFile), erasedRaw);
    const orphan = '9999999-old.message@partnerpuls.test.eml';
    fs.writeFileSync(path.join(dir, orphan), 'From: x');
    fs.utimesSync(path.join(dir, orphan), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    const dry = capture();
    expect(await runCli(['purge', '--dry-run'], t.deps, dry.out)).toBe(0);
    expect(dry.text()).toContain('.eml-filer i utkorgsmappen skulle tas bort: 2');
    expect(fs.existsSync(path.join(dir, erasedFile))).toBe(true);
    const real = capture();
    expect(await runCli(['purge'], t.deps, real.out)).toBe(0);
    expect(real.text()).toContain('.eml-filer i utkorgsmappen borttagna: 2');
    expect(fs.existsSync(path.join(dir, erasedFile))).toBe(false);
    expect(fs.existsSync(path.join(dir, orphan))).toBe(false);
    expect(fs.existsSync(path.join(dir, keptFile))).toBe(true);
  });
});
