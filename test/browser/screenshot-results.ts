// The screenshot of a round's results page in the Swedish guide (docs/bilder/resultat.png):
// `npm run screenshot:results`. The app runs in-process on a temporary database with the demo
// partnership (17 organisations, three years of answers to the partnership survey) and a few
// comments like the ones regions get; Debian's Chromium (playwright-core) takes the picture.
// Not a test: run it again when the page changes, and look at the picture before committing it.
import fs from 'node:fs';
import path from 'node:path';
import { seedDemoHistory, seedDemoIfEmpty } from '../../server/services/demo';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { createUser, startTestApp } from '../helpers/app';
import { launchBrowser, listen } from '../helpers/browser';
import { loggedInContext } from '../helpers/browser-session';

const OUT = path.resolve(__dirname, '..', '..', 'docs', 'bilder', 'resultat.png');

const COMMENTS: Array<[string, string, string]> = [
  [
    'Norrby kommun',
    'kommentar_rus',
    'Strategin är utgångspunkten för vår näringslivsplan. Uppföljningen skulle gärna komma tidigare på året.',
  ],
  ['Exempelläns universitet', 'kommentar_rus', 'Vi använder statistiken i våra utbildningsanalyser.'],
  ['Länsstyrelsen i Exempellän', 'kommentar_rua', 'Tydligare återkoppling från riktningsmötet efterfrågas.'],
  ['Sjöviks folkhögskola', 'kommentar_rua', 'Bra dialog under året.'],
];

async function main(): Promise<void> {
  const t = await startTestApp({ REGION_NAME: 'Region Exempel', STRATEGY_NAME: 'Exempelstrategin 2040' });
  try {
    const { db } = t.deps;
    await syncIndicatorsFromFiles(t.deps);
    await seedDemoIfEmpty(t.deps);
    await seedDemoHistory(t.deps);
    const round = await db('rounds').where({ survey_id: 'partnerskapsenkat' }).orderBy('year', 'desc').first('id', 'year');
    if (!round) throw new Error('the demo has no round of the partnership survey');
    for (const [name, question, text] of COMMENTS) {
      const response = await db('responses as r')
        .join('organisations as o', 'o.id', 'r.organisation_id')
        .where({ 'r.round_id': round.id, 'o.name': name, 'r.status': 'submitted' })
        .first<{ id: number } | undefined>('r.id');
      if (response)
        await db('answers').insert({ response_id: response.id, question_id: question, item_id: '', option_code: null, text_value: text });
    }
    const analyst = await createUser(t.deps, 'analyst', 'alva.analytiker@region.example.se');
    await db('users').where({ id: analyst.id }).update({ name: 'Alva Analytiker' });
    const { server, baseUrl } = await listen(t);
    const browser = await launchBrowser();
    try {
      const { page } = await loggedInContext(browser, baseUrl, 'alva.analytiker@region.example.se', {
        viewport: { width: 1280, height: 1960 },
        deviceScaleFactor: 1,
      });
      await page.goto(`${baseUrl}/rounds/${round.id}/resultat`);
      fs.mkdirSync(path.dirname(OUT), { recursive: true });
      // the top of the page: the round, the filter and the downloads, and the first questions
      await page.screenshot({ path: OUT, clip: { x: 0, y: 0, width: 1280, height: 1960 } });
      console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    await t.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
