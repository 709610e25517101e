// The path in DOMAIN.md "What done looks like", in a real browser, by the people who use it:
// a coordinator (JavaScript off, real form filling and clicks) imports the partnership from a
// CSV file, creates and opens the round, sends the invitations (to an in-process SMTP server,
// delivered by the outbox worker) and follows the response rate; a respondent follows the
// personal link from the RECEIVED e-mail and answers with the keyboard only and JavaScript off
// (error summary, draft); a second contact of the same organisation sees the draft and who
// saved it and submits; an analyst reads the indicator table, an indicator, publishes the year
// and downloads the CSV. Last, the respondent's pages on a phone-sized screen.
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { createUser } from '../helpers/app';
import { launchBrowser, listen } from '../helpers/browser';
import { andWait, describeFocus, hasFocus, localLink, loggedInContext, stockholmDate, tabTo } from '../helpers/browser-session';
import { drainAll, type MailTestEnv, startMailTestApp } from '../helpers/mail';
import { chromiumPath, describeWithService } from '../helpers/services';
import { respondentLinkIn } from '../helpers/smtp';

// A real browser on a busy 2-core machine: a page sweep may take longer than jest's default.
jest.setTimeout(180_000);

const CONFIGURED_BASE = 'http://partnerpuls.test';
const YEAR = Number(stockholmDate(0).slice(0, 4));

// The partnership as a coordinator's spreadsheet saves it: Swedish headers, semicolons, BOM,
// one row per contact (Karlstads kommun has two contacts).
const REGISTER_CSV =
  '\ufeffnamn;organisationsnummer;typ;kommun;kontaktperson;e-post;telefon;roll\r\n' +
  'Karlstads kommun;;Kommun;Karlstad;Anna Andersson;anna.andersson@karlstad.example.se;054-100 00;Utvecklingsstrateg\r\n' +
  'Karlstads kommun;;Kommun;Karlstad;Bertil Berg;bertil.berg@karlstad.example.se;;Näringslivschef\r\n' +
  'Länsstyrelsen i Exempellän;;Länsstyrelse;Karlstad;Cecilia Carlsson;cecilia.carlsson@lansstyrelsen.example.se;;\r\n' +
  'Exempelhögskolan;;Universitet eller högskola;Karlstad;David Dahl;david.dahl@hogskolan.example.se;;\r\n' +
  'Almi Företagspartner Exempel;;foretagsframjande;Karlstad;Eva Ek;eva.ek@almi.example.se;;\r\n' +
  'Exempels folkhögskola;;folkhogskola;Arvika;Fredrik Fors;fredrik.fors@folkhogskola.example.se;;\r\n';

const COMMENT = 'Bra samarbete <b>i år</b> & "tydliga" mål';

describeWithService(
  'Chromium',
  chromiumPath() !== null,
  'install Debian package "chromium" or set CHROMIUM_PATH',
  'the whole path in a real browser',
  () => {
    let env: MailTestEnv;
    let browser: Browser;
    let server: Server;
    let base: string;
    let coordinatorEmail: string;
    let analystEmail: string;
    let coordinator: { context: BrowserContext; page: Page };
    let followUpUrl: string;

    /** The personal link in the e-mail that arrived for `address`, pointed at the test server. */
    const linkFor = (address: string): string => {
      const message = env.smtp.messages.find((m) => m.to.includes(address));
      if (!message) throw new Error(`no e-mail arrived for ${address}`);
      const link = respondentLinkIn(message, CONFIGURED_BASE);
      if (!link) throw new Error(`no personal link in the e-mail to ${address}`);
      return localLink(link, CONFIGURED_BASE, base);
    };

    beforeAll(async () => {
      env = await startMailTestApp();
      await syncIndicatorsFromFiles(env.t.deps);
      coordinatorEmail = (await createUser(env.t.deps, 'coordinator', 'sam.samordnare@region.example.se')).email;
      analystEmail = (await createUser(env.t.deps, 'analyst', 'alva.analytiker@region.example.se')).email;
      ({ server, baseUrl: base } = await listen(env.t));
      browser = await launchBrowser();
      coordinator = await loggedInContext(browser, base, coordinatorEmail, { javaScriptEnabled: false });
    });
    afterAll(async () => {
      await browser?.close();
      if (server) await new Promise((r) => server.close(r));
      await env?.close();
    });

    it('the coordinator creates the panel and imports the partnership from a CSV file', async () => {
      const page = coordinator.page;
      await andWait(page, () => page.click('nav >> text=Paneler'));
      await page.fill('#field-name', 'Partnerskapet för regional utveckling');
      await page.fill('#field-slug', 'partnerskapet');
      await andWait(page, () => page.click('button:has-text("Skapa panelen")'));
      expect(await page.locator('h1').innerText()).toBe('Partnerskapet för regional utveckling');

      await page.goto(base + '/organisations/import');
      await page.setInputFiles('#field-file', {
        name: 'partnerskapet.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(REGISTER_CSV, 'utf8'),
      });
      await page.selectOption('#field-panel', { label: 'Partnerskapet för regional utveckling' });
      await page.fill('#field-year', String(YEAR));
      await andWait(page, () => page.click('button:has-text("Förhandsgranska")'));
      expect(await page.locator('h1').innerText()).toBe('Förhandsgranskning av inläsningen');
      const preview = await page.locator('main').innerText();
      expect(preview).toContain('Filen har inga fel');
      expect(preview).toContain('5 nya organisationer läggs till');
      expect(preview).toContain('6 nya kontaktpersoner läggs till');
      expect(preview).toContain(`Organisationerna blir medlemmar i panelen Partnerskapet för regional utveckling för ${YEAR}`);
      await andWait(page, () => page.click('button:has-text("Bekräfta och läs in")'));
      expect(page.url()).toBe(base + '/organisations');
      expect(await page.locator('.notice-success').innerText()).toContain('5 nya och 0 uppdaterade organisationer, 6 nya');
      expect(await page.locator('main').innerText()).toContain('Karlstads kommun');
    });

    it('the coordinator creates the round, opens it and sends the invitations; the follow-up page shows the response rate', async () => {
      const page = coordinator.page;
      await andWait(page, () => page.click('nav >> text=Enkätomgångar'));
      await andWait(page, () => page.click('a:has-text("Skapa enkätomgång")'));
      await page.selectOption('#field-survey', 'file:partnerskapsenkat');
      await page.fill('#field-year', String(YEAR));
      await page.selectOption('#field-panel', { label: 'Partnerskapet för regional utveckling' });
      await page.fill('#field-opens_date', stockholmDate(-1));
      await page.fill('#field-opens_time', '08:00');
      await page.fill('#field-closes_date', stockholmDate(30));
      await page.fill('#field-closes_time', '17:00');
      await page.fill('#field-contact_name', 'Sam Samordnare');
      await page.fill('#field-contact_email', 'sam.samordnare@region.example.se');
      await andWait(page, () => page.click('button:has-text("Skapa omgången")'));
      expect(await page.locator('h1').innerText()).toBe(`Enkät till partnerskapet för regional utveckling ${YEAR}`);
      expect(await page.locator('.notice-success').innerText()).toContain('Omgången är skapad som utkast');

      await andWait(page, () => page.click('button:has-text("Öppna omgången")'));
      expect(await page.locator('.notice-success').innerText()).toContain('5 organisationer är inbjudna');
      await andWait(page, () => page.click('a:has-text("E-post: inbjudningar och påminnelser")'));
      followUpUrl = page.url();
      await andWait(page, () => page.click('main a:has-text("Skicka inbjudningar")'));
      const sendPage = await page.locator('main').innerText();
      expect(sendPage).toContain('Organisationer som inte fått inbjudan ännu: 5 (6 meddelanden)');
      expect(sendPage).toContain('Hej Anna Andersson'); // the preview, rendered for a real contact
      await andWait(page, () => page.click('form button:has-text("Skicka inbjudningar")'));
      expect(page.url()).toBe(followUpUrl);
      expect(await page.locator('.notice-success').innerText()).toContain('6 inbjudningar till 5 organisationer ligger i kö');

      await drainAll(env.t);
      expect(env.smtp.messages.map((m) => m.to[0]).sort()).toEqual([
        'anna.andersson@karlstad.example.se',
        'bertil.berg@karlstad.example.se',
        'cecilia.carlsson@lansstyrelsen.example.se',
        'david.dahl@hogskolan.example.se',
        'eva.ek@almi.example.se',
        'fredrik.fors@folkhogskola.example.se',
      ]);
      // without JavaScript the page is brought up to date with its own link
      await andWait(page, () => page.click('main a:has-text("Uppdatera")').catch(() => page.reload()));
      const followUp = await page.locator('main').innerText();
      expect(followUp).toContain('Skickade meddelanden: 6 av 6');
      expect(followUp).toMatch(/Svarsfrekvens:\s*0 av 5 \(0\s%\)/);
    });

    it('a respondent answers with the keyboard only, meets the error summary, fixes the answer and saves a draft', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(linkFor('anna.andersson@karlstad.example.se'));
      expect(await page.locator('h1').innerText()).toBe('Enkät till partnerskapet för regional utveckling');
      const start = await page.locator('main').innerText();
      expect(start).toContain('Karlstads kommun');
      expect(start).toContain('personuppgiftsansvarig');
      expect(start).toContain('Sam Samordnare');

      // the skip link comes first
      await page.keyboard.press('Tab');
      expect((await page.locator(':focus').innerText()).trim()).toBe('Hoppa till huvudinnehållet');
      await tabTo(page, 'main a[href$="/svar"]');
      await andWait(page, () => page.keyboard.press('Enter'));
      expect(page.url()).toMatch(/\/s\/[A-Za-z0-9_-]{43}\/svar$/);

      // Question 1: Space chooses the first option, the arrow keys move the choice
      await tabTo(page, '#field-rus_planering');
      await page.keyboard.press('Space');
      expect(await page.isChecked('#field-rus_planering')).toBe(true);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      expect(await page.isChecked('#field-rus_planering-viss_del')).toBe(true);
      // Question 2 (required) is left out on purpose; Tab passes over the whole group
      await page.keyboard.press('Tab');
      expect(await hasFocus(page, '#field-rus_statistik')).toBe(true);
      await page.keyboard.press('Tab');
      expect(await hasFocus(page, '#field-kommentar_rus')).toBe(true);
      await page.keyboard.type(COMMENT);
      await tabTo(page, '#field-fortroende_rua');
      await page.keyboard.press('Space');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      expect(await page.isChecked('#field-fortroende_rua-varken')).toBe(true);
      await tabTo(page, 'button[value=submit]');
      await andWait(page, () => page.keyboard.press('Enter'));

      // The error summary: first in the main content, focused on arrival, linking to the field
      expect(await page.title()).toMatch(/^Fel:/);
      const summary = page.locator('main > .error-summary');
      expect(await summary.count()).toBe(1);
      expect(await page.locator('main > *').first().getAttribute('class')).toContain('error-summary');
      expect(await summary.getAttribute('tabindex')).toBe('-1');
      expect(await summary.getAttribute('role')).toBe('alert');
      expect(await summary.innerText()).toContain('Välj ett svar på fråga 2.');
      expect([await hasFocus(page, '#error-summary'), await describeFocus(page)]).toEqual([true, expect.any(String)]);
      // the answers given so far are kept
      expect(await page.isChecked('#field-rus_planering-viss_del')).toBe(true);
      expect(await page.inputValue('#field-kommentar_rus')).toBe(COMMENT);
      // the error at the field, and the field described by it
      expect(await page.locator('#error-rus_statistik').innerText()).toContain('Välj ett svar på fråga 2.');
      await page.keyboard.press('Tab');
      expect(await hasFocus(page, '#error-summary a[href="#field-rus_statistik"]')).toBe(true);
      await page.keyboard.press('Enter');
      expect([await hasFocus(page, '#field-rus_statistik'), await describeFocus(page)]).toEqual([true, expect.any(String)]);
      // fix it: the arrow key moves to "I hög utsträckning" and chooses it
      await page.keyboard.press('ArrowDown');
      expect(await page.isChecked('#field-rus_statistik-hog')).toBe(true);

      await tabTo(page, 'button[value=save]');
      await andWait(page, () => page.keyboard.press('Enter'));
      expect(page.url()).toMatch(/\/svar\?sparat=1#sparat$/);
      expect(await page.locator('#sparat').innerText()).toContain('Svaren är sparade men inte inskickade');
      // the confirmation takes the focus, so a screen reader reads it
      expect([await hasFocus(page, '#sparat'), await describeFocus(page)]).toEqual([true, expect.any(String)]);
      // the name in the header leads back to the survey's first page, not to the staff login
      expect(await page.locator('header a.brand').getAttribute('href')).toMatch(/^\/s\/[A-Za-z0-9_-]{43}$/);
      expect(await page.locator('main').innerText()).toContain('Senast sparat av Anna Andersson');
      await context.close();
    });

    it('a second contact of the organisation opens their own link, sees the draft and who saved it, and submits', async () => {
      const link = linkFor('bertil.berg@karlstad.example.se');
      expect(link).not.toBe(linkFor('anna.andersson@karlstad.example.se'));
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(link);
      const start = await page.locator('main').innerText();
      expect(start).toContain('Det finns ett sparat utkast till ert svar.');
      expect(start).toContain('Senast sparat av Anna Andersson');
      await tabTo(page, 'main a:has-text("Fortsätt svara")');
      await andWait(page, () => page.keyboard.press('Enter'));
      expect(await page.locator('main').innerText()).toContain('Senast sparat av Anna Andersson');
      expect(await page.isChecked('#field-rus_planering-viss_del')).toBe(true);
      expect(await page.isChecked('#field-rus_statistik-hog')).toBe(true);
      expect(await page.isChecked('#field-fortroende_rua-varken')).toBe(true);
      expect(await page.inputValue('#field-kommentar_rus')).toBe(COMMENT);

      await tabTo(page, 'button[value=submit]');
      await andWait(page, () => page.keyboard.press('Enter'));
      expect(page.url()).toMatch(/\/kvitto$/);
      expect(await page.locator('h1').innerText()).toBe('Tack för ert svar');
      const receipt = await page.locator('main').innerText();
      expect(receipt).toContain('Svaret från Karlstads kommun är inskickat');
      expect(receipt).toContain('Inskickat av Bertil Berg.');
      expect(await page.locator('.receipt-code').innerText()).toMatch(/\S{4,}/);
      expect(receipt).toContain('Till viss del');
      expect(receipt).toContain('I hög utsträckning');
      expect(receipt).toContain('Varken högt eller lågt förtroende');
      expect(receipt).toContain(COMMENT); // shown as text, not as markup
      expect(await page.locator('main b').count()).toBe(0);
      await context.close();
    });

    it('the coordinator sees the answer on the follow-up page and reminds the organisations that have not answered', async () => {
      const page = coordinator.page;
      await page.goto(followUpUrl);
      const text = await page.locator('main').innerText();
      expect(text).toMatch(/Svarsfrekvens:\s*1 av 5 \(20\s%\)/);
      const row = page.locator('tr', { has: page.locator('th', { hasText: 'Karlstads kommun' }) });
      expect(await row.locator('td').last().innerText()).toMatch(/^Ja,/);

      await andWait(page, () => page.click('main a:has-text("Påminn de som inte svarat")'));
      expect(await page.locator('main').innerText()).toContain('4 påminnelser till 4 organisationer.');
      await andWait(page, () => page.click('button:has-text("Skicka påminnelser")'));
      expect(page.url()).toBe(followUpUrl);
      const before = env.smtp.messages.length;
      await drainAll(env.t);
      const arrived = env.smtp.messages.slice(before);
      // Bertil's submission queued a confirmation; everything else is a reminder, to non-responders only
      expect(arrived.filter((m) => !m.subject.startsWith('Påminnelse')).map((m) => m.to[0])).toEqual(['bertil.berg@karlstad.example.se']);
      const reminders = arrived.filter((m) => m.subject.startsWith('Påminnelse'));
      expect(reminders.map((m) => m.to[0]).sort()).toEqual([
        'cecilia.carlsson@lansstyrelsen.example.se',
        'david.dahl@hogskolan.example.se',
        'eva.ek@almi.example.se',
        'fredrik.fors@folkhogskola.example.se',
      ]);
    });

    it('the analyst imports last year, reads the indicator table and an indicator, publishes the year and downloads the CSV', async () => {
      const { context, page } = await loggedInContext(browser, base, analystEmail, { javaScriptEnabled: false });
      // last year's figures from the earlier tool, so the arrows have something to compare with
      await page.goto(base + '/indicators/import');
      const history = `indicator;year;value;numerator;denominator;source;comment\r\nfortroende_rua;${YEAR - 1};;8;14;Verksamhetsberättelse ${YEAR - 1};\r\nrus_i_verksamhetsplan;${YEAR - 1};;6;15;Verksamhetsberättelse ${YEAR - 1};\r\n`;
      await page.setInputFiles('#field-file', { name: 'tidigare.csv', mimeType: 'text/csv', buffer: Buffer.from(history, 'utf8') });
      await andWait(page, () => page.click('button:has-text("Läs in")'));
      expect(await page.locator('.notice-success').innerText()).toContain('2 värden är inlästa');

      await andWait(page, () => page.click('nav >> text=Indikatorer'));
      expect(await page.locator('h1').innerText()).toBe(`Indikatorer ${YEAR}`);
      // every colour cell carries its meaning as text too
      const colourCells = page.locator('.indicator-table td > span[class^="colour-"]');
      const n = await colourCells.count();
      expect(n).toBeGreaterThan(3);
      for (let i = 0; i < n; i++) {
        const cls = (await colourCells.nth(i).getAttribute('class'))!;
        const text = (await colourCells.nth(i).innerText()).trim();
        const expected = { 'colour-green': /Grön/, 'colour-yellow': /Gul/, 'colour-red': /Röd/, 'colour-missing': /Värde saknas/ }[cls];
        expect([cls, text]).toEqual([cls, expect.stringMatching(expected ?? /^$/)]);
        expect(await colourCells.nth(i).locator('[aria-hidden="true"]').count()).toBe(1);
      }
      // trust: 0 of 1 answered "high" → 0 %, red against 61 %, down from 57 % last year
      const trust = page.locator('tr', { has: page.locator('a[href^="/indicators/fortroende_rua"]') });
      const trustText = await trust.innerText();
      expect(trustText).toContain('0 %');
      expect(trustText).toContain('Röd');
      expect(trustText).toMatch(/Försämrats/i);
      expect(trustText).toContain('Svar: 1 av 5');

      await andWait(page, () => page.click('a[href^="/indicators/fortroende_rua"]'));
      const show = await page.locator('main').innerText();
      expect(await page.locator('h1').innerText()).toContain('förtroende');
      expect(show).toMatch(/Färg\s+■ Röd – större negativ avvikelse/);
      expect(show).toContain('1 av 5');
      expect(show).toContain('Vet ej');
      await andWait(page, () => page.click(`a:has-text("Alla indikatorer ${YEAR}")`));

      await page.fill('#field-reason', 'Första publiceringen');
      await andWait(page, () => page.click(`button:has-text("Publicera ${YEAR}")`));
      expect(await page.locator('.notice-success').innerText()).toContain(`${YEAR} är publicerat`);
      expect(await page.locator('main').innerText()).toContain('Tabellen visar de publicerade siffrorna');

      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`a:has-text("CSV för Excel (${YEAR})")`)]);
      expect(download.suggestedFilename()).toBe(`indikatorer-${YEAR}.csv`);
      const csv = fs.readFileSync(await download.path(), 'utf8');
      const lines = csv.replace(/^\ufeff/, '').split('\r\n');
      const header = lines[0].split(';');
      // the CSV för Excel: Swedish headers and labels (the machine CSV with codes is its own download)
      expect(header.slice(0, 4)).toEqual(['Indikator', 'Mål', 'Målnivå', 'År']);
      const trustLine = lines.find((l) => l.endsWith(';fortroende_rua'))!;
      const cells = Object.fromEntries(header.map((h, i) => [h, trustLine.split(';')[i]]));
      expect(cells['År']).toBe(String(YEAR));
      expect(cells['Täljare']).toBe('0');
      expect(cells['Nämnare']).toBe('1');
      expect(cells['Färg']).toBe('Röd');
      expect(cells['Publicerat']).toBe('Ja, version 1');
      await context.close();
    });

    it('on a phone-sized screen the respondent pages need no sideways scrolling', async () => {
      const context = await browser.newContext({ viewport: { width: 375, height: 667 } });
      const page = await context.newPage();
      const fits = async (what: string) => {
        // (a string expression: the test code is compiled without the DOM types)
        const widths = await page.evaluate<{ scroll: number; viewport: number }>(
          '({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth })',
        );
        expect([what, widths.scroll <= widths.viewport]).toEqual([what, true]);
      };
      await page.goto(linkFor('cecilia.carlsson@lansstyrelsen.example.se'));
      await fits('start page');
      await andWait(page, () => page.click('main a[href$="/svar"]'));
      await fits('form');
      await page.check('#field-rus_planering-hog');
      await andWait(page, () => page.click('button[value=submit]'));
      expect(await page.locator('.error-summary').count()).toBe(1);
      await fits('form with errors');
      await page.check('#field-rus_statistik-liten');
      await page.check('#field-fortroende_rua-hogt');
      await page.fill('#field-kommentar_rua', 'En lång kommentar utan mellanslag: ' + 'x'.repeat(120));
      await andWait(page, () => page.click('button[value=save]'));
      await fits('saved draft');
      await andWait(page, () => page.click('button[value=submit]'));
      expect(await page.locator('h1').innerText()).toBe('Tack för ert svar');
      await fits('receipt');
      // 320 CSS pixels: a 1280-pixel screen at 400 % zoom (WCAG 1.4.10 Reflow)
      await page.setViewportSize({ width: 320, height: 640 });
      const receiptUrl = page.url();
      await fits('receipt at 320 px');
      await page.goto(receiptUrl.replace(/\/kvitto$/, ''));
      await fits('start page at 320 px');
      await page.goto(receiptUrl.replace(/\/kvitto$/, '/svar'));
      await fits('form at 320 px');
      await context.close();
    });

    it('the coordinator closes the round; the personal links then say so calmly', async () => {
      const page = coordinator.page;
      await page.goto(followUpUrl);
      await andWait(page, () => page.click('a:has-text("Tillbaka till enkätomgången")'));
      expect(await page.locator('main').innerText()).toMatch(/Svarsfrekvens\s+2 av 5 organisationer har svarat/);
      // closing asks first, naming who has not answered
      await andWait(page, () => page.click('a:has-text("Stäng omgången")'));
      expect(await page.locator('#close-not-answered').innerText()).toBe('3 av 5 organisationer har inte svarat.');
      await andWait(page, () => page.click('button:has-text("Ja, stäng omgången")'));
      expect(await page.locator('.notice-success').innerText()).toContain('Omgången är stängd');

      const context = await browser.newContext({ javaScriptEnabled: false });
      const respondent = await context.newPage();
      await respondent.goto(linkFor('david.dahl@hogskolan.example.se'));
      expect(await respondent.locator('h1').innerText()).toBe('Enkäten är stängd');
      // closed before its deadline: the day it closed, not the deadline still ahead
      expect(await respondent.locator('#closed-text').innerText()).toMatch(/^Enkäten stängdes den \d{1,2} [a-z]+ \d{4}\./);
      expect(await respondent.locator('main').innerText()).toContain('Sam Samordnare');
      await context.close();
    });
  },
);
