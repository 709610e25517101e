// The year's report from the command line (listed in server/cli-commands.ts):
//   report --year YYYY --format html|docx|pdf --out FILE [--lang sv|en]
// The same view model and renderers as /rapport/:year and its downloads.
import fs from 'node:fs';
import type { CliCommand } from './command';
import { isLocale } from '../i18n';
import { syncIndicatorsFromFiles } from '../services/indicator-sync';
import { reportModel } from '../services/report';
import { reportDocx } from '../services/report-docx';
import { htmlToPdf, reportFileCss } from '../services/report-files';
import { placeholderValues } from '../services/surveys';
import { parseYear } from '../lib/year';
import { renderToString } from '../views';

const FORMATS = ['html', 'docx', 'pdf'] as const;

export const reportCommands: CliCommand[] = [
  {
    name: 'report',
    usage: 'report --year ÅÅÅÅ --format html|docx|pdf --out FIL [--lang sv|en]',
    description:
      'Skriver årets rapport (samma innehåll som sidan /rapport/ÅÅÅÅ) till en fil: html (en fristående sida), docx (Word) eller pdf ' +
      '(kräver Chromium, se CHROMIUM_PATH). Publicerade siffror om året är publicerat, annars aktuella (märkta som preliminära).',
    options: { year: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, lang: { type: 'string' } },
    async run(deps, { values }, out) {
      const year = parseYear(values.year);
      const format = String(values.format ?? '');
      const file = typeof values.out === 'string' ? values.out : '';
      const lang = values.lang ?? deps.config.defaultLocale;
      const problems = [
        year === null ? 'Ange året med --year ÅÅÅÅ, t.ex. --year 2025.' : null,
        (FORMATS as readonly string[]).includes(format) ? null : '--format ska vara html, docx eller pdf.',
        file ? null : 'Ange filen med --out FIL.',
        isLocale(lang) ? null : '--lang ska vara sv eller en.',
      ].filter((p): p is string => p !== null);
      if (problems.length > 0 || year === null || !isLocale(lang)) {
        for (const p of problems) out.error(p);
        return 2;
      }
      await syncIndicatorsFromFiles(deps);
      const m = await reportModel(deps.db, year, placeholderValues(deps.config), deps.config.regionName, lang);
      let body: Buffer;
      if (format === 'docx') body = await reportDocx(m);
      else {
        const inlineCss = reportFileCss(deps.config.regionName, year, lang);
        const html = await renderToString('pages/report/show', { ...m, standalone: true, layout: 'report-file', inlineCss });
        body = format === 'pdf' ? await htmlToPdf(html, deps.config.chromiumPath) : Buffer.from(html, 'utf8');
      }
      fs.writeFileSync(file, body);
      out.log(`Skrev ${file} (${m.levels.reduce((a, l) => a + l.count, 0)} indikatorer, ${year}).`);
      if (m.withoutValue.length > 0) out.error(`Utan värde (redovisas som värde saknas): ${m.withoutValue.join('; ')}`);
      return 0;
    },
  },
];
