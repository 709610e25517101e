// The chart of an indicator's series (the year's report, the indicator's page): the utfall per
// year as a line with points, the 95 % interval as a band where the year has one (survey
// indicators; attendance is a census and has none), the målvärde as a dashed line, and the value
// of each year written in a strip above the plot — so the target line can never cross a label.
// The y axis is 0–100 % with percent ticks. The same numbers stand in the table beside the chart.
import { formatPercent } from '../numbers';
import { CHART_BACKGROUND, CHART_COLOURS } from './palette';
import { CHART_FONT, type ChartSpec, renderSvg } from './render';

export interface SeriesPoint {
  year: number;
  /** Exact percent, null without a value. */
  value: number | null;
  /** As shown in the table: "57 %" or "–". */
  display: string;
  target: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

export interface SeriesChartTexts {
  /** The text alternative's opening, e.g. "Utfall per år för …". */
  title: string;
  valueLabel: string;
  targetLabel: string;
}

/** The years from the first one with a value (older empty years say nothing). */
export function fromFirstValue<P extends { value: number | null }>(points: P[]): P[] {
  const first = points.findIndex((p) => p.value !== null);
  return first < 0 ? [] : points.slice(first);
}

/** The y channel of every layer: one 0–100 % scale with a tick every 20 %. */
function percentY(field: string) {
  return {
    field,
    type: 'quantitative' as const,
    title: null,
    scale: { domain: [0, 100], nice: false },
    axis: { values: [0, 20, 40, 60, 80, 100], labelExpr: "datum.value + ' %'", labelFontSize: 12, labelOverlap: false, grid: true },
  };
}

/** The chart as a vega-lite spec (pure; exported for the tests). */
export function seriesChartSpec(points: SeriesPoint[]): ChartSpec {
  const values = points.map((p) => ({
    year: String(p.year),
    value: p.value,
    display: p.display,
    target: p.target,
    ciLow: p.ciLow,
    ciHigh: p.ciHigh,
  }));
  const x = {
    field: 'year',
    type: 'ordinal' as const,
    title: null,
    axis: { labelAngle: 0, labelFontSize: 12, labelColor: CHART_COLOURS.text },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: Math.max(240, 64 * points.length),
    height: 200,
    padding: { top: 28, left: 8, right: 12, bottom: 8 },
    background: CHART_BACKGROUND,
    config: {
      aria: false,
      font: CHART_FONT,
      view: { stroke: null },
      axis: {
        domainColor: CHART_COLOURS.axis,
        tickColor: CHART_COLOURS.axis,
        gridColor: CHART_COLOURS.grid,
        labelColor: CHART_COLOURS.text,
      },
    },
    data: { values },
    encoding: { x },
    layer: [
      {
        transform: [{ filter: 'datum.ciLow != null && datum.ciHigh != null' }],
        mark: { type: 'area', color: CHART_COLOURS.bandFill, opacity: 1 },
        encoding: { y: percentY('ciLow'), y2: { field: 'ciHigh' } },
      },
      ...(['ciLow', 'ciHigh'] as const).map((edge) => ({
        transform: [{ filter: 'datum.ciLow != null && datum.ciHigh != null' }],
        mark: { type: 'line' as const, color: CHART_COLOURS.band, strokeWidth: 1.5, strokeDash: [3, 2] },
        encoding: { y: percentY(edge) },
      })),
      {
        transform: [{ filter: 'datum.target != null' }],
        mark: { type: 'line', color: CHART_COLOURS.target, strokeWidth: 2, strokeDash: [6, 4], interpolate: 'step-after' },
        encoding: { y: percentY('target') },
      },
      {
        transform: [{ filter: 'datum.value != null' }],
        mark: { type: 'line', color: CHART_COLOURS.value, strokeWidth: 3, point: { filled: true, size: 64, color: CHART_COLOURS.value } },
        encoding: {
          y: percentY('value'),
        },
      },
      {
        mark: { type: 'text', fontSize: 13, fontWeight: 'bold', color: CHART_COLOURS.text, baseline: 'bottom' },
        encoding: { y: { value: -8 }, text: { field: 'display' } },
      },
    ],
  };
}

/** "2019: 61 %, 2020: 64 % …" — the text alternative names every figure, as the table does. */
function describe(points: SeriesPoint[], texts: SeriesChartTexts): string {
  const years = points.map((p) => `${p.year}: ${p.display}`).join(', ');
  const target = points[points.length - 1]?.target;
  const targetText =
    target === null || target === undefined
      ? ''
      : ` ${texts.targetLabel} ${points[points.length - 1].year}: ${formatPercent(target, Number.isInteger(target) ? 0 : 1)}.`;
  return `${texts.title}. ${texts.valueLabel} ${years}.${targetText}`;
}

export async function seriesChartSvg(points: SeriesPoint[], texts: SeriesChartTexts, id: string): Promise<string> {
  return renderSvg(seriesChartSpec(points), describe(points, texts), id);
}
