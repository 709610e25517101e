// Reading a rendered page the way a person does: by the element that carries a figure or a
// message, not by searching the whole page text (a figure elsewhere on the page must not make a
// test pass).
import { load, type CheerioAPI } from 'cheerio';

export function page(html: string): CheerioAPI {
  return load(html);
}

/** The whitespace-normalised text of the one element matching the selector (fails when there is none or several). */
export function textOf(html: string | CheerioAPI, selector: string): string {
  const $ = typeof html === 'string' ? load(html) : html;
  const found = $(selector);
  if (found.length !== 1) throw new Error(`expected exactly one element for "${selector}", found ${found.length}`);
  return normalise(found.text());
}

/** The texts of every element matching the selector, in document order. */
export function textsOf(html: string | CheerioAPI, selector: string): string[] {
  const $ = typeof html === 'string' ? load(html) : html;
  return $(selector)
    .toArray()
    .map((el) => normalise($(el).text()));
}

/** The cells of the table row whose first cell (th or td) has the given text, without that first cell. */
export function rowCells(html: string | CheerioAPI, tableSelector: string, firstCell: string): string[] {
  const $ = typeof html === 'string' ? load(html) : html;
  const rows = $(`${tableSelector} tr`)
    .toArray()
    .filter((tr) => normalise($(tr).children('th,td').first().text()) === firstCell);
  if (rows.length !== 1) throw new Error(`expected one row "${firstCell}" in ${tableSelector}, found ${rows.length}`);
  return $(rows[0])
    .children('th,td')
    .toArray()
    .slice(1)
    .map((c) => normalise($(c).text()));
}

/** The error summary's messages (the GOV.UK pattern used on every form). */
export function errorSummary(html: string | CheerioAPI): string[] {
  return textsOf(html, '.error-summary li');
}

function normalise(s: string): string {
  return s.replace(/[\s\u00a0]+/g, ' ').trim();
}
