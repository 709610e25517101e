// Files that hold personal data (the SQLite database, its -wal/-shm, the session secret) are
// readable by the app's own user only: folders 0700, files 0600 — whatever the umask says.
import fs from 'node:fs';

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Creates the folder (and its parents) 0700; an existing folder is made 0700 only when `tighten` is set. */
export function ensurePrivateDir(dir: string, { tighten = false } = {}): void {
  const existed = fs.existsSync(dir);
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  if (!existed || tighten) tightenMode(dir, PRIVATE_DIR);
}

/**
 * Creates the file empty with 0600 when it is missing, and takes group and other rights away
 * from an existing one. SQLite gives a database's -wal and -shm files the database file's mode.
 */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE));
  tightenMode(file, PRIVATE_FILE);
}

function tightenMode(p: string, wanted: number): void {
  const st = fs.statSync(p);
  if ((st.mode & 0o777) !== wanted && st.uid === process.getuid?.()) fs.chmodSync(p, wanted);
}
