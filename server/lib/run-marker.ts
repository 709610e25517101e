// A small file beside the SQLite database while the app runs on it ("<file>.pid": process id and
// host), so `restore` can refuse to replace a database that is in use. A marker left by a crashed
// process names a process that no longer exists and is ignored.
import fs from 'node:fs';
import os from 'node:os';

export interface RunMarker {
  pid: number;
  host: string;
  startedAt: string;
}

export function runMarkerPath(sqliteFile: string): string {
  return `${sqliteFile}.pid`;
}

export function writeRunMarker(sqliteFile: string): void {
  const m: RunMarker = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  fs.writeFileSync(runMarkerPath(sqliteFile), JSON.stringify(m) + '\n', { mode: 0o600 });
}

/** Removes the marker if it is this process's own. */
export function removeRunMarker(sqliteFile: string): void {
  const m = readRunMarker(sqliteFile);
  if (m && m.pid === process.pid) fs.rmSync(runMarkerPath(sqliteFile), { force: true });
}

function readRunMarker(sqliteFile: string): RunMarker | null {
  try {
    return JSON.parse(fs.readFileSync(runMarkerPath(sqliteFile), 'utf8')) as RunMarker;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM'; // it exists, it is just not ours
  }
}

/** The marker of an app that is running on this database now (on this host), or null. */
export function liveRunMarker(sqliteFile: string): RunMarker | null {
  const m = readRunMarker(sqliteFile);
  if (!m) return null;
  if (m.host !== os.hostname()) return m; // another host: cannot check, assume it runs
  return m.pid !== process.pid && isAlive(m.pid) ? m : null;
}
