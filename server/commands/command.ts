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
  run(
    deps: Deps,
    args: { positionals: string[]; values: Record<string, string | boolean | string[] | undefined> },
    out: CliOutput,
  ): Promise<number>;
}

export interface CliOutput {
  log(s: string): void;
  error(s: string): void;
  /** Bytes exactly as given (a file on standard output: no newline added); standard output when absent. */
  write?(bytes: Buffer): void;
}
