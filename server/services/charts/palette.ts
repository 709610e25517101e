// The chart colours, chosen for at least 3:1 contrast against the white background (WCAG 1.4.11,
// non-text contrast) and 4.5:1 for text; test/unit/charts.test.ts checks every one with
// contrastRatio below.
export const CHART_BACKGROUND = '#ffffff';
export const CHART_COLOURS = {
  /** The value line, points and bars. */
  value: '#1a4f8b',
  /** The edges of the 95 % band (the band's fill is a light tint and carries nothing alone). */
  band: '#4f6f94',
  bandFill: '#dbe5f1',
  /** The målvärde line. */
  target: '#b3261e',
  /** Text and axes. */
  text: '#1b1b1b',
  axis: '#595959',
  grid: '#d9d9d9',
} as const;

/** The colours that must stand out from the background by 3:1 (text by 4.5:1). */
export const CONTRAST_CHECKED: Array<{ name: keyof typeof CHART_COLOURS; min: number }> = [
  { name: 'value', min: 3 },
  { name: 'band', min: 3 },
  { name: 'target', min: 3 },
  { name: 'axis', min: 3 },
  { name: 'text', min: 4.5 },
];

function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new RangeError(`not a colour: ${hex}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours (1–21). */
export function contrastRatio(a: string, b: string): number {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}
