// Start: loadConfig → buildDeps → migrate → (demo data) → createApp → listen, plus background workers.
// A start that cannot work (a taken port, an unreadable database, a failed migration) prints what
// to do in Swedish and exits 1; SIGTERM/SIGINT stop cleanly (server/shutdown.ts).
import type http from 'node:http';
import type express from 'express';
import { createApp, createHttpServer } from './app';
import { startBackground } from './background';
import { loadConfigOrExit, sqliteFileOf, type Config } from './config';
import { closeDb, migrateLatest } from './db';
import { buildDeps, type Deps } from './deps';
import { cliCommand } from './lib/paths';
import { removeRunMarker, writeRunMarker } from './lib/run-marker';
import { firstAdminLinkIfNeeded } from './services/accounts';
import { seedDemoHistory, seedDemoIfEmpty } from './services/demo';
import { productionChecklist } from './services/production-checklist';
import { onShutdownSignals } from './shutdown';
import { explainStartupError, ListenError, MigrationError } from './startup-errors';

/* eslint-disable no-console -- the human start banner and a failed start's message go to the terminal; everything else is logged with pino */
function say(line: string): void {
  console.log(line);
}
function complain(line: string): void {
  console.error(line);
}
/* eslint-enable no-console */

/** The demo partnership, the first time the app starts on an empty database (DEMO=true). */
async function loadDemo(deps: Deps): Promise<void> {
  const seeded = await seedDemoIfEmpty(deps);
  if (!seeded) return;
  await seedDemoHistory(deps);
  const year = new Date().getFullYear();
  say(
    `Demodata inläst: ${seeded.organisations} organisationer i panelen "${seeded.panelName}", svar ${year - 3}–${year - 1} och värden sedan ${year - 7}.`,
  );
}

/** Where the app runs and how to get in: the first admin's one-time link, or the login page; in production what is not yet set. */
async function printBanner(deps: Deps): Promise<void> {
  const { config } = deps;
  const link = await firstAdminLinkIfNeeded(deps.db);
  say(`\nPartnerpuls kör på ${config.baseUrl}`);
  say(`Databas: ${config.databaseUrl.startsWith('file:') ? config.databaseUrl : 'PostgreSQL'}`);
  say(`E-post: ${config.smtpUrl ? 'via SMTP' : `skrivs som .eml-filer till ${config.outboxDir}`}`);
  if (config.env === 'production') {
    const todo = productionChecklist(deps);
    if (todo.length) say(`\nInte klart för drift än (docs/drift.md):\n${todo.map((t) => `  - ${t}`).join('\n')}`);
  }
  if (link) {
    say('\nInga konton finns ännu. Skapa det första administratörskontot här (länken gäller i 72 timmar och kan användas en gång):');
    say(`  ${config.baseUrl}/setup/${link}\n`);
  } else {
    say(`Logga in på ${config.baseUrl}/login (ny lösenordslänk: ${cliCommand('users setup-link EPOST')})\n`);
  }
}

/** Listens, or rejects with a ListenError (port in use, no permission) — never half-started. */
function listen(app: express.Express, config: Config): Promise<http.Server> {
  const server = createHttpServer(app, config);
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new ListenError(e, config.port, config.host)));
    server.listen(config.port, config.host, () => resolve(server));
  });
}

async function migrate(deps: Deps): Promise<void> {
  try {
    await migrateLatest(deps.db, { lockWaitMs: deps.config.migrationLockWaitMs });
  } catch (e) {
    throw new MigrationError(e as Error);
  }
}

async function main(config: Config): Promise<void> {
  const deps = buildDeps(config);
  await migrate(deps);
  await startBackground.beforeListen(deps);
  if (config.demo) await loadDemo(deps);
  const server = await listen(createApp(deps), config);
  const sqliteFile = sqliteFileOf(config.databaseUrl);
  if (sqliteFile && sqliteFile !== ':memory:') writeRunMarker(sqliteFile);
  const stopBackground = startBackground.afterListen(deps);
  onShutdownSignals({
    server,
    logger: deps.logger,
    timeoutMs: config.shutdownTimeoutMs,
    stopBackground,
    say,
    close: async () => {
      await closeDb(deps.db);
      if (sqliteFile && sqliteFile !== ':memory:') removeRunMarker(sqliteFile);
    },
  });
  await printBanner(deps);
}

const config = loadConfigOrExit();
main(config).catch((e: unknown) => {
  const message = explainStartupError(e, config);
  complain(message ? `Partnerpuls kunde inte starta.\n${message}` : `Partnerpuls kunde inte starta: ${String((e as Error)?.stack ?? e)}`);
  process.exit(1);
});
