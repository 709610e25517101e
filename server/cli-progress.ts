// The terminal side of the command line: output on stdout, messages on stderr, and progress of
// long jobs (imports, sends, exports) as one updated line on stderr — only when stderr is a
// terminal, so redirected output and logs stay clean.
import type { CliOutput } from './commands/command';

export function cliOutput(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): CliOutput {
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) stderr.write('\r\x1b[K');
    progressShown = false;
  };
  return {
    log(s) {
      clearProgress();
      stdout.write(s + '\n');
    },
    error(s) {
      clearProgress();
      stderr.write(s + '\n');
    },
    write(bytes) {
      clearProgress();
      stdout.write(bytes);
    },
    progress(s) {
      if (!stderr.isTTY) return;
      stderr.write(`\r\x1b[K${s.slice(0, Math.max(10, (stderr.columns || 80) - 1))}`);
      progressShown = true;
    },
  };
}
