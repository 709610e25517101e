// The command line: `npm run cli -- <command> [args]`. Every command migrates the database first
// and calls the same services as the web interface. `npm run cli -- help` lists the commands.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from './config';
import { buildDeps, type Deps } from './deps';
import { closeDb, migrateLatest } from './db';
import { findUserByEmail } from './repositories/users';
import { createAccount, firstAdminLinkIfNeeded, newSetupLinkFor } from './services/accounts';
import { CLI } from './services/audit';
import { seedDemoHistory, seedDemoIfEmpty } from './services/demo';
import { syncIndicatorsFromFiles } from './services/indicator-sync';
import { cliCommands as areaCommands } from './cli-commands';
import type { CliCommand, CliOutput } from './commands/command';

export type { CliCommand, CliOutput } from './commands/command';

const coreCommands: CliCommand[] = [
  {
    name: 'migrate',
    usage: 'migrate',
    description: 'Skapar eller uppdaterar databasens tabeller (görs också automatiskt av alla kommandon).',
    run(_deps, _a, out) {
      out.log('Databasen är uppdaterad.'); // runCli has migrated before any command runs
      return Promise.resolve(0);
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
  out.log('Partnerpuls – kommandon (npm run cli -- <kommando>):\n');
  for (const c of allCommands()) out.log(`  ${c.usage}\n      ${c.description}\n`);
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
  let parsed;
  try {
    parsed = parseArgs({ args: found.rest, options: found.cmd.options ?? {}, allowPositionals: true, strict: true });
  } catch (e) {
    out.error(`${(e as Error).message.replace(/^Unknown option/, 'Okänd flagga')}\nAnvändning: npm run cli -- ${found.cmd.usage}`);
    return 2;
  }
  await migrateLatest(deps.db);
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
  (async () => {
    const config = loadConfigOrExit();
    const deps = buildDeps({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
    const code = await runCli(process.argv.slice(2), deps);
    await closeDb(deps.db);
    process.exit(code);
  })().catch((e: unknown) => {
    // eslint-disable-next-line no-console -- a crash before or outside a command: the terminal is the only place to say it
    console.error(e);
    process.exit(1);
  });
}
