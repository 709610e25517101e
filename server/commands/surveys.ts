// Command-line commands of the survey area (listed in server/cli-commands.ts):
//   surveys check [MAPP]
//   surveys export ID [--version V] [--out FIL]
//   import responses FIL.csv --survey ID --year ÅÅÅÅ --panel KORTNAMN [--confidential] [--dry-run]
import fs from 'node:fs';
import path from 'node:path';
import { progress, readInputFile } from './io';
import type { CliCommand } from './command';
import { CLI } from '../services/audit';
import { planResponseImport, problemText, runResponseImport } from '../services/response-import';
import { NotFoundError } from '../errors';
import { exportVersionYaml } from '../services/survey-history';
import { currentSurveys } from '../services/survey-versions';
import { surveyFileProblems } from '../services/surveys';

export const surveyCommands: CliCommand[] = [
  {
    name: 'surveys check',
    usage: 'surveys check [MAPP]',
    description:
      'Kontrollerar enkätfilerna (SURVEYS_DIR, eller MAPP) och skriver ut varje fel med fil, rad, sökväg och vad som är fel. ' +
      'Avslutar med kod 1 om något är fel, annars 0 och en lista över enkäterna med innehållshash.',
    async run(deps, { positionals }, out) {
      const dir = positionals[0] ? path.resolve(positionals[0]) : deps.config.surveysDir;
      const problems = await surveyFileProblems(dir);
      if (problems.length) {
        out.error(`Enkätfilerna i ${dir} har ${problems.length} fel:`);
        for (const p of problems) out.error(`  - ${p}`);
        return 1;
      }
      const surveys = await currentSurveys(dir);
      out.log(`OK: alla enkätfiler är giltiga (${dir}).`);
      for (const s of surveys)
        out.log(`  ${s.definition.id}  ${s.fileName}  ${s.hash}  ${s.definition.title.sv}  (${s.definition.questions.length} frågor)`);
      return 0;
    },
  },
  {
    name: 'surveys export',
    usage: 'surveys export ID [--version V] [--out FIL]',
    description:
      'Skriver en sparad version av enkäten ID som den YAML-fil som surveys check och servern läser (utan --version: enkätens gällande version, ' +
      'den senaste från filen eller redigeraren). Versionens nummer står på sidan Enkäter → Versioner. Filen ger samma innehållshash som versionen.',
    options: { version: { type: 'string' }, out: { type: 'string' } },
    async run(deps, { positionals, values }, out) {
      const surveyId = positionals[0] ?? '';
      const versionText = typeof values.version === 'string' ? values.version.trim() : '';
      if (!/^[a-z][a-z0-9_]*$/.test(surveyId) || positionals.length > 1 || (versionText && !/^\d{1,9}$/.test(versionText))) {
        out.error('Användning: npm run cli -- surveys export ID [--version V] [--out FIL] (V är versionens nummer).');
        return 2;
      }
      try {
        const result = await exportVersionYaml(deps.db, surveyId, versionText ? Number(versionText) : null);
        if (typeof values.out === 'string' && values.out) {
          fs.writeFileSync(values.out, result.yaml);
          out.log(`Skrev version ${result.versionId} av ${surveyId} till ${values.out}.`);
        } else {
          out.log(result.yaml.replace(/\n$/, ''));
        }
        return 0;
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        out.error(e.message);
        return 1;
      }
    },
  },
  {
    name: 'import responses',
    usage: 'import responses FIL.csv --survey ID --year ÅÅÅÅ --panel KORTNAMN [--confidential] [--dry-run]',
    description:
      'Läser in tidigare års svar: en rad per organisation, kolumnen organisation (namn eller organisationsnummer) och en kolumn per fråga-id ' +
      '(matris: matris_id.påstående_id). Cellerna innehåller svarskod eller etikett; flera svar skiljs med ; eller |. Alla fel listas och inget läses in ' +
      'förrän filen är felfri. Skapar en stängd, importerad omgång för året om ingen finns.',
    options: {
      survey: { type: 'string' },
      year: { type: 'string' },
      panel: { type: 'string' },
      confidential: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    },
    async run(deps, { positionals, values }, out) {
      const file = positionals[0];
      const usage = 'Användning: npm run cli -- import responses FIL.csv --survey ID --year ÅÅÅÅ --panel KORTNAMN';
      if (!file || positionals.length > 1) {
        out.error(`Ange en CSV-fil. ${usage}`);
        return 2;
      }
      const surveyId = typeof values.survey === 'string' ? values.survey.trim() : '';
      const yearText = typeof values.year === 'string' ? values.year.trim() : '';
      const panelSlug = typeof values.panel === 'string' ? values.panel.trim() : '';
      if (!surveyId || !/^\d{4}$/.test(yearText) || !panelSlug) {
        out.error(`Ange --survey, --year (fyra siffror) och --panel. ${usage}`);
        return 2;
      }
      const bytes = readInputFile(file, out);
      if (!bytes) return 2;
      const input = { surveyId, year: Number(yearText), panelSlug, confidential: values.confidential === true, bytes };
      progress(out, 'Kontrollerar svarsfilen …');
      const plan = await planResponseImport(deps.db, deps.config, input);
      if (plan.problems.length) {
        out.error(`${file} har ${plan.problems.length} fel:`);
        for (const p of plan.problems) out.error(`  - ${problemText(p)}`);
        out.error('Inget importerades.');
        return 1;
      }
      const target = plan.existingRound ? `omgången "${plan.existingRound.title}"` : 'en ny, stängd omgång';
      if (values['dry-run']) {
        out.log(`Filen är felfri: ${plan.responses.length} svar skulle importeras till ${target}. Inget importerades (--dry-run).`);
        return 0;
      }
      progress(out, 'Läser in svaren …');
      const result = await runResponseImport(deps.db, deps.config, CLI, input);
      out.log(`${result.imported} svar importerade till ${target} (omgång ${result.roundId}).`);
      return 0;
    },
  },
];
