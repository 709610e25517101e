// The bar chart of one question's answers: one bar per option with its share (one decimal, the
// same text as the table under it), this year as filled bars and last year beside them as hollow
// bars (so the two years differ in form, not only in colour: WCAG 1.4.1). A vega-lite
// specification, rendered to SVG on the server by ./render.ts.
import type { TopLevelSpec } from 'vega-lite';
import { CHART_BACKGROUND, CHART_COLOURS } from './palette';
import { type ChartText, renderVegaLiteSvg } from './render';

export interface DistributionSeries {
  /** The legend's name of the series, e.g. "2025". */
  name: string;
  /** One value per option (same order as `options`); share in percent (exact), null when there is none. */
  values: Array<{ share: number | null; display: string }>;
}

export interface DistributionChartInput {
  /** The options' labels in survey order (the bars, top to bottom). */
  options: string[];
  /** The year shown first, then (optionally) the year before. */
  series: DistributionSeries[];
  /** The x axis's title, e.g. "Andel av dem som besvarade frågan". */
  axisTitle: string;
}

const PLOT_WIDTH = 320;
const HOLLOW = CHART_BACKGROUND;

/** The vega-lite specification (pure; exported for tests). */
export function distributionSpec(input: DistributionChartInput): TopLevelSpec {
  const names = input.series.map((s) => s.name);
  const values = input.series.flatMap((s) =>
    s.values.flatMap((v, i) => (v.share === null ? [] : [{ option: input.options[i], series: s.name, share: v.share, label: v.display }])),
  );
  const twoYears = names.length > 1;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: PLOT_WIDTH,
    height: { step: twoYears ? 16 : 24 },
    background: CHART_BACKGROUND,
    padding: { left: 4, right: 12, top: 4, bottom: 4 },
    data: { values },
    encoding: {
      y: {
        field: 'option',
        type: 'nominal',
        sort: input.options,
        scale: { domain: input.options },
        title: null,
        axis: { labelLimit: 420 },
      },
      ...(twoYears ? { yOffset: { field: 'series', type: 'nominal', sort: names, scale: { domain: names, paddingInner: 0.15 } } } : {}),
      x: {
        field: 'share',
        type: 'quantitative',
        scale: { domain: [0, 100], nice: false },
        axis: { values: [0, 25, 50, 75, 100], labelExpr: "datum.value + ' %'", title: input.axisTitle, grid: true },
      },
    },
    layer: [
      {
        mark: { type: 'bar', stroke: CHART_COLOURS.value, strokeWidth: 1.5, aria: false },
        encoding: {
          fill: {
            field: 'series',
            type: 'nominal',
            scale: { domain: names, range: [CHART_COLOURS.value, HOLLOW] },
            legend: twoYears ? { title: null, orient: 'top', direction: 'horizontal' } : null,
          },
        },
      },
      {
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 5, fontSize: 13, fill: CHART_COLOURS.text, aria: false },
        encoding: { text: { field: 'label', type: 'nominal' } },
      },
    ],
    config: {
      aria: false,
      font: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
      view: { stroke: null },
      axis: {
        labelColor: CHART_COLOURS.text,
        titleColor: CHART_COLOURS.text,
        domainColor: CHART_COLOURS.axis,
        tickColor: CHART_COLOURS.axis,
        gridColor: CHART_COLOURS.grid,
        labelFontSize: 13,
        titleFontSize: 13,
        titleFontWeight: 'normal',
        labelLimit: 260,
      },
      legend: {
        labelColor: CHART_COLOURS.text,
        labelFontSize: 13,
        symbolType: 'square',
        symbolSize: 160,
        symbolStrokeColor: CHART_COLOURS.value,
        symbolStrokeWidth: 1.5,
      },
    },
  };
}

/** The chart as an accessible SVG string. */
export function distributionChart(input: DistributionChartInput, text: ChartText): Promise<string> {
  return renderVegaLiteSvg(distributionSpec(input), text);
}
