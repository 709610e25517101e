// Charts are drawn on the server: a vega-lite specification is compiled to vega and rendered to
// SVG by vega's headless renderer (no canvas, no browser, no JavaScript in the page). The SVG is
// made an image for assistive technology (role="img" with a <title> and a <desc>); every chart
// also has its numbers as a table beside it. Shared by every chart in the app.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface ChartText {
  /** A unique prefix for the ids of the <title> and <desc> (one per chart on a page). */
  id: string;
  /** What the chart shows, in one line. */
  title: string;
  /** The chart's numbers in words (the text alternative). */
  description: string;
}

/** The palette: every colour has at least 3:1 contrast against white (WCAG 1.4.11), text 4.5:1. */
export const CHART_COLOURS = {
  /** Bars of the year shown (#1a4f8b on white: 8.6:1). */
  primary: '#1a4f8b',
  /** Text, axes and grid lines that carry meaning. */
  ink: '#1b1b1b',
  /** Axis lines and ticks (#6b6b6b on white: 5.3:1). */
  axis: '#6b6b6b',
  background: '#ffffff',
} as const;

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

/**
 * Text widths for the layout. Without a canvas vega estimates 0.8 em per character, about 60 %
 * too wide for the app's sans-serif, which leaves a broad empty margin beside every axis label.
 * This estimate reads the characters (vega supports a user-defined textMetrics.width, as
 * vl-convert does); it errs a little wide, so a label never runs past the chart's edge.
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

/** Renders a vega-lite specification to an accessible SVG string (safe to put in a page as is). */
export async function renderVegaLiteSvg(spec: TopLevelSpec, text: ChartText): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', logLevel: vega.Warn });
  try {
    return accessibleSvg(await view.toSVG(), text);
  } finally {
    view.finalize();
  }
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
