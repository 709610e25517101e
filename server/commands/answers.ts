// Command-line commands of a round's raw answers (listed in server/cli-commands.ts):
//   answers export --round N --format xlsx|csv [--codes] [--out FILE]
// The same export as the results page's downloads: streamed to the file (or standard output).
import fs from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { CliCommand } from './command';
import { answersExport, isAnswersFormat } from '../services/answers-export';

/** Standard output as a stream the export may end (process.stdout itself must stay open). */
function stdoutStream(): Writable {
  const pass = new PassThrough();
  pass.pipe(process.stdout, { end: false });
  return pass;
}

export const answerCommands: CliCommand[] = [
  {
    name: 'answers export',
    usage: 'answers export --round N --format xlsx|csv [--codes] [--out FIL]',
    description:
      'Skriver omgångens svar: en rad per organisation som skickat in, en kolumn per fråga, svarsalternativen i klartext ' +
      '(med --codes: svarskoderna och frågornas id). xlsx: Excel-fil med svaren, fördelningen per fråga och uppgifter om filen; ' +
      'csv: för Excel (UTF-8 med BOM, semikolon). En konfidentiell omgång: inga organisationsuppgifter och raderna i slumpvis ordning. ' +
      'Utan --out skrivs filen till standard output.',
    options: { round: { type: 'string' }, format: { type: 'string' }, codes: { type: 'boolean' }, out: { type: 'string' } },
    async run(deps, { positionals, values }, out) {
      if (positionals.length > 0) {
        out.error(`Okänt argument: ${positionals.join(' ')}. Användning: npm run cli -- answers export --round N --format xlsx|csv`);
        return 2;
      }
      const round = typeof values.round === 'string' && /^\d{1,9}$/.test(values.round) ? Number(values.round) : null;
      if (!round) {
        out.error('Ange omgångens nummer med --round N (numret står i adressen till omgångens sida, /rounds/N).');
        return 2;
      }
      if (!isAnswersFormat(values.format)) {
        out.error('--format ska vara xlsx eller csv.');
        return 2;
      }
      const file = await answersExport(deps.db, deps.config, round, values.format, values.codes === true ? 'codes' : 'labels');
      const target = typeof values.out === 'string' && values.out ? values.out : null;
      if (!target) {
        const stream = stdoutStream();
        await Promise.all([file.write(stream), finished(stream)]);
        return 0;
      }
      // written beside the target and renamed when complete, so a failed export leaves no half file
      const partial = `${target}.${process.pid}.tmp`;
      try {
        const stream = fs.createWriteStream(partial);
        await Promise.all([file.write(stream), finished(stream)]);
        fs.renameSync(partial, target);
      } finally {
        fs.rmSync(partial, { force: true });
      }
      out.log(`Skrev ${target}.`);
      return 0;
    },
  },
];
