// SQLite transactions of the app's knex instance (server/db.ts) hold the database's write lock
// from their start (BEGIN IMMEDIATE): another connection cannot write from the first moment, not
// only after the transaction's first write. Savepoints inside a transaction work as before.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { createDb } from '../../server/db';
import { inTransaction } from '../../server/repositories/transaction';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerpuls-trx-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A write from another connection that does not wait for the lock: null when it went through, else the error code. */
function otherWrite(file: string): Promise<string | null> {
  return new Promise((resolve) => {
    const other = new sqlite3.Database(file);
    other.exec('pragma busy_timeout = 0; insert into t (x) values (99);', (err) =>
      other.close(() => resolve(err ? String((err as { code?: string }).code) : null)),
    );
  });
}

it('holds the write lock before its first statement, and savepoints inside it still roll back on their own', async () => {
  const file = path.join(dir, 'immediate.sqlite');
  const db = createDb(`file:${file}`);
  try {
    await db.raw('create table t (x integer)');
    const seen = await inTransaction(db, async (trx) => {
      const blocked = await otherWrite(file); // nothing run in the transaction yet
      await inTransaction(trx, async (inner) => {
        await inner.raw('insert into t (x) values (1)');
        throw new Error('undo the savepoint');
      }).catch(() => undefined);
      await trx.raw('insert into t (x) values (2)');
      return blocked;
    });
    expect(seen).toMatch(/^SQLITE_BUSY/);
    expect(await otherWrite(file)).toBeNull(); // after the commit the lock is free again
    const rows = await db.raw<Array<{ x: number }>>('select x from t order by x');
    expect(rows.map((r) => r.x)).toEqual([2, 99]);
  } finally {
    await db.destroy();
  }
});
