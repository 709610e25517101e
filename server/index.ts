// Start: loadConfig → buildDeps → migrate → (demo data) → createApp → listen, plus background workers.
import { createApp } from './app';
import { startBackground } from './background';
import { loadConfigOrExit, type Config } from './config';
import { closeDb, migrateLatest } from './db';
import { buildDeps, type Deps } from './deps';
import { firstAdminLinkIfNeeded } from './services/accounts';
import { seedDemoHistory, seedDemoIfEmpty } from './services/demo';

/* eslint-disable no-console -- the human start banner goes to the terminal; everything else is logged with pino */
function say(line: string): void {
  console.log(line);
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

/** Where the app runs and how to get in: the first admin's one-time link, or the login page. */
async function printBanner(deps: Deps): Promise<void> {
  const { config } = deps;
  const link = await firstAdminLinkIfNeeded(deps.db);
  say(`\nPartnerpuls kör på ${config.baseUrl}`);
  say(`Databas: ${config.databaseUrl.startsWith('file:') ? config.databaseUrl : 'PostgreSQL'}`);
  say(`E-post: ${config.smtpUrl ? 'via SMTP' : `skrivs som .eml-filer till ${config.outboxDir}`}`);
  if (link) {
    say('\nInga konton finns ännu. Skapa det första administratörskontot här (länken gäller i 72 timmar och kan användas en gång):');
    say(`  ${config.baseUrl}/setup/${link}\n`);
  } else {
    say(`Logga in på ${config.baseUrl}/login (ny lösenordslänk: npm run cli -- users setup-link EPOST)\n`);
  }
}

async function main(): Promise<void> {
  const config: Config = loadConfigOrExit();
  const deps = buildDeps(config);
  await migrateLatest(deps.db);
  await startBackground.beforeListen(deps);
  if (config.demo) await loadDemo(deps);
  const app = createApp(deps);
  const server = app.listen(config.port, config.host, () => {
    printBanner(deps).catch((e: unknown) => deps.logger.error({ err: e }, 'start banner failed'));
  });
  const stopBackground = startBackground.afterListen(deps);
  const shutdown = () => {
    say('Stänger av …');
    server.close(() => {
      void stopBackground()
        .then(() => closeDb(deps.db))
        .finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  // eslint-disable-next-line no-console -- nothing else is set up yet to report a failed start
  console.error(e);
  process.exit(1);
});
