// Issue 9, item 9: `indicators --format csv` written to standard output is the same bytes as the
// file: CRLF on every line, the last one too. Runs the real command line in its own process
// (as an operator does, `npm run cli -- indicators …`) against this test's database.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../helpers/app';
import { createPartnership, createRound, insertSubmittedResponse } from '../helpers/fixtures';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  const p = await createPartnership(t.deps.db, 3, 2025);
  const roundId = await createRound(t.deps.db, { year: 2025, panelId: p.panelId, state: 'stangd' });
  for (const id of p.organisationIds)
    await insertSubmittedResponse(t.deps.db, roundId, id, { rus_planering: 'hog', fortroende_rua: 'hogt' });
});
afterAll(async () => t.close());

async function cli(args: string[]): Promise<Buffer> {
  const { stdout } = await run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['server/cli.ts', ...args], {
    cwd: ROOT,
    encoding: 'buffer',
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      DATABASE_URL: t.config.databaseUrl,
      DATA_DIR: t.tmpDir,
      DEMO: 'false',
      OUTBOX_WORKER: 'false',
      LOG_LEVEL: 'error',
    },
    maxBuffer: 10 * 1024 * 1024,
  });
  return stdout;
}

it('writes the CSV to standard output with CRLF after every line, the last one included, and the BOM first', async () => {
  const out = await cli(['indicators', '--year', '2025', '--format', 'csv']);
  expect([...out.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = out.toString('utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/); // no bare LF or CR anywhere
  const lines = text.slice(1).split('\r\n');
  expect(lines[0].startsWith('id;name;goal;')).toBe(true);
  expect(lines.filter((l) => l.startsWith('rus_i_verksamhetsplan;'))).toHaveLength(1);
  expect(lines[lines.length - 1]).toBe(''); // the text ended with CRLF
}, 60_000);

it('the flat file too; JSON ends with one LF as before', async () => {
  const flat = (await cli(['indicators', '--year', '2025', '--format', 'flat'])).toString('utf8');
  expect(flat.endsWith('\r\n')).toBe(true);
  expect(flat.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const json = (await cli(['indicators', '--year', '2025', '--format', 'json'])).toString('utf8');
  expect(json.endsWith(']\n')).toBe(true);
  expect(JSON.parse(json)).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'rus_i_verksamhetsplan', numerator: 3 })]));
}, 60_000);
