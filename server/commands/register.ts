// Command-line commands of the partnership register (listed in server/cli-commands.ts):
//   import organisations FILE.csv [--panel SLUG --year YYYY [--panel-name NAME]]
//   export organisations [FILE]
//   purge [--dry-run]
// The import uses the same parser, checks and transaction as the web import.
import fs from 'node:fs';
import { progress, readInputFile } from './io';
import type { CliCommand, CliOutput } from './command';
import { CLI } from '../services/audit';
import { exportRegisterCsv, writeRegisterCsv } from '../services/csv-export';
import { parseRegisterCsv, problemText } from '../services/csv-import';
import { purge } from '../services/gdpr';
import { type ImportOptions, type ImportResult, importRegister } from '../services/register-import';
import { currentYear, parseYear } from '../lib/year';

type Values = Record<string, string | boolean | string[] | undefined>;

/** --panel, --year and --panel-name as import options; an exit code (after a message) when they do not fit together. */
function panelOptions(values: Values, out: CliOutput): ImportOptions | number {
  const slug = typeof values.panel === 'string' ? values.panel.trim() : '';
  let year: number | null = null;
  if (values.year !== undefined) {
    year = parseYear(values.year);
    if (!year) {
      out.error(`--year ska vara ett år med fyra siffror, t.ex. ${currentYear()} (fick "${String(values.year)}").`);
      return 2;
    }
  }
  if (!slug && (year || values['panel-name'])) {
    out.error('--year och --panel-name används tillsammans med --panel KORTNAMN.');
    return 2;
  }
  if (!slug) return {};
  const name = typeof values['panel-name'] === 'string' ? values['panel-name'] : undefined;
  return { panel: { slug, name }, year: year ?? currentYear() };
}

function printImported(file: string, result: ImportResult, out: CliOutput): void {
  const c = result.plan.counts;
  out.log(`${file}: ${c.rows} rader lästes in.`);
  out.log(`  Organisationer: ${c.newOrganisations} nya, ${c.updatedOrganisations} uppdaterade.`);
  out.log(`  Kontaktpersoner: ${c.newContacts} nya, ${c.updatedContacts} uppdaterade.`);
  if (result.panel) {
    out.log(
      `  Panelen ”${result.panel.name}” (${result.panel.slug})${result.panel.created ? ' skapades och' : ''} har ${result.panel.added} nya medlemmar ${result.panel.year}.`,
    );
  }
}

export const registerCommands: CliCommand[] = [
  {
    name: 'import organisations',
    usage: 'import organisations FIL.csv [--panel KORTNAMN --year ÅÅÅÅ [--panel-name NAMN]]',
    description:
      'Läser in organisationer och kontaktpersoner från en CSV-fil (samma format och kontroller som webbinläsningen). ' +
      'Skriver ut alla fel med radnummer och läser inte in något om någon rad är fel. Med --panel blir organisationerna medlemmar i panelen det året (panelen skapas om den saknas).',
    options: { panel: { type: 'string' }, year: { type: 'string' }, 'panel-name': { type: 'string' } },
    async run(deps, { positionals, values }, out) {
      const file = positionals[0];
      if (!file || positionals.length > 1) {
        out.error('Ange en CSV-fil: npm run cli -- import organisations FIL.csv [--panel KORTNAMN --year ÅÅÅÅ]');
        return 2;
      }
      const bytes = readInputFile(file, out);
      if (!bytes) return 2;
      const options = panelOptions(values, out);
      if (typeof options === 'number') return options;

      const parsed = await parseRegisterCsv(bytes);
      if (parsed.problems.length) {
        for (const p of parsed.problems) out.error(problemText(p));
        out.error('Inget lästes in.');
        return 1;
      }
      progress(out, `Sparar ${parsed.rows.length} rader …`);
      const result = await importRegister(deps.db, CLI, parsed, options);
      if (!result.imported) {
        out.error(`${file}: ${result.plan.problems.length} fel.`);
        for (const p of result.plan.problems) out.error(problemText(p));
        out.error('Inget lästes in. Rätta filen och kör kommandot igen.');
        return 1;
      }
      printImported(file, result, out);
      return 0;
    },
  },
  {
    name: 'export organisations',
    usage: 'export organisations [FIL.csv] [--all]',
    description:
      'Exporterar registret (aktiva organisationer med aktiva kontaktpersoner; --all tar med inaktiva) som CSV för Excel: UTF-8 med BOM och semikolon. Utan FIL skrivs den till standard ut.',
    options: { all: { type: 'boolean' } },
    async run(deps, { positionals, values }, out) {
      progress(out, 'Exporterar registret …');
      const opts = { includeInactive: values.all === true };
      const file = positionals[0];
      if (!file) {
        process.stdout.write(await exportRegisterCsv(deps.db, opts));
        return 0;
      }
      // streamed to the file while the register is read; a failure leaves no half file behind
      try {
        await writeRegisterCsv(deps.db, opts, fs.createWriteStream(file));
      } catch (e) {
        fs.rmSync(file, { force: true });
        throw e;
      }
      out.log(`Registret är exporterat till ${file}.`);
      return 0;
    },
  },
  {
    name: 'purge',
    usage: 'purge [--dry-run]',
    description:
      'Gallrar enligt lagringstiden (RETENTION_MONTHS): raderar kontaktpersoner som är inaktiva (eller vars organisation är inaktiv) och inte ändrats på så länge, ' +
      'rensar adress, ämnesrad och innehåll i äldre e-post, tar bort äldre händelser i loggen, utgångna förhandsgranskningar av inläsningar och .eml-filer (OUTBOX_DIR) för rensad eller äldre e-post. --dry-run visar vad som skulle göras utan att ändra något.',
    options: { 'dry-run': { type: 'boolean' } },
    async run(deps, { values }, out) {
      const dryRun = values['dry-run'] === true;
      const months = deps.config.retentionMonths;
      const r = await purge(deps.db, CLI, deps.config, { dryRun });
      out.log(
        `${dryRun ? 'Provkörning – inget ändras. ' : ''}Lagringstid ${months} månader: allt som är äldre än ${r.cutoff.slice(0, 10)} gallras.`,
      );
      const verb = dryRun ? 'skulle ' : '';
      out.log(`  Kontaktpersoner ${verb}${dryRun ? 'raderas' : 'raderade'}: ${r.contactsErased}`);
      out.log(`  E-postmeddelanden ${verb}${dryRun ? 'rensas' : 'rensade'} på adress och innehåll: ${r.outboxCleared}`);
      out.log(`  Händelser i loggen ${verb}${dryRun ? 'tas bort' : 'borttagna'}: ${r.auditDeleted}`);
      out.log(`  Utgångna förhandsgranskningar av inläsningar ${verb}${dryRun ? 'tas bort' : 'borttagna'}: ${r.importsDeleted}`);
      out.log(`  .eml-filer i utkorgsmappen ${verb}${dryRun ? 'tas bort' : 'borttagna'}: ${r.emlFilesDeleted}`);
      return 0;
    },
  },
];
