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

export function isLocale(v: unknown): v is Locale {
  return v === 'sv' || v === 'en';
}
