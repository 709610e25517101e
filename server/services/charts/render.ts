// Charts rendered on the server: a vega-lite spec compiled to vega and drawn by vega's headless
// renderer to an SVG string (no client JavaScript), and that SVG drawn to PNG by resvg (for the
// Word document and the PNG download). Shared by every chart of the app (the indicator series
// here, the per-question bars of the results page).
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
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export const CHART_FONT_FAMILY = 'Source Sans 3';
export const CHART_FONT = `${CHART_FONT_FAMILY}, Arial, Helvetica, sans-serif`;

const FONT_DIR = path.join(path.dirname(require.resolve('source-sans/package.json')), 'TTF');
export const CHART_FONT_FILES = ['SourceSans3-Regular.ttf', 'SourceSans3-Semibold.ttf', 'SourceSans3-Bold.ttf'].map((f) =>
  path.join(FONT_DIR, f),
);

export type ChartSpec = TopLevelSpec;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The SVG of a vega-lite spec. `title` becomes the chart's text alternative: the root gets
 * role="img" and a <title> (vega's own ARIA roles are switched off in the spec's config so the
 * chart is one image for assistive technology; the data table beside it carries the numbers).
 */
export async function renderSvg(spec: ChartSpec, title: string, id: string): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const titleId = `${id}-title`;
    const open = /^<svg [^>]*>/.exec(svg);
    if (!open) throw new Error('vega gave no SVG root');
    const root = open[0].replace('<svg ', `<svg id="${escapeXml(id)}" role="img" aria-labelledby="${escapeXml(titleId)}" `);
    // the marks inside are presentation: vega's own roles (graphics-symbol …) would make each a separate image without a name
    const marks = svg.slice(open[0].length).replace(/\s(?:role|aria-roledescription|aria-label)="[^"]*"/g, '');
    return `${root}<title id="${escapeXml(titleId)}">${escapeXml(title)}</title>${marks}`;
  } finally {
    view.finalize();
  }
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
