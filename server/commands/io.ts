// Helpers shared by the CLI commands.
import fs from 'node:fs';
import type { CliOutput } from './command';

/** Reads the file a command was given; on failure prints a Swedish message and returns null. */
export function readInputFile(file: string, out: CliOutput): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch {
    out.error(`Filen ${file} kunde inte läsas.`);
    return null;
  }
}

/** Writes a file's bytes to the command's output unchanged (CSV keeps CRLF on its last line too). */
export function writeBytes(out: CliOutput, bytes: Buffer): void {
  if (out.write) out.write(bytes);
  else process.stdout.write(bytes);
}

/** Tells how a long job is going (stderr, only on a terminal; see cli-progress.ts). */
export function progress(out: CliOutput, text: string): void {
  out.progress?.(text);
}
