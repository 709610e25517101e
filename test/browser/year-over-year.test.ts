// Issue 11 (3, 4) in a real browser with JavaScript off: a coordinator creates this year's round
// from last year's (every problem of a broken edit at once, then saved), opens it, schedules the
// invitations, which the worker sends at that time through a real SMTP server, and closes the
// round early after the confirmation page; the respondent's link then says when it closed.
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { queueScheduledInvitations } from '../../server/services/mailings';
import { formatStockholmDate } from '../../server/services/stockholm-time';
import { createUser } from '../helpers/app';
import { axeViolations, launchBrowser, listen } from '../helpers/browser';
import { andWait, localLink, loggedInContext, stockholmDate } from '../helpers/browser-session';
import { drainAll, type MailTestEnv, partnershipWithOpenRound, startMailTestApp } from '../helpers/mail';
import { chromiumPath, describeWithService } from '../helpers/services';
import { respondentLinkIn } from '../helpers/smtp';

jest.setTimeout(180_000);

describeWithService(
  'Chromium',
  chromiumPath() !== null,
  'install Debian package "chromium" or set CHROMIUM_PATH',
  'a round from last year, scheduled invitations and an early close in a real browser',
  () => {
    let env: MailTestEnv;
    let browser: Browser;
    let server: Server;
    let base: string;
    let coordinator: { context: BrowserContext; page: Page };

    beforeAll(async () => {
      env = await startMailTestApp();
      ({ server, baseUrl: base } = await listen(env.t));
      browser = await launchBrowser();
      const { email } = await createUser(env.t.deps, 'coordinator');
      coordinator = await loggedInContext(browser, base, email, { javaScriptEnabled: false });
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise((r) => server?.close(r));
      await env?.close();
    });

    it('from last year, through a broken edit, to invitations sent at the scheduled time and an early close', async () => {
      const { db } = env.t.deps;
      const year = new Date().getUTCFullYear();
      const p = await partnershipWithOpenRound(db, 3, { year: year - 1, state: 'stangd' });
      const page = coordinator.page;

      await page.goto(`${base}/rounds`);
      await andWait(page, () => page.click(`#from-last-year a[href="/rounds/ny?fran=${p.roundId}"]`));
      expect(await page.locator('h1').innerText()).toBe('Skapa omgång från förra året');
      expect(await page.inputValue('#field-year')).toBe(String(year));
      // the dates of this year's round: opening now, closing in three weeks (a broken reply address too)
      await page.fill('#field-opens_date', stockholmDate(-1));
      await page.fill('#field-closes_date', stockholmDate(21));
      await page.fill('#field-reply_to', 'inte en adress');
      await page.fill('#field-invitations_date', '2020-01-01');
      await andWait(page, () => page.click('main form[action="/rounds"] button[type=submit]'));
      const problems = await page.locator('.error-summary li').allInnerTexts();
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^Svarsadress: ange en e-postadress/),
          expect.stringMatching(/^Inbjudningarna skickas: tiden har redan passerat/),
        ]),
      );
      expect(await page.locator('h1').innerText()).toBe('Skapa omgång från förra året');
      await page.fill('#field-reply_to', 'enkat@region.example.se');
      await page.fill('#field-invitations_date', '');
      await andWait(page, () => page.click('main form[action="/rounds"] button[type=submit]'));
      const id = Number(/\/rounds\/(\d+)$/.exec(page.url())![1]);
      expect((await db('rounds').where({ id }).first())!.year).toBe(year);

      // open it, then schedule the invitations for tomorrow morning
      await andWait(page, () => page.click('button:has-text("Öppna omgången")'));
      await page.goto(`${base}/rounds/${id}/mail/send`);
      await page.fill('#field-invitations_date', stockholmDate(1));
      await page.fill('#field-invitations_time', '08:30');
      await andWait(page, () => page.click('button:has-text("Spara tiden för inbjudningarna")'));
      expect(await page.locator('#schedule-status').innerText()).toMatch(/^Inbjudningarna skickas automatiskt /);
      const at = (await db('rounds').where({ id }).first())!.invitations_at as string;

      // the worker's scheduler at that time: three invitations with the reply address, once
      env.smtp.messages.length = 0;
      expect(await queueScheduledInvitations(env.t.deps, new Date(new Date(at).getTime() + 1000))).toBe(3);
      await drainAll(env.t);
      expect(env.smtp.messages).toHaveLength(3);
      for (const m of env.smtp.messages) expect(m.headers['reply-to']).toBe('enkat@region.example.se');

      // close early: the confirmation page first, axe-clean
      await page.goto(`${base}/rounds/${id}`);
      await andWait(page, () => page.click(`a[href="/rounds/${id}/stang"]`));
      expect(await page.locator('#close-not-answered').innerText()).toBe('3 av 3 organisationer har inte svarat.');
      await andWait(page, () => page.click('button:has-text("Ja, stäng omgången")'));
      const row = (await db('rounds').where({ id }).first())!;
      expect(row.state).toBe('stangd');

      // the respondent (JavaScript off) reads when it closed
      const respondent = await browser.newContext({ javaScriptEnabled: false });
      const rpage = await respondent.newPage();
      await rpage.goto(localLink(respondentLinkIn(env.smtp.messages[0], env.t.config.baseUrl)!, env.t.config.baseUrl, base));
      expect(await rpage.locator('#closed-text').innerText()).toBe(
        `Enkäten stängdes den ${formatStockholmDate(new Date(row.closed_at as string).toISOString())}. Det går inte längre att svara eller ändra svar via länken.`,
      );
      await respondent.close();
    });

    it('the closing page has no axe violations', async () => {
      const { email } = await createUser(env.t.deps, 'coordinator');
      const withJs = await loggedInContext(browser, base, email);
      const p = await partnershipWithOpenRound(env.t.deps.db, 2);
      await withJs.page.goto(`${base}/rounds/${p.roundId}/stang`);
      expect(await axeViolations(withJs.page)).toEqual([]);
      await withJs.context.close();
    });
  },
);
