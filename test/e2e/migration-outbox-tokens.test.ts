// The data migration of issue 9, item 16: opt-out links already stored in email_outbox.headers
// move out of the headers — into list_unsubscribe for a message that can still be sent, nowhere
// for one that is done with. Runs the migrations up to the new column, writes rows as the old code
// did, then the rest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createDb, json, migrateLatest, nowIso } from '../../server/db';
import { migrationSource } from '../../migrations';
import { freshDatabaseUrl } from '../helpers/app';

const BEFORE = '20261202120100_outbox-tokens-out-of-headers';

let db: Knex;
let done: () => Promise<void>;
beforeAll(async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerpuls-migration-'));
  const { url, drop } = await freshDatabaseUrl(tmp);
  db = createDb(url);
  done = async () => {
    await db.destroy();
    await drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
});
afterAll(async () => done());

it('moves the List-Unsubscribe of sendable messages to its column and drops it from the rest', async () => {
  const all = await migrationSource.getMigrations([]);
  const upTo = all.slice(
    0,
    all.findIndex((m) => m[0] === BEFORE),
  );
  await db.migrate.latest({ migrationSource: { ...migrationSource, getMigrations: () => Promise.resolve(upTo) } });
  const header = (n: number) => ({
    'List-Unsubscribe': `<http://x.test/api/v1/avregistrera/${String(n).padStart(43, 'a')}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'Content-Language': 'sv',
  });
  const row = (n: number, status: string, body: string | null) => ({
    kind: 'invitation',
    subject: 's',
    to_address: 'a@b.se',
    text_body: body,
    html_body: null,
    headers: JSON.stringify(header(n)),
    message_id: `<m${n}@x.test>`,
    status,
    attempts: 1,
    next_attempt_at: nowIso(),
    created_at: nowIso(),
  });
  await db('email_outbox').insert([row(1, 'sent', null), row(2, 'queued', 'text'), row(3, 'failed', 'text'), row(4, 'bounced', null)]);
  await migrateLatest(db);
  const rows = await db('email_outbox').orderBy('id');
  expect(rows.map((r) => [r.status, r.list_unsubscribe, json<Record<string, string>>(r.headers)])).toEqual([
    ['sent', null, { 'Content-Language': 'sv' }],
    ['queued', header(2)['List-Unsubscribe'], { 'Content-Language': 'sv' }],
    ['failed', header(3)['List-Unsubscribe'], { 'Content-Language': 'sv' }],
    ['bounced', null, { 'Content-Language': 'sv' }],
  ]);
});
