// The survey editor in a real browser, by the people who use it, with JavaScript off for the
// forms: a coordinator makes a new version from last year's survey, changes a text and an option
// label (an indicator counts the option: the editor asks and says which years), sees every
// problem of a broken edit at once, previews the version at phone width (and in English), marks
// it ready, creates this year's round with it in the round form and opens it; a respondent
// answers the new version through a personal link.
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { createUser, type TestApp, startTestApp } from '../helpers/app';
import { axeViolations, launchBrowser, listen } from '../helpers/browser';
import { andWait, hasFocus, loggedInContext, stockholmDate } from '../helpers/browser-session';
import { createPartnership, createRound, insertSubmittedResponse } from '../helpers/fixtures';
import { chromiumPath, describeWithService } from '../helpers/services';

const YEAR = Number(stockholmDate(0).slice(0, 4));
const NEW_TEXT = 'Hur stort förtroende har er organisation för {region} som regionalt utvecklingsansvarig aktör i år?';
const NEW_LABEL = 'Ganska högt förtroende';

describeWithService(
  'Chromium',
  chromiumPath() !== null,
  'install Debian package "chromium" or set CHROMIUM_PATH',
  'the survey editor in a real browser',
  () => {
    let t: TestApp;
    let browser: Browser;
    let server: Server;
    let base: string;
    let coordinator: { context: BrowserContext; page: Page };
    let panelId: number;
    let editorUrl: string;
    let versionUrl: string;
    let personalLink: string;

    beforeAll(async () => {
      t = await startTestApp();
      await syncIndicatorsFromFiles(t.deps);
      await createUser(t.deps, 'coordinator', 'sam.samordnare@region.example.se');
      // last year's round with answers; this year's panel
      const p = await createPartnership(t.deps.db, 3, YEAR - 1);
      panelId = p.panelId;
      const lastYear = await createRound(t.deps.db, { surveyId: 'partnerskapsenkat', year: YEAR - 1, panelId, state: 'stangd' });
      for (const org of p.organisationIds)
        await insertSubmittedResponse(t.deps.db, lastYear, org, { rus_planering: 'hog', rus_statistik: 'hog', fortroende_rua: 'hogt' });
      await t.deps.db('panel_memberships').insert(p.organisationIds.map((id) => ({ panel_id: panelId, organisation_id: id, year: YEAR })));
      ({ server, baseUrl: base } = await listen(t));
      browser = await launchBrowser();
      coordinator = await loggedInContext(browser, base, 'sam.samordnare@region.example.se', { javaScriptEnabled: false });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      if (server) await new Promise((r) => server.close(r));
      await t?.close();
    });

    it("the coordinator makes a new version from last year's survey and changes a text and an option label", async () => {
      const page = coordinator.page;
      await andWait(page, () => page.goto(base + '/surveys').then(() => undefined));
      await andWait(page, () => page.click('#survey-overview a:has-text("Enkät till partnerskapet för regional utveckling")'));
      expect(await page.locator('h1').innerText()).toBe('Versioner av Enkät till partnerskapet för regional utveckling');
      await andWait(page, () => page.click(`button:has-text("Ny version från ${YEAR - 1}")`));
      editorUrl = page.url().replace(base, '');
      expect(editorUrl).toMatch(/^\/surveys\/utkast\/\d+$/);
      expect(await page.locator('.notice-success').innerText()).toContain('Ett utkast till en ny version är skapat');

      await page.fill('#field-questions-3-text-sv', NEW_TEXT);
      await page.fill('#field-scales-1-options-1-label-sv', NEW_LABEL);
      await andWait(page, () => page.locator('form.editor button[value=save]').first().click());
      // the option is counted by an indicator: the editor says which, and for which years, and asks
      const summary = await page.locator('.error-summary').innerText();
      expect(summary).toContain('indikatorn fortroende_rua');
      expect(summary).toContain(`som har värden för ${YEAR - 1}`);
      expect(await hasFocus(page, '#error-summary')).toBe(true);
      expect(await page.inputValue('#field-scales-1-options-1-label-sv')).toBe(NEW_LABEL);
      await page.check('#scales-1-options-1 input[name=_confirm]');
      await andWait(page, () => page.locator('form.editor button[value=save]').first().click());
      expect(await page.locator('.notice-success').innerText()).toContain('Utkastet är sparat');
      expect(await page.inputValue('#field-questions-3-text-sv')).toBe(NEW_TEXT);
    });

    it('a broken edit shows every problem at once; each link of the summary leads to its field', async () => {
      const page = coordinator.page;
      await page.fill('#field-questions-0-text-sv', '');
      await page.fill('#field-scales-0-options-2-label-en', '');
      await page.fill('#field-estimatedMinutes', 'fem');
      await page.selectOption('#field-questions-4-showIf-question', 'fortroende_rua');
      await andWait(page, () => page.locator('form.editor button[value=save]').first().click());
      const items = await page.locator('.error-summary li').allInnerTexts();
      expect(items).toEqual([
        'Tid att svara: skriv ett tal, t.ex. 5.',
        'Skalan ”utstrackning”, svarsalternativ 3, etikett på engelska: skriv texten på engelska (enkäten finns också på engelska, så alla texter behöver en engelsk version).',
        'Fråga 1 (rus_planering), text på svenska: skriv texten på svenska.',
        'Fråga 5 (kommentar_rua), villkor, svar som visar frågan: villkoret saknar svarskoder.',
      ]);
      for (const [i, target] of ['#field-estimatedMinutes', '#field-scales-0-options-2-label-en', '#field-questions-0-text-sv'].entries()) {
        await page.locator('.error-summary a').nth(i).click();
        expect([target, await hasFocus(page, target)]).toEqual([target, true]);
      }
      // nothing was saved: the draft opens as it was
      await page.goto(base + editorUrl);
      expect(await page.inputValue('#field-questions-0-text-sv')).toMatch(/^Har er organisation använt/);
      expect(await page.inputValue('#field-estimatedMinutes')).toBe('5');
    });

    it('moving a question down and up again works without JavaScript', async () => {
      const page = coordinator.page;
      await andWait(page, () => page.click('#questions-0 button[value="down:questions:0"]'));
      expect(page.url()).toBe(`${base}${editorUrl}#questions-1`);
      expect(await page.locator('#unsaved').count()).toBe(1);
      expect(await page.locator('#field-questions-0-id code').innerText()).toBe('rus_statistik');
      await andWait(page, () => page.click('#questions-1 button[value="up:questions:1"]'));
      expect(await page.locator('#field-questions-0-id code').innerText()).toBe('rus_planering');
    });

    it('the draft is previewed exactly as a respondent sees it, at phone width and in English', async () => {
      // JavaScript on here only to measure the page and run axe; the preview itself needs none
      const phone = await loggedInContext(browser, base, 'sam.samordnare@region.example.se', { viewport: { width: 375, height: 667 } });
      const page = phone.page;
      await page.goto(`${base}${editorUrl}/forhandsvisning?mobil=1`);
      expect(await page.locator('h1').innerText()).toBe('Enkät till partnerskapet för regional utveckling');
      expect(await page.locator('#field-fortroende_rua-hogt + label').innerText()).toBe(NEW_LABEL);
      expect(await page.locator('fieldset:has(#field-fortroende_rua-hogt) > legend').innerText()).toContain(
        'Hur stort förtroende har er organisation för Region Exempel som',
      );
      const widths = await page.evaluate<{ scroll: number; viewport: number }>(
        '({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth })',
      );
      expect(widths.scroll).toBeLessThanOrEqual(widths.viewport);
      expect(await axeViolations(page)).toEqual([]);
      await page.click('a:has-text("Visa på engelska")');
      await page.waitForURL(/sprak=en/);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.locator('#field-fortroende_rua-hogt + label').innerText()).toBe('High trust');
      expect(await axeViolations(page)).toEqual([]);
      await phone.context.close();
    });

    it('the coordinator marks the version ready; the round form offers it, and the round is created and opened with it', async () => {
      const page = coordinator.page;
      await page.goto(`${base}${editorUrl}/andringar`);
      const rows = await page.locator('#changes tbody tr').allInnerTexts();
      expect(rows.some((r) => r.includes('Högt förtroende') && r.includes(NEW_LABEL))).toBe(true);
      await page.fill('#field-note', 'Ny formulering av förtroendefrågan');
      await andWait(page, () => page.click('button:has-text("Markera som klar")'));
      versionUrl = page.url().replace(base, '');
      expect(versionUrl).toMatch(/^\/surveys\/versioner\/\d+$/);
      expect(await page.locator('.notice-success').innerText()).toContain('Versionen är klar');
      const versionId = versionUrl.split('/').pop()!;

      await page.goto(base + '/rounds/ny');
      await page.selectOption('#field-survey', `version:${versionId}`);
      await page.fill('#field-year', String(YEAR));
      await page.selectOption('#field-panel', String(panelId));
      await page.fill('#field-opens_date', stockholmDate(-1));
      await page.fill('#field-closes_date', stockholmDate(30));
      await page.fill('#field-contact_name', 'Sam Samordnare');
      await page.fill('#field-contact_email', 'sam.samordnare@region.example.se');
      await andWait(page, () => page.click('button:has-text("Skapa omgången")'));
      expect(await page.locator('main').innerText()).toContain('version gjord i redigeraren');
      await andWait(page, () => page.click('button:has-text("Öppna omgången")'));
      expect(await page.locator('.notice-success').innerText()).toContain('3 organisationer är inbjudna');
      await andWait(page, () => page.locator('form[action$="/lank"] button').first().click());
      personalLink = (await page.locator('#manual-link code').innerText()).replace('http://partnerpuls.test', base);
    });

    it('a respondent answers the new version', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(personalLink + '/svar');
      expect(await page.locator('fieldset:has(#field-fortroende_rua-hogt) > legend').innerText()).toContain(
        'som regionalt utvecklingsansvarig aktör i år?',
      );
      await page.check('#field-rus_planering-hog');
      await page.check('#field-rus_statistik-viss_del');
      await page.check('#field-fortroende_rua-hogt');
      expect(await page.locator('#field-fortroende_rua-hogt + label').innerText()).toBe(NEW_LABEL);
      await andWait(page, () => page.click('button[value=submit]'));
      expect(await page.locator('h1').innerText()).toBe('Tack för ert svar');
      expect(await page.locator('main').innerText()).toContain(NEW_LABEL);
      await context.close();
      // the answer is stored under the same codes as last year's
      const answers = await t.deps
        .db('answers as a')
        .join('responses as s', 's.id', 'a.response_id')
        .join('rounds as r', 'r.id', 's.round_id')
        .where('r.year', YEAR)
        .select('a.question_id', 'a.option_code');
      expect(answers).toContainEqual({ question_id: 'fortroende_rua', option_code: 'hogt' });
    });
  },
);
