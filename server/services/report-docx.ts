// The year's report as a Word document (npm `docx`), ready to paste into the region's report
// template: real headings (Rubrik 1–4), real tables with a header row, the charts as PNG images
// (drawn by resvg from the same SVG as the page) with alternative text. The same view model as
// the page (services/report.ts), so every figure is the one on the page.
import { AlignmentType, Document, HeadingLevel, ImageRun, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import { translator } from '../i18n';
import { svgSize, svgToPng } from './charts/render';
import type { ReportBlock, ReportModel } from './report';
import type { PresentedRow } from './indicator-view';
import type { Colour } from './numbers';

type T = ReturnType<typeof translator>;

const COLOUR_HEX: Record<Colour, string> = { green: '0B5D1E', yellow: '7A5B00', red: 'B3261E', missing: '505050' };
const FONT = 'Arial';

function cell(text: string, opts: { bold?: boolean; right?: boolean } = {}): TableCell {
  return new TableCell({
    children: [
      new Paragraph({
        alignment: opts.right ? AlignmentType.RIGHT : AlignmentType.LEFT,
        children: [new TextRun({ text, bold: opts.bold, font: FONT })],
      }),
    ],
  });
}

/** A table with a repeated header row; `right` = the columns with numbers. */
function table(header: string[], rows: string[][], right: number[] = []): Table {
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: header.map((h, i) => cell(h, { bold: true, right: right.includes(i) })) }),
      ...rows.map((r) => new TableRow({ children: r.map((c, i) => cell(c, { bold: i === 0, right: right.includes(i) })) })),
    ],
  });
}

const para = (text: string, opts: { bold?: boolean; italics?: boolean } = {}) =>
  new Paragraph({ spacing: { after: 120 }, children: [new TextRun({ text, font: FONT, ...opts })] });
const heading = (text: string, level: (typeof HeadingLevel)[keyof typeof HeadingLevel]) =>
  new Paragraph({ heading: level, children: [new TextRun({ text })] });
const caption = (text: string) =>
  new Paragraph({ spacing: { before: 120 }, children: [new TextRun({ text, bold: true, font: FONT, size: 20 })] });

function colourRun(row: PresentedRow, t: T): TextRun[] {
  return [
    new TextRun({ text: `${row.colourSymbol} `, color: COLOUR_HEX[row.colour], font: FONT }),
    new TextRun({ text: t(row.colourLabel), font: FONT }),
  ];
}

function changeText(row: PresentedRow, t: T): string {
  const arrow = row.trendSymbol ? `${row.trendSymbol} ` : '';
  const amount = row.changeDisplay === '–' ? '' : `: ${row.changeAmount} ${t(row.changeUnit)}`;
  const clarity = row.clarityText ? `. ${t(row.clarityText)}` : '';
  return `${arrow}${t(row.trendLabel)}${amount}${clarity}`;
}

/** Utfall, målvärde, colour, change, interval, response rate, Vet ej, status: as a two-column table. */
function figures(b: ReportBlock, t: T): Table {
  const rows: Array<[string, string | TextRun[]]> = [
    [
      t('Utfall'),
      b.numerator !== null
        ? `${b.display} (${b.displayOneDecimal}, ${t('%{x} av %{n}', { x: b.numerator, n: b.denominator })})`
        : b.display,
    ],
    [t('Målvärde'), b.targetDisplay],
    [t('Färg'), colourRun(b, t)],
    [t('Förändring sedan %{year}', { year: b.previousYear }), changeText(b, t)],
  ];
  if (b.hasCi) rows.push([t('95 % konfidensintervall'), b.ciDisplay]);
  if (b.responseRate) {
    rows.push([t('Svarsfrekvens'), t('%{x} av %{n}', { x: b.responded, n: b.invited })]);
    rows.push([t('Vet ej'), b.dontKnowDisplayOneDecimal]);
  }
  if (b.origin === 'attendance') rows.push([t('Representerade'), t('%{x} av %{n}', { x: b.numerator, n: b.denominator })]);
  if (b.isImported) rows.push([t('Underlag'), `${t(b.originLabel)}${b.source ? `: ${b.source}` : ''}`]);
  rows.push([t('Status'), t(b.statusLabel)]);
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: rows.map(
      ([label, value]) =>
        new TableRow({
          children: [
            cell(label, { bold: true }),
            typeof value === 'string' ? cell(value) : new TableCell({ children: [new Paragraph({ children: value })] }),
          ],
        }),
    ),
  });
}

function chartImage(b: ReportBlock): Paragraph[] {
  if (!b.chart) return [];
  const { width, height } = svgSize(b.chart.svg);
  const scale = Math.min(1, 600 / width);
  return [
    new Paragraph({
      spacing: { before: 200 },
      children: [
        new ImageRun({
          type: 'png',
          data: svgToPng(b.chart.svg),
          transformation: { width: Math.round(width * scale), height: Math.round(height * scale) },
          altText: { name: b.chart.id, title: b.chart.caption, description: b.chart.caption },
        }),
      ],
    }),
  ];
}

function block(b: ReportBlock, t: T): Array<Paragraph | Table> {
  const out: Array<Paragraph | Table> = [heading(b.name, HeadingLevel.HEADING_4), figures(b, t)];
  if (b.distribution.length > 0) {
    out.push(caption(t('Svar per alternativ %{year} (andel av dem som besvarade frågan)', { year: b.year })));
    out.push(
      table(
        [t('Svarsalternativ'), t('Antal'), t('Andel')],
        b.distribution.map((d) => [d.label, String(d.count), d.shareDisplay]),
        [1, 2],
      ),
    );
  }
  out.push(para(t('Kommentar'), { bold: true }), para(b.comment ?? t('Ingen kommentar.'), { italics: !b.comment }));
  if (b.chart) {
    out.push(...chartImage(b), para(b.chart.caption, { italics: true }));
    out.push(caption(t('Utfall per år sedan %{year}', { year: b.series[0].year })));
    const header = [t('År'), t('Utfall'), t('Målvärde'), ...(b.hasCi ? [t('95 % konfidensintervall')] : [])];
    out.push(
      table(
        header,
        b.series.map((s) => [String(s.year), s.display, s.targetDisplay, ...(b.hasCi ? [s.ciDisplay] : [])]),
        [1, 2, 3],
      ),
    );
  }
  return out;
}

function front(m: ReportModel, t: T): Array<Paragraph | Table> {
  const status = m.publication
    ? t('Publicerade siffror, version %{version} (%{date}).', {
        version: m.publication.version,
        date: m.publication.publishedAt.slice(0, 10),
      })
    : t('Preliminära siffror: %{year} är inte publicerat och siffrorna kan ändras.', { year: m.year });
  return [
    para(m.regionName, { bold: true }),
    heading(t('Indikatorer %{year}', { year: m.year }), HeadingLevel.HEADING_1),
    para(status),
    heading(t('Teckenförklaring'), HeadingLevel.HEADING_2),
    ...m.legend.colours.map(
      (c) => new Paragraph({ children: [new TextRun({ text: `${c.symbol} `, color: COLOUR_HEX[c.colour] }), new TextRun(c.label)] }),
    ),
    para(`↑ ${m.legend.trends[0]} · → ${m.legend.trends[1]} · ↓ ${m.legend.trends[2]}`),
    para(`${t('Status för perioden')}: ${m.legend.statuses.join(' · ')}`),
    heading(t('Sammanfattning per målnivå'), HeadingLevel.HEADING_2),
    caption(t('Antal indikatorer per färg och målnivå %{year}', { year: m.year })),
    table(
      [t('Målnivå'), t('Grön'), t('Gul'), t('Röd'), t('Värde saknas')],
      m.levels.map((l) => [
        t('%{level} (%{n} st)', { level: t(l.label), n: l.count }),
        ...(['green', 'yellow', 'red', 'missing'] as const).map((c) => String(l.summary[c])),
      ]),
      [1, 2, 3, 4],
    ),
  ];
}

/** The report as a .docx file. */
export async function reportDocx(m: ReportModel): Promise<Buffer> {
  const t = translator(m.locale);
  const children: Array<Paragraph | Table> = [...front(m, t)];
  for (const level of m.levels) {
    children.push(heading(t(level.label), HeadingLevel.HEADING_2));
    for (const g of level.goals) {
      children.push(heading(g.goal || t('Utan mål'), HeadingLevel.HEADING_3));
      children.push(
        table(
          [t('Indikatorer'), t('Utfall'), t('Målvärde'), t('Färg'), t('Förändring')],
          g.blocks.map((b) => [
            b.name,
            b.display,
            b.targetDisplay,
            `${b.colourSymbol} ${t(b.colourLabel)}`,
            `${b.trendSymbol} ${t(b.trendLabel)}`.trim(),
          ]),
          [1, 2],
        ),
      );
      for (const b of g.blocks) children.push(...block(b, t));
    }
  }
  const doc = new Document({
    creator: 'Partnerpuls',
    title: `${m.regionName} – ${t('Indikatorer %{year}', { year: m.year })}`,
    styles: { default: { document: { run: { font: FONT, size: 22 } } } },
    sections: [{ children }],
  });
  return Packer.toBuffer(doc);
}
