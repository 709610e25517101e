/**
 * The number rules of Partnerpuls (DOMAIN.md, "Rules for the numbers").
 *
 * Pure functions: no database, no HTTP, no clock. Every figure that ends up in a region's
 * annual report passes through here, so each rule states its formula and, where there is one,
 * its reference. All shares are computed from counts (rule 1), never from rounded percentages.
 *
 * Conventions
 * - "percent" values are on the 0–100 scale; "pp" (procentenheter) are differences of percents.
 * - Exact values (`value`, `changePp`, interval ends) are unrounded JavaScript numbers, meant for
 *   JSON and further computation. Displayed values are rounded half away from zero, from the exact
 *   fraction when counts are known (BigInt arithmetic, no float artefacts).
 * - Display strings are Swedish: decimal comma, a normal space (U+0020) before "%", the minus
 *   sign U+2212 ("−") for negatives, an en dash "–" (U+2013) when there is no value.
 * - Invalid input (negative or fractional counts, x > n, unknown policy…) throws a RangeError or
 *   TypeError: a wrong figure in an annual report is worse than an error page.
 */

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/**
 * z for a two-sided 95 % interval: the 0,975 quantile of the standard normal distribution,
 * Φ⁻¹(0,975) = 1,959963984540054… (to double precision).
 *
 * Not taken from simple-statistics (a dependency): its `probit(0.975)` uses Winitzki's
 * closed-form approximation of the inverse error function and returns 1,9571619…, 0,0028 too
 * small — enough to change shown figures: the worked example's `include` interval (11/15) would
 * read 48,1–89,1 % instead of 48,0–89,1 %, and about one in five Wilson intervals with
 * n ≤ 200 would show an end 0,1 off. simple-statistics has no exact normal quantile (its errorFunction is
 * good to about 1e-7), and no Wilson or Newcombe interval; so the exact constant is written out
 * here and the formulas below are implemented directly. (test/unit/numbers.test.ts checks both.
 * Note for a later switch: the package's types are ESM-only, so this CommonJS build can load it
 * only with a dynamic import().)
 */
export const Z_95 = 1.959963984540054;

/** Default colour tolerance in procentenheter (DOMAIN rule 4). */
export const DEFAULT_TOLERANCE_PP = 5;
/** Default dead band for the trend arrow in procentenheter (DOMAIN rule 5). */
export const DEFAULT_DEAD_BAND_PP = 1;
/** Default minimum number of answers for a breakdown cell to be shown (DOMAIN rule 8). */
export const DEFAULT_MIN_N = 5;

/** Shown where there is no value (en dash, U+2013). */
export const NO_VALUE_DISPLAY = '\u2013';
/** The typographic minus sign used in display strings (U+2212). */
export const MINUS_SIGN = '\u2212';

const MAX_DECIMALS = 10;

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export type Direction = 'higher' | 'lower';
export type Colour = 'green' | 'yellow' | 'red' | 'missing';
export type Trend = 'improved' | 'unchanged' | 'worsened' | 'none';
export type Status = 'helt' | 'delvis' | 'inte_alls' | 'varde_saknas';
export type DontKnowPolicy = 'include' | 'exclude';
export type Language = 'sv' | 'en';

/** A confidence interval; ends in percent (Wilson) or procentenheter (Newcombe), unrounded. */
export interface Interval {
  low: number;
  high: number;
}

// ---------------------------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------------------------

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer count, got ${String(value)}`);
  }
}

function assertInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be an integer, got ${String(value)}`);
  }
}

function assertShare(x: number, n: number, xName = 'x', nName = 'n'): void {
  assertCount(xName, x);
  assertCount(nName, n);
  if (x > n) throw new RangeError(`${xName} (${x}) cannot exceed ${nName} (${n})`);
}

function assertDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new RangeError(`decimals must be an integer 0–${MAX_DECIMALS}, got ${String(decimals)}`);
  }
}

function assertFinite(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${String(value)}`);
  }
}

function assertDirection(direction: Direction): void {
  if (direction !== 'higher' && direction !== 'lower') {
    throw new TypeError(`direction must be 'higher' or 'lower', got ${String(direction)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Exact decimal rounding (internal)
// ---------------------------------------------------------------------------------------------

/** A rounded decimal: (negative ? −1 : 1) × digits / 10^decimals, digits ≥ 0. Never "−0". */
interface RoundedDecimal {
  negative: boolean;
  digits: bigint;
  decimals: number;
}

/**
 * Rounds numerator/denominator to `decimals` decimals, half away from zero, exactly:
 * q = ⌊|num|·10^d / den⌋, r = remainder; q + 1 when 2r ≥ den. The sign is put back afterwards,
 * so −12,5 → −13 (away from zero), and a result of zero is never negative.
 */
function roundFraction(numerator: bigint, denominator: bigint, decimals: number): RoundedDecimal {
  if (denominator === 0n) throw new RangeError('denominator must not be 0');
  const negative = numerator < 0n !== denominator < 0n;
  const num = (numerator < 0n ? -numerator : numerator) * 10n ** BigInt(decimals);
  const den = denominator < 0n ? -denominator : denominator;
  let q = num / den;
  const r = num % den;
  if (2n * r >= den) q += 1n;
  return { negative: negative && q !== 0n, digits: q, decimals };
}

/**
 * Reads a JavaScript number as the decimal it stands for: its 15-significant-digit form
 * (`toPrecision(15)`), as an exact fraction digits / 10^scale.
 *
 * Why 15: every decimal with at most 15 significant digits survives a round trip through a
 * double, so a value typed as "1.005" or "57.14" comes back exactly as typed, while the
 * representation error (1.005 is stored as 1.00499999999999989…) and the error of a few
 * arithmetic steps (0.145 * 100 = 14.499999999999998) sit in the 16th–17th digit and vanish.
 * The cost is that a value which truly differs from a decimal in the 16th significant digit is
 * read as that decimal — far below anything a percentage in a report can carry.
 */
function decimalOf(value: number): { numerator: bigint; denominator: bigint } {
  const text = value.toPrecision(15); // e.g. "1.00500000000000", "-1.23000000000000e+21"
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!match) throw new RangeError(`cannot read ${String(value)} as a decimal`);
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  let digits = BigInt(whole + fraction);
  let scale = fraction.length - exponent; // value = digits / 10^scale
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { numerator: sign === '-' ? -digits : digits, denominator: 10n ** BigInt(scale) };
}

/**
 * The sign (−1, 0, 1) of a sum of given values, each read as the decimal it stands for
 * (`decimalOf`), added exactly with BigInt arithmetic. This is how a value is compared with a
 * target, a tolerance or a dead band (DOMAIN rules 4–5): 60 − 64,9 + 4,9 is exactly 0, while in
 * binary floating point 64.9 − 4.9 = 60.00000000000001. Pass a negated value to subtract (negation
 * is exact in floating point).
 */
function signOfSum(values: readonly number[]): -1 | 0 | 1 {
  const decimals = values.map((v) => decimalOf(v));
  const common = decimals.reduce((den, d) => (d.denominator > den ? d.denominator : den), 1n); // powers of ten: the largest is a common multiple
  const sum = decimals.reduce((total, d) => total + d.numerator * (common / d.denominator), 0n);
  return sum > 0n ? 1 : sum < 0n ? -1 : 0;
}

function roundValue(value: number, decimals: number): RoundedDecimal {
  assertFinite('value', value);
  assertDecimals(decimals);
  const { numerator, denominator } = decimalOf(value);
  return roundFraction(numerator, denominator, decimals);
}

/** "57.1" style plain string (point, ASCII minus) — used to build the JS number exactly. */
function plainString(rounded: RoundedDecimal): string {
  const { whole, fraction } = splitDigits(rounded);
  return `${rounded.negative ? '-' : ''}${whole}${fraction ? '.' + fraction : ''}`;
}

function splitDigits(rounded: RoundedDecimal): { whole: string; fraction: string } {
  const padded = rounded.digits.toString().padStart(rounded.decimals + 1, '0');
  const cut = padded.length - rounded.decimals;
  return { whole: padded.slice(0, cut), fraction: padded.slice(cut) };
}

/** The nearest double to the rounded decimal (Number("57.1")). */
function toNumber(rounded: RoundedDecimal): number {
  return Number(plainString(rounded));
}

/**
 * Swedish digits: decimal comma, minus U+2212; integer parts of five digits or more are grouped
 * in threes with a no-break space (U+00A0) so they never wrap (Språkrådet: four-digit numbers
 * are written together, "1234"; "12 345").
 */
function swedishDigits(rounded: RoundedDecimal): string {
  const { whole, fraction } = splitDigits(rounded);
  const grouped = whole.length >= 5 ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0') : whole;
  return `${rounded.negative ? MINUS_SIGN : ''}${grouped}${fraction ? ',' + fraction : ''}`;
}

// ---------------------------------------------------------------------------------------------
// 1–2. Exact percent and rounding
// ---------------------------------------------------------------------------------------------

/**
 * The exact share x/n in percent, unrounded: 100·x / n (computed as (100·x)/n, one correctly
 * rounded division). `null` when n = 0 — there is no share of nothing.
 * x and n must be integers (counts); n ≥ 0. This is the JSON `value` of a figure.
 */
export function percentExact(x: number, n: number): number | null {
  assertInteger('x', x);
  assertCount('n', n);
  if (n === 0) return null;
  return (100 * x) / n;
}

/**
 * x/n in percent rounded to `decimals` decimals, half away from zero, on the exact fraction
 * with BigInt arithmetic (DOMAIN rule 3): 1/8 → 12,5 → 13; 8/14 → 57 (0 dec.), 57,1 (1 dec.);
 * −1/8 → −13. `null` when n = 0.
 */
export function roundedPercent(x: number, n: number, decimals: number): number | null {
  assertInteger('x', x);
  assertCount('n', n);
  assertDecimals(decimals);
  if (n === 0) return null;
  return toNumber(roundFraction(100n * BigInt(x), BigInt(n), decimals));
}

/**
 * The change p1 − p2 in procentenheter, x1/n1 − x2/n2 = 100·(x1·n2 − x2·n1)/(n1·n2), rounded
 * exactly (half away from zero) when both years' counts are known. `null` when n1 or n2 is 0.
 */
export function roundedChangePp(x1: number, n1: number, x2: number, n2: number, decimals = 0): number | null {
  assertShare(x1, n1, 'x1', 'n1');
  assertShare(x2, n2, 'x2', 'n2');
  assertDecimals(decimals);
  if (n1 === 0 || n2 === 0) return null;
  const numerator = 100n * (BigInt(x1) * BigInt(n2) - BigInt(x2) * BigInt(n1));
  return toNumber(roundFraction(numerator, BigInt(n1) * BigInt(n2), decimals));
}

/**
 * Rounds a given value (not a fraction of counts — e.g. an imported historical "57.14", or an
 * exact change in pp) half away from zero to `decimals` decimals.
 *
 * Method: the value is read as its 15-significant-digit decimal (see `decimalOf`), and that
 * decimal is rounded exactly with BigInt arithmetic. So 1.005 → 1.01 (2 dec.), 0.125*100 = 12.5
 * → 13, 0.145*100 (= 14.499999999999998 in floating point) → 15, −2.5 → −3, −0.4 → 0 (never −0).
 * When the counts are known, prefer `roundedPercent`/`roundedChangePp`, which need no such care.
 */
export function roundHalfAwayFromZero(value: number, decimals = 0): number {
  return toNumber(roundValue(value, decimals));
}

// ---------------------------------------------------------------------------------------------
// 3. Swedish formatting — the one helper for the whole product
// ---------------------------------------------------------------------------------------------

/**
 * A number with `decimals` decimals (rounded half away from zero), Swedish style:
 * 57.14 → "57,1"; −3 → "−3"; 12345 → "12 345" (no-break space). `null` → "–".
 */
export function formatNumber(value: number | null, decimals = 0): string {
  if (value === null) return NO_VALUE_DISPLAY;
  return swedishDigits(roundValue(value, decimals));
}

/**
 * A percent value: 57.142857 → "57 %" (0 dec.), "57,1 %" (1 dec.); `null` → "–".
 * The space before % is a normal space (U+0020). The value is rounded half away from zero;
 * to format a share of counts exactly, use `formatShare(x, n, decimals)`.
 */
export function formatPercent(value: number | null, decimals = 0): string {
  if (value === null) return NO_VALUE_DISPLAY;
  return `${formatNumber(value, decimals)} %`;
}

/** The share x/n formatted from the exact fraction: formatShare(1, 8) → "13 %"; n = 0 → "–". */
export function formatShare(x: number, n: number, decimals = 0): string {
  assertInteger('x', x);
  assertCount('n', n);
  assertDecimals(decimals);
  if (n === 0) return NO_VALUE_DISPLAY;
  return `${swedishDigits(roundFraction(100n * BigInt(x), BigInt(n), decimals))} %`;
}

/**
 * A change in procentenheter with an explicit sign: 38.57 → "+39 procentenheter",
 * −16.19 → "−16 procentenheter", 0.3 → "0 procentenheter" (a change that rounds to zero has no
 * sign), ±1 → "+1 procentenhet" (Swedish singular; with decimals the plural is used: "+1,0
 * procentenheter"). `null` → "–".
 */
export function formatPp(deltaPp: number | null, decimals = 0): string {
  if (deltaPp === null) return NO_VALUE_DISPLAY;
  const rounded = roundValue(deltaPp, decimals);
  const sign = rounded.digits === 0n ? '' : rounded.negative ? '' : '+'; // swedishDigits adds "−"
  const unit = decimals === 0 && rounded.digits === 1n ? 'procentenhet' : 'procentenheter';
  return `${sign}${swedishDigits(rounded)} ${unit}`;
}

function assertResponseCounts(responded: number, invited: number): void {
  assertCount('responded', responded);
  assertCount('invited', invited);
  if (responded > invited) {
    throw new RangeError(`responded (${responded}) cannot exceed invited (${invited})`);
  }
}

/** Svarsfrekvens as shown next to every survey-fed figure (DOMAIN rule 7): "14 av 17". */
export function formatResponseRate(responded: number, invited: number): string {
  assertResponseCounts(responded, invited);
  return `${formatNumber(responded)} av ${formatNumber(invited)}`;
}

/** "12 av 17 (71 %)" — the percent from the exact fraction; "0 av 0 (–)" when none invited. */
export function formatResponseRateWithPercent(responded: number, invited: number): string {
  assertResponseCounts(responded, invited);
  return `${formatResponseRate(responded, invited)} (${formatShare(responded, invited, 0)})`;
}

// ---------------------------------------------------------------------------------------------
// 4–5. Uncertainty: Wilson and Newcombe
// ---------------------------------------------------------------------------------------------

/** Wilson interval on the 0–1 scale (internal). x and n already validated, n > 0. */
function wilsonProportion(x: number, n: number, z: number): Interval {
  const z2 = z * z;
  const centre = (x + z2 / 2) / (n + z2);
  const halfWidth = (z / (n + z2)) * Math.sqrt((x * (n - x)) / n + z2 / 4);
  // At x = 0 and x = n the exact ends are 0 and 1; set them so float noise cannot leak in.
  const low = x === 0 ? 0 : Math.max(0, centre - halfWidth);
  const high = x === n ? 1 : Math.min(1, centre + halfWidth);
  return { low, high };
}

/**
 * 95 % (by default) Wilson score interval for the share x/n, in percent, unrounded.
 * `null` when n = 0.
 *
 *   centre    = (x + z²/2) / (n + z²)
 *   halfWidth = z / (n + z²) · √( x(n − x)/n + z²/4 )
 *   interval  = centre ± halfWidth   (exactly 0 at x = 0 and exactly 100 % at x = n)
 *
 * References: E. B. Wilson, "Probable inference, the law of succession, and statistical
 * inference", JASA 22 (1927) 209–212; R. G. Newcombe, "Two-sided confidence intervals for the
 * single proportion: comparison of seven methods", Statistics in Medicine 17 (1998) 857–872,
 * method 3. Example: 11/14 → 52,4–92,4 %.
 */
export function wilsonInterval(x: number, n: number, z: number = Z_95): Interval | null {
  assertShare(x, n);
  assertFinite('z', z);
  if (z <= 0) throw new RangeError('z must be positive');
  if (n === 0) return null;
  const { low, high } = wilsonProportion(x, n, z);
  return { low: low * 100, high: high * 100 };
}

/**
 * 95 % interval for the difference of two independent shares p1 − p2 (p1 = x1/n1 is usually this
 * year, p2 = x2/n2 last year), in procentenheter, unrounded. `null` when n1 or n2 is 0.
 *
 * Newcombe's hybrid score interval — R. G. Newcombe, "Interval estimation for the difference
 * between independent proportions: comparison of eleven methods", Statistics in Medicine 17
 * (1998) 873–890, method 10. With (l1, u1), (l2, u2) the Wilson intervals of p1 and p2
 * and δ = p1 − p2:
 *
 *   low  = δ − √( (p1 − l1)² + (u2 − p2)² )
 *   high = δ + √( (u1 − p1)² + (p2 − l2)² )
 *
 * Example: 11/14 vs 6/15 → +2,9 to +63,0 pp; from the paper, 56/70 vs 48/80 → 5,24 to 33,39 pp.
 */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, z: number = Z_95): Interval | null {
  assertShare(x1, n1, 'x1', 'n1');
  assertShare(x2, n2, 'x2', 'n2');
  assertFinite('z', z);
  if (z <= 0) throw new RangeError('z must be positive');
  if (n1 === 0 || n2 === 0) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const w1 = wilsonProportion(x1, n1, z);
  const w2 = wilsonProportion(x2, n2, z);
  const delta = p1 - p2;
  const low = delta - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2);
  const high = delta + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2);
  return { low: low * 100, high: high * 100 };
}

/**
 * Is the change from x2/n2 (last year) to x1/n1 (this year) statistically clear (DOMAIN rule 6)?
 * `true` when the Newcombe interval excludes 0 (low > 0 or high < 0; an end exactly at 0 counts
 * as including it), `false` otherwise, `null` when a year has no denominator (no comparison).
 */
export function isChangeClear(x1: number, n1: number, x2: number, n2: number, z: number = Z_95): boolean | null {
  const interval = newcombeDifference(x1, n1, x2, n2, z);
  if (interval === null) return null;
  return interval.low > 0 || interval.high < 0;
}

// ---------------------------------------------------------------------------------------------
// 6. Colour (färgindikator)
// ---------------------------------------------------------------------------------------------

export interface ColourInput {
  /**
   * The value as displayed in the indicator table (whole percent). A value with decimals is
   * first rounded to whole percent (half away from zero), so the colour always agrees with the
   * figure the reader sees. `null` = no value.
   */
  displayed: number | null;
  /** Målvärde in percent; `null` = no target set. */
  target: number | null;
  /** Allowed deviation in procentenheter for yellow; default 5. */
  tolerance?: number;
  direction: Direction;
}

/**
 * The traffic light (DOMAIN rule 4), judged on the displayed (rounded) value.
 * higher is better: green if value ≥ target; yellow if value ≥ target − tolerance; else red.
 * lower is better:  green if value ≤ target; yellow if value ≤ target + tolerance; else red.
 * Compared exactly on the decimals (64,9 − 4,9 is 60), never in binary floating point.
 * 'missing' (grey, "värde saknas") when there is no value — and also when there is a value but
 * no target: without a målvärde there is nothing to judge against (DOMAIN is silent; decided here).
 */
export function colourFor(input: ColourInput): Colour {
  const { displayed, target, tolerance = DEFAULT_TOLERANCE_PP, direction } = input;
  assertDirection(direction);
  assertFinite('tolerance', tolerance);
  if (tolerance < 0) throw new RangeError('tolerance must not be negative');
  if (displayed === null || displayed === undefined) return 'missing';
  if (target === null || target === undefined) return 'missing';
  assertFinite('target', target);
  const value = roundHalfAwayFromZero(displayed, 0);
  // Exact decimal comparisons (signOfSum), never value >= target - tolerance in floating point.
  if (direction === 'higher') {
    if (signOfSum([value, -target]) >= 0) return 'green';
    if (signOfSum([value, -target, tolerance]) >= 0) return 'yellow';
    return 'red';
  }
  if (signOfSum([value, -target]) <= 0) return 'green';
  if (signOfSum([value, -target, -tolerance]) <= 0) return 'yellow';
  return 'red';
}

/** Colour labels — the text that always accompanies the colour (WCAG 1.4.1). */
export const COLOUR_LABELS: Readonly<Record<Language, Readonly<Record<Colour, string>>>> = {
  sv: {
    green: 'Grön – målet uppnått',
    yellow: 'Gul – mindre, godtagbar avvikelse',
    red: 'Röd – större negativ avvikelse',
    missing: 'Värde saknas',
  },
  en: {
    green: 'Green – target met',
    yellow: 'Yellow – minor, acceptable deviation',
    red: 'Red – major negative deviation',
    missing: 'No value',
  },
};

export function colourLabel(colour: Colour, language: Language = 'sv'): string {
  return COLOUR_LABELS[language][colour];
}

// ---------------------------------------------------------------------------------------------
// 7. Trend (förändringspil)
// ---------------------------------------------------------------------------------------------

export interface TrendInput {
  /** This year's exact (unrounded) value in percent; `null` = no value. */
  current: number | null;
  /** Last year's exact (unrounded) value in percent; `null` = no value. */
  previous: number | null;
  /** |Δ| below this many procentenheter is "oförändrat"; default 1. */
  deadBand?: number;
  direction: Direction;
}

export interface TrendResult {
  trend: Trend;
  /** current − previous in procentenheter, unrounded; `null` when either value is missing. */
  changePp: number | null;
}

/**
 * The arrow vs last year (DOMAIN rule 5), from the unrounded values: Δ = current − previous.
 * 'none' when either value is missing (no arrow); 'unchanged' when |Δ| < deadBand; otherwise
 * improved/worsened according to the direction (for lower-is-better a decrease is improved).
 * Δ and |Δ| < deadBand are computed on the decimals the values stand for (signOfSum), so a float
 * difference like 0.9999999999999964 for a true 1 pp is not mistaken for "below the dead band",
 * and a change of exactly 0 is "unchanged" whatever the dead band (changePp is then 0).
 */
export function trendFor(input: TrendInput): TrendResult {
  const { current, previous, deadBand = DEFAULT_DEAD_BAND_PP, direction } = input;
  assertDirection(direction);
  assertFinite('deadBand', deadBand);
  if (deadBand < 0) throw new RangeError('deadBand must not be negative');
  if (current === null || current === undefined || previous === null || previous === undefined) {
    return { trend: 'none', changePp: null };
  }
  assertFinite('current', current);
  assertFinite('previous', previous);
  // Δ = current − previous, and |Δ| against the dead band, exactly (signOfSum): a change of exactly
  // 0 is always unchanged (also with a dead band of 0), and 0,3 − 0,1 is not below a dead band of 0,2.
  const sign = signOfSum([current, -previous]);
  if (sign === 0) return { trend: 'unchanged', changePp: 0 };
  const belowBand = sign > 0 ? signOfSum([current, -previous, -deadBand]) < 0 : signOfSum([previous, -current, -deadBand]) < 0;
  const changePp = current - previous;
  if (belowBand) return { trend: 'unchanged', changePp };
  const up = sign > 0;
  const improved = direction === 'higher' ? up : !up;
  return { trend: improved ? 'improved' : 'worsened', changePp };
}

export const TREND_LABELS: Readonly<Record<Language, Readonly<Record<Trend, string>>>> = {
  sv: { improved: 'förbättrats', unchanged: 'oförändrat', worsened: 'försämrats', none: 'ingen jämförelse' },
  en: { improved: 'improved', unchanged: 'unchanged', worsened: 'worsened', none: 'no comparison' },
};

export function trendLabel(trend: Trend, language: Language = 'sv'): string {
  return TREND_LABELS[language][trend];
}

// ---------------------------------------------------------------------------------------------
// 8. Status
// ---------------------------------------------------------------------------------------------

/** green → helt, yellow → delvis, red → inte alls, missing → värde saknas. */
export function statusFromColour(colour: Colour): Status {
  switch (colour) {
    case 'green':
      return 'helt';
    case 'yellow':
      return 'delvis';
    case 'red':
      return 'inte_alls';
    case 'missing':
      return 'varde_saknas';
    default:
      throw new TypeError(`unknown colour ${String(colour)}`);
  }
}

export const STATUS_LABELS: Readonly<Record<Language, Readonly<Record<Status, string>>>> = {
  sv: { helt: 'Helt', delvis: 'Delvis', inte_alls: 'Inte alls', varde_saknas: 'Värde saknas' },
  en: { helt: 'Fully', delvis: 'Partly', inte_alls: 'Not at all', varde_saknas: 'No value' },
};

export function statusLabel(status: Status, language: Language = 'sv'): string {
  return STATUS_LABELS[language][status];
}

// ---------------------------------------------------------------------------------------------
// 9. A survey-fed share
// ---------------------------------------------------------------------------------------------

export interface ShareInput {
  /** optionCode → number of organisations that chose it (single choice, one answer per organisation). */
  counts: Readonly<Record<string, number>> | ReadonlyMap<string, number>;
  /** Options that count towards the numerator (e.g. mycket hög + hög + till viss del). */
  numeratorCodes: readonly string[];
  /** The "Vet ej" option(s). May be empty when the question has none. */
  dontKnowCodes: readonly string[];
  /** Required, no default (DOMAIN rule 2). */
  policy: DontKnowPolicy;
  /** Organisations invited to the round. */
  invited: number;
  /** Organisations that responded to the survey (submitted). */
  responded: number;
  /** Of those that responded, how many left this question unanswered. */
  unanswered: number;
}

export interface Share {
  policy: DontKnowPolicy;
  numerator: number;
  /** include: all that answered the question; exclude: those that answered minus "Vet ej". */
  denominator: number;
  /** Organisations that answered the question (sum of counts). */
  answered: number;
  dontKnow: number;
  unanswered: number;
  invited: number;
  responded: number;
  /** Exact share in percent, `null` when the denominator is 0. */
  value: number | null;
  /** Whole percent, rounded on the exact fraction (indicator tables). */
  display: number | null;
  /** One decimal, rounded on the exact fraction (analysis views). */
  displayOneDecimal: number | null;
  /** 95 % Wilson interval, percent, unrounded. */
  ciLow: number | null;
  ciHigh: number | null;
  /** "Vet ej" as a share of all that answered the question (whatever the policy), exact percent. */
  dontKnowShare: number | null;
}

function isCountMap(counts: ShareInput['counts']): counts is ReadonlyMap<string, number> {
  return counts instanceof Map;
}

function countOf(counts: ShareInput['counts'], code: string): number {
  const count = isCountMap(counts) ? counts.get(code) : counts[code];
  return count === undefined ? 0 : count;
}

function entriesOf(counts: ShareInput['counts']): [string, number][] {
  return isCountMap(counts) ? [...counts.entries()] : Object.entries(counts);
}

/**
 * The share behind a survey-fed indicator, from the raw counts (DOMAIN rules 1, 2, 6, 7).
 *
 *   answered    = Σ counts                      (organisations that answered the question)
 *   numerator   = Σ counts[numeratorCodes]
 *   dontKnow    = Σ counts[dontKnowCodes]
 *   denominator = answered              (policy 'include': "of the organisations that answered")
 *               = answered − dontKnow   (policy 'exclude')
 *   value       = 100 · numerator / denominator, null when denominator = 0
 *
 * Checks: counts are non-negative integers; numerator and "Vet ej" codes do not overlap;
 * answered + unanswered = responded ≤ invited. Codes absent from `counts` count as 0.
 */
export function computeShare(input: ShareInput): Share {
  const { counts, numeratorCodes, dontKnowCodes, policy, invited, responded, unanswered } = input;
  if (policy !== 'include' && policy !== 'exclude') {
    throw new TypeError(`a "Vet ej" policy ('include' or 'exclude') is required, got ${String(policy)}`);
  }
  if (!numeratorCodes || numeratorCodes.length === 0) throw new TypeError('numeratorCodes must not be empty');
  if (!dontKnowCodes) throw new TypeError('dontKnowCodes is required (may be empty)');
  const overlap = numeratorCodes.filter((code) => dontKnowCodes.includes(code));
  if (overlap.length > 0) throw new RangeError(`codes both in numerator and "Vet ej": ${overlap.join(', ')}`);
  assertResponseCounts(responded, invited);
  assertCount('unanswered', unanswered);

  let answered = 0;
  for (const [code, count] of entriesOf(counts)) {
    assertCount(`counts[${code}]`, count);
    answered += count;
  }
  if (answered + unanswered !== responded) {
    throw new RangeError(`answered (${answered}) + unanswered (${unanswered}) must equal responded (${responded})`);
  }
  const sum = (codes: readonly string[]): number => [...new Set(codes)].reduce((total, code) => total + countOf(counts, code), 0);
  const numerator = sum(numeratorCodes);
  const dontKnow = sum(dontKnowCodes);
  const denominator = policy === 'include' ? answered : answered - dontKnow;

  const interval = wilsonInterval(numerator, denominator);
  return {
    policy,
    numerator,
    denominator,
    answered,
    dontKnow,
    unanswered,
    invited,
    responded,
    value: percentExact(numerator, denominator),
    display: roundedPercent(numerator, denominator, 0),
    displayOneDecimal: roundedPercent(numerator, denominator, 1),
    ciLow: interval ? interval.low : null,
    ciHigh: interval ? interval.high : null,
    dontKnowShare: percentExact(dontKnow, answered),
  };
}

/** A number in a Swedish CSV cell: decimal comma, at most 10 decimals, never an exponent. */
export function csvNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '';
  const fixed = Number(n.toFixed(10));
  return (Object.is(fixed, -0) ? 0 : fixed)
    .toFixed(10)
    .replace(/\.?0+$/, '')
    .replace('.', ',');
}
