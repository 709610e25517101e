// The report as files: the standalone HTML page's stylesheet, and the PDF drawn from that HTML
// by Chromium (the same content and print stylesheet as "Skriv ut → Spara som PDF").
//
// Why Chromium and not pdfkit/pdfmake: the PDF is then the print of the very page the analyst
// checked (one layout, one set of page-break rules), and Debian's chromium package is what the
// browser tests use already. Nothing is downloaded: playwright-core only drives the Chromium
// at CHROMIUM_PATH (default /usr/bin/chromium). Without it the PDF download and `report --format
// pdf` answer with a Swedish message (503) naming the alternatives — the Word file, the HTML
// file, or printing the page.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors';
import { translator, type Locale } from '../i18n';
import { PACKAGE_ROOT } from '../lib/paths';

const STATIC_DIR = path.join(PACKAGE_ROOT, 'views', 'static'); // from server/ under tsx and dist/server/ alike

export class PdfUnavailableError extends AppError {
  constructor(reason: string) {
    super(
      503,
      'pdf_unavailable',
      `PDF kan inte skapas på den här servern: ${reason} Installera Debian-paketet chromium eller ange sökvägen i CHROMIUM_PATH. ` +
        'Under tiden: ladda ned Word-dokumentet eller HTML-filen, eller skriv ut rapportsidan (Skriv ut → Spara som PDF).',
    );
  }
}

/** A CSS string literal: quotes, backslashes, "<" and line breaks escaped. */
function cssString(s: string): string {
  return `"${s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    // inside <style> in the report file: "</style>" in a name must not end the element
    .replace(/</g, '\\3c ')
    .replace(/[\r\n]+/g, ' ')}"`;
}

/**
 * The page box of the printed report: A4, the region and the year in the page header, "Sida 3
 * av 9" in the footer (CSS margin boxes, which Chromium prints). Served as its own stylesheet
 * (/rapport/:year/sida.css) because the page's CSP allows no inline styles.
 */
export function reportPageCss(regionName: string, year: number, locale: Locale): string {
  const t = translator(locale);
  const header = cssString(`${regionName} · ${t('Indikatorer %{year}', { year })}`);
  const page = cssString(`${t('Sida')} `);
  const of = cssString(` ${t('av')} `);
  return `@page {
  size: A4;
  margin: 20mm 16mm 18mm 16mm;
  @top-left { content: ${header}; font-size: 9pt; color: #404040; }
  @bottom-right { content: ${page} counter(page) ${of} counter(pages); font-size: 9pt; color: #404040; }
}
`;
}

/** Everything the standalone HTML file needs inline: the app's and the report's stylesheets and the page box. */
export function reportFileCss(regionName: string, year: number, locale: Locale): string {
  const read = (f: string) => fs.readFileSync(path.join(STATIC_DIR, f), 'utf8');
  return `${read('app.css')}\n${read('report.css')}\n${reportPageCss(regionName, year, locale)}`;
}

/** The HTML (a standalone page with its styles inline) printed to an A4 PDF by Chromium. */
export async function htmlToPdf(html: string, chromiumPath: string | null): Promise<Buffer> {
  if (!chromiumPath) throw new PdfUnavailableError('Chromium finns inte.');
  if (!fs.existsSync(chromiumPath)) throw new PdfUnavailableError(`Chromium finns inte på ${chromiumPath}.`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    // the file holds everything (styles inline, charts as inline SVG): nothing is fetched
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    return await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
  } finally {
    await browser.close();
  }
}
