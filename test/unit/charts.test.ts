// The server-rendered charts: colours with at least 3:1 contrast (text 4.5:1), a percent axis
// 0–100 %, the value labels above the plot (never under the target line), a text alternative,
// no script, and a PNG from the same SVG.
import { CHART_BACKGROUND, CHART_COLOURS, CONTRAST_CHECKED, contrastRatio } from '../../server/services/charts/palette';
import { svgSize, svgToPng } from '../../server/services/charts/render';
import { fromFirstValue, seriesChartSpec, seriesChartSvg } from '../../server/services/charts/series';

const points = [2019, 2020, 2021].map((year, i) => ({
  year,
  value: i === 1 ? null : 50 + i * 10,
  display: i === 1 ? '–' : `${50 + i * 10} %`,
  target: 61,
  ciLow: i === 2 ? 45 : null,
  ciHigh: i === 2 ? 85 : null,
}));

describe('charts', () => {
  it('every colour stands out from the background: 3:1 for lines and marks, 4.5:1 for text', () => {
    for (const { name, min } of CONTRAST_CHECKED)
      expect([name, contrastRatio(CHART_COLOURS[name], CHART_BACKGROUND) >= min]).toEqual([name, true]);
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
  });

  it('the y axis is 0–100 % with percent ticks and the value labels sit above the plot', () => {
    const spec = JSON.stringify(seriesChartSpec(points));
    expect(spec).toContain('"domain":[0,100]');
    expect(spec).toContain("datum.value + ' %'");
    expect(spec).toContain('"y":{"value":-8}'); // the label strip: above the plot, where no line is drawn
  });

  it('renders an SVG with a text alternative naming every figure, and a PNG of it', async () => {
    const svg = await seriesChartSvg(points, { title: 'Utfall per år', valueLabel: 'Utfall', targetLabel: 'Målvärde' }, 'c1');
    expect(svg).toMatch(/^<svg id="c1" role="img" aria-labelledby="c1-title" /);
    expect(svg).toContain('<title id="c1-title">Utfall per år. Utfall 2019: 50 %, 2020: –, 2021: 70 %. Målvärde 2021: 61 %.</title>');
    for (const tick of ['0 %', '20 %', '100 %', '70 %']) expect(svg).toContain(`>${tick}<`);
    expect(svg).not.toMatch(/<script|on\w+=/i);
    expect((svg.match(/role="/g) ?? []).length).toBe(1); // one image: the marks inside have no roles of their own
    const png = svgToPng(svg);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(svgSize(svg).width * 2);
  });

  it('the series starts at the first year with a value', () => {
    expect(fromFirstValue([{ value: null }, { value: 3 }, { value: null }])).toEqual([{ value: 3 }, { value: null }]);
  });
});
