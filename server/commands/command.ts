// The shape of a command-line command: every area's commands/ file exports a list of these and
// cli.ts runs them (parsing the options with node:util parseArgs).
import type { Deps } from '../deps';

export interface CliCommand {
  /** e.g. "import organisations" */
  name: string;
  usage: string;
  description: string;
  /** Options understood by node:util parseArgs. */
  options?: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
  /** The command opens the database itself (backup, restore, migrate): runCli does not migrate first. */
  skipMigrate?: boolean;
  run(
    deps: Deps,
    args: { positionals: string[]; values: Record<string, string | boolean | string[] | undefined> },
    out: CliOutput,
  ): Promise<number>;
}

export interface CliOutput {
  /** The command's own output (stdout). */
  log(s: string): void;
  /** Problems and messages for the person (stderr). */
  error(s: string): void;
  /** Bytes exactly as given (a file on standard output: no newline added); standard output when absent. */
  write?(bytes: Buffer): void;
  /** Progress of a long job, on stderr and only when it is a terminal (see cli-progress.ts). */
  progress?(s: string): void;
}
