// The base layout in a real browser: axe-clean pages (WCAG 2.1 AA), keyboard-only login,
// the skip link, and that the pages work with JavaScript turned off.
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { createUser, startTestApp, type TestApp, TEST_PASSWORD } from '../helpers/app';
import { axeViolations, launchBrowser, listen } from '../helpers/browser';
import { chromiumPath, describeWithService } from '../helpers/services';
import { firstAdminLinkIfNeeded } from '../../server/services/accounts';

// A real browser on a busy 2-core machine: a page sweep may take longer than jest's default.
jest.setTimeout(180_000);

describeWithService(
  'Chromium',
  chromiumPath() !== null,
  'install Debian package "chromium" or set CHROMIUM_PATH',
  'foundation pages in a real browser',
  () => {
    let t: TestApp;
    let browser: Browser;
    let server: Server;
    let base: string;
    let setupToken: string;

    beforeAll(async () => {
      t = await startTestApp();
      setupToken = (await firstAdminLinkIfNeeded(t.deps.db))!;
      ({ server, baseUrl: base } = await listen(t));
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise((r) => server?.close(r));
      await t?.close();
    });

    // axe runs inside the page, so axe checks use a context with JavaScript on;
    // the journeys themselves run with JavaScript off.
    it('the setup, login, 404 and accessibility pages have no axe violations', async () => {
      const page = await (await browser.newContext()).newPage();
      for (const url of [`/setup/${setupToken}`, '/login', '/tillganglighet', '/finns-inte']) {
        await page.goto(base + url);
        expect([url, await axeViolations(page)]).toEqual([url, []]);
      }
      await page.context().close();
    });

    it('the login form shows an accessible error summary', async () => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(base + '/login');
      await page.click('button[type=submit]:has-text("Logga in")');
      const summary = page.locator('.error-summary');
      await expect(summary.getAttribute('role')).resolves.toBe('alert');
      expect(await summary.innerText()).toContain('Ange din e-postadress.');
      expect(await page.title()).toMatch(/^Fel:/);
      expect(await axeViolations(page)).toEqual([]);
      // the summary links to the field
      await summary.locator('a[href="#field-email"]').click();
      expect(await page.locator(':focus').getAttribute('id')).toBe('field-email');
      await page.context().close();
    });

    it('a keyboard-only user finds the skip link first and logs in without a mouse or JavaScript', async () => {
      const user = await createUser(t.deps, 'admin');
      const page = await browser.newPage({ javaScriptEnabled: false });
      await page.goto(base + '/login');
      await page.keyboard.press('Tab');
      expect((await page.locator(':focus').innerText()).trim()).toBe('Hoppa till huvudinnehållet');
      await page.focus('#field-email');
      await page.keyboard.type(user.email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(TEST_PASSWORD);
      await page.keyboard.press('Enter');
      await page.waitForURL(base + '/');
      expect(await page.locator('h1').innerText()).toBe('Översikt');
      await page.context().close();
      // the staff pages, checked with axe in a logged-in context with JavaScript on
      const ctx = await browser.newContext();
      const p2 = await ctx.newPage();
      await p2.goto(base + '/login');
      await p2.fill('#field-email', user.email);
      await p2.fill('#field-password', TEST_PASSWORD);
      await p2.click('button[type=submit]:has-text("Logga in")');
      await p2.waitForURL(base + '/');
      for (const url of ['/', '/admin/users', '/admin/audit', '/admin/api-tokens', '/admin/settings']) {
        await p2.goto(base + url);
        expect([url, await axeViolations(p2)]).toEqual([url, []]);
      }
      await ctx.close();
    });
  },
);
