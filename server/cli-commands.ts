// The commands of each area (import, surveys, indicators, outbox, purge …). Each area adds its
// commands to this list; server/cli.ts adds the core ones and runs them.
import { answerCommands } from './commands/answers';
import type { CliCommand } from './commands/command';
import { backupCommands } from './commands/backup';
import { indicatorCommands } from './commands/indicators';
import { mailCommands } from './commands/mail';
import { registerCommands } from './commands/register';
import { reportCommands } from './commands/report';
import { surveyCommands } from './commands/surveys';

export const cliCommands: CliCommand[] = [
  ...registerCommands,
  ...surveyCommands,
  ...answerCommands,
  ...indicatorCommands,
  ...reportCommands,
  ...mailCommands,
  ...backupCommands,
];
