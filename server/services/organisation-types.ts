// The kinds of organisation in a regional-development partnership, with stable codes
// (used in imports, exports and breakdowns) and Swedish/English labels.
export const ORGANISATION_TYPES = [
  { code: 'kommun', sv: 'Kommun', en: 'Municipality' },
  { code: 'region', sv: 'Region', en: 'Region' },
  { code: 'lansstyrelse', sv: 'Länsstyrelse', en: 'County administrative board' },
  { code: 'larosate', sv: 'Universitet eller högskola', en: 'University or university college' },
  { code: 'statlig_myndighet', sv: 'Statlig myndighet', en: 'Government agency' },
  { code: 'foretagsframjande', sv: 'Företagsfrämjande aktör', en: 'Business-support organisation' },
  { code: 'naringsliv', sv: 'Näringslivsorganisation', en: 'Business organisation' },
  { code: 'bransch', sv: 'Branschorganisation', en: 'Trade association' },
  { code: 'folkhogskola', sv: 'Folkhögskola', en: 'Folk high school' },
  { code: 'civilsamhalle', sv: 'Idéburen organisation', en: 'Civil-society organisation' },
  { code: 'annan', sv: 'Annan', en: 'Other' },
] as const;

export type OrganisationType = (typeof ORGANISATION_TYPES)[number]['code'];

export function organisationTypeLabel(code: string, locale: 'sv' | 'en' = 'sv'): string {
  const t = ORGANISATION_TYPES.find((x) => x.code === code);
  return t ? t[locale] : code;
}

/** Accepts the code or the Swedish/English label, case-insensitively (for imports). */
export function parseOrganisationType(v: string): OrganisationType | null {
  const s = v.trim().toLowerCase();
  const t = ORGANISATION_TYPES.find((x) => x.code === s || x.sv.toLowerCase() === s || x.en.toLowerCase() === s);
  return t ? t.code : null;
}

/** Swedish organisation number NNNNNN-NNNN with a valid Luhn check digit; returns the normalised form. */
export function normaliseOrganisationNumber(v: string): string | null {
  const digits = v.replace(/[\s-]/g, '');
  const ten = digits.length === 12 ? digits.slice(2) : digits;
  if (!/^\d{10}$/.test(ten)) return null;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let d = Number(ten[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  if (sum % 10 !== 0) return null;
  return `${ten.slice(0, 6)}-${ten.slice(6)}`;
}

/** Completes nine digits with the Luhn check digit (used for demo data). */
export function withCheckDigit(nine: string): string {
  for (let c = 0; c <= 9; c++) {
    const n = normaliseOrganisationNumber(nine + c);
    if (n) return n;
  }
  throw new Error('unreachable');
}
