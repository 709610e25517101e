// The drafted comment per indicator, in the style the regions already write (DOMAIN.md, "How the
// annual report presents it"): the question asked, when it was measured, the share for each
// answer option with one decimal, the most common answer, the options nobody chose, which
// options were summed into the figure, the change since last year in procentenheter and whether
// it is statistically clear, and the response rate. A suggestion the analyst takes into the
// comment field and edits; every number is read from the indicator's row (the same computation
// as the table), never typed or worked out again here.
import type { DistributionEntry, IndicatorRow } from './indicators';
import { formatChange } from './indicator-view';
import { formatPercent } from './numbers';

export interface DraftContext {
  /** The question as the respondents read it (survey indicators). */
  questionText: string | null;
  /** "december 2024", from the round's closing date; null when unknown (an imported round). */
  measuredMonth: string | null;
  /** "arbetsmötet" for attendance indicators. */
  meetingLabel: string | null;
}

const quote = (s: string) => `”${s}”`;

/** "A", "A och B", "A, B och C". */
export function listSv(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} och ${items[items.length - 1]}`;
}

function measuredWhen(row: IndicatorRow, ctx: DraftContext): string {
  return ctx.measuredMonth ? `I mätningen ${ctx.measuredMonth}` : `I mätningen ${row.year}`;
}

/** The answer options: each share, the most common, the ones nobody chose. */
function distributionSentences(distribution: DistributionEntry[]): string[] {
  const answered = distribution.filter((d) => d.count > 0);
  if (answered.length === 0) return [];
  const shares = distribution.map((d) => `${quote(d.label)} ${d.shareDisplay}`);
  const most = Math.max(...answered.map((d) => d.count));
  const top = answered.filter((d) => d.count === most);
  const nobody = distribution.filter((d) => d.count === 0).map((d) => quote(d.label));
  const out = [`Svaren fördelade sig så här: ${listSv(shares)}.`];
  out.push(
    top.length === 1
      ? `Vanligast var svaret ${quote(top[0].label)} (${top[0].shareDisplay}).`
      : `Vanligast var svaren ${listSv(top.map((d) => quote(d.label)))} (${top[0].shareDisplay} vardera).`,
  );
  if (nobody.length > 0) out.push(`Ingen organisation valde ${listSv(nobody).replace(/ och (?=[^,]*$)/, ' eller ')}.`);
  return out;
}

/** Which options were summed into the figure, and of whom the share is. */
function figureSentence(row: IndicatorRow, ctx: DraftContext): string {
  const summed = row.distribution.filter((d) => d.inNumerator).map((d) => quote(d.label));
  const of =
    row.dontKnowPolicy === 'exclude' && (row.dontKnow ?? 0) > 0
      ? 'av de organisationer som tog ställning (Vet ej räknas inte med)'
      : 'av de svarande organisationerna';
  const options = summed.length === 1 ? `svaret ${summed[0]}` : `något av svaren ${listSv(summed).replace(/ och (?=[^,]*$)/, ' eller ')}`;
  return `${measuredWhen(row, ctx)} angav ${row.displayOneDecimal} ${of} ${options} (${row.numerator} av ${row.denominator}).`;
}

/** "Jämfört med föregående år en minskning med 16 procentenheter, som inte är statistiskt säkerställd." */
export function changeSentence(row: IndicatorRow): string {
  if (row.changePp === null) return `Det finns inget värde för ${row.previousYear} att jämföra med.`;
  const amount = formatChange(row.changePp, row.trend).replace(/^[+−]/, '');
  if (row.trend === 'unchanged')
    return `Jämfört med föregående år är andelen i stort sett oförändrad (${formatChange(row.changePp, row.trend)}).`;
  const direction = row.changePp > 0 ? 'en ökning' : 'en minskning';
  const base = `Jämfört med föregående år ${direction} med ${amount} (från ${formatPercent(row.previousValue, 0)})`;
  if (row.kind === 'attendance') return `${base}.`;
  if (row.changeIsClear === true) return `${base}, som är statistiskt säkerställd.`;
  if (row.changeIsClear === false) return `${base}, som inte är statistiskt säkerställd.`;
  return `${base}; om den är statistiskt säkerställd kan inte bedömas, eftersom antalen saknas för ett av åren.`;
}

function surveyDraft(row: IndicatorRow, ctx: DraftContext): string[] {
  const out: string[] = [];
  if (ctx.questionText) out.push(`Observera att enkätundersökningen har ställt följande fråga: ${quote(ctx.questionText)}`);
  out.push(figureSentence(row, ctx), ...distributionSentences(row.distribution), changeSentence(row));
  if (row.responded !== null && row.invited !== null) out.push(`${row.responded} av ${row.invited} organisationer har svarat på enkäten.`);
  return out;
}

function attendanceDraft(row: IndicatorRow, ctx: DraftContext): string[] {
  const meeting = ctx.meetingLabel ?? 'mötet';
  return [
    `Under ${row.year} var ${row.numerator} av ${row.denominator} organisationer i partnerskapet representerade vid ${meeting} (${row.displayOneDecimal}).`,
    changeSentence(row),
  ];
}

/** The drafted comment for one indicator row. */
export function draftComment(row: IndicatorRow, ctx: DraftContext): string {
  if (row.value === null) {
    const why = row.notes[0] ?? 'det finns inga svar, ingen registrerad närvaro och inget inläst värde för året.';
    return `För ${row.year} kan utfall ej lämnas: ${why.charAt(0).toLowerCase()}${why.slice(1)}`;
  }
  let sentences: string[];
  if (row.origin === 'survey') sentences = surveyDraft(row, ctx);
  else if (row.origin === 'attendance') sentences = attendanceDraft(row, ctx);
  else
    sentences = [
      `Utfallet för ${row.year} är ${row.displayOneDecimal}${row.source ? ` (källa: ${row.source})` : ''}.`,
      changeSentence(row),
    ];
  return sentences.join(' ');
}
