// Command-line commands for backup and restore (listed in server/cli-commands.ts):
//   backup FILE     a consistent copy of the running SQLite database
//   restore FILE    puts a copy back (only while the app is stopped)
import type { CliCommand } from './command';
import { progress } from './io';
import { backupDatabase, restoreDatabase } from '../services/backup';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1).replace('.', ',')} MB`;

export const backupCommands: CliCommand[] = [
  {
    name: 'backup',
    usage: 'backup FIL',
    description:
      'Skriver en konsekvent säkerhetskopia av SQLite-databasen till FIL medan appen kör (filen får inte finnas). PostgreSQL: använd pg_dump (docs/drift.md).',
    skipMigrate: true,
    async run(deps, { positionals }, out) {
      if (!positionals[0]) {
        out.error('Ange filen att skriva, t.ex.: backup /var/backups/partnerpuls/partnerpuls-$(date +%F).sqlite');
        return 2;
      }
      progress(out, 'Kopierar databasen …');
      const r = await backupDatabase(deps, positionals[0]);
      out.log(`Säkerhetskopian är skriven: ${r.file} (${mb(r.bytes)}, ${r.submitted} inskickade svar, ${r.queuedMail} e-post i kö).`);
      return 0;
    },
  },
  {
    name: 'restore',
    usage: 'restore FIL',
    description:
      'Ersätter SQLite-databasen med säkerhetskopian FIL. Vägrar medan appen kör; den nuvarande databasen sparas bredvid som <fil>.before-restore-<tid>.',
    skipMigrate: true,
    async run(deps, { positionals }, out) {
      if (!positionals[0]) {
        out.error('Ange säkerhetskopian att återställa, t.ex.: restore /var/backups/partnerpuls/partnerpuls-2026-12-01.sqlite');
        return 2;
      }
      const r = await restoreDatabase(deps.config, positionals[0]);
      out.log(`Databasen är återställd från ${positionals[0]} (${r.submitted} inskickade svar).`);
      if (r.previous) out.log(`Den tidigare databasen ligger kvar som ${r.previous}.`);
      if (r.queuedMail)
        out.log(
          `${r.queuedMail} e-postmeddelanden låg i kö när kopian togs: de skickas när appen startar — också de som redan hann skickas efter kopian. ` +
            'Starta med OUTBOX_WORKER=false och se efter med outbox status om det inte är önskat.',
        );
      out.log('Starta appen igen; den uppdaterar databasen (migrering) om kopian är från en äldre version.');
      return 0;
    },
  },
];
