// Start: loadConfig → buildDeps → migrate → (demo data) → createApp → listen, plus background workers.
import { createApp } from './app';
import { loadConfigOrExit } from './config';
import { buildDeps } from './deps';
import { migrateLatest } from './db';
import { firstAdminLinkIfNeeded } from './services/accounts';
import { seedDemoHistory, seedDemoIfEmpty } from './services/demo';
import { startBackground } from './background';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const deps = buildDeps(config);
  await migrateLatest(deps.db);
  await startBackground.beforeListen(deps);
  if (config.demo) {
    const seeded = await seedDemoIfEmpty(deps);
    if (seeded) {
      await seedDemoHistory(deps);
      console.log(
        `Demodata inläst: ${seeded.organisations} organisationer i panelen "${seeded.panelName}", svar ${new Date().getFullYear() - 3}–${new Date().getFullYear() - 1} och värden sedan ${new Date().getFullYear() - 7}.`,
      );
    }
  }
  const app = createApp(deps);
  const server = app.listen(config.port, config.host, async () => {
    const link = await firstAdminLinkIfNeeded(deps.db);
    console.log(`\nPartnerpuls kör på ${config.baseUrl}`);
    console.log(`Databas: ${config.databaseUrl.startsWith('file:') ? config.databaseUrl : 'PostgreSQL'}`);
    console.log(`E-post: ${config.smtpUrl ? 'via SMTP' : `skrivs som .eml-filer till ${config.outboxDir}`}`);
    if (link) {
      console.log(
        '\nInga konton finns ännu. Skapa det första administratörskontot här (länken gäller i 72 timmar och kan användas en gång):',
      );
      console.log(`  ${config.baseUrl}/setup/${link}\n`);
    } else {
      console.log(`Logga in på ${config.baseUrl}/login (ny lösenordslänk: npm run cli -- users setup-link EPOST)\n`);
    }
  });
  const stopBackground = startBackground.afterListen(deps);
  const shutdown = () => {
    console.log('Stänger av …');
    server.close(async () => {
      await stopBackground();
      await deps.db.destroy();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
