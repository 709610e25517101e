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

/** Tells how a long job is going (stderr, only on a terminal; see cli-progress.ts). */
export function progress(out: CliOutput, text: string): void {
  out.progress?.(text);
}
