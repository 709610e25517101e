// Issue 9 items 16 and 23: the data folder is private, and a start that cannot work says so in
// Swedish, with the app's own command, and exits non-zero instead of staying alive half-started.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { allCommands, runCli } from '../../server/cli';
import { loadConfig } from '../../server/config';
import { createDb, migrateLatest } from '../../server/db';
import { buildDeps } from '../../server/deps';
import { testDatabaseKind } from '../helpers/app';
import { exitWithin, freePort, npmCli, runCliProcess, spawnNode, startServer, tmpDir } from '../helpers/process';

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('the SQLite file and the data folder are private (item 16)', () => {
  it('creates the data folder 0700 and the database, its -wal/-shm and the session secret 0600', async () => {
    const root = tmpDir();
    const dataDir = path.join(root, 'data');
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: `file:${path.join(dataDir, 'partnerpuls.sqlite')}` });
    const deps = buildDeps(config);
    await migrateLatest(deps.db);
    await deps.db('panels').insert({ slug: 'p', name: 'P', created_at: new Date().toISOString() });
    const file = path.join(dataDir, 'partnerpuls.sqlite');
    expect(mode(dataDir).toString(8)).toBe('700');
    expect(mode(file).toString(8)).toBe('600');
    expect(mode(`${file}-wal`).toString(8)).toBe('600');
    expect(mode(`${file}-shm`).toString(8)).toBe('600');
    expect(mode(path.join(dataDir, '.session-secret')).toString(8)).toBe('600');
    await deps.db.destroy();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('makes an existing world-readable database file private when it opens it', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'old.sqlite');
    fs.writeFileSync(file, '', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const db = createDb(`file:${file}`);
    await db.raw('select 1');
    expect(mode(file).toString(8)).toBe('600');
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a start that cannot work exits non-zero with a Swedish message (item 23)', () => {
  it('a taken port: no "kör på", no setup link, exit 1 naming the port', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
    const dir = tmpDir();
    const child = startServer({ DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1' });
    const code = await exitWithin(child, 30_000);
    blocker.close();
    expect(code).not.toBe(0);
    expect(child.stdout()).not.toMatch(/kör på/);
    expect(child.stdout()).not.toMatch(/\/setup\//);
    expect(child.stderr()).toMatch(new RegExp(`Porten ${port} används redan`));
    expect(child.stderr()).toMatch(/PORT=/);
  }, 60_000);

  it('a file that is not a database: exit 1 naming the file and the restore command', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'trasig.sqlite');
    fs.writeFileSync(file, 'det här är ingen databas '.repeat(100));
    const child = startServer({ DATA_DIR: dir, DATABASE_URL: `file:${file}`, PORT: String(await freePort()) });
    const code = await exitWithin(child, 30_000);
    expect(code).toBe(1);
    expect(child.stderr()).toContain(file);
    expect(child.stderr()).toMatch(/restore/);
    expect(child.stdout()).not.toMatch(/kör på/);
  }, 60_000);

  it('a database that cannot be created: exit 1 saying which folder and what to check', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'inte-en-mapp'), 'x');
    const file = path.join(dir, 'inte-en-mapp', 'partnerpuls.sqlite');
    const child = startServer({ DATA_DIR: dir, DATABASE_URL: `file:${file}`, PORT: String(await freePort()) });
    const code = await exitWithin(child, 30_000);
    expect(code).toBe(1);
    expect(child.stderr()).toContain(path.dirname(file));
    expect(child.stderr()).not.toMatch(/^\s+at /m); // a message, not a stack trace
  }, 60_000);

  it('a stuck migration lock: the app’s own unlock command, not knex’s advice; the command releases it', async () => {
    const dir = tmpDir();
    const url = `file:${path.join(dir, 'partnerpuls.sqlite')}`;
    const db = createDb(url);
    await migrateLatest(db);
    await db('knex_migrations_lock').update({ is_locked: 1 });
    await db.destroy();
    const env = { DATA_DIR: dir, DATABASE_URL: url, PORT: String(await freePort()), MIGRATION_LOCK_WAIT_SECONDS: '0' };
    const child = startServer(env);
    const code = await exitWithin(child, 30_000);
    const all = child.stdout() + child.stderr();
    expect(code).toBe(1);
    expect(all).not.toMatch(/knex migrate:unlock/);
    expect(all).toMatch(/migrate --unlock/);
    expect(child.stdout()).not.toMatch(/kör på/);

    const unlock = runCliProcess(['migrate', '--unlock'], env);
    expect(await exitWithin(unlock, 30_000)).toBe(0);
    expect(unlock.stdout()).toMatch(/upplåst|låset/i);
    const again = createDb(url);
    const locks = await again<{ is_locked: number }>('knex_migrations_lock').select('is_locked');
    expect(locks.map((l) => Number(l.is_locked))).toEqual([0]);
    await again.destroy();
  }, 90_000);

  it('a database from a newer version (unknown migrations): exit 1, what to do in Swedish', async () => {
    const dir = tmpDir();
    const url = `file:${path.join(dir, 'partnerpuls.sqlite')}`;
    const db = createDb(url);
    await migrateLatest(db);
    await db('knex_migrations').insert({ name: '29991231000000_from-the-future', batch: 99, migration_time: new Date() });
    await db.destroy();
    const child = startServer({ DATA_DIR: dir, DATABASE_URL: url, PORT: String(await freePort()) });
    const code = await exitWithin(child, 30_000);
    expect(code).toBe(1);
    expect(child.stderr()).toMatch(/29991231000000_from-the-future/);
    expect(child.stderr()).toMatch(/nyare version/);
    expect(child.stdout()).not.toMatch(/kör på/);
  }, 60_000);
});

describe('the command line prints only its own output on stdout', () => {
  it('--help for every command, without opening the database; `npm run -s cli` adds no banner', async () => {
    const dir = tmpDir();
    const deps = buildDeps(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir }));
    for (const cmd of allCommands()) {
      const lines: string[] = [];
      const code = await runCli([...cmd.name.split(' '), '--help'], deps, {
        log: (s) => void lines.push(s),
        error: (s) => void lines.push(s),
      });
      expect([cmd.name, code, lines.join('\n')]).toEqual([
        cmd.name,
        0,
        expect.stringContaining(`Användning: npm run -s cli -- ${cmd.usage}`),
      ]);
    }
    expect(fs.existsSync(path.join(dir, 'partnerpuls.sqlite'))).toBe(true); // created empty by createDb …
    expect(fs.statSync(path.join(dir, 'partnerpuls.sqlite')).size).toBe(0); // … but never migrated
    await deps.db.destroy();

    const npm = spawnNode([npmCli(), 'run', '-s', 'cli', '--', 'migrate', '--help'], { DATA_DIR: dir });
    expect(await exitWithin(npm, 60_000)).toBe(0);
    expect(npm.stdout()).toMatch(/^Användning: npm run -s cli -- migrate \[--unlock\]/);
    expect(npm.stdout()).not.toMatch(/^> /m);
  }, 90_000);
});

describe('instances starting at the same time on one database', () => {
  it('both migrate without colliding (PostgreSQL: an advisory lock; SQLite: the file lock)', async () => {
    const kind = testDatabaseKind();
    let url = `file:${path.join(tmpDir(), 'together.sqlite')}`;
    let drop = () => Promise.resolve();
    if (kind === 'postgres') {
      const base = process.env.TEST_DATABASE_URL!;
      const name = `pp_together_${process.pid}`;
      const admin = createDb(base, { poolMax: 1 });
      await admin.raw(`drop database if exists ${name} with (force)`);
      await admin.raw(`create database ${name}`);
      const u = new URL(base);
      u.pathname = `/${name}`;
      url = u.toString();
      drop = async () => {
        await admin.raw(`drop database if exists ${name} with (force)`);
        await admin.destroy();
      };
    }
    const a = createDb(url);
    const b = createDb(url);
    try {
      const results = await Promise.allSettled([migrateLatest(a, { lockWaitMs: 30_000 }), migrateLatest(b, { lockWaitMs: 30_000 })]);
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual(['fulfilled', 'fulfilled']);
    } finally {
      await a.destroy();
      await b.destroy();
      await drop();
    }
  }, 60_000);
});

describe('a start while another process holds the SQLite write lock for longer than busy_timeout', () => {
  // A CI run failed this way: the other instance's migration held the lock for more than the 5 s
  // of busy_timeout on a loaded machine, and the second start gave up with SQLITE_BUSY instead of
  // waiting MIGRATION_LOCK_WAIT_SECONDS as it does for the migration lock.
  const holdLock = async (file: string, ms: number) => {
    const other = new sqlite3.Database(file);
    const run = (sql: string) => new Promise<void>((resolve, reject) => other.run(sql, (e: Error | null) => (e ? reject(e) : resolve())));
    await run('BEGIN IMMEDIATE');
    return new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        run('COMMIT')
          .then(() => new Promise<void>((done) => other.close(() => done())))
          .then(resolve, reject);
      }, ms);
    });
  };

  it('waits for the lock and migrates once it is free', async () => {
    const file = path.join(tmpDir(), 'held.sqlite');
    const released = holdLock(file, 6_500);
    const db = createDb(`file:${file}`);
    try {
      await expect(migrateLatest(db, { lockWaitMs: 30_000 })).resolves.toBeUndefined();
      await released;
      expect(await db.schema.hasTable('responses')).toBe(true);
    } finally {
      await db.destroy();
    }
  }, 30_000);

  it('gives up after MIGRATION_LOCK_WAIT_SECONDS with the migration-lock error (explained in Swedish at the start)', async () => {
    const file = path.join(tmpDir(), 'held-long.sqlite');
    const released = holdLock(file, 8_000);
    const db = createDb(`file:${file}`);
    try {
      const failure = await migrateLatest(db, { lockWaitMs: 1_000 }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(failure?.name).toBe('MigrationLocked');
    } finally {
      await released;
      await db.destroy();
    }
  }, 30_000);
});
