// The .eml files that the file transport (transport.ts, used when no SMTP_URL is set) writes into
// OUTBOX_DIR: one per outbox row, named "<outbox id, 7+ digits>-<message id>.eml". They hold the
// recipient's name and address and a working personal link, so they are personal data: erasing
// a contact deletes the files of the contact's outbox rows, and the retention purge deletes the
// files of rows it has cleared (see services/gdpr.ts).
//
// Files are not transactional: callers change the database first and delete the files after the
// commit. A file written after that (a message that was being sent at that very moment) is
// caught by the next purge, which deletes the files of every cleared row.
import fs from 'node:fs';
import path from 'node:path';

/** "0000042-abc@host.eml" → 42; also matches the temporary ".<name>.tmp" of a file being written. */
const EML_FILE = /^\.?(\d{7,})-[A-Za-z0-9._@-]+\.eml(\.tmp)?$/;

export interface EmlFileOnDisk {
  outboxId: number;
  name: string;
  modifiedAt: Date;
}

/** Every .eml file in the folder with the outbox id it belongs to; [] when the folder is missing. */
export async function listEmlFiles(outboxDir: string): Promise<EmlFileOnDisk[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(outboxDir);
  } catch {
    return [];
  }
  const files: EmlFileOnDisk[] = [];
  for (const name of names) {
    const m = EML_FILE.exec(name);
    if (!m) continue;
    const st = await fs.promises.stat(path.join(outboxDir, name)).catch(() => null);
    if (st) files.push({ outboxId: Number(m[1]), name, modifiedAt: st.mtime });
  }
  return files;
}

/** Deletes the named files (already gone is fine). Returns how many were deleted. */
export async function deleteEmlFileNames(outboxDir: string, names: string[]): Promise<number> {
  let deleted = 0;
  for (const name of names) {
    if (!EML_FILE.test(name)) continue; // only our own file names: no path traversal
    try {
      await fs.promises.unlink(path.join(outboxDir, name));
      deleted++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return deleted;
}

/** Deletes the .eml files of the given outbox rows (missing files are ignored). Returns how many were deleted. */
export async function deleteEmlFiles(outboxDir: string, outboxIds: number[]): Promise<number> {
  if (!outboxIds.length) return 0;
  const ids = new Set(outboxIds);
  const files = await listEmlFiles(outboxDir);
  return deleteEmlFileNames(
    outboxDir,
    files.filter((f) => ids.has(f.outboxId)).map((f) => f.name),
  );
}
