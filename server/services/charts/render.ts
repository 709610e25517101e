// Charts rendered on the server: a vega-lite spec compiled to vega and drawn by vega's headless
// renderer to an SVG string (no canvas, no browser, no client JavaScript), and that SVG drawn to
// PNG by resvg (for the Word document and the PNG download). Shared by every chart of the app (the
// indicator series, the per-question bars of the results page). The SVG is one image for
// assistive technology (role="img" with a <title>, the results page's also a <desc>); every chart
// also has its numbers as a table beside it.
//
// Fonts: resvg draws text only with the font files it is given. The font is Source Sans 3 from
// the npm package `source-sans` (Adobe's TTF files, loaded from node_modules; nothing is
// downloaded at run time). The SVG names the same family first, so a browser that has it uses it
// and the others fall back to a sans-serif.
//
// vega and vega-lite are the 5.x line: vega 6 is ESM-only with a top-level await, which this
// CommonJS build (and jest) cannot require.
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export const CHART_FONT_FAMILY = 'Source Sans 3';
export const CHART_FONT = `${CHART_FONT_FAMILY}, Arial, Helvetica, sans-serif`;

const FONT_DIR = path.join(path.dirname(require.resolve('source-sans/package.json')), 'TTF');
export const CHART_FONT_FILES = ['SourceSans3-Regular.ttf', 'SourceSans3-Semibold.ttf', 'SourceSans3-Bold.ttf'].map((f) =>
  path.join(FONT_DIR, f),
);

export type ChartSpec = TopLevelSpec;

export interface ChartText {
  /** A unique prefix for the ids of the <title> and <desc> (one per chart on a page). */
  id: string;
  /** What the chart shows, in one line. */
  title: string;
  /** The chart's numbers in words (the text alternative). */
  description: string;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

/**
 * Text widths for the layout. Without a canvas vega estimates 0.8 em per character, about 60 %
 * too wide for a sans-serif, which leaves a broad empty margin beside every axis label. This
 * estimate reads the characters (vega supports a user-defined textMetrics.width, as vl-convert
 * does); it errs a little wide, so a label never runs past the chart's edge.
 */
function estimatedWidth(item: { fontSize?: number; fontWeight?: string | number }, text: unknown): number {
  const size = item.fontSize ?? 11;
  const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600 ? 1.08 : 1;
  let em = 0;
  const line = Array.isArray(text) ? text.join(' ') : typeof text === 'string' || typeof text === 'number' ? String(text) : '';
  for (const ch of line) {
    if (/[ il.,:;'!|ijtfr()[\]-]/.test(ch)) em += 0.36;
    else if (/[mwMWÅÄÖ%@]/.test(ch)) em += 0.92;
    else if (/[A-Z0-9]/.test(ch)) em += 0.7;
    else em += 0.62;
  }
  return Math.ceil(em * size * bold);
}
/** vega's text measurement (exported by vega at run time; its type declarations leave it out). */
interface TextMetrics {
  width: (item: { fontSize?: number; fontWeight?: string | number }, text: unknown) => number;
}
(vega as unknown as { textMetrics: TextMetrics }).textMetrics.width = estimatedWidth;

async function vegaSvg(spec: ChartSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The SVG of a vega-lite spec. `title` becomes the chart's text alternative: the root gets
 * role="img" and a <title> (vega's own ARIA roles are switched off in the spec's config so the
 * chart is one image for assistive technology; the data table beside it carries the numbers).
 */
export async function renderSvg(spec: ChartSpec, title: string, id: string): Promise<string> {
  const svg = await vegaSvg(spec);
  const titleId = `${id}-title`;
  const open = /^<svg [^>]*>/.exec(svg);
  if (!open) throw new Error('vega gave no SVG root');
  const root = open[0].replace('<svg ', `<svg id="${escapeXml(id)}" role="img" aria-labelledby="${escapeXml(titleId)}" `);
  // the marks inside are presentation: vega's own roles (graphics-symbol …) would make each a separate image without a name
  const marks = svg.slice(open[0].length).replace(/\s(?:role|aria-roledescription|aria-label)="[^"]*"/g, '');
  return `${root}<title id="${escapeXml(titleId)}">${escapeXml(title)}</title>${marks}`;
}

/** A vega-lite specification as an accessible SVG string with a title and a description (safe to put in a page as is). */
export async function renderVegaLiteSvg(spec: ChartSpec, text: ChartText): Promise<string> {
  return accessibleSvg(await vegaSvg(spec), text);
}

/** Adds role="img", the title and the description to vega's <svg>; vega's own ARIA output is turned off in the specs. */
function accessibleSvg(svg: string, text: ChartText): string {
  const open = /^<svg\b[^>]*>/.exec(svg);
  if (!open) throw new Error('vega did not render an <svg> element');
  const id = escapeXml(text.id);
  const tag = open[0].replace(/^<svg/, `<svg role="img" aria-labelledby="${id}-title" aria-describedby="${id}-desc" focusable="false"`);
  const titles = `<title id="${id}-title">${escapeXml(text.title)}</title><desc id="${id}-desc">${escapeXml(text.description)}</desc>`;
  return tag + titles + svg.slice(open[0].length);
}

/** The SVG drawn to PNG at `scale` × its size (2 = sharp in print and in Word). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: CHART_FONT_FILES, loadSystemFonts: false, defaultFontFamily: CHART_FONT_FAMILY },
    background: 'white',
  });
  return resvg.render().asPng();
}

/** The width and height an SVG says it has (for placing the PNG in a document). */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 480, height: 260 };
}
