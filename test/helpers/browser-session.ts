// Small helpers for the browser tests: a logged-in browser context, keyboard navigation that
// works with JavaScript turned off (locators only — page.evaluate needs JavaScript), dates.
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { utcToStockholm } from '../../server/services/stockholm-time';
import { TEST_PASSWORD } from './app';

/** A new context logged in as `email` through the real login form. */
export async function loggedInContext(
  browser: Browser,
  base: string,
  email: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(base + '/login');
  await page.fill('#field-email', email);
  await page.fill('#field-password', TEST_PASSWORD);
  await Promise.all([page.waitForURL(base + '/'), page.click('button[type=submit]:has-text("Logga in")')]);
  return { context, page };
}

/** Clicks (or presses a key) and waits for the page that the resulting navigation loads. */
export async function andWait(page: Page, action: () => Promise<unknown>): Promise<void> {
  const from = page.url();
  try {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: 15_000 }), action()]);
  } catch (e) {
    throw new Error(`no page loaded after the action on ${from}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
}

/** True when the element matching `selector` has the keyboard focus. */
export async function hasFocus(page: Page, selector: string): Promise<boolean> {
  return (await page.locator(`${selector}:focus`).count()) > 0;
}

/** A short description of the focused element (for failure messages). */
export async function describeFocus(page: Page): Promise<string> {
  const f = page.locator(':focus');
  if ((await f.count()) === 0) return '(nothing focused)';
  const id = await f.first().getAttribute('id');
  const text = (
    await f
      .first()
      .innerText()
      .catch(() => '')
  )
    .trim()
    .slice(0, 60);
  return `#${id ?? ''} "${text}"`;
}

/** Presses Tab (or Shift+Tab) until `selector` has focus; fails after `max` presses. */
export async function tabTo(page: Page, selector: string, opts: { max?: number; back?: boolean } = {}): Promise<void> {
  const max = opts.max ?? 60;
  for (let i = 0; i < max; i++) {
    if (await hasFocus(page, selector)) return;
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
  }
  if (await hasFocus(page, selector)) return;
  throw new Error(`could not reach ${selector} with the keyboard in ${max} presses; focus is on ${await describeFocus(page)}`);
}

/** The Stockholm date `days` from now, as YYYY-MM-DD (what a date field expects). */
export function stockholmDate(days: number): string {
  return utcToStockholm(new Date(Date.now() + days * 86400_000).toISOString())!.date;
}

/** Replaces the configured base URL in a link from an e-mail with the address the test app listens on. */
export function localLink(link: string, configuredBase: string, base: string): string {
  if (!link.startsWith(configuredBase)) throw new Error(`${link} does not start with ${configuredBase}`);
  return base + link.slice(configuredBase.length);
}
