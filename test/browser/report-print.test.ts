// The year's report printed the way an analyst prints it ("Skriv ut → Spara som PDF"): Chromium
// with print media, page.pdf() on A4. No navigation, form control or button may be visible; each
// goal starts a page; no indicator block is split over two pages; every page carries the region
// and the year in its header and "Sida n av N", and none holds only the header and footer.
// With UPDATE_DOCS_SCREENSHOTS=1 it also writes the screenshot in docs/img/rapport.png (the page as printed).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { seedDemoHistory, seedDemoIfEmpty } from '../../server/services/demo';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { groupByLevel, outputRows } from '../../server/services/indicators';
import { placeholderValues } from '../../server/services/surveys';
import { createUser, startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, listen } from '../helpers/browser';
import { loggedInContext } from '../helpers/browser-session';
import { chromiumPath, describeWithService } from '../helpers/services';

const YEAR = new Date().getFullYear() - 1; // the demo's last year with answers
const REGION = 'Region Exempel';

function pdftotextAvailable(): boolean {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describeWithService(
  'Chromium',
  chromiumPath() !== null,
  'install Debian package "chromium" or set CHROMIUM_PATH',
  'the printed report',
  () => {
    let t: TestApp;
    let browser: Browser;
    let server: Server;
    let page: Page;
    let base: string;

    beforeAll(async () => {
      t = await startTestApp({ REGION_NAME: REGION });
      await syncIndicatorsFromFiles(t.deps);
      await seedDemoIfEmpty(t.deps);
      await seedDemoHistory(t.deps);
      await createUser(t.deps, 'analyst', 'alva.analytiker@region.example.se');
      ({ server, baseUrl: base } = await listen(t));
      browser = await launchBrowser();
      ({ page } = await loggedInContext(browser, base, 'alva.analytiker@region.example.se', { viewport: { width: 1100, height: 900 } }));
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      if (server) await new Promise((r) => server.close(r));
      await t?.close();
    });

    it('prints clean A4 pages: no menu or forms, a page per goal, no block split, header and page numbers on every page', async () => {
      const res = await page.goto(`${base}/rapport/${YEAR}`);
      expect(res?.status()).toBe(200);
      await page.emulateMedia({ media: 'print' });
      if (process.env.UPDATE_DOCS_SCREENSHOTS === '1')
        await page.screenshot({
          path: path.resolve(__dirname, '..', '..', 'docs', 'img', 'rapport.png'),
          fullPage: false,
          clip: { x: 0, y: 0, width: 1100, height: 2600 },
        });
      const visibleControls = await page
        .locator('input:visible, select:visible, textarea:visible, button:visible, nav:visible, .site-footer:visible')
        .count();
      expect(visibleControls).toBe(0);
      expect(await page.locator('.draft:visible, .chart-downloads:visible, .report-actions:visible').count()).toBe(0);
      const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
      const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;

      const rows = await outputRows(t.deps.db, YEAR, placeholderValues(t.deps.config));
      const goals = groupByLevel(rows).flatMap((g) => g.goals.map((x) => x.goal));
      expect(pages).toBeGreaterThanOrEqual(1 + goals.length);
      expect(pages).toBeLessThanOrEqual(1 + goals.length + rows.length);

      if (!pdftotextAvailable()) {
        if (process.env.REQUIRE_ALL_SERVICES === '1') throw new Error('pdftotext (poppler-utils) is required in CI');
        console.warn('\n*** SKIPPED: the page texts of the printed report need pdftotext (apt-get install poppler-utils) ***\n');
        return;
      }
      const file = path.join(t.tmpDir, 'rapport.pdf');
      fs.writeFileSync(file, pdf);
      const texts = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).split('\f').slice(0, pages).map(squash);
      expect(texts.length).toBe(pages);
      texts.forEach((text, i) => {
        expect([i + 1, text.startsWith(`${REGION} · Indikatorer ${YEAR}`)]).toEqual([i + 1, true]);
        expect([i + 1, text.endsWith(`Sida ${i + 1} av ${pages}`)]).toEqual([i + 1, true]);
        const body = text
          .replace(`${REGION} · Indikatorer ${YEAR}`, '')
          .replace(`Sida ${i + 1} av ${pages}`, '')
          .trim();
        expect([i + 1, body.length > 40]).toEqual([i + 1, true]); // never a page with only the header and the footer
      });
      // every goal starts a page (its heading right after the page header, after the level's name on the level's first page)
      for (const goal of goals) {
        const at = texts.findIndex((x) => x.includes(squash(goal)));
        expect([goal, at > 0]).toEqual([goal, true]);
        const start = texts[at].replace(`${REGION} · Indikatorer ${YEAR}`, '').trim();
        expect([
          goal,
          /^(Effektmål |Nämndmål |Uppdrag )?/.exec(start) !== null &&
            start.replace(/^(Effektmål|Nämndmål|Uppdrag) /, '').startsWith(squash(goal)),
        ]).toEqual([goal, true]);
      }
      // an indicator block is on one page: its heading, figures and comment together
      for (const r of rows) {
        const name = squash(r.name);
        const onPages = texts.map((x, i) => (x.includes(`${name} Utfall`) ? i : -1)).filter((i) => i >= 0);
        expect([r.id, onPages.length]).toEqual([r.id, 1]);
        expect([r.id, texts[onPages[0]].slice(texts[onPages[0]].indexOf(`${name} Utfall`)).includes('Kommentar')]).toEqual([r.id, true]);
      }
    });
  },
);
