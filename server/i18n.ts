// Swedish first, English second. Keys are the Swedish text itself, so a template reads as
// Swedish and a missing English string falls back to Swedish rather than to a key.
// Interpolation uses %{name} so it cannot clash with Handlebars' {{ }}.
//
// User data is only ever an interpolation value, never a translation key — and even so the
// translator is built so that a name that reaches it cannot do anything: without values a key is
// only looked up (a text that is not a key comes back exactly as given, no %{…} or $t(…) is read
// in it); values are handed to i18next as `replace` (so a value can never set an option such as
// lng) with nesting ($t(…)) off and never read again after they are put in.
import i18next, { type i18n as I18n, type TOptions } from 'i18next';
import en from './locales/en.json';

export type Locale = 'sv' | 'en';
export const LOCALES: Locale[] = ['sv', 'en'];

let instance: I18n | null = null;

export function getI18n(): I18n {
  if (instance) return instance;
  const i = i18next.createInstance();
  void i.init({
    initAsync: false,
    lng: 'sv',
    fallbackLng: false,
    supportedLngs: LOCALES,
    keySeparator: false,
    nsSeparator: false,
    returnEmptyString: false,
    interpolation: { escapeValue: false, prefix: '%{', suffix: '}' },
    resources: { sv: { translation: {} }, en: { translation: en } },
  });
  instance = i;
  return i;
}

/** Translates a key into the locale, with %{name} values put in (see the top). */
export type Translate = (key: string, values?: Record<string, unknown>) => string;

export function translator(locale: Locale): Translate {
  const i = getI18n();
  return (key, values) => {
    if (typeof key !== 'string') return '';
    if (!values || Object.keys(values).length === 0) {
      const found: unknown = i.getResource(locale, 'translation', key);
      return typeof found === 'string' && found !== '' ? found : key;
    }
    const options = { lng: locale, replace: values, nest: false, interpolation: { skipOnVariables: true } } as TOptions;
    return String(i.t(key, options));
  };
}

// What i18next gives for a (locale, key, values) never changes while the app runs (the strings
// are loaded once), and a page asks for the same strings on every view (17 on the form, 110 on
// the indicator table; 10–35 µs each): the results are kept, up to MEMO_MAX, then started over.
const MEMO_MAX = 20_000;
const memo = new Map<string, string>();

function memoKey(locale: Locale, key: string, values: Record<string, unknown> | undefined): string | null {
  if (!values) return `${locale}\u0000${key}`;
  const names = Object.keys(values);
  if (names.length === 0) return `${locale}\u0000${key}`;
  for (const n of names) {
    const v = values[n];
    if (v !== null && v !== undefined && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return null;
  }
  return `${locale}\u0000${key}\u0000${JSON.stringify(values)}`;
}

/** i18next's translation of `key` in `locale` with `values` (as `translator(locale)(key, values)`), kept once made. */
export function translate(locale: Locale, key: string, values?: Record<string, unknown>): string {
  const k = memoKey(locale, key, values);
  if (k !== null) {
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
  }
  const out = String(translator(locale)(key, values ?? {}));
  if (k !== null) {
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(k, out);
  }
  return out;
}

export function isLocale(v: unknown): v is Locale {
  return v === 'sv' || v === 'en';
}
