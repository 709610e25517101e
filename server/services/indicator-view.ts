// How an indicator row reads on a page: every number through services/numbers.ts, every colour
// with a symbol (shape) and a text label (never colour alone, WCAG 1.4.1), every arrow with text.
import { colourLabel, formatNumber, formatPercent, formatPp, statusLabel, trendLabel, type Colour } from './numbers';
import type { IndicatorRow } from './indicators';

/** Shapes, so the colours also differ in form: filled circle, triangle, square, hollow circle. */
export const COLOUR_SYMBOLS: Record<Colour, string> = { green: '●', yellow: '▲', red: '■', missing: '○' };

export const ORIGIN_LABELS: Record<IndicatorRow['origin'], string> = {
  survey: 'Beräknat ur enkätsvaren',
  attendance: 'Beräknat ur registrerad närvaro',
  imported: 'Importerat värde',
  manual: 'Manuellt värde',
  none: 'Inget värde',
};

export function formatTarget(target: number | null): string {
  if (target === null) return '–';
  return formatPercent(target, Number.isInteger(target) ? 0 : 1);
}

export function formatInterval(low: number | null, high: number | null): string {
  if (low === null || high === null) return '–';
  return `${formatNumber(low, 1)}–${formatNumber(high, 1)} %`;
}

export interface PresentedRow extends IndicatorRow {
  colourSymbol: string;
  colourLabel: string;
  trendSymbol: string;
  trendLabel: string;
  changeDisplay: string;
  clarityText: string;
  targetDisplay: string;
  ciDisplay: string;
  dontKnowDisplay: string;
  dontKnowDisplayOneDecimal: string;
  statusLabel: string;
  originLabel: string;
  previousDisplay: string;
  isImported: boolean;
  hasCi: boolean;
}

export function presentRow<R extends IndicatorRow>(row: R): R & PresentedRow {
  const arrow = row.trend === 'none' ? '' : row.trend === 'unchanged' ? '→' : (row.changePp ?? 0) > 0 ? '↑' : '↓';
  return {
    ...row,
    colourSymbol: COLOUR_SYMBOLS[row.colour],
    colourLabel: colourLabel(row.colour),
    trendSymbol: arrow,
    trendLabel: trendLabel(row.trend),
    changeDisplay: row.changePp === null ? '–' : formatPp(row.changePp),
    clarityText:
      row.changeIsClear === true
        ? 'Förändringen är statistiskt säkerställd'
        : row.changeIsClear === false
          ? 'Förändringen är inte statistiskt säkerställd'
          : row.changePp === null
            ? ''
            : 'Statistisk säkerhet kan inte bedömas (antal saknas för ett av åren)',
    targetDisplay: formatTarget(row.target),
    ciDisplay: formatInterval(row.ciLow, row.ciHigh),
    dontKnowDisplay: row.dontKnowShare === null ? '–' : formatPercent(row.dontKnowShare, 0),
    dontKnowDisplayOneDecimal: row.dontKnowShare === null ? '–' : formatPercent(row.dontKnowShare, 1),
    statusLabel: statusLabel(row.status),
    originLabel: ORIGIN_LABELS[row.origin],
    previousDisplay: formatPercent(row.previousValue, 0),
    isImported: row.origin === 'imported' || row.origin === 'manual',
    hasCi: row.ciLow !== null && row.ciHigh !== null,
  };
}

export interface ChartBar {
  year: number;
  x: number;
  y: number;
  height: number;
  labelY: number;
  display: string;
  hasValue: boolean;
}

/**
 * A bar chart of the series as plain numbers for an SVG template (no markup built here): bars of
 * height value % of the plot, the target as a line. The table next to it is the text alternative.
 */
export function seriesChart(rows: IndicatorRow[]): {
  width: number;
  height: number;
  bars: ChartBar[];
  targetY: number | null;
  baseline: number;
} {
  const plotTop = 20;
  const plotHeight = 160;
  const barWidth = 36;
  const gap = 24;
  const left = 40;
  const bars = rows.map((r, i) => {
    const v = r.value === null ? 0 : Math.max(0, Math.min(100, r.value));
    const height = Math.round((v / 100) * plotHeight * 10) / 10;
    const y = plotTop + plotHeight - height;
    return { year: r.year, x: left + i * (barWidth + gap), y, height, labelY: y - 4, display: r.display, hasValue: r.value !== null };
  });
  const last = rows[rows.length - 1];
  const targetY =
    last && last.target !== null
      ? Math.round((plotTop + plotHeight - (Math.max(0, Math.min(100, last.target)) / 100) * plotHeight) * 10) / 10
      : null;
  return { width: left + rows.length * (barWidth + gap), height: plotTop + plotHeight + 24, bars, targetY, baseline: plotTop + plotHeight };
}
