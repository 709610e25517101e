// The results page's pure parts: the bar chart (vega-lite rendered to SVG on the server: colours
// with enough contrast, a text alternative, escaped labels, nothing the CSP would block), the one
// suppression adapter, and the group filter's values.
import { distributionChart, distributionSpec, type DistributionChartInput } from '../../server/services/charts/distribution';
import { CHART_BACKGROUND, CHART_COLOURS, contrastRatio } from '../../server/services/charts/palette';
import { escapeXml } from '../../server/services/charts/render';
import { shuffled } from '../../server/services/answers-export';
import { suppressAcross, suppressGroups } from '../../server/services/results-suppression';
import { groupValue, parseGroupValue } from '../../server/services/results-view';

const INPUT: DistributionChartInput = {
  options: ['Mycket högt förtroende', 'Högt förtroende', 'Varken <högt> & lågt', 'Vet ej'],
  series: [
    {
      name: '2025',
      values: [
        { share: 20, display: '20,0 %' },
        { share: 33.333, display: '33,3 %' },
        { share: 40, display: '40,0 %' },
        { share: 6.667, display: '6,7 %' },
      ],
    },
    {
      name: '2024',
      values: [
        { share: 21.4, display: '21,4 %' },
        { share: null, display: '–' },
        { share: 71.4, display: '71,4 %' },
        { share: 7.1, display: '7,1 %' },
      ],
    },
  ],
  axisTitle: 'Andel av dem som besvarade frågan',
};

describe('the distribution chart', () => {
  it('uses colours with at least 3:1 against white for graphics and 4.5:1 for text (WCAG 1.4.11, 1.4.3)', () => {
    expect(contrastRatio(CHART_COLOURS.value, CHART_BACKGROUND)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(CHART_COLOURS.axis, CHART_BACKGROUND)).toBeGreaterThanOrEqual(3);
    expect(contrastRatio(CHART_COLOURS.text, CHART_BACKGROUND)).toBeGreaterThanOrEqual(4.5);
  });

  it('tells the years apart by form too: this year filled, last year hollow with the same outline', () => {
    const spec = JSON.stringify(distributionSpec(INPUT));
    expect(spec).toContain(`"range":["${CHART_COLOURS.value}","${CHART_BACKGROUND}"]`);
    expect(spec).toContain(`"stroke":"${CHART_COLOURS.value}"`);
    expect(spec).toContain('"aria":false');
  });

  it('renders an SVG image with a title and a description, the shares as text, and escapes every label', async () => {
    const svg = await distributionChart(INPUT, { id: 'chart-x', title: 'Svar på fråga 4 <b>', description: '2025: A 20,0 % & B' });
    expect(svg.startsWith('<svg role="img" aria-labelledby="chart-x-title" aria-describedby="chart-x-desc"')).toBe(true);
    expect(svg).toContain('<title id="chart-x-title">Svar på fråga 4 &lt;b&gt;</title>');
    expect(svg).toContain('<desc id="chart-x-desc">2025: A 20,0 % &amp; B</desc>');
    expect(svg).toContain('Varken &lt;högt&gt; &amp; lågt');
    expect(svg).not.toContain('<högt>');
    for (const text of ['20,0 %', '33,3 %', '40,0 %', '6,7 %', '21,4 %', '71,4 %', '7,1 %', '0 %', '100 %'])
      expect(svg).toContain(`>${text}<`);
    // no script, no style attribute (the Content-Security-Policy allows neither inline), no external reference
    expect(svg).not.toMatch(/<script|style=|href=/);
    // vega's own ARIA roles are off: inside role="img" an element with an image role would need a name of its own (axe svg-img-alt)
    expect(svg).not.toMatch(/role="graphics-(symbol|document)"|role="img"[^]*role="img"/);
  });

  it('draws one bar per value (a missing value draws none)', async () => {
    const svg = await distributionChart(INPUT, { id: 'c', title: 't', description: 'd' });
    const bars = /<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)<\/g>/s.exec(svg)![1]; // the bars, not the legend's symbols
    const filled = bars.match(new RegExp(`<path[^>]*fill="${CHART_COLOURS.value}"[^>]*stroke="${CHART_COLOURS.value}"`, 'g')) ?? [];
    const hollow = bars.match(new RegExp(`<path[^>]*fill="${CHART_BACKGROUND}"[^>]*stroke="${CHART_COLOURS.value}"`, 'g')) ?? [];
    expect([filled.length, hollow.length]).toEqual([4, 3]);
  });

  it('escapeXml escapes the five XML characters', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('suppression of groups (the adapter over the breakdown rule)', () => {
  const cells = (sizes: Record<string, number>) => Object.entries(sizes).map(([key, n]) => ({ key, answered: n, denominator: n }));

  it('hides small groups (primary) and then the smallest shown group until none can be worked out (secondary)', () => {
    const v = suppressGroups(cells({ kommun: 8, larosate: 6, bransch: 5, lansstyrelse: 1, foretagsframjande: 2 }), 5);
    expect(Object.fromEntries([...v].map(([k, x]) => [k, x.reason]))).toEqual({
      kommun: null,
      larosate: null,
      bransch: 'secondary',
      lansstyrelse: 'primary',
      foretagsframjande: 'primary',
    });
    // a hidden block of 7 where 5 is a non-small group and the two small ones must be 1 each: every count known
    const w = suppressGroups(cells({ kommun: 8, larosate: 5, lansstyrelse: 1, foretagsframjande: 1 }), 5);
    expect([...w.values()].every((x) => x.hidden)).toBe(true);
  });

  it('judges a share resting on fewer than minN (the exclude policy) as small, as the breakdowns do', () => {
    const v = suppressGroups(
      [
        { key: 'a', answered: 6, denominator: 2 },
        { key: 'b', answered: 9, denominator: 9 },
        { key: 'c', answered: 7, denominator: 7 },
      ],
      5,
    );
    expect([v.get('a')!.reason, v.get('b')!.hidden, v.get('c')!.reason]).toEqual(['primary', false, 'secondary']);
  });

  it('hides one more group when the hidden ones together chose an option 0 % or 100 % (complementary disclosure)', () => {
    // a and b are small (3 each) and all chose "ja": shown c and d and the total would give away
    // that every organisation of a and b said "ja" unless another group is hidden as well
    const orgs = (type: string, from: number, ja: number, nej: number) =>
      Array.from({ length: ja + nej }, (_, i) => ({ organisationId: from + i, type, municipality: 'm', codes: [i < ja ? 'ja' : 'nej'] }));
    const answers = [...orgs('a', 1, 3, 0), ...orgs('b', 4, 3, 0), ...orgs('c', 7, 5, 5), ...orgs('d', 17, 4, 8)];
    const v = suppressAcross(answers, 5).type;
    expect([v.get('a')!.reason, v.get('b')!.reason, v.get('c')!.reason, v.get('d')!.hidden]).toEqual([
      'primary',
      'primary',
      'secondary',
      false,
    ]);
    // by size alone the block of a and b is safe, and c would be shown
    const bySize = suppressGroups(
      [3, 3, 10, 12].map((n, i) => ({ key: 'abcd'[i], answered: n, denominator: n })),
      5,
    );
    expect(bySize.get('c')!.hidden).toBe(false);
  });

  it('judges the type and municipality tables together: a municipality that is exactly a hidden type is hidden too', () => {
    // type a (2) is small and d is hidden to protect it; municipality x holds exactly the
    // organisations of type d, so showing x would give d, and with the total and b and c, a away
    const org = (id: number, type: string, municipality: string) => ({ organisationId: id, type, municipality, codes: ['ja'] });
    const answers = [
      ...[1, 2].map((id) => org(id, 'a', 'y')),
      ...[3, 4, 5, 6].map((id) => org(id, 'd', 'x')),
      ...[7, 8, 9, 10, 11].map((id) => org(id, 'b', 'y')),
      ...[12, 13, 14, 15, 16].map((id) => org(id, 'c', 'y')),
    ];
    const v = suppressAcross(answers, 3);
    expect([v.type.get('a')!.reason, v.type.get('d')!.reason]).toEqual(['primary', 'secondary']);
    expect([...v.municipality.values()].some((x) => x.hidden)).toBe(true);
    // one table at a time, the municipalities would both be shown
    const alone = suppressGroups(
      [
        { key: 'x', answered: 4, denominator: 4 },
        { key: 'y', answered: 12, denominator: 12 },
      ],
      3,
    );
    expect([...alone.values()].some((x) => x.hidden)).toBe(false);
  });

  it('hides every group when the small ones cannot be protected, and never an empty one for size', () => {
    const v = suppressGroups(cells({ a: 2, b: 1, c: 0 }), 5);
    expect([v.get('a')!.hidden, v.get('b')!.hidden, v.get('c')!.hidden]).toEqual([true, true, true]);
    const fine = suppressGroups(cells({ a: 6, b: 0, c: 5 }), 5);
    expect([...fine.values()].every((x) => !x.hidden)).toBe(true);
  });
});

describe('the group filter and the shuffle', () => {
  it('reads ?urval= values and refuses anything else', () => {
    expect(parseGroupValue(undefined)).toBeNull();
    expect(parseGroupValue('')).toBeNull();
    expect(parseGroupValue('typ:kommun')).toEqual({ by: 'type', key: 'kommun' });
    expect(parseGroupValue('kommun:Norrby')).toEqual({ by: 'municipality', key: 'Norrby' });
    expect(parseGroupValue('kommun:')).toEqual({ by: 'municipality', key: null });
    for (const bad of ['typ:', 'lan:x', 'kommun', ['typ:kommun']]) expect(parseGroupValue(bad)).toBe('invalid');
    expect(groupValue({ by: 'municipality', key: null })).toBe('kommun:');
  });

  it('shuffles every id exactly once', () => {
    const ids = Array.from({ length: 200 }, (_, i) => i + 1);
    const out = shuffled(ids);
    expect([...out].sort((a, b) => a - b)).toEqual(ids);
    expect(out).not.toEqual(ids); // 1 / 200! by chance
  });
});
