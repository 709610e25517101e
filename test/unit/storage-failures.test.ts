// Which database errors mean "the database could not store it" (and which reason the respondent is
// told), from errors SQLite really raises: a database that may not grow (as when the disk is
// full), one opened read-only, a write lock that stays taken. Anything else — a constraint, a
// bug — is not a storage failure: it keeps the generic error page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { storageFailureOf } from '../../server/repositories/transaction';

function open(file: string, mode = sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}
const exec = (db: sqlite3.Database, sql: string) =>
  new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: unknown) => storageFailureOf(e),
  );

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerpuls-storage-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('a database that may not grow (disk full) is "full"', async () => {
  const db = await open(path.join(dir, 'full.sqlite'));
  await exec(db, 'create table t (x text); pragma max_page_count = 3;');
  expect(await failure(exec(db, `insert into t values (hex(randomblob(20000)))`))).toBe('full');
  await new Promise((r) => db.close(r));
});

it('a database opened read-only is "unavailable"', async () => {
  const file = path.join(dir, 'ro.sqlite');
  const rw = await open(file);
  await exec(rw, 'create table t (x)');
  await new Promise((r) => rw.close(r));
  const ro = await open(file, sqlite3.OPEN_READONLY);
  expect(await failure(exec(ro, 'insert into t values (1)'))).toBe('unavailable');
  await new Promise((r) => ro.close(r));
});

it('a write lock another connection keeps is "busy"', async () => {
  const file = path.join(dir, 'busy.sqlite');
  const a = await open(file);
  const b = await open(file);
  await exec(a, 'pragma journal_mode = wal; create table t (x); begin immediate;');
  await exec(b, 'pragma busy_timeout = 50');
  expect(await failure(exec(b, 'insert into t values (1)'))).toBe('busy');
  await exec(a, 'commit');
  await Promise.all([new Promise((r) => a.close(r)), new Promise((r) => b.close(r))]);
});

it('a constraint or a programming error is not a storage failure', async () => {
  const db = await open(path.join(dir, 'other.sqlite'));
  await exec(db, 'create table t (x unique); insert into t values (1);');
  expect(await failure(exec(db, 'insert into t values (1)'))).toBeNull();
  expect(await failure(exec(db, 'select * from no_such_table'))).toBeNull();
  expect(storageFailureOf(new TypeError('x is undefined'))).toBeNull();
  await new Promise((r) => db.close(r));
});

it('PostgreSQL: disk full, lock timeout and a lost connection', () => {
  expect(storageFailureOf({ code: '53100', message: 'could not extend file: No space left on device' })).toBe('full');
  expect(storageFailureOf({ code: '55P03', message: 'canceling statement due to lock timeout' })).toBe('busy');
  expect(storageFailureOf({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' })).toBe('unavailable');
  expect(storageFailureOf({ code: '57P01', message: 'terminating connection due to administrator command' })).toBe('unavailable');
});
