// Backup and restore of a SQLite database (PostgreSQL: pg_dump/pg_restore, see docs/drift.md).
// - backup: a consistent copy of the running database (VACUUM INTO), written beside the target
//   and renamed into place once it has been checked, 0600; recorded for the start's checklist.
// - restore: only while no app runs on the database (the run marker, lib/run-marker.ts); the
//   copy is checked (integrity, not from a newer version) before the current database is moved
//   aside (kept as <file>.before-restore-<time>) and the copy put in its place.
import fs from 'node:fs';
import path from 'node:path';
import { sqliteFileOf, type Config } from '../config';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import { ensurePrivateFile } from '../lib/private-files';
import { liveRunMarker } from '../lib/run-marker';
import { inspectSqliteFile, vacuumInto } from '../repositories/backup';
import { migrationSource } from '../../migrations';

export class BackupError extends AppError {
  constructor(message: string) {
    super(400, 'backup', message);
  }
}

export interface CopyFacts {
  file: string;
  bytes: number;
  submitted: number;
  queuedMail: number;
}

function sqliteFileOrRefuse(config: Pick<Config, 'databaseUrl'>): string {
  const file = sqliteFileOf(config.databaseUrl);
  if (!file || file === ':memory:')
    throw new BackupError(
      'DATABASE_URL pekar på PostgreSQL: säkerhetskopiera med pg_dump --format=custom --file=FIL och återställ med pg_restore --clean --if-exists -d DATABAS FIL (se docs/drift.md).',
    );
  return file;
}

/** Opens a copy on its own, checks it and reads what it holds. */
async function inspect(file: string): Promise<CopyFacts & { migrations: string[] }> {
  let c;
  try {
    c = await inspectSqliteFile(file);
  } catch (e) {
    throw new BackupError(`${file} kan inte läsas som en Partnerpuls-databas: ${(e as Error).message}`);
  }
  if (c.integrity !== 'ok') throw new BackupError(`${file} är skadad (integrity_check: ${c.integrity}).`);
  if (!c.migrations.length) throw new BackupError(`${file} är ingen Partnerpuls-databas (inga migreringar).`);
  return { file, bytes: fs.statSync(file).size, submitted: c.submitted, queuedMail: c.queuedMail, migrations: c.migrations };
}

export async function backupDatabase(deps: Pick<Deps, 'db' | 'config'>, target: string): Promise<CopyFacts> {
  sqliteFileOrRefuse(deps.config);
  const dest = path.resolve(target);
  if (fs.existsSync(dest)) throw new BackupError(`${dest} finns redan. Välj ett nytt filnamn (t.ex. med datum) eller ta bort filen.`);
  if (!fs.existsSync(path.dirname(dest))) throw new BackupError(`Mappen ${path.dirname(dest)} finns inte.`);
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  ensurePrivateFile(tmp); // empty and 0600: VACUUM INTO fills an empty file
  try {
    await vacuumInto(deps.db, tmp);
    const facts = await inspect(tmp);
    fs.renameSync(tmp, dest);
    const result = { ...facts, file: dest };
    writeBackupRecord(sqliteFileOrRefuse(deps.config), { at: new Date().toISOString(), file: dest, bytes: result.bytes });
    return result;
  } finally {
    fs.rmSync(tmp, { force: true });
    for (const suffix of ['-wal', '-shm']) fs.rmSync(tmp + suffix, { force: true });
  }
}

/**
 * The last backup, for the start's checklist: a small file beside the database, not a row in it —
 * a write from a second process would make a transaction in the running app fail (SQLITE_BUSY).
 */
function backupRecordPath(sqliteFile: string): string {
  return `${sqliteFile}.last-backup.json`;
}

function writeBackupRecord(sqliteFile: string, record: { at: string; file: string; bytes: number }): void {
  fs.writeFileSync(backupRecordPath(sqliteFile), JSON.stringify(record) + '\n', { mode: 0o600 });
}

/** When the last backup of this SQLite database was written by `backup`, or null. */
export function lastBackupAt(config: Pick<Config, 'databaseUrl'>): Date | null {
  const file = sqliteFileOf(config.databaseUrl);
  if (!file || file === ':memory:') return null;
  try {
    const r = JSON.parse(fs.readFileSync(backupRecordPath(file), 'utf8')) as { at?: string };
    return r.at ? new Date(r.at) : null;
  } catch {
    return null;
  }
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** Moves the current database (with its -wal folded in) aside; returns where it went, or null when there was none. */
async function moveAside(file: string): Promise<string | null> {
  if (!fs.existsSync(file) || fs.statSync(file).size === 0) return null;
  await inspectSqliteFile(file); // folds the -wal file in, so the moved file is complete
  const aside = `${file}.before-restore-${stamp()}`;
  fs.renameSync(file, aside);
  for (const suffix of ['-wal', '-shm']) if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
  return aside;
}

export async function restoreDatabase(
  config: Pick<Config, 'databaseUrl'>,
  source: string,
): Promise<CopyFacts & { previous: string | null; takenAt: string }> {
  const file = sqliteFileOrRefuse(config);
  const running = liveRunMarker(file);
  if (running)
    throw new BackupError(
      `Partnerpuls kör mot ${file} (process ${running.pid} på ${running.host}, startad ${running.startedAt}). ` +
        'Stoppa appen först (t.ex. systemctl stop partnerpuls), kör restore igen och starta sedan appen.',
    );
  const src = path.resolve(source);
  if (!fs.existsSync(src)) throw new BackupError(`${src} finns inte.`);
  if (src === file) throw new BackupError('Säkerhetskopian är databasfilen själv.');
  const tmp = `${file}.restoring-${process.pid}`;
  fs.copyFileSync(src, tmp);
  fs.chmodSync(tmp, 0o600);
  try {
    const facts = await inspect(tmp);
    const known = new Set((await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m)));
    const unknown = facts.migrations.filter((m) => !known.has(m));
    if (unknown.length)
      throw new BackupError(
        `Säkerhetskopian är från en nyare version av Partnerpuls (${unknown.join(', ')}). Återställ den med den versionen.`,
      );
    const previous = await moveAside(file);
    fs.renameSync(tmp, file);
    return { ...facts, file, previous, takenAt: fs.statSync(src).mtime.toISOString() };
  } finally {
    fs.rmSync(tmp, { force: true });
    for (const suffix of ['-wal', '-shm']) fs.rmSync(tmp + suffix, { force: true });
  }
}
