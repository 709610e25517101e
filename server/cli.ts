// The command line: `npm run cli -- <command> [args]`. Every command migrates the database first
// and calls the same services as the web interface. `npm run cli -- help` lists the commands.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from './config';
import { buildDeps, type Deps } from './deps';
import pino from 'pino';
import { closeDb, migrateLatest, unlockMigrations } from './db';
import { explainStartupError, MigrationError } from './startup-errors';
import { findUserByEmail } from './repositories/users';
import { createAccount, firstAdminLinkIfNeeded, newSetupLinkFor } from './services/accounts';
import { CLI } from './services/audit';
import { seedDemoHistory, seedDemoIfEmpty } from './services/demo';
import { syncIndicatorsFromFiles } from './services/indicator-sync';
import { cliCommands as areaCommands } from './cli-commands';
import { cliOutput } from './cli-progress';
import type { CliCommand, CliOutput } from './commands/command';

export type { CliCommand, CliOutput } from './commands/command';

const coreCommands: CliCommand[] = [
  {
    name: 'migrate',
    usage: 'migrate [--unlock]',
    description:
      'Skapar eller uppdaterar databasens tabeller (görs också automatiskt vid start och av alla kommandon). --unlock släpper först ett lås som en avbruten uppdatering lämnat kvar (bara när ingen annan instans startar).',
    options: { unlock: { type: 'boolean' } },
    skipMigrate: true,
    async run(deps, { values }, out) {
      if (values.unlock) out.log((await unlockMigrations(deps.db)) ? 'Låset är upplåst.' : 'Databasen var inte låst.');
      await migrateOrExplain(deps);
      out.log('Databasen är uppdaterad.');
      return 0;
    },
  },
  {
    name: 'users create',
    usage: 'users create --email EPOST --name NAMN --role admin|coordinator|analyst',
    description: 'Skapar ett personalkonto och skriver ut en engångslänk där personen väljer lösenord.',
    options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } },
    async run(deps, { values }, out) {
      const { user, setupToken } = await createAccount(deps.db, CLI, {
        email: String(values.email ?? ''),
        name: String(values.name ?? ''),
        role: String(values.role ?? ''),
      });
      out.log(`Kontot ${user.email} (${user.role}) är skapat. Engångslänk för att välja lösenord (gäller 72 timmar):`);
      out.log(`${deps.config.baseUrl}/setup/${setupToken}`);
      return 0;
    },
  },
  {
    name: 'users setup-link',
    usage: 'users setup-link [EPOST]',
    description:
      'Utan e-postadress: länk för att skapa det första administratörskontot (bara när inga konton finns). Med: ny lösenordslänk för kontot.',
    async run(deps, { positionals }, out) {
      const email = positionals[0];
      if (!email) {
        const link = await firstAdminLinkIfNeeded(deps.db);
        if (!link) {
          out.error('Det finns redan konton. Ange e-postadressen för kontot som behöver en ny lösenordslänk.');
          return 2;
        }
        out.log(`Skapa det första administratörskontot här (gäller 72 timmar):\n${deps.config.baseUrl}/setup/${link}`);
        return 0;
      }
      const user = await findUserByEmail(deps.db, email);
      if (!user) {
        out.error(`Det finns inget konto med e-postadressen ${email}.`);
        return 2;
      }
      const token = await newSetupLinkFor(deps.db, CLI, user.id);
      out.log(`Ny lösenordslänk för ${user.email} (gäller 72 timmar):\n${deps.config.baseUrl}/setup/${token}`);
      return 0;
    },
  },
  {
    name: 'demo',
    usage: 'demo',
    description:
      'Läser in demopartnerskapet (17 organisationer, svar de tre senaste åren, värden sedan 2019, förra årets årshjulsmöten) om registret är tomt.',
    async run(deps, _a, out) {
      await syncIndicatorsFromFiles(deps);
      const r = await seedDemoIfEmpty(deps);
      if (r) await seedDemoHistory(deps);
      out.log(
        r
          ? `Demodata inläst: ${r.organisations} organisationer, tre års svar och värden sedan 2019.`
          : 'Registret är inte tomt; inget lästes in.',
      );
      return 0;
    },
  },
];

export function allCommands(): CliCommand[] {
  return [...coreCommands, ...areaCommands];
}

function findCommand(argv: string[]): { cmd: CliCommand; rest: string[] } | null {
  const cmds = allCommands().sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const cmd of cmds) {
    const words = cmd.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { cmd, rest: argv.slice(words.length) };
  }
  return null;
}

function help(out: CliOutput): void {
  out.log('Partnerpuls – kommandon (npm run -s cli -- <kommando>; <kommando> --help om ett kommando):\n');
  for (const c of allCommands()) out.log(`  ${c.usage}\n      ${c.description}\n`);
}

function commandHelp(cmd: CliCommand, out: CliOutput): void {
  out.log(`Användning: npm run -s cli -- ${cmd.usage}\n\n${cmd.description}`);
  const flags = Object.entries(cmd.options ?? {}).map(([name, o]) => `  --${name}${o.type === 'string' ? ' VÄRDE' : ''}`);
  if (flags.length) out.log(`\nFlaggor:\n${flags.join('\n')}`);
}

async function migrateOrExplain(deps: Deps): Promise<void> {
  try {
    await migrateLatest(deps.db, { lockWaitMs: deps.config.migrationLockWaitMs });
  } catch (e) {
    throw new MigrationError(e as Error);
  }
}

/** The command's flags and arguments; 'done' after --help, 'bad' (told on stderr) for an unknown flag. */
function parseCommandArgs(found: { cmd: CliCommand; rest: string[] }, out: CliOutput) {
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    commandHelp(found.cmd, out);
    return 'done' as const;
  }
  try {
    return parseArgs({ args: found.rest, options: found.cmd.options ?? {}, allowPositionals: true, strict: true });
  } catch (e) {
    out.error(`${(e as Error).message.replace(/^Unknown option/, 'Okänd flagga')}\nAnvändning: npm run -s cli -- ${found.cmd.usage}`);
    return 'bad' as const;
  }
}

/** Runs one command line; returns the exit code. Used by tests with a prepared Deps. */
export async function runCli(argv: string[], deps: Deps, out: CliOutput = console): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help') {
    help(out);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    out.error(`Okänt kommando: ${argv.join(' ')}. Skriv "npm run cli -- help" för en lista.`);
    return 2;
  }
  const parsed = parseCommandArgs(found, out);
  if (parsed === 'done') return 0;
  if (parsed === 'bad') return 2;
  if (!found.cmd.skipMigrate) await migrateOrExplain(deps);
  try {
    return await found.cmd.run(
      deps,
      { positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | string[] | undefined> },
      out,
    );
  } catch (e) {
    const err = e as { problems?: Array<{ field: string; message: string }>; message: string };
    if (err.problems) {
      out.error(err.message);
      for (const p of err.problems) out.error(`  - ${p.field ? p.field + ': ' : ''}${p.message}`);
      return 1;
    }
    if ((e as { status?: number }).status && (e as { status?: number }).status! < 500) {
      out.error(err.message);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  const config = loadConfigOrExit();
  (async () => {
    // stdout is the command's output: the log goes to stderr, and only warnings by default
    const logLevel = config.logLevel === 'info' ? 'warn' : config.logLevel;
    const deps = buildDeps({ ...config, logLevel }, { logger: pino({ level: logLevel, base: undefined }, pino.destination(2)) });
    const code = await runCli(process.argv.slice(2), deps, cliOutput());
    await closeDb(deps.db);
    process.exit(code);
  })().catch((e: unknown) => {
    const message = explainStartupError(e, config);
    // eslint-disable-next-line no-console -- a failure before or outside a command: the terminal is the only place to say it
    console.error(message ?? e);
    process.exit(1);
  });
}
