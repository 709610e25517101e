// Command-line commands of the indicators (listed in server/cli-commands.ts):
//   indicators --year YYYY --format json|csv-codes|csv-excel|xlsx|flat [--out FILE]
//   indicators sync
//   indicators publish --year YYYY [--reason TEXT]
//   targets set ID YEAR VALUE
//   import indicator-values FILE.csv
// Each syncs the indicator definitions from the survey files first, then calls the same services
// as the web pages.
import fs from 'node:fs';
import { progress, readInputFile, writeBytes } from './io';
import type { CliCommand, CliOutput } from './command';
import type { Deps } from '../deps';
import { CLI } from '../services/audit';
import { importValues, publishYear, setTarget, unusedValuesText } from '../services/indicator-admin';
import { exportIndicators, isExportFormat } from '../services/indicator-export';
import { syncIndicatorsFromFiles } from '../services/indicator-sync';
import { placeholderValues } from '../services/surveys';
import { parseYear, parseYears } from '../lib/year';

async function sync(deps: Deps): Promise<void> {
  await syncIndicatorsFromFiles(deps);
}

function yearOption(v: unknown, out: CliOutput): number | null {
  const year = parseYear(v);
  if (year === null) out.error('Ange året med --year ÅÅÅÅ, t.ex. --year 2025.');
  return year;
}

export const indicatorCommands: CliCommand[] = [
  {
    name: 'indicators',
    usage: 'indicators --year ÅÅÅÅ [--format json|csv-codes|csv-excel|xlsx|flat] [--out FIL]',
    description:
      'Skriver ut årets indikatorer (publicerade siffror om året är publicerat, annars aktuella). json: en lista med objekt; ' +
      'csv-codes (eller csv): alla fält med stabila koder för andra system (UTF-8 med BOM, semikolon, decimalkomma); ' +
      'csv-excel: CSV för Excel med svenska rubriker och etiketter; xlsx: Excel-fil med ett blad per år (--year 2023-2025) och bladet Serie, kräver --out; ' +
      'flat: filen till målstyrningssystemet (datum;enhetskod;indikatorkod;kolumn;varde).',
    options: { year: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
    async run(deps, { positionals, values }, out) {
      if (positionals.length > 0) {
        out.error(`Okänt kommando: indicators ${positionals.join(' ')}. Skriv "npm run cli -- help".`);
        return 2;
      }
      const years = parseYears(values.year);
      if (years === null) {
        out.error('Ange året med --year ÅÅÅÅ, t.ex. --year 2025 (flera år för xlsx: --year 2023-2025).');
        return 2;
      }
      const format = values.format ?? 'json';
      if (!isExportFormat(format)) {
        out.error('--format ska vara json, csv-codes (eller csv), csv-excel, xlsx eller flat.');
        return 2;
      }
      const file = typeof values.out === 'string' && values.out ? values.out : null;
      if (format === 'xlsx' && !file) {
        out.error('En Excel-fil skrivs till en fil: ange --out FIL.xlsx.');
        return 2;
      }
      await sync(deps);
      const result = await exportIndicators(deps.db, years, format, placeholderValues(deps.config));
      if (file) {
        fs.writeFileSync(file, result.body);
        out.log(`Skrev ${file}.`);
      } else {
        writeBytes(out, result.body); // the file's bytes: CRLF on every line of a CSV, the last one too
      }
      if (result.skipped.length > 0) out.error(`Utan koder för målstyrningssystemet (inte med i filen): ${result.skipped.join(', ')}`);
      return 0;
    },
  },
  {
    name: 'indicators sync',
    usage: 'indicators sync',
    description:
      'Läser indikatorerna ur enkätfilerna (och surveys/indikatorer/) till databasen. Görs också vid start och av indikatorkommandona.',
    async run(deps, _a, out) {
      const r = await syncIndicatorsFromFiles(deps);
      out.log(`${r.synced.length} indikatorer: ${r.synced.join(', ')}`);
      if (r.retired.length > 0) out.log(`Finns inte längre i filerna (behålls men visas inte): ${r.retired.join(', ')}`);
      return 0;
    },
  },
  {
    name: 'indicators publish',
    usage: 'indicators publish --year ÅÅÅÅ [--reason TEXT]',
    description: 'Publicerar årets indikatorer (fryser siffrorna). Ett år som redan är publicerat får en ny version; då krävs --reason.',
    options: { year: { type: 'string' }, reason: { type: 'string' } },
    async run(deps, { values }, out) {
      const year = yearOption(values.year, out);
      if (year === null) return 2;
      await sync(deps);
      const r = await publishYear(
        deps.db,
        CLI,
        year,
        placeholderValues(deps.config),
        typeof values.reason === 'string' ? values.reason : null,
      );
      out.log(`${r.year} är publicerat, version ${r.version}.`);
      if (r.withoutValue.length > 0) out.error(`Varning: utan värde (redovisas som värde saknas): ${r.withoutValue.join('; ')}`);
      return 0;
    },
  },
  {
    name: 'targets set',
    usage: 'targets set INDIKATOR ÅR VÄRDE',
    description: 'Sätter målvärdet (0–100 procent) för en indikator ett år, t.ex. targets set fortroende_rua 2025 61.',
    async run(deps, { positionals }, out) {
      if (positionals.length !== 3) {
        out.error('Användning: npm run cli -- targets set INDIKATOR ÅR VÄRDE');
        return 2;
      }
      await sync(deps);
      const [id, year, value] = positionals;
      const target = await setTarget(deps.db, CLI, id, year, value);
      out.log(`Målvärdet för ${id} ${year} är ${String(target).replace('.', ',')} %.`);
      return 0;
    },
  },
  {
    name: 'import indicator-values',
    usage: 'import indicator-values FIL.csv',
    description:
      'Läser in historiska (eller manuella) indikatorvärden. Kolumner: indicator;year;value eller numerator+denominator;source;comment. ' +
      'Alla fel listas med radnummer och inget läses in om någon rad är fel.',
    async run(deps, { positionals }, out) {
      const file = positionals[0];
      if (!file || positionals.length > 1) {
        out.error('Ange en CSV-fil: npm run cli -- import indicator-values FIL.csv');
        return 2;
      }
      const bytes = readInputFile(file, out);
      if (!bytes) return 2;
      await sync(deps);
      progress(out, 'Läser in värdena …');
      const r = await importValues(deps.db, CLI, bytes, placeholderValues(deps.config));
      out.log(`${r.rows} värden inlästa (${r.replaced} ersatte tidigare värden) för ${r.indicators.join(', ')}.`);
      if (r.unused.length > 0) out.error(`Obs: ${unusedValuesText(r.unused)}`);
      return 0;
    },
  },
];
